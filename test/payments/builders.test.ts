import { strict as assert } from "assert";
import { HttpRoute, VirtualServiceSpec } from "../../components/istio/types";
import { KubeObject } from "../../components/k8s";
import { gatewaySelector } from "../../components/mesh/builders";
import { backendReplicaBounds, PaymentsManifests, paymentsManifests } from "../../components/payments/manifests";
import { CLUSTER_DNS } from "../../components/payments/security";
import { backendRoutes, edgeGateway, edgeVirtualService, ESCAPED_SLASH_PATH_REGEX, HSTS_VALUE, ingressRateLimit, ROUTE_POLICY } from "../../components/payments/traffic";
import { postgresStatefulSet } from "../../components/payments/workloads";
import { collectorHost, JAEGER_COLLECTOR } from "../../components/tracing";
import { manifestsFor, membershipOn, paymentsConfig } from "./fixtures";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function all(m: PaymentsManifests): KubeObject[] {
    return [m.namespace, ...m.security, ...m.base, ...m.egress, ...m.workloads, ...m.scaling, ...m.routing, ...m.ingress, m.certificate];
}

function find(m: PaymentsManifests, kind: string, name: string): Obj {
    const found = all(m).find((o) => o.kind === kind && o.metadata.name === name);
    assert.ok(found, `no ${kind} ${name}; have ${all(m).map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
    return found as Obj;
}

const podSpec = (o: Obj): Obj => o.spec.template.spec;

describe("payments builders", () => {
    const m = manifestsFor("prod");

    describe("namespace", () => {
        it("carries the tag the mesh gives the namespace, never istio-injection", () => {
            const labels = manifestsFor("dev", {}, membershipOn("1-31-4", { tags: { "prod-stable": "1-31-4", "prod-canary": "1-31-4" }, namespaces: { "dodo-payments": "prod-canary" } })).namespace.metadata.labels!;
            assert.equal(labels["istio.io/rev"], "prod-canary");
            assert.equal(labels["istio-injection"], undefined);
        });

        it("rolls the Deployments onto their namespace's revision, and PostgreSQL onto its own entry only", () => {
            const annotated = (mm: PaymentsManifests) => Object.fromEntries(mm.workloads.map((w) => [w.metadata.name, (w as Obj).spec.template.metadata.annotations["dodo.dev/istio-revision"]]));
            assert.deepEqual(annotated(manifestsFor("dev")), { postgres: "default", "backend-v1": "default", "backend-v2": "default", frontend: "default" });
            const moved = membershipOn("default", { revisions: ["default", "1-31-4"], tags: { "prod-stable": "default", "prod-canary": "1-31-4" }, namespaces: { "dodo-payments": "prod-canary" } });
            assert.deepEqual(annotated(manifestsFor("dev", {}, moved)), { postgres: "default", "backend-v1": "1-31-4", "backend-v2": "1-31-4", frontend: "1-31-4" });
        });

        it("puts every namespaced object in dodo-payments except the gateway's and the certificate", () => {
            const elsewhere = all(m).filter((o) => o.metadata.namespace && o.metadata.namespace !== "dodo-payments").map((o) => `${o.kind}/${o.metadata.namespace}`);
            assert.deepEqual(elsewhere.sort(), ["Certificate/istio-ingress", "EnvoyFilter/istio-ingress", "Gateway/istio-ingress"]);
        });
    });

    describe("workloads", () => {
        const workloads = ["frontend", "backend-v1", "backend-v2", "postgres"].map((n) => find(m, n === "postgres" ? "StatefulSet" : "Deployment", n));

        it("labels frontend v1 and backend v1/v2 with app and version, and selects by them", () => {
            const labelsOf = (name: string) => find(m, "Deployment", name).spec.template.metadata.labels;
            assert.deepEqual([labelsOf("frontend").app, labelsOf("frontend").version], ["frontend", "v1"]);
            assert.deepEqual([labelsOf("backend-v1").app, labelsOf("backend-v1").version], ["backend", "v1"]);
            assert.deepEqual([labelsOf("backend-v2").app, labelsOf("backend-v2").version], ["backend", "v2"]);
            assert.deepEqual(find(m, "Deployment", "backend-v2").spec.selector.matchLabels, { app: "backend", version: "v2" });
        });

        it("runs each backend version's own image", () => {
            const image = (name: string) => podSpec(find(m, "Deployment", name)).containers[0].image;
            assert.equal(image("backend-v1"), "ghcr.io/dodopayments/payments-backend:2.7.0");
            assert.equal(image("backend-v2"), "ghcr.io/dodopayments/payments-backend:2.8.0");
        });

        it("runs v1's image in backend-v2 when no canary image is set", () => {
            const idle = manifestsFor("dev", { images: { frontend: "f:1", backendV1: "b:1" }, canary: { weight: 0, edgeHeader: true } });
            assert.equal(podSpec(find(idle, "Deployment", "backend-v2")).containers[0].image, "b:1");
        });

        it("hardens every pod: non-root, read-only root, no escalation, no capabilities, RuntimeDefault seccomp", () => {
            for (const w of workloads) {
                const spec = podSpec(w);
                assert.equal(spec.securityContext.runAsNonRoot, true, w.metadata.name);
                assert.notEqual(spec.securityContext.runAsUser, 0);
                assert.notEqual(spec.securityContext.runAsUser, 1337, "1337 is the sidecar's UID");
                assert.equal(spec.securityContext.seccompProfile.type, "RuntimeDefault");
                for (const c of spec.containers) {
                    assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${w.metadata.name}/${c.name}`);
                    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
                    assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
                }
            }
        });

        it("probes readiness, liveness and start-up, requests CPU and memory and limits memory", () => {
            for (const w of workloads) {
                const c = podSpec(w).containers[0];
                for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) assert.ok(c[probe], `${w.metadata.name} ${probe}`);
                assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, w.metadata.name);
            }
        });

        it("spreads pods across zones, hard outside dev", () => {
            const zone = (mm: PaymentsManifests) => podSpec(find(mm, "Deployment", "backend-v1")).topologySpreadConstraints.find((t: Obj) => t.topologyKey === "topology.kubernetes.io/zone");
            assert.equal(zone(m).whenUnsatisfiable, "DoNotSchedule");
            assert.equal(zone(manifestsFor("dev")).whenUnsatisfiable, "ScheduleAnyway");
            for (const w of workloads) assert.ok(podSpec(w).topologySpreadConstraints.some((t: Obj) => t.topologyKey === "topology.kubernetes.io/zone"), w.metadata.name);
        });

        it("mounts writable emptyDirs only at /tmp, plus PostgreSQL's socket directory", () => {
            const mounts = (w: Obj) => podSpec(w).containers[0].volumeMounts.filter((v: Obj) => podSpec(w).volumes.some((vol: Obj) => vol.name === v.name && vol.emptyDir)).map((v: Obj) => v.mountPath);
            assert.deepEqual(mounts(find(m, "Deployment", "frontend")), ["/tmp"]);
            assert.deepEqual(mounts(find(m, "StatefulSet", "postgres")).sort(), ["/tmp", "/var/run/postgresql"]);
        });

        it("does not mount service account tokens, and the accounts do not automount them", () => {
            for (const w of workloads) assert.equal(podSpec(w).automountServiceAccountToken, false);
            for (const sa of ["frontend-sa", "backend-sa", "postgres-sa"]) assert.equal(find(m, "ServiceAccount", sa).automountServiceAccountToken, false);
            assert.deepEqual(workloads.map((w) => podSpec(w).serviceAccountName), ["frontend-sa", "backend-sa", "backend-sa", "postgres-sa"]);
        });

        it("gives the backend host, port, database and the credential files (mounted from the Secret, never inlined)", () => {
            const backend = podSpec(find(m, "Deployment", "backend-v1"));
            const env = backend.containers[0].env as Obj[];
            const byName = Object.fromEntries(env.map((e) => [e.name, e]));
            assert.equal(byName.DB_HOST.value, "postgres.dodo-payments.svc.cluster.local");
            assert.equal(byName.DB_PORT.value, "5432");
            assert.equal(byName.DB_NAME.value, "payments");
            assert.equal(byName.DB_PASSWORD_FILE.value, "/var/run/secrets/dodo/db/password");
            assert.equal(byName.DB_USER_FILE.value, "/var/run/secrets/dodo/db/username");
            assert.equal(byName.DB_SSLMODE.value, "disable", "in-cluster: the sidecars' mTLS carries the stream");
            assert.ok(!env.some((e) => e.valueFrom?.secretKeyRef), "no secret in the environment (it would not follow a rotation)");
            const volume = (backend.volumes as Obj[]).find((v) => v.name === "db-credentials")!;
            assert.deepEqual(volume.secret.secretName, "postgres-credentials");
            assert.ok(!(backend.containers[0].volumeMounts as Obj[]).some((vm) => vm.subPath), "no subPath: the kubelet refreshes the files");
        });

        it("starts replicas at the HPA minimum", () => {
            for (const name of ["frontend", "backend-v1", "backend-v2"]) {
                assert.equal(find(m, "Deployment", name).spec.replicas, find(m, "HorizontalPodAutoscaler", name).spec.minReplicas, name);
            }
        });

        it("gives an idle canary (weight 0) one pod, and a minimum that follows the weight once it takes traffic", () => {
            const bounds = { min: 3, max: 10 };
            assert.deepEqual(backendReplicaBounds(bounds, 0), { v1: bounds, v2: { min: 1, max: 10 } });
            assert.deepEqual(backendReplicaBounds(bounds, 100), { v1: bounds, v2: { min: 10, max: 10 } }, "all of the peak");
            const idle = manifestsFor("prod", { canary: { weight: 0, edgeHeader: true }, backendReplicas: bounds });
            assert.deepEqual([find(idle, "HorizontalPodAutoscaler", "backend-v2").spec.minReplicas, find(idle, "Deployment", "backend-v2").spec.replicas], [1, 1]);
            assert.equal(find(idle, "HorizontalPodAutoscaler", "backend-v1").spec.minReplicas, 3);
        });
    });

    describe("PostgreSQL", () => {
        const sts = postgresStatefulSet({ environment: "prod", meshAnnotations: {}, image: "docker.io/library/postgres:17.9-bookworm", storageGiB: 100, storageClass: "gp3" });

        it("stores data on a gp3 claim, in a subdirectory of the volume", () => {
            const claim = (sts.spec as Obj).volumeClaimTemplates[0];
            assert.equal(claim.spec.storageClassName, "gp3");
            assert.equal(claim.spec.resources.requests.storage, "100Gi");
            const env = podSpec(sts as Obj).containers[0].env as Obj[];
            assert.equal(env.find((e) => e.name === "PGDATA")!.value, "/var/lib/postgresql/data/pgdata");
        });

        it("runs as the image's postgres user with fsGroup, and probes with pg_isready", () => {
            const spec = podSpec(sts as Obj);
            assert.equal(spec.securityContext.runAsUser, 999);
            assert.equal(spec.securityContext.fsGroup, 999);
            assert.equal(spec.containers[0].readinessProbe.exec.command[0], "pg_isready");
        });

        it("takes its password from the Secret, which carries the configured value", () => {
            const env = podSpec(sts as Obj).containers[0].env as Obj[];
            assert.deepEqual(env.find((e) => e.name === "POSTGRES_PASSWORD")!.valueFrom.secretKeyRef, { name: "postgres-credentials", key: "password" });
            assert.equal(find(m, "Secret", "postgres-credentials").stringData.password, "correct-horse-battery-staple");
        });

        it("keeps its volume when deleted outside dev", () => {
            assert.equal((sts.spec as Obj).persistentVolumeClaimRetentionPolicy.whenDeleted, "Retain");
        });

        it("is governed by a headless Service selecting its pods; clients keep the ClusterIP Service", () => {
            const sset = find(m, "StatefulSet", "postgres");
            const governing = find(m, "Service", sset.spec.serviceName);
            assert.equal(governing.spec.clusterIP, "None");
            const podLabels = sset.spec.template.metadata.labels;
            assert.ok(Object.entries(governing.spec.selector).every(([k, v]) => podLabels[k] === v));
            const env = podSpec(find(m, "Deployment", "backend-v1")).containers[0].env as Obj[];
            const client = find(m, "Service", env.find((e) => e.name === "DB_HOST")!.value.split(".")[0]);
            assert.notEqual(client.spec.clusterIP, "None");
            assert.notEqual(client.metadata.name, governing.metadata.name);
        });
    });

    describe("services, autoscaling and disruption budgets", () => {
        it("names ports for Istio protocol selection", () => {
            const port = (name: string) => find(m, "Service", name).spec.ports[0];
            assert.deepEqual([port("frontend-service").port, port("frontend-service").name], [80, "http-web"]);
            assert.deepEqual([port("backend-service").port, port("backend-service").name], [3000, "http-api"]);
            assert.deepEqual([port("postgres").port, port("postgres").name], [5432, "tcp-postgres"]);
        });

        it("autoscales frontend and both backend versions with autoscaling/v2 within the configured bounds", () => {
            const hpas = m.scaling.filter((o) => o.kind === "HorizontalPodAutoscaler") as Obj[];
            assert.deepEqual(hpas.map((h) => h.metadata.name), ["frontend", "backend-v1", "backend-v2"]);
            assert.ok(hpas.every((h) => h.apiVersion === "autoscaling/v2"));
            assert.deepEqual([hpas[1].spec.minReplicas, hpas[1].spec.maxReplicas], [2, 6]);
        });

        it("has a PDB per workload, and none blocks a node drain (single-replica PostgreSQL included)", () => {
            for (const env of ["dev", "staging", "prod"] as const) {
                const mm = manifestsFor(env);
                const pdbs = mm.scaling.filter((o) => o.kind === "PodDisruptionBudget") as Obj[];
                assert.deepEqual(pdbs.map((p) => p.metadata.name), ["frontend", "backend-v1", "backend-v2", "postgres"]);
                for (const pdb of pdbs) {
                    // minAvailable >= replicas or maxUnavailable 0 makes every eviction fail (EKS PodEvictionFailure).
                    assert.equal(pdb.spec.minAvailable, undefined, `${env} ${pdb.metadata.name}`);
                    assert.ok(pdb.spec.maxUnavailable >= 1, `${env} ${pdb.metadata.name} allows no eviction`);
                }
            }
        });
    });

    describe("edge", () => {
        it("serves HTTPS with the certificate's secret, TLS 1.2+, the host only, and redirects HTTP", () => {
            const gw = edgeGateway({ host: "pay.dodopayments.com" }).spec;
            assert.deepEqual(gw.selector, { istio: "ingressgateway" });
            const https = gw.servers.find((s) => s.port.number === 443)!;
            assert.deepEqual(https.tls, { mode: "SIMPLE", credentialName: "dodo-payments-tls", minProtocolVersion: "TLSV1_2" });
            assert.deepEqual(https.hosts, ["dodo-payments/pay.dodopayments.com"]);
            const http = gw.servers.find((s) => s.port.number === 80)!;
            assert.equal(http.tls?.httpsRedirect, true);
            assert.ok(gw.servers.every((s) => s.hosts.every((h) => !h.includes("*"))));
        });

        it("issues the host certificate for the configured host, from the issuer it is given, where the Gateway reads it", () => {
            const prod = paymentsManifests({
                environment: "prod",
                mesh: membershipOn("1-31-4"),
                config: paymentsConfig({ host: "pay.dodopayments.com", tls: { issuer: "letsencrypt", hostedZone: "pay.dodopayments.com", acmeEmail: "ops@dodopayments.com", installCertManager: true } }),
                issuerName: "letsencrypt",
                postgresImage: "docker.io/library/postgres:17.9-bookworm",
                storageClass: "gp3",
            });
            const cert = prod.certificate as Obj;
            const gw = prod.ingress.find((o) => o.kind === "Gateway") as Obj;
            assert.deepEqual(cert.spec.dnsNames, ["pay.dodopayments.com"]);
            assert.equal(cert.spec.commonName, "pay.dodopayments.com");
            assert.deepEqual(cert.spec.issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: "letsencrypt" });
            const https = gw.spec.servers.find((sv: Obj) => sv.port.number === 443);
            assert.equal(cert.spec.secretName, https.tls.credentialName, "the Gateway serves the Secret the Certificate writes");
            assert.equal(cert.metadata.namespace, gw.metadata.namespace);
            assert.deepEqual(https.hosts, [`dodo-payments/${cert.spec.dnsNames[0]}`]);
        });

        it("routes /api and /api/* to the backend on 3000 and the rest to the frontend on 80, through the gateway", () => {
            const vs = find(m, "VirtualService", "payments-edge").spec as VirtualServiceSpec;
            assert.deepEqual(vs.gateways, ["istio-ingress/dodo-gateway"]);
            assert.deepEqual(vs.hosts, ["pay.dev.dodopayments.com"]);
            const api = vs.http!.filter((r) => r.name!.startsWith("api"));
            const uris = (r: HttpRoute) => [...new Set(r.match!.map((mm) => JSON.stringify(mm.uri)))].sort();
            for (const r of api) assert.deepEqual(uris(r), ['{"exact":"/api"}', '{"prefix":"/api/"}'], r.name);
            assert.ok(api.every((r) => r.route!.every((d) => d.destination.host === "backend-service.dodo-payments.svc.cluster.local" && d.destination.port!.number === 3000)));
            const last = vs.http![vs.http!.length - 1];
            assert.equal(last.match, undefined, "the frontend route is the catch-all, last");
            assert.deepEqual(last.route![0].destination, { host: "frontend-service.dodo-payments.svc.cluster.local", port: { number: 80 } });
        });

        it("answers 400 itself, before every other route, to a path with an escaped / or \\ in any case, at the edge and in the mesh", () => {
            for (const name of ["payments-edge", "backend-canary"]) {
                const first = (find(m, "VirtualService", name).spec as VirtualServiceSpec).http![0];
                assert.deepEqual([first.name, first.directResponse?.status, first.route], ["reject-escaped-slashes", 400, undefined], name);
                assert.deepEqual(first.match, [{ uri: { regex: ESCAPED_SLASH_PATH_REGEX } }], "the URI alone: no method or header lets a request around it");
            }
            // Envoy's safe_regex must match the whole path (query excluded); RE2 reads this one as JavaScript does.
            const re = new RegExp(`^(?:${ESCAPED_SLASH_PATH_REGEX})$`);
            for (const p of ["/api/payments/x%2F..%2Fadmin%2Frefunds", "/api/payments/x%2f", "/x%5Cy", "/%5c"]) assert.ok(re.test(p), p);
            for (const p of ["/api/payments/pay_123", "/api/payments/%252F", "/api/payments/%2", "/a%2Eb"]) assert.equal(re.test(p), false, p);
        });

        it("retries frontend reads on 5xx but other methods (a form POST) only when never sent", () => {
            const vs = find(m, "VirtualService", "payments-edge").spec as VirtualServiceSpec;
            const fe = vs.http!.filter((r) => r.route?.[0].destination.host.startsWith("frontend-service"));
            assert.deepEqual(fe.map((r) => r.name), ["frontend-read", "frontend"]);
            const methods = fe[0].match!.map((mm) => (mm.method && "exact" in mm.method ? mm.method.exact : "*"));
            assert.deepEqual([...new Set(methods)].sort(), ["GET", "HEAD"]);
            assert.match(fe[0].retries!.retryOn!, /(^|,)5xx(,|$)/);
            assert.equal(fe[1].match, undefined);
            assert.deepEqual(fe[1].retries!.retryOn!.split(",").sort(), ["connect-failure", "refused-stream", "reset-before-request"]);
            assert.equal(fe[1].retries!.perTryTimeout, fe[1].timeout);
        });

        it("sets HSTS on every response and the environment header on backend requests", () => {
            const vs = find(manifestsFor("staging"), "VirtualService", "payments-edge").spec as VirtualServiceSpec;
            for (const r of vs.http!) assert.equal(r.headers!.response!.set!["strict-transport-security"], HSTS_VALUE, r.name);
            for (const r of vs.http!.filter((h) => h.name!.startsWith("api"))) assert.equal(r.headers!.request!.set!["x-dodo-environment"], "staging");
        });

        it("rate-limits at the ingress gateway pods, answering 429", () => {
            const ef = ingressRateLimit({ maxTokens: 300, tokensPerFill: 120, fillIntervalSeconds: 2 });
            assert.equal(ef.apiVersion, "networking.istio.io/v1alpha3");
            const podLabels = gatewaySelector();
            assert.ok(Object.entries(ef.spec.workloadSelector!.labels!).every(([k, v]) => podLabels[k] === v), "selects the gateway chart's pods");
            assert.equal(ef.metadata.namespace, "istio-ingress");
            const patch = ef.spec.configPatches[0];
            assert.deepEqual([patch.applyTo, patch.match!.context, patch.patch.operation], ["HTTP_FILTER", "GATEWAY", "INSERT_BEFORE"]);
            assert.ok((ef.spec.priority ?? 0) > 0, "a relative insert needs a non-zero priority (istioctl IST0151)");
            const cfg = (patch.patch.value as Obj).typed_config;
            assert.equal((patch.patch.value as Obj).name, "envoy.filters.http.local_ratelimit");
            assert.equal(cfg.token_bucket.fill_interval, "2s", "a protobuf Duration string");
            assert.equal(cfg.status.code, "TooManyRequests");
            assert.equal(cfg.response_headers_to_add[0].header.key, "x-local-rate-limit");
        });
    });

    describe("canary routing", () => {
        const weights = (r: HttpRoute) => Object.fromEntries(r.route!.map((d) => [d.destination.subset, d.weight]));

        it("splits by the configured weight, v1 taking the rest, in the edge and in the mesh", () => {
            for (const name of ["payments-edge", "backend-canary"]) {
                const vs = find(manifestsFor("dev", { canary: { weight: 35, edgeHeader: true } }), "VirtualService", name).spec as VirtualServiceSpec;
                for (const r of vs.http!.filter((h) => h.name === "api-read" || h.name === "api-write")) assert.deepEqual(weights(r), { v1: 65, v2: 35 }, `${name} ${r.name}`);
            }
        });

        it("keeps weights summing to 100 at every step of a rollout", () => {
            for (const w of [0, 1, 50, 99, 100]) {
                for (const r of backendRoutes({ canaryWeight: w })) assert.equal(r.route!.reduce((s, d) => s + (d.weight ?? 0), 0), 100);
            }
        });

        it("honours x-canary at the edge with payments.canary.edgeHeader; without it the edge strips it and never routes on it", () => {
            for (const edgeHeader of [true, false]) {
                const env = edgeHeader ? "staging" : "prod";
                const vs = find(manifestsFor(env, { canary: { weight: 20, edgeHeader } }), "VirtualService", "payments-edge").spec as VirtualServiceSpec;
                const pinned = vs.http!.filter((r) => r.match?.some((mm) => mm.headers?.["x-canary"]));
                const stripped = vs.http!.filter((r) => r.headers?.request?.remove?.includes("x-canary")).map((r) => r.name);
                if (!edgeHeader) {
                    assert.deepEqual(pinned, [], "no edge route matches x-canary");
                    assert.deepEqual(stripped, vs.http!.filter((r) => r.route).map((r) => r.name), "every forwarding edge route removes it, so the frontend cannot pass it on");
                } else {
                    assert.deepEqual(pinned.map((r) => r.name), ["api-canary-read", "api-canary-write"], env);
                    assert.deepEqual(stripped, [], env);
                }
                // Inside the mesh the header always pins to v2.
                const mesh = find(manifestsFor(env), "VirtualService", "backend-canary").spec as VirtualServiceSpec;
                assert.deepEqual(mesh.http!.slice(0, 3).map((r) => r.name), ["reject-escaped-slashes", "api-canary-read", "api-canary-write"], env);
            }
            const edge = edgeVirtualService({ host: "pay.dodopayments.com", environment: "prod", canaryWeight: 0, canaryHeader: false }).spec;
            assert.ok(edge.http!.every((r) => (r.route ?? []).every((d) => d.destination.subset !== "v2" || d.weight === 0)), "at weight 0 nothing at the edge reaches v2");
        });

        it("sends x-canary: always to v2 first, whatever the weight", () => {
            const routes = backendRoutes({ canaryWeight: 0 });
            const pinned = routes.filter((r) => r.match!.some((mm) => mm.headers?.["x-canary"]));
            assert.deepEqual(pinned.map((r) => r.name), ["api-canary-read", "api-canary-write"]);
            assert.deepEqual(routes.slice(0, 2).map((r) => r.name), ["api-canary-read", "api-canary-write"], "pinned routes come before the split");
            for (const r of pinned) {
                assert.deepEqual(weights(r), { v1: 0, v2: 100 });
                assert.ok(r.match!.every((mm) => "exact" in mm.headers!["x-canary"] && mm.headers!["x-canary"].exact === "always"));
            }
        });

        it("routes the in-mesh backend host for sidecar callers only", () => {
            const vs = find(m, "VirtualService", "backend-canary").spec as VirtualServiceSpec;
            assert.deepEqual(vs.hosts, ["backend-service.dodo-payments.svc.cluster.local"]);
            assert.deepEqual(vs.gateways, ["mesh"]);
        });

        it("defines one subset per backend Deployment, selecting exactly that Deployment's pods", () => {
            const dr = find(m, "DestinationRule", "backend").spec;
            const svc = find(m, "Service", "backend-service");
            assert.equal(dr.host, `${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`);
            const deployments = ["backend-v1", "backend-v2"].map((n) => find(m, "Deployment", n));
            for (const subset of dr.subsets as Obj[]) {
                const selector = { ...svc.spec.selector, ...subset.labels };
                const selected = deployments.filter((d) => Object.entries(selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
                assert.deepEqual(selected.map((d) => d.metadata.name), [`backend-${subset.name}`], `subset ${subset.name}`);
            }
            // Every subset a route names exists.
            for (const name of ["payments-edge", "backend-canary"]) {
                for (const r of (find(m, "VirtualService", name).spec as VirtualServiceSpec).http!) {
                    for (const d of (r.route ?? []).filter((x) => x.destination.subset)) assert.ok(dr.subsets.some((sb: Obj) => sb.name === d.destination.subset), `${name} ${r.name}`);
                }
            }
        });

        it("passes each circuit-breaking setting to the field Envoy enforces it with", () => {
            const cb = { maxConnections: 11, maxPendingRequests: 12, consecutive5xxErrors: 13, baseEjectionSeconds: 14, maxEjectionPercent: 15 };
            const tp = find(manifestsFor("dev", { circuitBreaker: cb }), "DestinationRule", "backend").spec.trafficPolicy;
            assert.deepEqual(
                [tp.connectionPool.tcp.maxConnections, tp.connectionPool.http.http2MaxRequests, tp.connectionPool.http.http1MaxPendingRequests, tp.outlierDetection.consecutive5xxErrors, tp.outlierDetection.baseEjectionTime, tp.outlierDetection.maxEjectionPercent],
                [11, 11, 12, 13, "14s", 15],
            );
        });
    });

    describe("timeouts and retries", () => {
        const routes = backendRoutes({ canaryWeight: 10 });
        const methodsOf = (r: HttpRoute) => r.match!.map((mm) => (mm.method && "exact" in mm.method ? mm.method.exact : "*"));

        it("puts a timeout on every route that forwards, edge and mesh", () => {
            for (const name of ["payments-edge", "backend-canary"]) {
                const http = (find(m, "VirtualService", name).spec as VirtualServiceSpec).http!;
                for (const r of http.filter((x) => !x.directResponse)) assert.ok(r.timeout, `${name} ${r.name}`);
                // The one route that answers itself forwards nothing to wait for.
                assert.deepEqual(http.filter((x) => x.directResponse).map((x) => x.name), ["reject-escaped-slashes"]);
            }
        });

        it("retries GET and HEAD on 5xx", () => {
            for (const r of routes.filter((x) => x.name!.endsWith("read"))) {
                assert.deepEqual([...new Set(methodsOf(r))].sort(), ["GET", "HEAD"]);
                assert.match(r.retries!.retryOn!, /(^|,)5xx(,|$)/);
            }
        });

        it("never retries a payment POST once it may have reached the backend", () => {
            const writes = routes.filter((x) => x.name!.endsWith("write"));
            assert.equal(writes.length, 2);
            for (const r of writes) {
                const on = r.retries!.retryOn!.split(",").sort();
                assert.deepEqual(on, ["connect-failure", "refused-stream", "reset-before-request"]);
                assert.ok(r.retries!.attempts > 0, "explicit retries replace Istio's default, which retries 503");
                assert.equal(r.retries!.perTryTimeout, r.timeout, "a slow try is never cut short and re-sent");
            }
            assert.equal(ROUTE_POLICY.write.retries.retryOn.includes("5xx"), false);
        });

        it("evaluates reads before writes so a GET gets the read policy", () => {
            const order = routes.map((r) => r.name);
            assert.ok(order.indexOf("api-read") < order.indexOf("api-write"));
            assert.ok(order.indexOf("api-canary-read") < order.indexOf("api-canary-write"));
        });
    });

    describe("zero trust", () => {
        it("enforces STRICT mTLS in the namespace", () => {
            const pa = find(m, "PeerAuthentication", "default");
            assert.equal(pa.metadata.namespace, "dodo-payments");
            assert.deepEqual(pa.spec, { mtls: { mode: "STRICT" } });
        });

        it("has default-deny (allow nothing) and only ALLOW policies with positive matches", () => {
            assert.deepEqual(find(m, "AuthorizationPolicy", "default-deny").spec, {});
            const policies = m.security.filter((o) => o.kind === "AuthorizationPolicy") as Obj[];
            for (const p of policies.filter((x) => x.metadata.name !== "default-deny")) {
                assert.equal(p.spec.action, "ALLOW");
                const text = JSON.stringify(p.spec.rules);
                assert.doesNotMatch(text, /"not[A-Z]/, `${p.metadata.name} uses a negative match`);
                assert.doesNotMatch(text, /"\*"/, `${p.metadata.name} has a wildcard principal`);
                assert.ok(p.spec.rules.every((r: Obj) => r.from?.length > 0), `${p.metadata.name} names its callers`);
            }
        });

        it("keeps in each Sidecar's view every host its pods call: the API, the database (backend only), the trace collector, cluster DNS", () => {
            const hostsOf = (name: string): string[] => find(m, "Sidecar", name).spec.egress.flatMap((e: Obj) => e.hosts);
            const visible = (hosts: string[], ns: string, host: string) => hosts.some((h) => h === `${ns}/${host}` || h === `${ns}/*` || (ns === "dodo-payments" && h === `./${host}`));
            const env = (name: string, v: string) => (podSpec(find(m, "Deployment", name)).containers[0].env as Obj[]).find((e) => e.name === v)!.value as string;
            const nsOf = (fqdn: string) => fqdn.split(".")[1];
            const [namespaceDefault, backend] = [hostsOf("default"), hostsOf("backend")];
            const api = new URL(env("frontend", "API_BASE_URL")).hostname;
            const db = env("backend-v1", "DB_HOST");
            assert.ok(visible(namespaceDefault, nsOf(api), api), api);
            assert.ok(visible(backend, nsOf(db), db), db);
            assert.ok(!visible(namespaceDefault, nsOf(db), db), "only the backend's proxy can address the database");
            assert.deepEqual(find(m, "Sidecar", "backend").spec.workloadSelector, { labels: { app: "backend" } });
            for (const [name, hosts] of [["default", namespaceDefault], ["backend", backend]] as const) {
                assert.ok(visible(hosts, JAEGER_COLLECTOR.namespace, collectorHost(JAEGER_COLLECTOR)), `${name}: trace collector`);
                // TCP/53 (large answers) goes through the sidecar: with REGISTRY_ONLY it needs kube-dns in view.
                assert.ok(visible(hosts, CLUSTER_DNS.namespace, CLUSTER_DNS.host), `${name}: kube-dns`);
                assert.ok(!hosts.includes("*/*") && !hosts.includes("./*"), `${name}: not the whole mesh or namespace`);
                assert.equal(find(m, "Sidecar", name).spec.outboundTrafficPolicy.mode, "REGISTRY_ONLY");
            }
        });

        it("lets every payments proxy reach the trace collector on OTLP/gRPC only, not Jaeger's query ports (every trace)", () => {
            const collector = `${JAEGER_COLLECTOR.namespace}/${collectorHost(JAEGER_COLLECTOR)}`;
            for (const name of ["default", "backend"]) {
                const egress: Obj[] = find(m, "Sidecar", name).spec.egress;
                const listeners = egress.filter((e) => e.hosts.includes(collector));
                assert.deepEqual(listeners, [{ port: { number: 4317, protocol: "GRPC", name: "grpc-otlp" }, hosts: [collector] }], name);
                // A host in the port-less catch-all listener would be imported with all its ports.
                assert.ok(!egress.some((e) => !e.port && e.hosts.some((h: string) => h === collector || h === `${JAEGER_COLLECTOR.namespace}/*`)), `${name}: collector not in the catch-all`);
                assert.equal(egress[egress.length - 1].port, undefined, `${name}: the catch-all listener is last`);
            }
        });
    });
});
