import { strict as assert } from "assert";
import { ConfigError } from "../components/config";
import { cli, parse, problems, rawProblems } from "./config-fixtures";

describe("platform config", () => {
    describe("environment defaults", () => {
        it("dev is small and cheap: 2 AZs, one NAT gateway, 2 SPOT nodes", () => {
            const c = parse("dev");
            assert.equal(c.environment, "dev");
            assert.equal(c.network.availabilityZones, 2);
            assert.equal(c.network.natGateways, "single");
            assert.equal(c.cluster.nodeGroups[0].capacityType, "SPOT");
            assert.equal(c.cluster.nodeGroups[0].desiredSize, 2);
            assert.ok(c.cluster.nodeGroups[0].instanceTypes.every((t) => /large$/.test(t)));
        });

        it("prod is resilient: 3 AZs, NAT per AZ, 3+ ON_DEMAND nodes, private endpoint, flow logs", () => {
            const c = parse("prod");
            assert.equal(c.network.availabilityZones, 3);
            assert.equal(c.network.natGateways, "perAz");
            assert.equal(c.network.flowLogs, true);
            assert.equal(c.cluster.endpointPublicAccess, false);
            assert.equal(c.cluster.nodeGroups[0].capacityType, "ON_DEMAND");
            assert.ok(c.cluster.nodeGroups[0].minSize >= 3);
        });

        it("a key the stack does not set takes its environment's default; an empty environment is the stack name", () => {
            const c = parse("staging", { "dodo-platform:environment": "" });
            assert.equal(c.environment, "staging");
            assert.equal(c.network.availabilityZones, 3);
            assert.equal(c.network.vpcCidr, "10.20.0.0/16");
            assert.deepEqual(c.cluster.nodeGroups[0].instanceTypes, ["m6i.xlarge", "m5.xlarge"]);
        });

        it("takes values typed as `config set --path` stores them, and as YAML writes them", () => {
            const typed = parse("dev", { "dodo-platform:payments.canary.weight": "30", "dodo-platform:mesh.tracing.samplingPercentage": "0.5" });
            assert.equal(typed.payments.canary.weight, 30);
            assert.equal(typed.mesh.tracingSamplingPercentage, 0.5);
            const yaml = parse("dev", { "dodo-platform:payments.canary.weight": 30, "dodo-platform:mesh.tracing.samplingPercentage": 0.5 });
            assert.equal(yaml.payments.canary.weight, 30);
            assert.equal(yaml.mesh.tracingSamplingPercentage, 0.5);
        });

        it("takes the environment from the `environment` key for other stack names", () => {
            const c = parse("dev-alice", { "dodo-platform:environment": "dev" });
            assert.equal(c.environment, "dev");
            assert.equal(c.name, "dodo-dev-alice");
        });

        it("applies explicit values and parses labels, taints and tags", () => {
            const c = parse("dev", {
                "dodo-platform:nodes.labels": { team: "payments" },
                "dodo-platform:nodes.taints": ["dedicated=payments:NoSchedule"],
                "dodo-platform:tags": { CostCenter: 42 },
            });
            assert.deepEqual(c.cluster.nodeGroups[0].labels, { team: "payments" });
            assert.deepEqual(c.cluster.nodeGroups[0].taints, [{ key: "dedicated", value: "payments", effect: "NO_SCHEDULE" }]);
            assert.equal(c.tags.CostCenter, "42");
            assert.equal(c.tags.Environment, "dev");
        });
    });

    describe("rejects bad input with the full key, what was expected and what was given", () => {
        it("wrong type", () => {
            const [p] = problems("dev", { "dodo-platform:network.availabilityZones": "three" });
            assert.match(p, /^dodo-platform:network\.availabilityZones: expected an integer, got "three"$/);
        });

        it("out-of-range value, an explicit 0 included (0 is not the unset value)", () => {
            const [p] = problems("dev", { "dodo-platform:network.availabilityZones": "4" });
            assert.match(p, /dodo-platform:network\.availabilityZones: must be between 2 and 3 \(got 4\)/);
            assert.match(problems("dev", { "dodo-platform:nodes.minSize": "0" })[0], /dodo-platform:nodes\.minSize: must be between 1 and 100 \(got 0\)/);
        });

        it("a CIDR with host bits set, or with leading zeros", () => {
            assert.match(problems("dev", { "dodo-platform:network.vpcCidr": "10.10.1.0/16" })[0], /dodo-platform:network\.vpcCidr: has host bits set; did you mean 10\.10\.0\.0\/16\?/);
            assert.match(problems("dev", { "dodo-platform:network.vpcCidr": "010.0.0.0/16" })[0], /expected an IPv4 CIDR/);
        });

        it("an arm64 instance type for the x86_64 node AMI", () => {
            assert.match(problems("dev", { "dodo-platform:nodes.instanceTypes": ["m6i.large", "m6g.large"] })[0], /nodes\.instanceTypes: \[1\] is a Graviton \(arm64\) type/);
        });

        it("label, taint and tag keys Kubernetes or AWS would refuse, and duplicate admins", () => {
            assert.match(problems("dev", { "dodo-platform:nodes.labels": { "a/b/c": "x" } })[0], /nodes\.labels: \[a\/b\/c\] a label key has at most one '\/'/);
            assert.match(problems("dev", { "dodo-platform:nodes.taints": ["-bad=x:NoSchedule"] })[0], /nodes\.taints: \[0\] taint name "-bad"/);
            assert.match(problems("dev", { "dodo-platform:tags": { "aws:owner": "me" } })[0], /tags: \[aws:owner\] tag keys starting with "aws:" are reserved/);
            const arn = "arn:aws:iam::123456789012:role/admins";
            assert.match(problems("dev", { "dodo-platform:cluster.adminPrincipals": [arn, arn] })[0], /cluster\.adminPrincipals: \[1\] arn:aws:iam::123456789012:role\/admins is listed twice/);
        });

        it("an environment other than the stack's own name (prod cannot borrow dev's defaults)", () => {
            const [p] = problems("prod", { "dodo-platform:environment": "dev" });
            assert.equal(p, 'dodo-platform:environment: stack "prod" is the prod environment; got "dev"');
        });

        it("a region outside the commercial partition", () => {
            assert.match(problems("dev", { "aws:region": "cn-north-1" })[0], /aws:region: the blueprint supports the commercial aws partition only/);
        });

        it("desired size outside min..max", () => {
            const [p] = problems("dev", { "dodo-platform:nodes.desiredSize": "7" });
            assert.match(p, /dodo-platform:nodes\.desiredSize: must be between nodes\.minSize \(2\) and nodes\.maxSize \(4\), got 7/);
        });

        it("a CIDR that is not a CIDR", () => {
            const [p] = problems("dev", { "dodo-platform:network.vpcCidr": "10.0.0.0/33" });
            assert.match(p, /dodo-platform:network\.vpcCidr: expected an IPv4 CIDR.*\(got "10\.0\.0\.0\/33"\)/);
        });

        it("an unsupported Kubernetes version", () => {
            const [p] = problems("dev", { "dodo-platform:cluster.kubernetesVersion": "1.29" });
            assert.match(p, /dodo-platform:cluster\.kubernetesVersion: expected one of 1\.34, 1\.35, 1\.36 \(got "1\.29"\)/);
        });

        it("an unknown key in the project namespace or inside a capability (a typo)", () => {
            const [p] = problems("dev", { "dodo-platform:network.natGateway": "single" });
            assert.equal(p, "dodo-platform:network.natGateway: unknown key (check its spelling; the keys are listed in docs/config-reference.md)");
            const [q] = problems("dev", { "dodo-platform:netwrok": "x" });
            assert.equal(q, "dodo-platform:netwrok: unknown key (not declared in Pulumi.yaml; check its spelling)");
            const [r] = problems("dev", { "dodo-platform:payments.canary.weigth": 5 });
            assert.match(r, /^dodo-platform:payments\.canary\.weigth: unknown key/);
        });

        it("a nested key set as one flat key (`config set` without --path), with the commands that fix it", () => {
            const { values } = cli("dev");
            const [p] = rawProblems("dev", { ...values, "dodo-platform:payments.canary.weight": "20" });
            assert.equal(
                p,
                'dodo-platform:payments.canary.weight: set as one flat key; nested keys are paths inside "payments" (`pulumi config rm dodo-platform:payments.canary.weight`, then `pulumi config set --path dodo-platform:payments.canary.weight <value>`)',
            );
        });

        it("a capability that is not a mapping, or a mapping where a value belongs", () => {
            const { values } = cli("dev");
            const [p] = rawProblems("dev", { ...values, "dodo-platform:network": "10.10.0.0/16" });
            assert.match(p, /^dodo-platform:network: expected a mapping of its keys, got "10\.10\.0\.0\/16" \(set nested keys with `pulumi config set --path dodo-platform:network\.<key> <value>`\)$/);
            assert.match(problems("dev", { "dodo-platform:payments.canary": 5 })[0], /^dodo-platform:payments\.canary: expected a mapping of its keys, got 5$/);
        });

        it("a secret stored in plain text (set without --secret), without echoing it", () => {
            const { values } = cli("dev");
            const ps = rawProblems("dev", values, []);
            assert.deepEqual(ps.filter((x) => x.includes("must be encrypted")), [
                "dodo-platform:payments.postgres.password: must be encrypted as it's secret (set it with `pulumi config set --secret --path dodo-platform:payments.postgres.password <value>`)",
                "dodo-platform:observability.grafana.adminPassword: must be encrypted as it's secret (set it with `pulumi config set --secret --path dodo-platform:observability.grafana.adminPassword <value>`)",
            ]);
            assert.ok(ps.every((x) => !x.includes("offline-")), "the value is never shown");
        });

        it("a version written as a YAML number (1.30 would read as 1.3)", () => {
            const [p] = problems("dev", { "dodo-platform:cluster.kubernetesVersion": 1.35 });
            assert.equal(p, 'dodo-platform:cluster.kubernetesVersion: expected a string (quote it in YAML: "1.35"), got 1.35');
        });

        it("a malformed list entry", () => {
            const [p] = problems("dev", { "dodo-platform:nodes.taints": ["dedicated=payments:Sometimes"] });
            assert.match(p, /dodo-platform:nodes\.taints: \[0\] expected key=value:NoSchedule\|NoExecute\|PreferNoSchedule/);
        });

        it("a list given as a scalar", () => {
            const [p] = problems("dev", { "dodo-platform:cluster.adminPrincipals": "arn:aws:iam::123456789012:role/admins" });
            assert.match(p, /dodo-platform:cluster\.adminPrincipals: expected a list \(YAML sequence\)/);
            assert.match(problems("dev", { "dodo-platform:tags": "CostCenter=42" })[0], /^dodo-platform:tags: expected a map, got "CostCenter=42"$/);
        });

        it("a missing or malformed region", () => {
            assert.deepEqual(
                (() => {
                    try {
                        parse("dev", { "aws:region": undefined });
                    } catch (e) {
                        return (e as ConfigError).problems;
                    }
                    return [];
                })(),
                ["aws:region: required (set it with `pulumi config set aws:region ap-south-1`)"],
            );
            assert.match(problems("dev", { "aws:region": "mumbai" })[0], /aws:region: expected an AWS region/);
        });

        it("a stack name that is no environment, without the environment key", () => {
            const [p] = problems("sandbox", {});
            assert.match(p, /dodo-platform:environment: the stack name is "sandbox", so expected one of dev, staging, prod/);
        });

        it("prod settings weaker than prod needs", () => {
            const ps = problems("prod", {
                "dodo-platform:network.natGateways": "single",
                "dodo-platform:cluster.endpointPublicAccess": "true",
                "dodo-platform:cluster.publicAccessCidrs": ["0.0.0.0/0"],
                "dodo-platform:nodes.minSize": "2",
            });
            assert.ok(ps.some((p) => p.startsWith("dodo-platform:network.natGateways: prod needs one NAT gateway per AZ")), ps.join("\n"));
            assert.ok(ps.some((p) => p.startsWith("dodo-platform:cluster.publicAccessCidrs: prod's public API endpoint must be restricted")), ps.join("\n"));
            assert.ok(ps.some((p) => p.startsWith("dodo-platform:nodes.minSize: prod keeps at least 3 nodes")), ps.join("\n"));
        });

        it("a public endpoint with no CIDRs", () => {
            const [p] = problems("staging", { "dodo-platform:cluster.endpointPublicAccess": "true" });
            assert.match(p, /dodo-platform:cluster\.publicAccessCidrs: must list at least one CIDR/);
        });

        it("reports every problem at once, in one readable message without a stack trace", () => {
            try {
                parse("dev", { "dodo-platform:network.availabilityZones": "9", "dodo-platform:nodes.diskSizeGiB": "big" });
                assert.fail("expected rejection");
            } catch (err) {
                const e = err as ConfigError;
                assert.equal(e.problems.length, 2);
                assert.match(e.message, /^invalid stack configuration \(2 problems\):\n {2}- /);
            }
        });
    });
});
