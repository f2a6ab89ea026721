import { strict as assert } from "assert";
import {
    gatewayService,
    gatewayValues,
    istiodValues,
    MESH_SIZING,
    meshConfig,
    meshNamespaces,
    meshPeerAuthentication,
    meshTelemetry,
    nlbAnnotations,
} from "../../components/mesh/builders";
import { baseChartVersion, baseValues, chartRevision, controlPlanes, istiodReleaseName } from "../../components/mesh/control-planes";
import { INGRESS_GATEWAY_SELECTOR, meshMembership, revisionInjectionLabels, revisionRolloutAnnotations } from "../../components/mesh/topology";
import { ENVIRONMENTS } from "../../components/settings";
import { JAEGER_COLLECTOR, TRACING_PROVIDER } from "../../components/tracing";
import { ISTIO_HUB, ISTIO_VERSION } from "../../components/versions";

const mesh = meshConfig({ outboundTrafficPolicy: "REGISTRY_ONLY", collector: JAEGER_COLLECTOR });
const istiod = (environment: "dev" | "staging" | "prod", min: number, max: number, revision?: string) =>
    istiodValues({ environment, revision, version: ISTIO_VERSION, replicas: { min, max }, meshConfig: mesh }) as any;
const gw = (environment: "dev" | "staging" | "prod", min: number, max: number, revision?: string) =>
    gatewayValues({ environment, revision, replicas: { min, max } }) as any;

describe("mesh builders", () => {
    describe("meshConfig", () => {
        it("writes JSON access logs to stdout", () => {
            assert.equal(mesh.accessLogFile, "/dev/stdout");
            assert.equal(mesh.accessLogEncoding, "JSON");
        });

        it("traces through an OpenTelemetry provider pointing at the shared Jaeger collector", () => {
            assert.deepEqual(mesh.extensionProviders, [
                { name: TRACING_PROVIDER, opentelemetry: { service: "jaeger-collector.observability.svc.cluster.local", port: 4317 } },
            ]);
        });

        it("holds the app until the proxy is ready, requires TLS 1.3 between proxies and merges slashes", () => {
            assert.deepEqual(mesh.defaultConfig, { holdApplicationUntilProxyStarts: true });
            assert.deepEqual(mesh.meshMTLS, { minProtocolVersion: "TLSV1_3" });
            assert.deepEqual(mesh.pathNormalization, { normalization: "MERGE_SLASHES" });
        });

        it("takes the outbound traffic policy from config", () => {
            assert.deepEqual(mesh.outboundTrafficPolicy, { mode: "REGISTRY_ONLY" });
            assert.deepEqual(meshConfig({ outboundTrafficPolicy: "ALLOW_ANY", collector: JAEGER_COLLECTOR }).outboundTrafficPolicy, { mode: "ALLOW_ANY" });
        });
    });

    describe("istiod values", () => {
        it("pins the image hub and tag to the chart's release", () => {
            const v = istiod("prod", 2, 5);
            assert.equal(v.global.hub, "docker.io/istio");
            assert.equal(v.global.hub, ISTIO_HUB);
            assert.equal(v.global.tag, ISTIO_VERSION);
        });

        it("prod: autoscaled from 2 replicas with a PDB, spread across zones", () => {
            const v = istiod("prod", 2, 5);
            assert.equal(v.autoscaleEnabled, true);
            assert.equal(v.autoscaleMin, 2);
            assert.equal(v.autoscaleMax, 5);
            assert.deepEqual(v.pdb, { maxUnavailable: 1 });
            assert.equal(v.global.defaultPodDisruptionBudget.enabled, true);
            const zone = v.topologySpreadConstraints.find((c: any) => c.topologyKey === "topology.kubernetes.io/zone");
            assert.equal(zone.whenUnsatisfiable, "DoNotSchedule");
            assert.deepEqual(zone.labelSelector.matchLabels, { app: "istiod", "istio.io/rev": "default" });
            assert.deepEqual(v.resources, MESH_SIZING.prod.istiod);
        });

        it("dev: one replica without autoscaling and small requests", () => {
            const v = istiod("dev", 1, 1);
            assert.equal(v.autoscaleEnabled, false);
            assert.equal(v.replicaCount, 1);
            assert.deepEqual(v.resources.requests, { cpu: "100m", memory: "256Mi" });
            assert.equal(v.topologySpreadConstraints[0].whenUnsatisfiable, "ScheduleAnyway");
        });

        it("sizes the sidecars per environment in the standard resources shape", () => {
            for (const env of ENVIRONMENTS) {
                const r = istiod(env, 2, 3).global.proxy.resources;
                assert.deepEqual(Object.keys(r).sort(), ["limits", "requests"]);
                assert.deepEqual(r, MESH_SIZING[env].proxy);
            }
            assert.ok(parseInt(MESH_SIZING.dev.proxy.requests.memory) < parseInt(MESH_SIZING.prod.proxy.requests.memory));
        });

        it("carries the revision and selects its own pods by it", () => {
            const v = istiod("prod", 2, 5, "1-30-4");
            assert.equal(v.revision, "1-30-4");
            assert.deepEqual(v.topologySpreadConstraints[0].labelSelector.matchLabels, { app: "istiod", "istio.io/rev": "1-30-4" });
            assert.equal(istiod("prod", 2, 5).revision, "");
        });

        it("sets only keys of the istiod chart, at the top level (never the internal defaults)", () => {
            // Keys of manifests/charts/istio-control/istio-discovery/values.yaml at 1.30 (the chart
            // maps top-level values into its `_internal_defaults_do_not_set` block); the ones we use.
            const known = ["revision", "autoscaleEnabled", "autoscaleMin", "autoscaleMax", "replicaCount", "resources", "topologySpreadConstraints", "pdb", "seccompProfile", "meshConfig", "env", "global"];
            const v = istiod("prod", 2, 5);
            assert.deepEqual(Object.keys(v).filter((k) => !known.includes(k)), []);
            assert.deepEqual(Object.keys(v.global).sort(), ["defaultPodDisruptionBudget", "hub", "istioNamespace", "logAsJson", "proxy", "tag"]);
        });
    });

    describe("base chart", () => {
        it("runs mesh.base.revision's release", () => {
            assert.equal(baseChartVersion({ baseRevision: "default" }), "1.30.4", "the unrevisioned istiod's release");
            assert.equal(baseChartVersion({ baseRevision: "1-31-4" }), "1.31.4");
        });

        it("points the default validator at mesh.defaultRevision", () => {
            assert.deepEqual(baseValues("default"), { defaultRevision: "default", global: { istioNamespace: "istio-system" } });
            assert.equal(baseValues("1-31-4").defaultRevision, "1-31-4");
        });
    });

    describe("gateway values", () => {
        it("labels the pods istio=ingressgateway so Gateway objects select them", () => {
            const v = gw("prod", 3, 10);
            assert.equal(v.labels.istio, "ingressgateway");
            assert.deepEqual(INGRESS_GATEWAY_SELECTOR, { istio: "ingressgateway" });
            assert.equal(v.name, "istio-ingressgateway");
        });

        it("prod: autoscaled from 3 replicas with a PDB, refusing to stack a zone", () => {
            const v = gw("prod", 3, 10);
            assert.deepEqual(v.autoscaling, { enabled: true, minReplicas: 3, maxReplicas: 10, targetCPUUtilizationPercentage: 80 });
            assert.deepEqual(v.podDisruptionBudget, { maxUnavailable: 1 });
            const zone = v.topologySpreadConstraints.find((c: any) => c.topologyKey === "topology.kubernetes.io/zone");
            assert.equal(zone.whenUnsatisfiable, "DoNotSchedule");
            assert.deepEqual(zone.labelSelector.matchLabels, { app: "istio-ingressgateway", istio: "ingressgateway" });
            assert.deepEqual(v.resources, MESH_SIZING.prod.gateway);
        });

        it("refuses to stack a zone in staging and prod, only prefers it in dev; nodes are only preferred", () => {
            const zoneRule = (env: "dev" | "staging" | "prod") =>
                Object.fromEntries(gw(env, 2, 4).topologySpreadConstraints.map((c: any) => [c.topologyKey, c.whenUnsatisfiable]));
            assert.deepEqual(zoneRule("staging"), { "topology.kubernetes.io/zone": "DoNotSchedule", "kubernetes.io/hostname": "ScheduleAnyway" });
            assert.deepEqual(zoneRule("prod"), { "topology.kubernetes.io/zone": "DoNotSchedule", "kubernetes.io/hostname": "ScheduleAnyway" });
            assert.deepEqual(zoneRule("dev"), { "topology.kubernetes.io/zone": "ScheduleAnyway", "kubernetes.io/hostname": "ScheduleAnyway" });
        });

        it("dev: no PDB over a single replica (it would block every node drain)", () => {
            const v = gw("dev", 1, 2);
            assert.deepEqual(v.podDisruptionBudget, {});
            assert.equal(v.autoscaling.minReplicas, 1);
        });

        it("labels the gateway pods with their revision (empty for the unrevisioned istiod)", () => {
            assert.equal(gw("prod", 3, 10, "1-30-4").revision, "1-30-4");
            assert.equal(gw("prod", 3, 10).revision, "");
        });

        it("turns the chart's Service off: the NLB Service is a Pulumi object", () => {
            assert.deepEqual(gw("prod", 3, 10).service, { type: "None" });
        });

        it("sets only keys the gateway chart's schema allows at the top level", () => {
            // Top-level properties of manifests/charts/gateway/values.schema.json (additionalProperties:
            // false) at istio/istio 1.30.3, unchanged on release-1.30; the ones we use.
            const allowed = ["name", "revision", "labels", "autoscaling", "replicaCount", "podDisruptionBudget", "resources", "topologySpreadConstraints", "containerSecurityContext", "service", "podAnnotations", "lifecycle", "terminationGracePeriodSeconds"];
            assert.deepEqual(Object.keys(gw("prod", 3, 10)).filter((k) => !allowed.includes(k)), []);
        });

        it("runs istiod, every injected proxy and the gateway's proxy under the RuntimeDefault seccomp profile", () => {
            // The charts leave seccomp unset; the policy pack's k8s-seccomp-runtime-default judges
            // the charts' live objects in the conformance run.
            const v = istiod("prod", 2, 5) as { seccompProfile: unknown; global: { proxy: { seccompProfile: unknown } } };
            assert.deepEqual(v.seccompProfile, { type: "RuntimeDefault" });
            assert.deepEqual(v.global.proxy.seccompProfile, { type: "RuntimeDefault" });
            const g = gw("prod", 3, 10) as { containerSecurityContext: Record<string, unknown> };
            // The chart's own defaults are kept: setting the key replaces them.
            assert.deepEqual(g.containerSecurityContext, {
                capabilities: { drop: ["ALL"] },
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                seccompProfile: { type: "RuntimeDefault" },
            });
        });
    });

    describe("gateway Service", () => {
        const svc = gatewayService({ sourceRanges: [] }) as any;

        it("is an internet-facing NLB with IP targets and cross-zone balancing", () => {
            const a = svc.metadata.annotations;
            assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-type"], "external");
            assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"], "ip");
            assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internet-facing");
            assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-attributes"], "load_balancing.cross_zone.enabled=true");
            assert.equal(svc.spec.type, "LoadBalancer");
            assert.equal(svc.spec.loadBalancerClass, "service.k8s.aws/nlb");
        });

        it("preserves the client's IP, so Envoy, its access log and source ranges see the real client", () => {
            assert.match(nlbAnnotations()["service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"], /(^|,)preserve_client_ip\.enabled=true(,|$)/);
        });

        it("health-checks Envoy's readiness on the pods' status port 15021, without a listener for it", () => {
            const a = nlbAnnotations();
            assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-healthcheck-port"], "15021");
            assert.ok(!svc.spec.ports.some((p: any) => p.port === 15021 || p.targetPort === 15021), "15021 is not published on the internet-facing NLB");
            assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-healthcheck-path"], "/healthz/ready");
            assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol"], "http");
        });

        it("exposes http2 and https only and selects the gateway pods", () => {
            assert.deepEqual(svc.spec.ports.map((p: any) => [p.name, p.port, p.targetPort]), [["http2", 80, 80], ["https", 443, 443]]);
            assert.deepEqual(svc.spec.selector, { app: "istio-ingressgateway", istio: "ingressgateway" });
            assert.equal(svc.metadata.namespace, "istio-ingress");
            assert.equal(svc.metadata.name, "istio-ingressgateway");
        });

        it("restricts sources only when ranges are configured", () => {
            assert.equal(svc.spec.loadBalancerSourceRanges, undefined);
            const limited = gatewayService({ sourceRanges: ["203.0.113.0/24"] }) as any;
            assert.deepEqual(limited.spec.loadBalancerSourceRanges, ["203.0.113.0/24"]);
        });

        it("on an existing cluster: a plain Service of the configured type, same selector and ports, no NLB settings", () => {
            const lb = gatewayService({ sourceRanges: ["203.0.113.0/24"], serviceType: "LoadBalancer" }) as any;
            assert.deepEqual(Object.keys(lb.spec).sort(), ["loadBalancerSourceRanges", "ports", "selector", "type"]);
            assert.equal(lb.metadata.annotations, undefined);
            assert.deepEqual(lb.spec.selector, svc.spec.selector);
            assert.deepEqual(lb.spec.ports, svc.spec.ports);
            const nodePort = gatewayService({ sourceRanges: ["203.0.113.0/24"], serviceType: "NodePort" }) as any;
            assert.equal(nodePort.spec.type, "NodePort");
            assert.equal(nodePort.spec.loadBalancerSourceRanges, undefined, "source ranges apply to load balancers only");
        });
    });

    describe("mesh-wide objects", () => {
        it("enforces STRICT mTLS mesh-wide: PeerAuthentication default in istio-system, no selector", () => {
            const pa = meshPeerAuthentication();
            assert.equal(pa.apiVersion, "security.istio.io/v1");
            assert.equal(pa.metadata.name, "default");
            assert.equal(pa.metadata.namespace, "istio-system");
            assert.deepEqual(pa.spec, { mtls: { mode: "STRICT" } });
        });

        it("enables envoy access logs and traces at the configured sampling rate", () => {
            const t = meshTelemetry(1);
            assert.equal(t.apiVersion, "telemetry.istio.io/v1");
            assert.equal(t.metadata.namespace, "istio-system");
            assert.equal(t.spec.selector, undefined);
            assert.deepEqual(t.spec.accessLogging, [{ providers: [{ name: "envoy" }] }]);
            assert.deepEqual(t.spec.tracing, [{ providers: [{ name: TRACING_PROVIDER }], randomSamplingPercentage: 1 }]);
            assert.equal(meshTelemetry(0.5).spec.tracing![0].randomSamplingPercentage, 0.5);
        });

        it("refuses a sampling percentage outside 0-100", () => {
            assert.throws(() => meshTelemetry(101), /between 0 and 100/);
        });

        it("enables injection in istio-ingress (the gateway's image: auto needs it), following the revision", () => {
            const [system, ingress] = meshNamespaces();
            assert.equal(system.metadata.name, "istio-system");
            assert.equal(system.metadata.labels?.["istio-injection"], undefined);
            assert.equal(ingress.metadata.name, "istio-ingress");
            assert.equal(ingress.metadata.labels?.["istio-injection"], "enabled");
            const revisioned = meshNamespaces("1-30-4")[1].metadata.labels!;
            assert.equal(revisioned["istio.io/rev"], "1-30-4");
            assert.equal(revisioned["istio-injection"], undefined);
        });
    });

    describe("revisions", () => {
        it("names istiod after its revision; the unrevisioned one keeps its name and an empty chart revision", () => {
            assert.equal(istiodReleaseName("default"), "istiod");
            assert.equal(istiodReleaseName("1-31-4"), "istiod-1-31-4");
            assert.equal(chartRevision("default"), "");
            assert.equal(chartRevision("1-31-4"), "1-31-4");
        });

        it("runs one control plane per installed revision, each at the release its name says", () => {
            assert.deepEqual(controlPlanes({ revisions: ["default", "1-31-4"] }), [
                { revision: "default", version: "1.30.4" },
                { revision: "1-31-4", version: "1.31.4" },
            ]);
        });

        it("labels a namespace injected by a revision itself (the gateway's): istio-injection=enabled for the unrevisioned istiod", () => {
            assert.deepEqual(revisionInjectionLabels("default"), { "istio-injection": "enabled" });
            assert.deepEqual(revisionInjectionLabels("1-31-4"), { "istio.io/rev": "1-31-4" });
        });

        it("changes workloads' pod templates when their revision changes, so pulumi up rolls them", () => {
            assert.deepEqual(revisionRolloutAnnotations("default"), { "dodo.dev/istio-revision": "default" });
            assert.deepEqual(revisionRolloutAnnotations("1-31-4"), { "dodo.dev/istio-revision": "1-31-4" });
        });

        it("gives a namespace its tag as label and its tag's revision as annotation; a StatefulSet only its own entry", () => {
            const m = {
                revisions: ["default", "1-31-4"],
                tags: { "prod-stable": "default", "prod-canary": "1-31-4" },
                namespaces: { "dodo-payments": "prod-canary" as const },
                gatewayRevision: "default",
                baseRevision: "1-31-4",
                defaultRevision: "default",
                statefulSets: { "dodo-payments/postgres": "default", "other/db": "1-31-4" },
            };
            assert.deepEqual(meshMembership(m, "dodo-payments"), {
                namespaceLabels: { "istio.io/rev": "prod-canary" },
                podAnnotations: { "dodo.dev/istio-revision": "1-31-4" },
                statefulSetAnnotations: { postgres: { "dodo.dev/istio-revision": "default" } },
            });
            assert.deepEqual(meshMembership(m, "other").namespaceLabels, { "istio.io/rev": "prod-stable" }, "unlisted: prod-stable");
        });
    });
});
