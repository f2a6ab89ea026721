// The default flip (upgrade step 7) on the real istio-discovery chart: test/mesh/tag-order.test.ts
// shows the unrevisioned istiod's Release gets `global.operatorManageWebhooks: true`; this renders
// that Release with the real helm from the pinned istio.io/istio module, before and after, and
// checks that the value removes exactly the `istio-sidecar-injector` MutatingWebhookConfiguration
// (templates/mutatingwebhook.yaml): the validating webhook and istiod's Deployment stay as they
// were, and only the ConfigMaps that echo the values change, by that flag. npm run test:charts.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { releasesOf } from "../../../scripts/lib/rendered-charts/releases";
import { helmBinary, renderRelease } from "../../../scripts/lib/rendered-charts/render";
import { chartSource, istioModuleCharts } from "../../../scripts/lib/rendered-charts/sources";
import { parsePlatformConfig } from "../../../components/config";
import { readStackConfig } from "../../../scripts/lib/render";
import { stepsFor } from "../../../scripts/lib/upgrade/plan";
import { meshObjectAt, renderWithMesh, stackMesh } from "../../../scripts/lib/upgrade/render";

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
const key = (o: Obj) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/** A ConfigMap with global.operatorManageWebhooks taken out of each data entry that is a JSON document. */
function withoutFlag(o: Obj): string {
    const data = (o as { data?: Record<string, string> }).data ?? {};
    const entries = Object.entries(data).map(([k, text]) => {
        try {
            const doc = JSON.parse(text) as { global?: Record<string, unknown> };
            if (doc.global) delete doc.global.operatorManageWebhooks;
            return [k, doc];
        } catch {
            return [k, text];
        }
    });
    return JSON.stringify({ ...o, data: Object.fromEntries(entries) });
}

describe("the default flip on the real istio-discovery chart (dev's unrevisioned istiod)", () => {
    let out: string;
    let was: Map<string, Obj>;
    let is: Map<string, Obj>;
    let flipValue: unknown;

    before(async () => {
        const helm = helmBinary((l) => console.log(`      ${l}`)).bin;
        const istio = istioModuleCharts();
        out = fs.mkdtempSync(path.join(os.tmpdir(), "default-flip-"));
        const current = stackMesh("dev");
        const { values, secretKeys } = readStackConfig("dev");
        const kubeVersion = parsePlatformConfig({ stack: "dev", values, secretKeys }).cluster.kubernetesVersion;
        const steps = stepsFor(current, "1.31.4").todo;
        const at = steps.findIndex((s) => s.kind === "default");
        assert.ok(at > 0, "the plan has a default flip after another step");
        const render = async (state: (typeof steps)[number]["state"], file: string) => {
            const r = await renderWithMesh("dev", meshObjectAt("dev", state), current.environment);
            const release = releasesOf(r.render.resources).find((x) => x.resource === "mesh-istiod");
            assert.ok(release, "dev runs the unrevisioned istiod as mesh-istiod");
            const source = chartSource(release, { overrides: new Map(), istio, fetch: false });
            assert.notEqual(source.kind, "unavailable", JSON.stringify(source));
            if (source.kind === "unavailable") throw new Error(source.why);
            const objects = renderRelease({ helm, release, source, kubeVersion, apiVersions: [], outFile: path.join(out, file) }).objects.map((o) => o.object as unknown as Obj);
            return { values: release.values, objects: new Map(objects.map((o) => [key(o), o])) };
        };
        const unflipped = await render(steps[at - 1].state, "before.yaml");
        const flipped = await render(steps[at].state, "after.yaml");
        [was, is] = [unflipped.objects, flipped.objects];
        flipValue = (flipped.values.global as { operatorManageWebhooks?: unknown } | undefined)?.operatorManageWebhooks;
    });
    after(() => fs.rmSync(out, { recursive: true, force: true }));

    it("removes only the istio-sidecar-injector MutatingWebhookConfiguration, adds nothing, and changes other objects only by the flag they echo", () => {
        assert.equal(flipValue, true, "the flip's values reach the chart");
        const removed = [...was.keys()].filter((k) => !is.has(k));
        const added = [...is.keys()].filter((k) => !was.has(k));
        assert.deepEqual(removed, ["MutatingWebhookConfiguration /istio-sidecar-injector"]);
        assert.deepEqual(added, []);
        const changed = [...is.keys()].filter((k) => JSON.stringify(is.get(k)) !== JSON.stringify(was.get(k)));
        // The two ConfigMaps that echo the chart's values as JSON (the `values` record and the
        // injector's `values`) carry the flag itself; the Deployment is unchanged, so istiod does not roll.
        assert.deepEqual(changed.sort(), ["ConfigMap istio-system/istio-sidecar-injector", "ConfigMap istio-system/values"]);
        for (const k of changed) assert.equal(withoutFlag(is.get(k)!), withoutFlag(was.get(k)!), `${k} differs only in global.operatorManageWebhooks`);
    });

    it("keeps the validating webhook, istiod's Deployment and its injector ConfigMap", () => {
        const kinds = (m: Map<string, Obj>) => [...m.values()].map((o) => o.kind);
        for (const m of [was, is]) {
            assert.ok(kinds(m).includes("ValidatingWebhookConfiguration"), [...m.keys()].join(", "));
            assert.ok([...m.keys()].some((k) => k.startsWith("Deployment istio-system/istiod")));
            assert.ok([...m.keys()].some((k) => k.startsWith("ConfigMap istio-system/istio-sidecar-injector")));
        }
    });
});
