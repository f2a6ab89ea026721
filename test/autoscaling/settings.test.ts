import { strict as assert } from "assert";
import { autoscalingProblems } from "../../components/autoscaling/settings";
import { ConfigError, parsePlatformConfig, PlatformConfig } from "../../components/config";
import { TRUNK_COMPATIBLE_FAMILIES } from "../../components/payments/database-settings";
import { readStackConfig, REPO_ROOT } from "../../scripts/lib/stack-config";

function parse(stack: string, paths: Record<string, unknown> = {}): PlatformConfig {
    return parsePlatformConfig({ stack, ...readStackConfig(stack, REPO_ROOT, paths) });
}

function problems(stack: string, paths: Record<string, unknown>): string[] {
    try {
        parse(stack, paths);
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return [...err.problems];
    }
    return [];
}

describe("autoscaling settings", () => {
    it("defaults: spot and on-demand in dev, on-demand in staging and prod, CPU and memory limits per environment", () => {
        const [dev, staging, prod] = (["dev", "staging", "prod"] as const).map((s) => parse(s).autoscaling);
        assert.deepEqual(dev.capacityTypes, ["spot", "on-demand"]);
        assert.deepEqual([staging.capacityTypes, prod.capacityTypes], [["on-demand"], ["on-demand"]]);
        assert.deepEqual([dev.limits, staging.limits, prod.limits], [{ cpu: 16, memoryGiB: 64 }, { cpu: 32, memoryGiB: 128 }, { cpu: 64, memoryGiB: 256 }]);
        assert.deepEqual(prod.instanceFamilies, ["m6i", "m6a", "m5"]);
    });

    it("takes the limits and families from config", () => {
        const c = parse("staging", { "dodo-platform:autoscaling.limits.cpu": 48, "dodo-platform:autoscaling.limits.memoryGiB": 192, "dodo-platform:autoscaling.instanceFamilies": ["c6i", "m6i"] }).autoscaling;
        assert.deepEqual([c.limits, c.instanceFamilies], [{ cpu: 48, memoryGiB: 192 }, ["c6i", "m6i"]]);
    });

    it("refuses spot in prod, Graviton families and metal sizes, naming the key", () => {
        assert.ok(problems("prod", { "dodo-platform:autoscaling.capacityTypes": ["spot", "on-demand"] }).includes("dodo-platform:autoscaling.capacityTypes: prod runs on-demand nodes only (got spot, on-demand)"));
        assert.match(problems("dev", { "dodo-platform:autoscaling.instanceFamilies": ["m6i", "m7g"] }).join("\n"), /autoscaling\.instanceFamilies: \[1\] is a Graviton \(arm64\) family/);
        assert.match(problems("dev", { "dodo-platform:autoscaling.instanceSizes": ["metal"] }).join("\n"), /autoscaling\.instanceSizes: \[0\] expected an instance size/);
    });

    it("keeps Karpenter to trunk-ENI families where payments use security groups for pods (staging, prod)", () => {
        const ps = problems("prod", { "dodo-platform:autoscaling.instanceFamilies": ["m6i", "t3"] });
        assert.ok(ps.some((p) => p.startsWith("dodo-platform:autoscaling.instanceFamilies: t3 has no trunk ENI")), ps.join("\n"));
        // dev reaches its in-cluster database through the node group: any x86 family will do.
        assert.deepEqual(problems("dev", { "dodo-platform:autoscaling.instanceFamilies": ["m6i", "t3"] }), []);
        const ctx = { maxSize: 9, systemNodes: 3, podSecurityGroups: true, trunkFamilies: TRUNK_COMPATIBLE_FAMILIES };
        for (const stack of ["staging", "prod"]) assert.deepEqual(autoscalingProblems(parse(stack).autoscaling, ctx), [], `${stack}'s defaults`);
    });

    it("reads nodes.maxSize as the cluster's ceiling: it must exceed the system group", () => {
        const ps = problems("staging", { "dodo-platform:nodes.maxSize": 3, "dodo-platform:nodes.desiredSize": 3, "dodo-platform:nodes.minSize": 3 });
        assert.ok(ps.includes("dodo-platform:nodes.maxSize: is the cluster's node ceiling: it must exceed nodes.desiredSize (3, the system node group) so Karpenter can add nodes (got 3)"), ps.join("\n"));
    });

    it("builds no Karpenter on an existing cluster: an autoscaling key there is an error naming it", () => {
        const ps = problems("local", { "dodo-platform:autoscaling.limits.cpu": 32 });
        assert.ok(ps.includes("dodo-platform:autoscaling.limits.cpu: has no effect with cluster.mode existing (the AWS layer is not built); remove it"), ps.join("\n"));
        assert.deepEqual(problems("local", {}), []);
    });
});
