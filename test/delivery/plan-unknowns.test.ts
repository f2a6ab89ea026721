import { strict as assert } from "assert";
import { previewComment } from "../../scripts/lib/diff-preview";
import { rulesFor, UNKNOWN_IN_PLAN, unjudgedAtPreview, unjudgedSection, unknownPaths } from "../../scripts/lib/plan-unknowns";

// Shaped like `pulumi preview --save-plan` output (apitype.DeploymentPlanV1: resourcePlans ->
// goal.type, goal.name, goal.inputDiff.adds/updates), the unknown placeholder where the engine
// writes a computed value.
const urn = (type: string, name: string) => `urn:pulumi:prod::dodo-platform::${type}::${name}`;
const PLAN = {
    manifest: { time: "2026-12-03T10:00:00Z", magic: "", version: "v3.276.0" },
    resourcePlans: {
        [urn("aws:eks/cluster:Cluster", "cluster")]: {
            goal: { type: "aws:eks/cluster:Cluster", name: "cluster", custom: true, inputDiff: { adds: { name: "dodo-prod", roleArn: UNKNOWN_IN_PLAN, vpcConfig: { subnetIds: [UNKNOWN_IN_PLAN, "subnet-b"] } } } },
            steps: ["create"],
        },
        [urn("kubernetes:core/v1:ServiceAccount", "loki")]: {
            goal: { type: "kubernetes:core/v1:ServiceAccount", name: "loki", custom: true, inputDiff: { updates: { metadata: { name: "loki", namespace: "observability", annotations: { "eks.amazonaws.com/role-arn": UNKNOWN_IN_PLAN } } } } },
            steps: ["update"],
        },
        [urn("kubernetes:core/v1:ConfigMap", "known")]: {
            goal: { type: "kubernetes:core/v1:ConfigMap", name: "known", custom: true, inputDiff: { adds: { metadata: { name: "known", namespace: "payments" } } } },
            steps: ["create"],
        },
        [urn("random:index/randomId:RandomId", "no-rule")]: { goal: { type: "random:index/randomId:RandomId", name: "no-rule", custom: true, inputDiff: { adds: { x: UNKNOWN_IN_PLAN } } }, steps: ["create"] },
    },
};

describe("delivery: what the pack could not judge at preview (plan job summary)", () => {
    it("finds the unknown placeholder at any depth, and nothing in known values", () => {
        assert.deepEqual(unknownPaths({ a: { b: [1, UNKNOWN_IN_PLAN] }, c: UNKNOWN_IN_PLAN, d: "known" }), ["a.b[1]", "c"]);
        assert.deepEqual(unknownPaths({ a: "04da6b54" }), []);
    });

    it("names the rules that look at a type: resource rules by type, object rules by kind, stack rules for every Kubernetes object", () => {
        assert.ok(rulesFor("aws:eks/cluster:Cluster").includes("eks-endpoint-restricted"));
        const sa = rulesFor("kubernetes:core/v1:ServiceAccount");
        assert.ok(sa.includes("istio-authz-default-deny"), "a stack rule sees every Kubernetes object");
        assert.ok(!sa.includes("eks-endpoint-restricted"));
        assert.deepEqual(rulesFor("random:index/randomId:RandomId"), []);
        assert.deepEqual(rulesFor("kubernetes:helm.sh/v3:Release").filter((r) => r.startsWith("helm-")).length > 0, true);
    });

    it("lists exactly the resources of a plan with unknown inputs that some rule looks at", () => {
        const items = unjudgedAtPreview(PLAN);
        assert.deepEqual(items.map((u) => [u.type, u.name, u.unknown, u.namespace]), [
            ["aws:eks/cluster:Cluster", "cluster", ["roleArn", "vpcConfig.subnetIds[0]"], undefined],
            ["kubernetes:core/v1:ServiceAccount", "loki", ["metadata.annotations.eks.amazonaws.com/role-arn"], "observability"],
        ]);
        assert.deepEqual(unjudgedAtPreview({}), []);
    });

    it("adds the list to the summary, and nothing when every input was known", () => {
        const items = unjudgedAtPreview(PLAN);
        const section = unjudgedSection(items);
        assert.match(section, /^#### Not fully judged at preview/);
        assert.match(section, /\| `aws:eks\/cluster:Cluster` `cluster` \| `roleArn`, `vpcConfig\.subnetIds\[0\]` \| [^|]*`eks-endpoint-restricted`/);
        assert.match(section, /`loki` \(namespace `observability`\)/);
        const summary = previewComment({ stack: "prod", exitCode: 0, output: "Resources:\n    1 to create\n", unjudged: items });
        assert.ok(summary.indexOf("Not fully judged at preview") < summary.indexOf("<details>"), "above the folded output");
        assert.equal(unjudgedSection([]), "");
        assert.doesNotMatch(previewComment({ stack: "prod", exitCode: 0, output: "x", unjudged: [] }), /Not fully judged/);
    });
});
