// The payments objects in each stack's full render (index.ts with Pulumi.<stack>.yaml), so the
// stack files, the config section and the composition root are tested together.
import { strict as assert } from "assert";
import { buildEgressMatrix } from "../../components/istio/authz-matrix";
import { AuthorizationPolicyObject } from "../../components/istio/types";
import { istiodServiceName } from "../../components/mesh/tags";
import { stackFileValue } from "../../scripts/lib/stack-config";
import { Render, renderCached } from "../harness";
import { accessMatrixSpecs } from "./access";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Stack = "dev" | "staging" | "prod";

const stackValue = (stack: Stack, key: string): unknown => stackFileValue(stack, key);

function one(render: Render, kind: string, name: string, namespace?: string): Obj {
    const found = render.manifests.filter((m) => m.kind === kind && m.metadata.name === name && (namespace === undefined || m.metadata.namespace === namespace));
    assert.equal(found.length, 1, `expected one ${kind} ${name} in ${render.stack}, found ${found.length}`);
    return found[0] as Obj;
}

const COMMON = [
    ["Namespace", "dodo-payments"], ["ServiceAccount", "frontend-sa"], ["ServiceAccount", "backend-sa"],
    ["Deployment", "frontend"], ["Deployment", "backend-v1"], ["Deployment", "backend-v2"],
    ["Service", "frontend-service"], ["Service", "backend-service"],
    ["HorizontalPodAutoscaler", "frontend"], ["HorizontalPodAutoscaler", "backend-v1"], ["HorizontalPodAutoscaler", "backend-v2"],
    ["PodDisruptionBudget", "frontend"], ["PodDisruptionBudget", "backend-v1"], ["PodDisruptionBudget", "backend-v2"],
    ["Gateway", "dodo-gateway"], ["VirtualService", "payments-edge"], ["VirtualService", "backend-canary"], ["DestinationRule", "backend"], ["DestinationRule", "postgres"],
    ["EnvoyFilter", "ingress-local-rate-limit"], ["Certificate", "dodo-payments-tls"],
    ["PeerAuthentication", "default"], ["AuthorizationPolicy", "default-deny"], ["Sidecar", "default"], ["Sidecar", "backend"],
] as const;
/** dev's default: the in-cluster StatefulSet and its config Secret. */
const IN_CLUSTER = [
    ["ServiceAccount", "postgres-sa"], ["StatefulSet", "postgres"], ["Service", "postgres"], ["Service", "postgres-headless"], ["Secret", "postgres-credentials"],
    ["PodDisruptionBudget", "postgres"], ["AuthorizationPolicy", "allow-backend-to-postgres"],
] as const;
/** staging and prod: RDS outside the mesh, its credentials through ESO. */
const RDS = [
    ["ServiceEntry", "payments-rds"], ["ExternalSecret", "postgres-credentials"], ["SecretStore", "backend"], ["ConfigMap", "rds-ca"],
    ["Role", "external-secrets-token-request"], ["RoleBinding", "external-secrets-token-request"], ["SecurityGroupPolicy", "backend"],
] as const;
const expectedFor = (stack: Stack) => [...COMMON, ...(stack === "dev" ? IN_CLUSTER : RDS)];

for (const stack of ["dev", "staging", "prod"] as const) {
    describe(`payments in the ${stack} stack`, () => {
        let render: Render;
        before(async () => {
            render = await renderCached(stack);
        });

        it("renders every payments object", () => {
            for (const [kind, name] of expectedFor(stack)) {
                const ns = kind === "Namespace" ? undefined : ["Gateway", "EnvoyFilter", "Certificate"].includes(kind) ? "istio-ingress" : "dodo-payments";
                one(render, kind, name, ns);
            }
        });

        it(stack === "dev" ? "runs the in-cluster PostgreSQL and nothing of RDS" : "has no PostgreSQL StatefulSet, Secret from config or database policy in the mesh: the database is RDS", () => {
            const absent = stack === "dev" ? RDS : IN_CLUSTER;
            for (const [kind, name] of absent) {
                assert.equal(render.manifests.filter((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === "dodo-payments").length, 0, `${kind} ${name}`);
            }
            assert.equal(render.resources.filter((r) => r.type === "aws:rds/instance:Instance").length, stack === "dev" ? 0 : 1);
            if (stack !== "dev") assert.equal(render.manifests.filter((o) => o.kind === "Secret" && o.metadata.namespace === "dodo-payments").length, 0, "no Secret from Pulumi");
        });

        it("shows the backend alone reaching the database in the authz matrix's egress section and the Sidecars", () => {
            const rows = buildEgressMatrix(render.manifests).split("\n").filter((l) => l.startsWith("| ServiceEntry") || l.startsWith("| Service `dodo-payments/postgres."));
            assert.equal(rows.length, 1, "one database destination");
            const header = buildEgressMatrix(render.manifests).split("\n").find((l) => l.startsWith("| destination"))!.split("|").map((c) => c.trim()).slice(2, -1);
            const cells = rows[0].split("|").map((c) => c.trim()).slice(2, -1);
            const reaching = header.filter((_, i) => cells[i].startsWith("reachable"));
            assert.deepEqual(reaching, ["dodo-payments/backend-v1", "dodo-payments/backend-v2"]);
        });

        it("serves the stack's host, with the canary weight from its config", () => {
            const host = stackValue(stack, "payments.host") as string;
            const weight = Number(stackValue(stack, "payments.canary.weight") ?? 0);
            assert.deepEqual(one(render, "VirtualService", "payments-edge").spec.hosts, [host]);
            assert.deepEqual(one(render, "Certificate", "dodo-payments-tls").spec.dnsNames, [host]);
            for (const name of ["payments-edge", "backend-canary"]) {
                const split = one(render, "VirtualService", name).spec.http.find((r: Obj) => r.name === "api-write");
                assert.deepEqual(split.route.map((d: Obj) => d.weight), [100 - weight, weight], `${name} in ${stack}`);
            }
            const env = one(render, "VirtualService", "payments-edge").spec.http.find((r: Obj) => r.name === "api-read").headers.request.set["x-dodo-environment"];
            assert.equal(env, stack);
        });

        it("rate-limits the gateway with the environment's bucket", () => {
            const expected = { dev: [100, 50], staging: [500, 250], prod: [2000, 1000] }[stack];
            const bucket = one(render, "EnvoyFilter", "ingress-local-rate-limit").spec.configPatches[0].patch.value.typed_config.token_bucket;
            assert.deepEqual([bucket.max_tokens, bucket.tokens_per_fill, bucket.fill_interval], [...expected, "1s"]);
        });

        it("takes the certificate from the environment's issuer", () => {
            const issuer = { dev: "dodo-ca", staging: "letsencrypt-staging", prod: "letsencrypt" }[stack];
            assert.equal(one(render, "Certificate", "dodo-payments-tls").spec.issuerRef.name, issuer);
            one(render, "ClusterIssuer", issuer);
        });

        const release = (name: string): Obj => {
            const r = render.resources.find((x) => x.type === "kubernetes:helm.sh/v3:Release" && x.name === name);
            assert.ok(r, `no Helm release ${name} in ${stack}`);
            return r.props as Obj;
        };

        it("labels the namespace with a tag whose webhook injects from an installed istiod", () => {
            const labels = one(render, "Namespace", "dodo-payments").metadata.labels;
            assert.equal(labels["istio-injection"], undefined, "istio-injection would win over the tag");
            const tag = one(render, "MutatingWebhookConfiguration", `istio-revision-tag-${labels["istio.io/rev"]}`);
            const service = tag.webhooks[0].clientConfig.service.name as string;
            const istiods = render.resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release" && (x.props as Obj).chart === "istiod").map((x) => (x.props as Obj).name);
            assert.ok(istiods.some((name) => service === istiodServiceName(name === "istiod" ? "default" : name.replace(/^istiod-/, ""))), `${service} is none of ${istiods.join(", ")}`);
        });

        it("issues the TLS Secret into the gateway pods' namespace under the name the Gateway serves, for the pods it selects", () => {
            const cert = one(render, "Certificate", "dodo-payments-tls");
            const gw = one(render, "Gateway", "dodo-gateway");
            const gatewayRelease = release("mesh-ingressgateway");
            assert.equal(cert.metadata.namespace, gatewayRelease.namespace, "credentialName is read from the gateway pods' namespace");
            const https = gw.spec.servers.find((sv: Obj) => sv.tls?.credentialName);
            assert.equal(https.tls.credentialName, cert.spec.secretName);
            const podLabels = gatewayRelease.values.labels as Record<string, string>;
            assert.ok(Object.entries(gw.spec.selector).every(([k, v]) => podLabels[k] === v), "the Gateway selects the gateway chart's pods");
        });

        it("names in every AuthorizationPolicy only container ports of the pods it selects", () => {
            const workloads = render.manifests.filter((o) => (o.kind === "Deployment" || o.kind === "StatefulSet") && o.metadata.namespace === "dodo-payments") as Obj[];
            const policies = render.manifests.filter((o) => o.kind === "AuthorizationPolicy" && o.metadata.namespace === "dodo-payments") as Obj[];
            let checked = 0;
            for (const p of policies) {
                const selector = p.spec.selector?.matchLabels ?? {};
                const selected = workloads.filter((w) => Object.entries(selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v));
                for (const port of (p.spec.rules ?? []).flatMap((r: Obj) => (r.to ?? []).flatMap((t: Obj) => t.operation.ports ?? []))) {
                    assert.ok(selected.length > 0, `${p.metadata.name} selects no pods`);
                    for (const w of selected) {
                        const ports = w.spec.template.spec.containers.flatMap((c: Obj) => (c.ports ?? []).map((cp: Obj) => String(cp.containerPort)));
                        assert.ok(ports.includes(port), `${p.metadata.name}: port ${port} is not a container port of ${w.metadata.name} (${ports.join(", ")})`);
                        checked++;
                    }
                }
            }
            assert.ok(checked >= 4, `checked ${checked} policy ports`);
        });

        it("has a DestinationRule subset for every Deployment version behind the backend Service, and no empty subset", () => {
            const dr = one(render, "DestinationRule", "backend");
            const deployments = render.manifests.filter((o) => o.kind === "Deployment" && (o as Obj).spec.template.metadata.labels.app === "backend") as Obj[];
            for (const subset of dr.spec.subsets as Obj[]) {
                const hits = deployments.filter((d) => Object.entries(subset.labels).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
                assert.equal(hits.length, 1, `subset ${subset.name} selects ${hits.length} Deployments`);
            }
            assert.equal(dr.spec.subsets.length, deployments.length);
        });

        it("lets cluster DNS over TCP through the Sidecar when the mesh allows only registry hosts", () => {
            const mode = release("mesh-istiod").values.meshConfig.outboundTrafficPolicy.mode;
            const hosts: string[] = one(render, "Sidecar", "default", "dodo-payments").spec.egress.flatMap((e: Obj) => e.hosts);
            if (mode === "REGISTRY_ONLY") assert.ok(hosts.includes("kube-system/kube-dns.kube-system.svc.cluster.local"), `${stack} is REGISTRY_ONLY`);
            assert.ok(stack === "dev" || mode === "REGISTRY_ONLY", "staging and prod allow registry hosts only");
        });

        describe("access matrix over the rendered policies", () => {
            // staging and prod validate JWTs (prod by payments.edge.jwt.enabled's default, staging by its
            // stack file): the internet's and the frontend's calls carry a token of the issuer.
            const principal = (): string => {
                const issuer = (render.manifests.find((m) => m.kind === "RequestAuthentication")?.spec as { jwtRules?: { issuer: string }[] } | undefined)?.jwtRules?.[0]?.issuer;
                assert.ok(issuer, `${stack} renders no RequestAuthentication`);
                return `${issuer}/user-1`;
            };
            accessMatrixSpecs(() => render.manifests.filter((m) => m.kind === "AuthorizationPolicy") as AuthorizationPolicyObject[], stack === "dev", stack === "dev" ? undefined : principal);
        });
    });
}
