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

/**
 * Peak nodes: the group's maximum plus what a managed node group update adds while it replaces
 * nodes, up to two per availability zone (EKS user guide, "Understand each phase of node
 * updates", scale up phase); each node at the largest vCPU count among its instance types.
 */
export function quotaNeeds(config: Pick<PlatformConfig, "network" | "cluster">): QuotaNeed[] {
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
        const nodes = group.maxSize + 2 * azs;
        if (group.capacityType === "SPOT") spot += nodes * perNode;
        else onDemand += nodes * perNode;
        why[group.capacityType].push(`${group.name}: (${group.maxSize} max + ${2 * azs} during an update) x ${perNode} vCPU`);
    }
    if (onDemand > 0) needs.push({ ...QUOTA_CODES.onDemandVcpu, need: onDemand, why: why.ON_DEMAND.join("; ") });
    if (spot > 0) needs.push({ ...QUOTA_CODES.spotVcpu, need: spot, why: why.SPOT.join("; ") });
    const nat = config.network.natGateways === "perAz" ? azs : 1;
    needs.push({ ...QUOTA_CODES.elasticIps, need: nat, why: `one per NAT gateway (${config.network.natGateways === "perAz" ? `${azs} AZs` : "single"}); the default is 5 per region` });
    return needs;
}
