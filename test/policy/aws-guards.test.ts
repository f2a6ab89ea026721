// The pack's mirror of the stack-config prod guards (issue 13): each refusal the parser makes
// about a key, the pack makes about the resource that key becomes.
import { strict as assert } from "assert";
import { checkPulumiResources } from "../../policy/check";
import { fromPackConfig } from "../../policy/config";
import { RULES } from "../../policy/catalog";
import type { Finding } from "../../policy/rules/types";

type Res = { type: string; name: string; props: Record<string, unknown> };
const run = (rule: string, resources: Res[], env: "dev" | "prod" = "prod", config = {}): Finding[] => checkPulumiResources(resources, { only: [rule], env, config });

const eks = (publicAccessCidrs: string[]): Res => ({
    type: "aws:eks/cluster:Cluster",
    name: "dodo-prod",
    props: { vpcConfig: { endpointPublicAccess: true, publicAccessCidrs } },
});

describe("policy: AWS guards mirrored from the stack config", () => {
    describe("eks-endpoint-restricted: the share of the address space, in prod", () => {
        it("flags the internet split in two halves", () => {
            const [f] = run("eks-endpoint-restricted", [eks(["0.0.0.0/1", "128.0.0.0/1"])]);
            assert.match(f!.message, /publicAccessCidrs together cover 100% of the IPv4 address space; prod allows at most 0\.001%/);
            assert.equal(f!.enforcement, "mandatory");
        });

        it("never fails open: host bits or an unreadable entry are refused by name, and a /0 is open whatever its address", () => {
            const msgs = (cidrs: string[], env: "dev" | "prod" = "prod") => run("eks-endpoint-restricted", [eks(cidrs)], env).map((f) => f.message);
            assert.deepEqual(msgs(["0.0.0.1/1", "128.0.0.1/1"]), [
                'publicAccessCidrs entry "0.0.0.1/1" has host bits set; did you mean 0.0.0.0/1?; prod counts it as the whole address space',
                'publicAccessCidrs entry "128.0.0.1/1" has host bits set; did you mean 128.0.0.0/1?; prod counts it as the whole address space',
            ]);
            assert.deepEqual(msgs(["1.2.3.4/0"]), ["the public API endpoint is open to 1.2.3.4/0"]);
            assert.deepEqual(msgs(["::1/0"], "dev"), ["the public API endpoint is open to ::1/0"], "open in every environment");
            assert.deepEqual(msgs(["203.0.113.0/24", "office-vpn"]), ['publicAccessCidrs entry "office-vpn" is not an IPv4 or IPv6 CIDR such as 203.0.113.0/24; prod counts it as the whole address space']);
            assert.deepEqual(msgs(["203.0.113.7/24"], "dev"), ['publicAccessCidrs entry "203.0.113.7/24" has host bits set; did you mean 203.0.113.0/24?']);
            const big = fromPackConfig({ "eks-endpoint-restricted": { maxPublicAccessPercent: 100 } }, RULES.map((r) => r.id));
            assert.equal(run("eks-endpoint-restricted", [eks(["0.0.0.1/1"])], "prod", big).length, 1, "refused even under a share of 100 %");
        });

        it("takes the share from the pack config, and leaves dev to its own ranges", () => {
            assert.deepEqual(run("eks-endpoint-restricted", [eks(["203.0.113.0/24"])]), []);
            assert.equal(run("eks-endpoint-restricted", [eks(["100.0.0.0/16"])]).length, 1);
            const pack = fromPackConfig({ "eks-endpoint-restricted": { maxPublicAccessPercent: 0.002 } }, RULES.map((r) => r.id));
            assert.deepEqual(run("eks-endpoint-restricted", [eks(["100.0.0.0/16"])], "prod", pack), []);
            assert.deepEqual(run("eks-endpoint-restricted", [eks(["0.0.0.0/1", "128.0.0.0/1"])], "dev"), []);
            assert.throws(() => fromPackConfig({ "eks-endpoint-restricted": { maxPublicAccessPercent: "1" } }, RULES.map((r) => r.id)), /eks-endpoint-restricted\.maxPublicAccessPercent must be a number/);
        });
    });

    it("vpc-private-cidr flags a public VPC range in every environment", () => {
        const vpc = (cidrBlock: string): Res => ({ type: "aws:ec2/vpc:Vpc", name: "vpc", props: { cidrBlock } });
        assert.match(run("vpc-private-cidr", [vpc("52.0.0.0/16")], "dev")[0]!.message, /cidrBlock 52\.0\.0\.0\/16 is not a private range/);
        assert.deepEqual(run("vpc-private-cidr", [vpc("10.30.0.0/16"), vpc("100.64.0.0/16")], "dev"), []);
    });

    it("ec2-sg-ingress-private flags public ingress in each rule shape, and not security-group references or egress", () => {
        const findings = run("ec2-sg-ingress-private", [
            { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "api-0", props: { cidrIpv4: "0.0.0.0/0", fromPort: 443, toPort: 443 } },
            { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "api-1", props: { cidrIpv6: "2001:db8::/32" } },
            { type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "rule", props: { type: "ingress", cidrBlocks: ["10.0.0.0/8", "8.8.8.8/32"] } },
            { type: "aws:ec2/securityGroup:SecurityGroup", name: "sg", props: { ingress: [{ cidrBlocks: ["192.0.2.0/24"] }] } },
        ], "dev");
        assert.deepEqual(findings.map((f) => f.name), ["api-0", "api-1", "rule", "sg"]);
        assert.match(findings[2]!.message, /public range 8\.8\.8\.8\/32/);
        assert.deepEqual(run("ec2-sg-ingress-private", [
            { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "webhook", props: { referencedSecurityGroupId: "sg-1" } },
            { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "vpn", props: { cidrIpv4: "172.16.0.0/12" } },
            { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "ula", props: { cidrIpv6: "fd00:1::/64" } },
            { type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "out", props: { type: "egress", cidrBlocks: ["0.0.0.0/0"] } },
            { type: "aws:ec2/securityGroup:SecurityGroup", name: "nodes", props: { egress: [{ cidrBlocks: ["0.0.0.0/0"] }] } },
        ], "dev"), []);
    });

    it("cloudwatch-log-retention wants a year in prod only; no retention never expires", () => {
        const group = (retentionInDays?: number): Res => ({ type: "aws:cloudwatch/logGroup:LogGroup", name: "flow-logs", props: retentionInDays === undefined ? {} : { retentionInDays } });
        assert.match(run("cloudwatch-log-retention", [group(1)])[0]!.message, /retentionInDays is 1; prod keeps logs at least 365 days \(PCI DSS 10\.5\.1\)/);
        assert.deepEqual(run("cloudwatch-log-retention", [group(365), group(731), group()]), []);
        assert.deepEqual(run("cloudwatch-log-retention", [group(1)], "dev"), []);
    });

    describe("aws-tags-valid", () => {
        const provider = (tags: Record<string, string>): Res => ({ type: "pulumi:providers:aws", name: "aws", props: { defaultTags: JSON.stringify({ tags }) } });

        it("flags a cluster tag in the provider's default tags (every security group would carry it)", () => {
            assert.match(run("aws-tags-valid", [provider({ "kubernetes.io/cluster/dodo-prod": "owned" })], "dev")[0]!.message, /defaultTags\.tags: tag keys starting with "kubernetes\.io\/cluster\/" are reserved/);
        });

        it("flags tags IAM refuses, and keys that differ only in case", () => {
            const messages = run("aws-tags-valid", [provider({ "cost#center": "x", Team: "a,b", team: "c" })], "dev").map((f) => f.message);
            assert.equal(messages.length, 3, messages.join("\n"));
            assert.ok(messages.some((m) => /keys Team and team differ only in case/.test(m)));
        });

        it("lets subnets carry the cluster tag the LB controller discovers them by, but not security groups", () => {
            const tagged = (type: string): Res => ({ type, name: "x", props: { tags: { "kubernetes.io/cluster/dodo-prod": "shared", Name: "x" } } });
            assert.deepEqual(run("aws-tags-valid", [tagged("aws:ec2/subnet:Subnet")], "dev"), []);
            assert.equal(run("aws-tags-valid", [tagged("aws:ec2/securityGroup:SecurityGroup")], "dev").length, 1);
        });

        it("passes the shipped stacks' provider tags", () => {
            assert.deepEqual(run("aws-tags-valid", [provider({ CostCenter: "platform-prod", DataClassification: "pci", Stack: "dodo-platform/prod" })]), []);
        });
    });
});
