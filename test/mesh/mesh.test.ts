import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { Mesh } from "../../components/mesh";
import { MeshRevisions } from "../../components/mesh/revisions";
import { onRevision } from "./fixtures";
import { MeshConfig } from "../../components/mesh/settings";
import { Environment } from "../../components/settings";
import { ISTIO_VERSION } from "../../components/versions";
import { get, manifests, ofType, props, RegisteredResource, renderCached, runComponent, testProvider } from "../harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const PEER_AUTHN = "kubernetes:security.istio.io/v1:PeerAuthentication";
const TELEMETRY = "kubernetes:telemetry.istio.io/v1:Telemetry";
const SERVICE = "kubernetes:core/v1:Service";
const WEBHOOK = "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration";

const on = (revision: string, over: Partial<MeshRevisions> = {}): MeshRevisions => onRevision(revision, { statefulSets: {}, ...over });

const config = (over: Partial<MeshConfig> = {}): MeshConfig => ({
    revisions: on("default"),
    outboundTrafficPolicy: "REGISTRY_ONLY",
    tracingSamplingPercentage: 1,
    istiodReplicas: { min: 2, max: 5 },
    gatewayReplicas: { min: 3, max: 10 },
    gatewaySourceRanges: [],
    ...over,
});

function runMesh(environment: Environment, mesh: MeshConfig): Promise<RegisteredResource[]> {
    return runComponent(() => {
        const provider = testProvider();
        const nodes = new k8s.core.v1.Namespace("nodes-ready", { metadata: { name: "nodes-ready" } }, { provider });
        const lbController = new k8s.helm.v3.Release("lb-controller", { chart: "aws-load-balancer-controller", namespace: "kube-system" }, { provider });
        return new Mesh("mesh", { environment, config: mesh, provider, clusterReady: [nodes, lbController], lbController });
    }, { stack: environment });
}

const ref = (type: string, name: string) => `${type}::${name}`;

describe("Mesh component", () => {
    let prod: RegisteredResource[];
    let revisioned: RegisteredResource[];
    let upgrading: RegisteredResource[];

    before(async () => {
        prod = await runMesh("prod", config());
        revisioned = await runMesh("prod", config({ revisions: on(ISTIO_VERSION.replace(/\./g, "-")) }));
        upgrading = await runMesh("prod", config({ revisions: on("default", { revisions: ["default", "1-31-4"], baseRevision: "1-31-4", tags: { "prod-stable": "default", "prod-canary": "1-31-4" } }) }));
    });

    it("installs base, then istiod, then the gateway, each depending on the one before", () => {
        const base = get(prod, RELEASE, "mesh-base");
        const istiod = get(prod, RELEASE, "mesh-istiod");
        const gateway = get(prod, RELEASE, "mesh-ingressgateway");
        assert.ok(base.dependsOn.includes("kubernetes:core/v1:Namespace::namespace-istio-system"));
        assert.deepEqual(istiod.dependsOn, [ref(RELEASE, "mesh-base")]);
        assert.ok(gateway.dependsOn.includes(ref(RELEASE, "mesh-istiod")));
        assert.ok(gateway.dependsOn.includes("kubernetes:core/v1:Namespace::namespace-istio-ingress"));
    });

    it("installs the unrevisioned istiod's charts at the release it runs, from Istio's repository", () => {
        const releases = ["mesh-base", "mesh-istiod", "mesh-ingressgateway"].map((n) => props<any>(get(prod, RELEASE, n)));
        assert.deepEqual(releases.map((r) => r.chart), ["base", "istiod", "gateway"]);
        for (const r of releases) {
            assert.equal(r.version, "1.30.4");
            assert.equal(r.repositoryOpts.repo, "https://blob.istio.io/istio-release/charts");
        }
        assert.match(ISTIO_VERSION, /^1\.(3\d)\.\d+$/);
        // The images istiod runs and injects (pilot, proxyv2) are the chart's own release, from Istio's hub.
        const istiod = props<any>(get(prod, RELEASE, "mesh-istiod"));
        assert.equal(istiod.values.global.tag, istiod.version);
        assert.equal(istiod.values.global.hub, "docker.io/istio");
    });

    it("installs the control plane in istio-system and the gateway in istio-ingress", () => {
        assert.equal(props<any>(get(prod, RELEASE, "mesh-base")).namespace, "istio-system");
        assert.equal(props<any>(get(prod, RELEASE, "mesh-istiod")).namespace, "istio-system");
        const gw = props<any>(get(prod, RELEASE, "mesh-ingressgateway"));
        assert.equal(gw.namespace, "istio-ingress");
        assert.equal(gw.name, "istio-ingressgateway");
    });

    it("deletes the NLB Service before the LB controller and the cluster on destroy", () => {
        const svc = get(prod, SERVICE, "istio-ingress-service-istio-ingressgateway");
        assert.ok(svc.dependsOn.includes(ref(RELEASE, "lb-controller")));
        assert.ok(svc.dependsOn.includes("kubernetes:core/v1:Namespace::nodes-ready"));
        assert.ok(svc.dependsOn.includes(ref(RELEASE, "mesh-ingressgateway")));
        assert.equal(props<any>(svc).metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internet-facing");
    });

    it("creates the mesh-wide PeerAuthentication and Telemetry after the CRDs and istiod", () => {
        for (const r of [ofType(prod, PEER_AUTHN)[0], ofType(prod, TELEMETRY)[0]]) {
            assert.ok(r.dependsOn.includes(ref(RELEASE, "mesh-base")));
            assert.ok(r.dependsOn.includes(ref(RELEASE, "mesh-istiod")));
            assert.notEqual(r.provider, null);
        }
        assert.equal(ofType(prod, PEER_AUTHN).length, 1);
        assert.equal(props<any>(ofType(prod, TELEMETRY)[0]).spec.tracing[0].randomSamplingPercentage, 1);
    });

    it("with a revision: istiod-<revision> at its release, the gateway and the default validator follow it", () => {
        const rev = ISTIO_VERSION.replace(/\./g, "-");
        const istiod = props<any>(get(revisioned, RELEASE, `mesh-istiod-${rev}`));
        assert.equal(istiod.name, `istiod-${rev}`);
        assert.equal(istiod.values.revision, rev);
        assert.equal(istiod.version, ISTIO_VERSION);
        assert.equal(props<any>(get(revisioned, RELEASE, "mesh-ingressgateway")).values.revision, rev);
        assert.equal(props<any>(get(revisioned, RELEASE, "mesh-base")).values.defaultRevision, rev);
        assert.equal(ofType(revisioned, RELEASE).filter((r) => r.name.startsWith("mesh-istiod")).length, 1);
    });

    it("during an upgrade: each istiod at its own release, base at the newer one, the gateway at its revision's", () => {
        const versions = Object.fromEntries(ofType(upgrading, RELEASE).filter((r) => r.name.startsWith("mesh-")).map((r) => [r.name, props<any>(r).version]));
        assert.deepEqual(versions, { "mesh-base": "1.31.4", "mesh-istiod": "1.30.4", "mesh-istiod-1-31-4": "1.31.4", "mesh-ingressgateway": "1.30.4" });
        assert.equal(props<any>(get(upgrading, RELEASE, "mesh-istiod")).values.revision, "", "the unrevisioned istiod is left as it was installed");
        assert.deepEqual(get(upgrading, RELEASE, "mesh-istiod-1-31-4").dependsOn, [ref(RELEASE, "mesh-base")]);
    });

    it("renders each tag as one webhook and one Service beside the istiod releases, after its own revision's istiod", () => {
        const webhooks = ofType(upgrading, WEBHOOK);
        assert.deepEqual(webhooks.map((w) => props<any>(w).metadata.name).sort(), ["istio-revision-tag-prod-canary", "istio-revision-tag-prod-stable"]);
        const canary = props<any>(webhooks.find((w) => props<any>(w).metadata.name === "istio-revision-tag-prod-canary")!);
        assert.deepEqual(canary.webhooks.map((w: any) => w.clientConfig.service.name), ["istiod-1-31-4", "istiod-1-31-4"]);
        const stable = webhooks.find((w) => props<any>(w).metadata.name === "istio-revision-tag-prod-stable")!;
        const own: Record<string, string> = { default: "mesh-istiod", "1-31-4": "mesh-istiod-1-31-4" };
        for (const w of webhooks) assert.deepEqual(w.dependsOn, [ref(RELEASE, own[props<any>(w).metadata.labels["istio.io/rev"]])], props<any>(w).metadata.name);
        assert.notDeepEqual(stable.dependsOn, get(upgrading, WEBHOOK, "mutatingwebhookconfiguration-istio-revision-tag-prod-canary").dependsOn, "mid-upgrade the two tags wait for different istiods");
        assert.ok(get(upgrading, RELEASE, "mesh-ingressgateway").dependsOn.includes(ref(RELEASE, "mesh-istiod-1-31-4")));
    });
});

describe("mesh in the synth of every stack", () => {
    const sampling = { dev: 100, staging: 10, prod: 1 } as const;

    for (const stack of ["dev", "staging", "prod"] as const) {
        describe(stack, () => {
            it("shows base, istiod and the gateway in order, each at its revision's release", async () => {
                const render = await renderCached(stack);
                const releases = ofType(render.resources, RELEASE).filter((r) => r.name.startsWith("mesh-"));
                assert.deepEqual(releases.map((r) => props<any>(r).chart).sort(), ["base", "gateway", "istiod"]);
                // The stack files describe the install that predates revisions (revision "default").
                assert.deepEqual([...new Set(releases.map((r) => props<any>(r).version))], ["1.30.4"]);
                assert.deepEqual(get(render.resources, RELEASE, "mesh-istiod").dependsOn, [ref(RELEASE, "mesh-base")]);
                assert.ok(get(render.resources, RELEASE, "mesh-ingressgateway").dependsOn.includes(ref(RELEASE, "mesh-istiod")));
            });

            it("makes the gateway and its NLB depend on the cluster's LB controller", async () => {
                const render = await renderCached(stack);
                const svc = get(render.resources, SERVICE, "istio-ingress-service-istio-ingressgateway");
                assert.ok(svc.dependsOn.includes(ref(RELEASE, "cluster-lb-controller")));
            });

            it(`enforces STRICT mTLS mesh-wide and samples ${sampling[stack]} % of traces`, async () => {
                const render = await renderCached(stack);
                const [pa] = manifests(render, "PeerAuthentication", "istio-system");
                assert.equal(pa.metadata.name, "default");
                assert.deepEqual((pa as any).spec, { mtls: { mode: "STRICT" } });
                const [telemetry] = manifests(render, "Telemetry", "istio-system");
                assert.equal((telemetry as any).spec.tracing[0].randomSamplingPercentage, sampling[stack]);
            });

            it("annotates the gateway Service for an internet-facing NLB", async () => {
                const render = await renderCached(stack);
                const [svc] = manifests(render, "Service", "istio-ingress");
                assert.equal(svc.metadata.annotations?.["service.beta.kubernetes.io/aws-load-balancer-type"], "external");
                assert.equal(svc.metadata.annotations?.["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"], "ip");
            });
        });
    }

    it("prod runs istiod and the gateway highly available; dev runs one istiod", async () => {
        const prod = await renderCached("prod");
        const istiod = props<any>(get(prod.resources, RELEASE, "mesh-istiod")).values;
        const gateway = props<any>(get(prod.resources, RELEASE, "mesh-ingressgateway")).values;
        assert.ok(istiod.autoscaleMin >= 2);
        assert.deepEqual(istiod.pdb, { maxUnavailable: 1 });
        assert.ok(gateway.autoscaling.minReplicas >= 2);
        assert.deepEqual(gateway.podDisruptionBudget, { maxUnavailable: 1 });
        const dev = props<any>(get((await renderCached("dev")).resources, RELEASE, "mesh-istiod")).values;
        assert.equal(dev.autoscaleEnabled, false);
        assert.equal(dev.replicaCount, 1);
    });
});
