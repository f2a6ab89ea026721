// Steps that would break the chain of an Istio upgrade are refused by config validation, naming
// the key to change; the steps of the documented sequence are accepted (test/upgrade walks them).
import { strict as assert } from "assert";
import { ConfigError, parsePlatformConfig } from "../../components/config";
import { compareRevisions, releaseOfRevision, revisionOfRelease, revisionProblems } from "../../components/mesh/revisions";
import { readStackConfig, REPO_ROOT } from "../../scripts/lib/render";

/** Problems of a stack file with `--path` overrides, as `pulumi preview` would print them. */
function problems(stack: string, paths: Record<string, unknown>): string[] {
    const { values, secretKeys } = readStackConfig(stack, REPO_ROOT, paths);
    try {
        parsePlatformConfig({ stack, values, secretKeys });
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return [...err.problems];
    }
    return [];
}

/** A stack halfway through moving from the unrevisioned istiod to 1-31-4 (steps 1-3 done). */
const UPGRADING: Record<string, unknown> = {
    "dodo-platform:mesh.base.revision": "1-31-4",
    "dodo-platform:mesh.revisions": ["default", "1-31-4"],
    "dodo-platform:mesh.tags.prod-canary": "1-31-4",
    "dodo-platform:mesh.namespaces.dodo-payments": "prod-canary",
};

function refused(stack: string, paths: Record<string, unknown>, key: string, pattern: RegExp): void {
    const found = problems(stack, paths);
    assert.ok(found.some((p) => p.startsWith(`dodo-platform:${key}: `) && pattern.test(p)), `expected dodo-platform:${key}: ${pattern}, got:\n${found.join("\n")}`);
}

describe("Istio upgrade steps refused by config validation", () => {
    it("accepts the stack files as they are, and a stack halfway through an upgrade", () => {
        for (const stack of ["dev", "staging", "prod", "local"]) assert.deepEqual(problems(stack, {}), [], stack);
        assert.deepEqual(problems("prod", UPGRADING), []);
    });

    it("refuses removing a revision a namespace still uses, naming mesh.revisions and the namespace", () => {
        refused("prod", { "dodo-platform:mesh.revisions": ["1-31-4"] }, "mesh.revisions", /revision default is not installed but is still used by namespace dodo-payments through mesh\.tags\.prod-stable/);
    });

    it("refuses removing a revision the ingress gateway or the default still uses", () => {
        const moved = { ...UPGRADING, "dodo-platform:mesh.tags.prod-stable": "1-31-4", "dodo-platform:mesh.revisions": ["1-31-4"], "dodo-platform:mesh.namespaces.dodo-payments": undefined, "dodo-platform:mesh.tags.prod-canary": undefined };
        refused("prod", moved, "mesh.revisions", /revision default .*still used by the ingress gateway \(mesh\.gateway\.revision\), the default revision \(mesh\.defaultRevision\)/);
    });

    it("refuses installing a revision newer than the CRDs, naming mesh.base.revision; keeps newer CRDs after a canary is removed", () => {
        refused("prod", { "dodo-platform:mesh.revisions": ["default", "1-31-4"] }, "mesh.base.revision", /the CRDs \(1\.30\.4\) are older than revision 1-31-4 \(1\.31\.4\): move mesh\.base\.revision to 1-31-4 first/);
        assert.deepEqual(problems("prod", { "dodo-platform:mesh.base.revision": "1-31-4" }), [], "CRDs ahead of the only istiod: the state after undoing the install");
    });

    it("refuses removing the revision dev's PostgreSQL still runs until its entry moves (it never follows its namespace)", () => {
        const done = { "dodo-platform:mesh.revisions": ["1-31-4"], "dodo-platform:mesh.base.revision": "1-31-4", "dodo-platform:mesh.tags.prod-stable": "1-31-4", "dodo-platform:mesh.gateway.revision": "1-31-4", "dodo-platform:mesh.defaultRevision": "1-31-4" };
        refused("dev", done, "mesh.revisions", /still used by StatefulSet dodo-payments\/postgres \(mesh\.statefulSets\)/);
        assert.deepEqual(problems("dev", { ...done, "dodo-platform:mesh.statefulSets": { "dodo-payments/postgres": "1-31-4" } }), []);
    });

    it("refuses a meshed StatefulSet left unlisted, and ignores an entry for one the stack does not run", () => {
        refused("dev", { "dodo-platform:mesh.statefulSets": {} }, "mesh.statefulSets", /StatefulSet dodo-payments\/postgres is in the mesh: say which revision its pods run/);
        assert.deepEqual(problems("prod", { "dodo-platform:mesh.statefulSets": { "dodo-payments/postgres": "default" } }), [], "prod's database is RDS");
    });

    it("refuses flipping the default before every namespace has moved, naming mesh.defaultRevision", () => {
        refused("prod", { ...UPGRADING, "dodo-platform:mesh.namespaces.dodo-payments": undefined, "dodo-platform:mesh.defaultRevision": "1-31-4" }, "mesh.defaultRevision", /1-31-4 cannot be the default before everything has moved to it: namespace dodo-payments \(default\), the ingress gateway \(default\)/);
    });

    it("refuses flipping the default before the gateway has moved, and accepts flipping it back (the rollback)", () => {
        const namespacesMoved = { ...UPGRADING, "dodo-platform:mesh.tags.prod-stable": "1-31-4" };
        refused("prod", { ...namespacesMoved, "dodo-platform:mesh.defaultRevision": "1-31-4" }, "mesh.defaultRevision", /the ingress gateway \(default\) still run an older revision/);
        const all = { ...namespacesMoved, "dodo-platform:mesh.gateway.revision": "1-31-4" };
        assert.deepEqual(problems("prod", { ...all, "dodo-platform:mesh.defaultRevision": "1-31-4" }), []);
        assert.deepEqual(problems("prod", { ...all, "dodo-platform:mesh.defaultRevision": "default" }), []);
    });

    it("refuses a namespace on a tag that does not exist, and a namespace the stack does not mesh", () => {
        refused("prod", { "dodo-platform:mesh.namespaces.dodo-payments": "prod-canary" }, "mesh.namespaces.dodo-payments", /follows tag prod-canary, which mesh.tags does not define/);
        refused("prod", { ...UPGRADING, "dodo-platform:mesh.namespaces.dodo-paymnets": "prod-canary" }, "mesh.namespaces.dodo-paymnets", /is not a meshed namespace of this stack \(dodo-payments\)/);
    });

    it("refuses a tag pointing at a revision that is not installed", () => {
        refused("prod", { "dodo-platform:mesh.tags.prod-canary": "1-31-4" }, "mesh.revisions", /revision 1-31-4 is not installed but is still used by tag prod-canary/);
    });

    it("refuses a revision whose release is not checked in versions.ts, and a third control plane", () => {
        refused("prod", { "dodo-platform:mesh.revisions": ["default", "1-32-0"] }, "mesh.revisions[1]", /runs Istio 1\.32\.0, which components\/versions\.ts does not list in ISTIO_RELEASES/);
        refused("prod", { "dodo-platform:mesh.revisions": ["default", "1-30-4", "1-31-4"] }, "mesh.revisions", /at most two control planes/);
        refused("prod", { "dodo-platform:mesh.revisions": ["canary"] }, "mesh.revisions[0]", /not a revision named after an Istio release/);
    });

    it("refuses one local istiod chart for two releases, naming the chart source", () => {
        refused("prod", { ...UPGRADING, "dodo-platform:charts.sources.istiod": "/tmp" }, "charts.sources.istiod", /a local chart holds one release, but mesh\.revisions runs 1\.30\.4 and 1\.31\.4/);
    });
});

describe("revision names", () => {
    it("are Istio's release with dashes; default is the unrevisioned istiod's release", () => {
        assert.equal(revisionOfRelease("1.31.4"), "1-31-4");
        assert.equal(releaseOfRevision("1-31-4"), "1.31.4");
        assert.equal(releaseOfRevision("default"), "1.30.4");
        assert.throws(() => releaseOfRevision("canary"), /not named after an Istio release/);
    });

    it("order by release; the unrevisioned istiod predates a named revision of its own release", () => {
        assert.deepEqual(["1-31-4", "1-30-10", "default", "1-30-4", "1-30-9"].sort(compareRevisions), ["default", "1-30-4", "1-30-9", "1-30-10", "1-31-4"]);
    });

    it("report nothing for a required key left empty (it is reported where it is read)", () => {
        const m = { revisions: ["1-31-4"], tags: { "prod-stable": "" }, namespaces: {}, gatewayRevision: "1-31-4", baseRevision: "1-31-4", defaultRevision: "1-31-4", statefulSets: {} };
        assert.deepEqual(revisionProblems(m, { namespaces: ["dodo-payments"], statefulSets: [] }), []);
    });
});
