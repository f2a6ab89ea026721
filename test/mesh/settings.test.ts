import { strict as assert } from "assert";
import { MeshConfig, meshSection } from "../../components/mesh/settings";
import { ConfigReader, Environment, fullKey } from "../../components/settings";
import { cliConfigFromPaths } from "../../scripts/lib/stack-config";

function read(environment: Environment, values: Record<string, unknown> = {}): { config: MeshConfig; problems: string[] } {
    const reader = new ConfigReader(environment, cliConfigFromPaths(values));
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
        it("dev: no revision, ALLOW_ANY egress, every request traced, one istiod", () => {
            const c = accepted("dev", {});
            assert.equal(c.revision, undefined);
            assert.equal(c.previousRevision, undefined);
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
            assert.equal(c.revision, undefined);
            assert.equal(c.tracingSamplingPercentage, 1);
            assert.equal(c.gatewayReplicas.min, 3);
            rejected("prod", { "mesh.revision": "" }, "mesh.revision", /DNS-1123 label/);
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

    describe("mesh.revision", () => {
        it("accepts a DNS-1123 label such as 1-30-4", () => {
            assert.equal(accepted("prod", { "mesh.revision": "1-30-4" }).revision, "1-30-4");
        });

        it("rejects dots, upper case and leading dashes", () => {
            for (const bad of ["1.30.4", "Canary", "-canary", "canary-"]) {
                rejected("prod", { "mesh.revision": bad }, "mesh.revision", /DNS-1123 label/);
            }
        });

        it("rejects \"default\", Istio's name for the unrevisioned control plane", () => {
            rejected("prod", { "mesh.revision": "default" }, "mesh.revision", /leave mesh.revision unset/);
        });

        it("rejects names too long for istiod's Helm release", () => {
            rejected("prod", { "mesh.revision": "a".repeat(47) }, "mesh.revision", /at most 46/);
        });
    });

    describe("mesh.previousRevision", () => {
        it("names the old control plane during a canary upgrade, \"default\" included", () => {
            const c = accepted("prod", { "mesh.revision": "1-31-0", "mesh.previousRevision": "default" });
            assert.equal(c.previousRevision, "default");
            assert.equal(accepted("prod", { "mesh.revision": "1-31-0", "mesh.previousRevision": "1-30-4" }).previousRevision, "1-30-4");
        });

        it("needs a new mesh.revision beside it", () => {
            rejected("prod", { "mesh.previousRevision": "1-30-4" }, "mesh.previousRevision", /set mesh.revision/);
        });

        it("must differ from mesh.revision", () => {
            rejected("prod", { "mesh.revision": "1-30-4", "mesh.previousRevision": "1-30-4" }, "mesh.previousRevision", /must differ/);
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
