import { strict as assert } from "assert";
import { leftovers } from "../../scripts/lib/conformance/destroy";
import { plantedDrift, PLANTED_DRIFT_REF } from "../../scripts/lib/conformance/planted";
import { plaintextKubeconfigs, refOfUrn, resourceMismatches, StateResource } from "../../scripts/lib/conformance/state";
import { comparisonRender } from "../../scripts/lib/conformance/workspace";
import { Render } from "../../scripts/lib/render";

const PREFIX = "urn:pulumi:local::dodo-platform::";

/** The state `pulumi stack export` would hold for a render: URNs with their parent type chains. */
function stateOf(render: Render): StateResource[] {
    const byRef = new Map(render.resources.map((r) => [r.ref, r]));
    const chain = (ref: string | null): string[] => (ref ? [...chain(byRef.get(ref)!.parent), byRef.get(ref)!.type] : []);
    const urn = (ref: string) => `${PREFIX}${["pulumi:pulumi:Stack", ...chain(byRef.get(ref)!.parent), byRef.get(ref)!.type].slice(1).join("$")}::${byRef.get(ref)!.name}`;
    const stack = { urn: `${PREFIX}pulumi:pulumi:Stack::dodo-platform-local`, type: "pulumi:pulumi:Stack" };
    return [stack, ...render.resources.map((r) => ({ urn: urn(r.ref), type: r.type, parent: r.parent ? urn(r.parent) : stack.urn, ...(r.provider ? { provider: `${urn(r.provider)}::04da6b54` } : {}) }))];
}

describe("conformance: the engine's state against the synth's render", () => {
    const password = "state-test-password-0123456789";
    let render: Render;
    before(async () => {
        render = await comparisonRender({ "dodo-platform:payments.postgres.password": password });
    });

    it("reads type and name from a URN, nested types included", () => {
        assert.equal(refOfUrn(`${PREFIX}dodo:platform:Mesh$kubernetes:helm.sh/v3:Release::mesh-istiod`), "kubernetes:helm.sh/v3:Release::mesh-istiod");
    });

    it("matches the same resources, parents and providers, and names every resource only one side has", () => {
        const state = stateOf(render);
        assert.deepEqual(resourceMismatches(state, render.resources), []);
        const defaultProvider = { urn: `${PREFIX}pulumi:providers:kubernetes::default_4_34_2`, type: "pulumi:providers:kubernetes" };
        const secret = state.find((r) => r.type === "kubernetes:core/v1:Secret")!;
        const namespace = state.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
        const changed = state.filter((r) => r !== secret).map((r) => (r === namespace ? { ...r, provider: `${defaultProvider.urn}::x` } : r));
        assert.deepEqual(resourceMismatches([...changed, defaultProvider], render.resources), [
            `${refOfUrn(namespace.urn)}: provider pulumi:providers:kubernetes::default_4_34_2 in the state, pulumi:providers:kubernetes::cluster-k8s in the render`,
            "pulumi:providers:kubernetes::default_4_34_2: in the engine's state, not in the synth's render",
            `${refOfUrn(secret.urn)}: in the synth's render, not in the engine's state`,
        ]);
        const moved = state.map((r) => (r === secret ? { ...r, parent: undefined } : r));
        assert.deepEqual(resourceMismatches(moved, render.resources), [`${refOfUrn(secret.urn)}: parent the stack in the state, dodo:platform:Payments::payments in the render`]);
    });

    it("leaves no secret of the run uncompared: the database Secret renders with the password the run set", () => {
        const [secret] = render.manifests.filter((m) => m.kind === "Secret");
        assert.ok(Object.values((secret as { stringData?: Record<string, string> }).stringData ?? {}).some((v) => v.includes(password)), JSON.stringify(secret));
        assert.doesNotMatch(JSON.stringify(render.manifests), /\[secret\]/);
    });

    it("finds a provider whose kubeconfig the state holds in plain text", () => {
        const provider = (kubeconfig: unknown): StateResource => ({ urn: `${PREFIX}dodo:platform:ExistingCluster$pulumi:providers:kubernetes::cluster-k8s`, type: "pulumi:providers:kubernetes", inputs: { kubeconfig } });
        assert.deepEqual(plaintextKubeconfigs([provider("/root/.kube/config")]), ["pulumi:providers:kubernetes::cluster-k8s"]);
        assert.deepEqual(plaintextKubeconfigs([provider({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" })]), []);
    });

    it("plants drift on a field the stack renders, of a resource it registers", () => {
        const drift = plantedDrift();
        assert.ok(render.resources.some((r) => r.ref === PLANTED_DRIFT_REF), PLANTED_DRIFT_REF);
        const [rendered] = render.manifests.filter((m) => m.kind === drift.kind && m.metadata.name === drift.metadata.name && m.metadata.namespace === drift.metadata.namespace);
        assert.deepEqual([rendered?.spec, drift.spec], [{ mtls: { mode: "STRICT" } }, { mtls: { mode: "PERMISSIVE" } }]);
    });

    it("after destroy, counts every PersistentVolume left as the stack's", () => {
        const pv = { metadata: { name: "pvc-1" }, spec: { claimRef: { namespace: "dodo-payments", name: "data-postgres-0" }, persistentVolumeReclaimPolicy: "Retain" }, status: { phase: "Released" } };
        const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "gateways.networking.istio.io", annotations: { "helm.sh/resource-policy": "keep" } } };
        assert.deepEqual(leftovers([crd], [pv]), { ours: ["PersistentVolume pvc-1 (claim dodo-payments/data-postgres-0, Retain, Released)"], keptByCharts: ["CustomResourceDefinition gateways.networking.istio.io"] });
        assert.deepEqual(leftovers([crd], []).ours, []);
    });
});
