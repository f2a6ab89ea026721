// upgrade:walk's verdicts that need no render: a step that adds or changes a Helm release that
// `npm run validate` could not render fails, read from validate's own report lines.
import { strict as assert } from "assert";
import { shippedPackConfig } from "../../policy/config-files";
import { formatChartVerdict, judgeCharts } from "../../scripts/lib/rendered-charts/judge";
import { DiffReport } from "../../scripts/lib/diff";
import { allowanceMarker, notRendered, partitionUnrendered, unrenderedChanges } from "../../scripts/lib/upgrade/unrendered";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const empty = (): DiffReport => ({ resources: { added: [], removed: [], changed: [] }, objects: { added: [], removed: [], changed: [] }, findings: { added: [], resolved: [] } });

describe("upgrade walk: chart releases validate did not render", () => {
    // The report exactly as validate prints it, with istiod 1.31.4 skipped (not in the module).
    const why = "https://blob.istio.io/istio-release/charts 1.31.4: not in the module at hand (the module has 1.30.4)";
    const report = formatChartVerdict("dev", [], judgeCharts([], [], [{ release: "istiod-1-31-4", chart: "istiod 1.31.4", why }], "dev", shippedPackConfig("dev")));
    const skipped = notRendered(`some line\n${report}`);
    const helmName = (resource: string) => ({ "mesh-istiod-1-31-4": "istiod-1-31-4", "mesh-istiod": "istiod", "mesh-base": "istio-base" })[resource];

    it("reads the skipped releases from validate's report", () => {
        assert.deepEqual([...skipped], [["istiod-1-31-4", `chart istiod 1.31.4: ${why}`]]);
    });

    it("fails a step that adds or changes an unrendered release, and only that", () => {
        const added = empty();
        added.resources.added.push({ type: RELEASE, name: "mesh-istiod-1-31-4" });
        assert.deepEqual(unrenderedChanges(added, helmName, skipped), [`adds Helm release mesh-istiod-1-31-4, which npm run validate did not render (chart istiod 1.31.4: ${why}): nothing checked what it installs`]);
        const changed = empty();
        changed.resources.changed.push({ type: RELEASE, name: "mesh-istiod-1-31-4", fields: [{ path: "props.values.revision", before: "a", after: "b" }, { path: "dependsOn[0]", before: "x", after: "y" }] });
        assert.match(unrenderedChanges(changed, helmName, skipped)[0], /^changes \(values\.revision\) Helm release mesh-istiod-1-31-4/);
        const ordering = empty();
        ordering.resources.changed.push({ type: RELEASE, name: "mesh-istiod-1-31-4", fields: [{ path: "dependsOn[0]", before: "x", after: "y" }] });
        assert.deepEqual(unrenderedChanges(ordering, helmName, skipped), [], "a dependsOn change installs nothing");
        const rendered = empty();
        rendered.resources.added.push({ type: RELEASE, name: "mesh-base" });
        assert.deepEqual(unrenderedChanges(rendered, helmName, skipped), [], "a release validate rendered passes");
        const removed = empty();
        removed.resources.removed.push({ type: RELEASE, name: "mesh-istiod-1-31-4" });
        assert.deepEqual(unrenderedChanges(removed, helmName, skipped), [], "removing installs nothing");
    });

    it("lets an allowance for exactly that chart and version turn the failure into NOT VERIFIED, and records it as used", () => {
        const added = empty();
        added.resources.added.push({ type: RELEASE, name: "mesh-istiod-1-31-4" });
        const lines = unrenderedChanges(added, helmName, skipped);
        const used = new Set<string>();
        assert.deepEqual(partitionUnrendered(lines, ["istiod@1.31.4"], used), { allowed: lines, failing: [] });
        assert.deepEqual([...used], ["istiod@1.31.4"]);
        // Another version, another chart, or a prefix of the name covers nothing.
        for (const other of ["istiod@1.31.5", "gateway@1.31.4", "istio@1.31.4", "istiod@1.31"]) {
            const none = new Set<string>();
            assert.deepEqual(partitionUnrendered(lines, [other], none), { allowed: [], failing: lines }, other);
            assert.equal(none.size, 0, other);
        }
    });

    it("reads an allowance only as <chart>@<version>", () => {
        assert.equal(allowanceMarker("istiod@1.31.4"), "(chart istiod 1.31.4:");
        for (const bad of ["istiod", "istiod@", "@1.31.4", "istiod 1.31.4", "Istiod@1.31.4"]) assert.equal(allowanceMarker(bad), undefined, bad);
    });
});
