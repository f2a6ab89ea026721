// The EC2 service quotas a stack needs in its account and region, from its configuration, so a
// fresh account (whose On-Demand vCPU quota may be as low as 5) is raised before the first up.
import { PlatformConfig } from "../../../components/config";
import { NODE_TYPES } from "../footprint";

export interface QuotaNeed {
    /** Service Quotas code (`aws service-quotas get-service-quota --service-code ec2 --quota-code ...`). */
    code: string;
    name: string;
    need: number;
    /** How the number is made up, for the README and the bootstrap output. */
    why: string;
}

export const QUOTA_CODES = {
    onDemandVcpu: { code: "L-1216C47A", name: "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances (vCPUs)" },
    spotVcpu: { code: "L-34B43A08", name: "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests (vCPUs)" },
    elasticIps: { code: "L-0263D0A3", name: "EC2-VPC Elastic IPs" },
} as const;

/** vCPUs of an x86 instance size (large 2, xlarge 4, Nxlarge 4N; medium counted as 2, as t3.medium). */
export function sizeVcpus(size: string): number {
    if (size === "medium" || size === "large") return 2;
    const m = /^(\d*)xlarge$/.exec(size);
    if (!m) throw new Error(`unknown instance size ${size}`);
    return 4 * (m[1] === "" ? 1 : Number(m[1]));
}

/**
 * Peak vCPUs: the managed (system) node group at its size plus what an update adds while it
 * replaces nodes, up to two per availability zone (EKS user guide, "Understand each phase of node
 * updates", scale up phase), each node at the largest vCPU count among its instance types; and
 * Karpenter's nodes up to their limits (limits.cpu, or the nodes left under nodes.maxSize at the
 * largest allowed size, whichever is less). Karpenter falls back to on-demand when spot has no
 * capacity, so its vCPUs count for on-demand, and for spot too when spot is allowed.
 */
export function quotaNeeds(config: Pick<PlatformConfig, "network" | "cluster" | "autoscaling">): QuotaNeed[] {
    const needs: QuotaNeed[] = [];
    const azs = config.network.availabilityZones;
    let onDemand = 0;
    let spot = 0;
    const why: Record<"ON_DEMAND" | "SPOT", string[]> = { ON_DEMAND: [], SPOT: [] };
    for (const group of config.cluster.nodeGroups) {
        const vcpus = group.instanceTypes.map((t) => {
            const type = NODE_TYPES[t];
            if (!type) throw new Error(`no vCPU count for instance type ${t}: add it to NODE_TYPES in scripts/lib/footprint.ts`);
            return type.vcpu;
        });
        const perNode = Math.max(...vcpus);
        const nodes = group.desiredSize + 2 * azs;
        if (group.capacityType === "SPOT") spot += nodes * perNode;
        else onDemand += nodes * perNode;
        why[group.capacityType].push(`${group.name}: (${group.desiredSize} nodes + ${2 * azs} during an update) x ${perNode} vCPU`);
        const a = config.autoscaling;
        const karpenterNodes = group.maxSize - group.desiredSize;
        const largest = Math.max(...a.instanceSizes.map(sizeVcpus));
        const karpenter = Math.min(a.limits.cpu, karpenterNodes * largest);
        const how = `Karpenter: min(limits.cpu ${a.limits.cpu}, ${karpenterNodes} nodes x ${largest} vCPU)`;
        onDemand += karpenter;
        why.ON_DEMAND.push(how);
        if (a.capacityTypes.includes("spot")) {
            spot += karpenter;
            why.SPOT.push(how);
        }
    }
    if (onDemand > 0) needs.push({ ...QUOTA_CODES.onDemandVcpu, need: onDemand, why: why.ON_DEMAND.join("; ") });
    if (spot > 0) needs.push({ ...QUOTA_CODES.spotVcpu, need: spot, why: why.SPOT.join("; ") });
    const nat = config.network.natGateways === "perAz" ? azs : 1;
    needs.push({ ...QUOTA_CODES.elasticIps, need: nat, why: `one per NAT gateway (${config.network.natGateways === "perAz" ? `${azs} AZs` : "single"}); the default is 5 per region` });
    return needs;
}
