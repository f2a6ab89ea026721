// The default flip on a whole-program render of dev (the walk's step 7): the unrevisioned istiod's
// own injector is retired once the `default` tag takes its selectors, after that tag exists, without
// rolling istiod; and every tag is created after its own revision's istiod release, which patches
// its caBundle (istio.io/rev names that revision). What the flag removes from the real chart is
// checked with helm in test/rendered-charts/helm/default-flip.test.ts (npm run test:charts).
import { strict as assert } from "assert";
import { stepsFor } from "../../scripts/lib/upgrade/plan";
import { chartsByResource, meshObjectAt, RenderedState, renderWithMesh, stackMesh } from "../../scripts/lib/upgrade/render";
import { diffRenders } from "../../scripts/lib/diff";
import { stepEffects } from "../../scripts/lib/upgrade/effects";
import { get } from "../harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const MWC = "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration";
type Values = { global?: { operatorManageWebhooks?: boolean } };

describe("revision tags and the default flip (dev render)", () => {
    const current = stackMesh("dev");
    const steps = stepsFor(current, "1.31.4").todo;
    const at = steps.findIndex((s) => s.kind === "default");
    let prev: RenderedState;
    let flipped: RenderedState;
    before(async () => {
        prev = await renderWithMesh("dev", meshObjectAt("dev", steps[at - 1].state), current.environment);
        flipped = await renderWithMesh("dev", meshObjectAt("dev", steps[at].state), current.environment);
    });
    const values = (r: RenderedState, name: string) => (get(r.render.resources, RELEASE, name).props as { values: Values }).values;

    it("retires the unrevisioned istiod's own injector when 1-31-4 becomes the default, and only then", () => {
        assert.equal(values(prev, "mesh-istiod").global?.operatorManageWebhooks, undefined, "before the flip it still injects");
        assert.equal(values(flipped, "mesh-istiod").global?.operatorManageWebhooks, true);
        assert.equal(values(flipped, "mesh-istiod-1-31-4").global?.operatorManageWebhooks, undefined, "the new default keeps its injector");
    });

    it("retires it only after the default tag that takes its selectors exists, and restarts nothing", () => {
        const retired = get(flipped.render.resources, RELEASE, "mesh-istiod");
        assert.ok(retired.dependsOn.includes(`${MWC}::mutatingwebhookconfiguration-istio-revision-tag-default`), retired.dependsOn.join(", "));
        const report = diffRenders(prev.snapshot, flipped.snapshot);
        const [was, is] = [chartsByResource(prev.render), chartsByResource(flipped.render)];
        assert.deepEqual(stepEffects(report, (n) => was(n) ?? is(n)).restarts, [], "operatorManageWebhooks rolls no istiod pod");
        assert.ok(report.resources.changed.some((r) => r.name === "mesh-istiod" && r.fields.some((f) => f.path === "props.values.global.operatorManageWebhooks")));
    });

    it("creates each tag after its own revision's istiod release, labelled for that istiod to patch its caBundle", () => {
        for (const r of [prev, flipped]) {
            const tags = r.render.resources.filter((x) => x.type === MWC && x.name.startsWith("mutatingwebhookconfiguration-istio-revision-tag-"));
            assert.ok(tags.length >= 2, tags.map((t) => t.name).join(", "));
            for (const t of tags) {
                const revision = (t.props as { metadata: { labels: Record<string, string> } }).metadata.labels["istio.io/rev"];
                const own = `${RELEASE}::mesh-${revision === "default" ? "istiod" : `istiod-${revision}`}`;
                assert.deepEqual(t.dependsOn.filter((d) => d.startsWith(`${RELEASE}::`)), [own], `${t.name} -> ${revision}`);
                assert.equal((t.props as { webhooks: { clientConfig: { caBundle?: string } }[] }).webhooks.every((w) => w.clientConfig.caBundle === undefined), true, "istiod's field");
            }
        }
    });
});
