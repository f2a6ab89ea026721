import { strict as assert } from "assert";
import { MeshConfig, meshSection } from "../../components/mesh/settings";
import { ConfigReader, Environment, fullKey } from "../../components/settings";
import { cliConfigFromPaths } from "../../scripts/lib/stack-config";

// A stack on one revision, as every stack file states it; tests override single keys.
const ON_ONE_REVISION: Record<string, unknown> = {
    "mesh.revisions": ["1-31-4"],
    "mesh.tags": { "prod-stable": "1-31-4" },
    "mesh.gateway.revision": "1-31-4",
    "mesh.base.revision": "1-31-4",
    "mesh.defaultRevision": "1-31-4",
};

function read(environment: Environment, values: Record<string, unknown> = {}): { config: MeshConfig; problems: string[] } {
    const reader = new ConfigReader(environment, cliConfigFromPaths({ ...ON_ONE_REVISION, ...values }));
    const config = meshSection.read(reader);
    return { config, problems: reader.problems };
}

function accepted(environment: Environment, values: Record<string, unknown>): MeshConfig {
    const { config, problems } = read(environment, values);
    assert.deepEqual(problems, []);
    return config;
}

function rejected(environment: Environment, values: Record<string, unknown>, key: string, pattern: RegExp): void {
    const { problems } = read(environment, values);
    const mine = problems.filter((p) => p.startsWith(`${fullKey(key)}:`));
    assert.ok(mine.some((p) => pattern.test(p)), `expected a problem on ${key} matching ${pattern}, got ${JSON.stringify(problems)}`);
}

describe("mesh config", () => {
    describe("environment defaults", () => {
        it("dev: ALLOW_ANY egress, every request traced, one istiod", () => {
            const c = accepted("dev", {});
            assert.equal(c.outboundTrafficPolicy, "ALLOW_ANY");
            assert.equal(c.tracingSamplingPercentage, 100);
            assert.deepEqual(c.istiodReplicas, { min: 1, max: 1 });
            assert.deepEqual(c.gatewayReplicas, { min: 1, max: 2 });
            assert.deepEqual(c.gatewaySourceRanges, []);
        });

        it("staging traces 10 % and only reaches registered hosts", () => {
            const c = accepted("staging", {});
            assert.equal(c.tracingSamplingPercentage, 10);
            assert.equal(c.outboundTrafficPolicy, "REGISTRY_ONLY");
        });

        it("prod: REGISTRY_ONLY, 1 % sampling, at least 2 istiods and 3 gateways", () => {
            const c = accepted("prod", {});
            assert.equal(c.outboundTrafficPolicy, "REGISTRY_ONLY");
            assert.equal(c.tracingSamplingPercentage, 1);
            assert.deepEqual(c.istiodReplicas, { min: 2, max: 5 });
            assert.deepEqual(c.gatewayReplicas, { min: 3, max: 10 });
        });

        it("takes an unset key as the environment default, and an explicit value as given (no placeholder values)", () => {
            const c = accepted("prod", {});
            assert.equal(c.tracingSamplingPercentage, 1);
            assert.equal(c.gatewayReplicas.min, 3);
            rejected("prod", { "mesh.gateway.revision": "" }, "mesh.gateway.revision", /expected a revision such as 1-31-4/);
            rejected("prod", { "mesh.gateway.minReplicas": "-1" }, "mesh.gateway.minReplicas", /must be between 1 and 50 \(got -1\)/);
        });
    });

    describe("mesh.tracing.samplingPercentage", () => {
        it("accepts integers and fractions from 0 to 100", () => {
            assert.equal(accepted("prod", { "mesh.tracing.samplingPercentage": "0.5" }).tracingSamplingPercentage, 0.5);
            assert.equal(accepted("prod", { "mesh.tracing.samplingPercentage": "0" }).tracingSamplingPercentage, 0);
            assert.equal(accepted("dev", { "mesh.tracing.samplingPercentage": "100" }).tracingSamplingPercentage, 100);
        });

        it("rejects values above 100, negatives and non-numbers", () => {
            rejected("prod", { "mesh.tracing.samplingPercentage": "150" }, "mesh.tracing.samplingPercentage", /between 0 and 100/);
            rejected("prod", { "mesh.tracing.samplingPercentage": "-1" }, "mesh.tracing.samplingPercentage", /must be between 0 and 100 \(got -1\)/);
            rejected("prod", { "mesh.tracing.samplingPercentage": "ten" }, "mesh.tracing.samplingPercentage", /expected a number, got "ten"/);
        });
    });

    describe("revisions and tags", () => {
        it("reads the installed revisions, the tags, the gateway's and the default revision, and the moved namespaces", () => {
            const c = accepted("prod", {
                "mesh.revisions": ["default", "1-31-4"],
                "mesh.tags": { "prod-stable": "default", "prod-canary": "1-31-4" },
                "mesh.namespaces": { "dodo-payments": "prod-canary" },
                "mesh.gateway.revision": "default",
                "mesh.base.revision": "1-31-4",
                "mesh.defaultRevision": "default",
                "mesh.statefulSets": { "dodo-payments/postgres": "default" },
            });
            assert.deepEqual(c.revisions, {
                revisions: ["default", "1-31-4"],
                tags: { "prod-stable": "default", "prod-canary": "1-31-4" },
                namespaces: { "dodo-payments": "prod-canary" },
                gatewayRevision: "default",
                baseRevision: "1-31-4",
                defaultRevision: "default",
                statefulSets: { "dodo-payments/postgres": "default" },
            });
        });

        it("has no defaults: each of the five is required, with the command that sets it", () => {
            for (const key of ["mesh.revisions", "mesh.tags", "mesh.gateway.revision", "mesh.base.revision", "mesh.defaultRevision"]) {
                rejected("prod", { [key]: undefined }, key, /required: `pulumi config set --path 'dodo-platform:mesh\./);
            }
            rejected("prod", { "mesh.revisions": undefined }, "mesh.revisions", /'dodo-platform:mesh\.revisions\[0\]' 1-31-4/);
            rejected("prod", { "mesh.tags": { "prod-canary": "1-31-4" } }, "mesh.tags.prod-stable", /required/);
        });

        it("knows two tags only, and namespaces follow one of them", () => {
            rejected("prod", { "mesh.tags": { "prod-stable": "1-31-4", stable: "1-31-4" } }, "mesh.tags", /\[stable\] unknown tag; expected prod-stable or prod-canary/);
            rejected("prod", { "mesh.namespaces": { "dodo-payments": "canary" } }, "mesh.namespaces", /expected one of prod-stable, prod-canary/);
        });

        it("rejects revision names that are not DNS labels (dots, upper case)", () => {
            for (const bad of ["1.31.4", "Canary", "-canary"]) rejected("prod", { "mesh.revisions": [bad] }, "mesh.revisions", /expected a revision such as 1-31-4/);
        });
    });

    describe("replicas and egress", () => {
        it("prod refuses a single istiod or gateway replica", () => {
            rejected("prod", { "mesh.istiod.minReplicas": "1" }, "mesh.istiod.minReplicas", /at least 2/);
            rejected("prod", { "mesh.gateway.minReplicas": "1" }, "mesh.gateway.minReplicas", /at least 2/);
        });

        it("dev may run a single replica of each", () => {
            accepted("dev", { "mesh.istiod.minReplicas": "1", "mesh.gateway.minReplicas": "1", "mesh.gateway.maxReplicas": "1" });
        });

        it("rejects a minimum above the maximum", () => {
            rejected("staging", { "mesh.gateway.minReplicas": "5", "mesh.gateway.maxReplicas": "3" }, "mesh.gateway.minReplicas", /must not exceed/);
        });

        it("accepts only ALLOW_ANY or REGISTRY_ONLY", () => {
            assert.equal(accepted("prod", { "mesh.outboundTrafficPolicy": "ALLOW_ANY" }).outboundTrafficPolicy, "ALLOW_ANY");
            rejected("prod", { "mesh.outboundTrafficPolicy": "DENY" }, "mesh.outboundTrafficPolicy", /ALLOW_ANY, REGISTRY_ONLY/);
        });

        it("validates the NLB source ranges as CIDRs", () => {
            assert.deepEqual(accepted("prod", { "mesh.gateway.loadBalancerSourceRanges": ["203.0.113.0/24"] }).gatewaySourceRanges, ["203.0.113.0/24"]);
            rejected("prod", { "mesh.gateway.loadBalancerSourceRanges": ["203.0.113.0"] }, "mesh.gateway.loadBalancerSourceRanges", /CIDR/);
        });
    });
});
