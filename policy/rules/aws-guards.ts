// AWS rules that mirror the stack-config guards of issue 13 where the pack judges resources:
// private VPC ranges, security-group ingress from private ranges only, prod log retention, and
// tags AWS accepts (no cluster tag where it would mark a second security group). The address and
// tag logic is aws-values.ts, which the config parser uses too.
import type { PulumiResource, ResourceRule, Violation } from "./types";
import { caseInsensitiveDuplicates, isPrivateIpv4Cidr, MAX_TAGS_PER_RESOURCE, parseCidr, PROD_MIN_LOG_RETENTION_DAYS, tagProblem } from "./aws-values";
import { isObj, obj, objs, str, strs, violation } from "./util";

export const vpcPrivateCidr: ResourceRule = {
    id: "vpc-private-cidr",
    description: "VPCs use a private IPv4 range (RFC 1918 or 100.64.0.0/10): a public range shadows those internet addresses for every workload.",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: ["aws:ec2/vpc:Vpc", "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation"],
    check(r) {
        const cidr = str(r.props.cidrBlock);
        // IPAM-allocated VPCs name no block here; IPAM pools are judged where they are made.
        if (cidr === undefined) return [];
        return isPrivateIpv4Cidr(cidr) ? [] : [violation(r, `cidrBlock ${cidr} is not a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10)`)];
    },
};

/** IPv6 sources count as private only inside fc00::/7 (unique local addresses). */
function privateSource(cidr: string): boolean {
    const block = parseCidr(cidr);
    if (block?.family === 6) return block.start >> 121n === 0x7en && block.size <= 1n << 121n;
    return isPrivateIpv4Cidr(cidr);
}

function publicSources(cidrs: string[]): string[] {
    return cidrs.filter((c) => !privateSource(c));
}

export const sgIngressPrivate: ResourceRule = {
    id: "ec2-sg-ingress-private",
    description: "Security-group ingress the program manages admits private ranges or other security groups only (the control plane's API access included); the internet reaches the platform through the NLB the load balancer controller manages.",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/securityGroupRule:SecurityGroupRule", "aws:ec2/securityGroup:SecurityGroup"],
    check(r) {
        let open: string[];
        if (r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") open = publicSources([str(r.props.cidrIpv4), str(r.props.cidrIpv6)].filter((c): c is string => c !== undefined));
        else if (r.type === "aws:ec2/securityGroupRule:SecurityGroupRule") open = r.props.type === "ingress" ? publicSources([...strs(r.props.cidrBlocks), ...strs(r.props.ipv6CidrBlocks)]) : [];
        else open = publicSources(objs(r.props.ingress).flatMap((i) => [...strs(i.cidrBlocks), ...strs(i.ipv6CidrBlocks)]));
        return open.length > 0 ? [violation(r, `ingress from public range${open.length > 1 ? "s" : ""} ${open.join(", ")}; admit private ranges or security groups only`)] : [];
    },
};

export const logRetention: ResourceRule = {
    id: "cloudwatch-log-retention",
    description: `In prod, CloudWatch log groups keep their logs at least ${PROD_MIN_LOG_RETENTION_DAYS} days (PCI DSS 10.5.1); unset retention never expires.`,
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: ["aws:cloudwatch/logGroup:LogGroup"],
    check(r, ctx) {
        if (ctx.config.environment !== "prod") return [];
        const days = r.props.retentionInDays;
        if (days === undefined || days === null || days === 0) return [];
        if (typeof days !== "number") return [violation(r, `retentionInDays is ${JSON.stringify(days)}; set a number of days`)];
        return days < PROD_MIN_LOG_RETENTION_DAYS ? [violation(r, `retentionInDays is ${days}; prod keeps logs at least ${PROD_MIN_LOG_RETENTION_DAYS} days (PCI DSS 10.5.1)`)] : [];
    },
};

const AWS_PROVIDER = "pulumi:providers:aws";
/** Resources that may carry a `kubernetes.io/cluster/*` tag: subnets, which the LB controller discovers by it. */
const CLUSTER_TAG_ALLOWED = new Set(["aws:ec2/subnet:Subnet"]);

/** The tags a resource sets: `tags`, or the provider's `defaultTags.tags` (providers get JSON strings). */
function tagsOf(r: PulumiResource): Record<string, unknown> | undefined {
    if (r.type !== AWS_PROVIDER) return isObj(r.props.tags) ? r.props.tags : undefined;
    let defaults: unknown = r.props.defaultTags;
    if (typeof defaults === "string") {
        try {
            defaults = JSON.parse(defaults);
        } catch {
            return undefined;
        }
    }
    const tags = obj(defaults).tags;
    return isObj(tags) ? tags : undefined;
}

export const awsTagsValid: ResourceRule = {
    id: "aws-tags-valid",
    description: `Tags follow IAM's and EC2's rules (characters, lengths, no aws: prefix, keys unique regardless of case, at most ${MAX_TAGS_PER_RESOURCE}); no kubernetes.io/cluster/ tag outside subnets, above all in the provider's default tags, which would put it on every security group.`,
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: [AWS_PROVIDER, "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:iam/role:Role", "aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup"],
    check(r) {
        const tags = tagsOf(r);
        if (!tags) return [];
        const out: Violation[] = [];
        const where = r.type === AWS_PROVIDER ? "defaultTags.tags" : "tags";
        for (const [key, value] of Object.entries(tags)) {
            const problem = tagProblem(key, typeof value === "string" ? value : String(value), CLUSTER_TAG_ALLOWED.has(r.type));
            if (problem) out.push(violation(r, `${where}: ${problem}`));
        }
        for (const group of caseInsensitiveDuplicates(Object.keys(tags))) out.push(violation(r, `${where}: keys ${group.join(" and ")} differ only in case, which IAM treats as one key`));
        const count = Object.keys(tags).length;
        if (count > MAX_TAGS_PER_RESOURCE) out.push(violation(r, `${where}: ${count} tags; AWS allows ${MAX_TAGS_PER_RESOURCE} per resource`));
        return out;
    },
};

export const awsGuardRules = [vpcPrivateCidr, sgIngressPrivate, logRetention, awsTagsValid] as const;
