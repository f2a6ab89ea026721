// Objects EKS (or the cluster layer of this repo) provides before the Kubernetes layer is installed:
// the nodes of the managed node group, played by kwok, and the gp3 StorageClass. Pure builders.
import { gp3StorageClass } from "../../../components/cluster/builders";
import { allocatable, NODE_TYPES } from "../footprint";
import { KWOK_NODE_ANNOTATION, NETWORK } from "./components";

export interface FakeNodeGroup {
    /** Node group name (the eks.amazonaws.com/nodegroup label). */
    name: string;
    instanceType: string;
    count: number;
    capacityType: "ON_DEMAND" | "SPOT";
    /** One zone per node, round robin. */
    zones: string[];
    region: string;
    labels: Record<string, string>;
}

/**
 * The dev stack's node group: 2 x t3.large SPOT in two zones (components/cluster/settings.ts,
 * the nodes.* dev defaults; test/cluster-harness checks they still agree).
 */
export const DEV_NODE_GROUP: FakeNodeGroup = {
    name: "general",
    instanceType: "t3.large",
    count: 2,
    capacityType: "SPOT",
    zones: ["local-1a", "local-1b"],
    region: "local-1",
    labels: {},
};

/** Pod CIDR of node i: a /26 of the TEST-NET-2 range, so at most 4 nodes. */
export function nodePodCidr(i: number): string {
    if (i < 0 || i > 3) throw new Error(`node index ${i}: the pod range ${NETWORK.podCidr} holds 4 nodes of /26`);
    return `198.51.100.${i * 64}/26`;
}

const kib = (bytes: number) => `${Math.floor(bytes / 1024)}Ki`;

/**
 * A Node as an EKS managed node group registers it: well-known labels, capacity of the instance
 * type (nominal) and allocatable as EKS reserves it (scripts/lib/footprint.ts), so the scheduler
 * packs pods as it would on the real nodes. Nodes may carry status on create; kwok keeps it.
 */
export function fakeNode(group: FakeNodeGroup, i: number): Record<string, unknown> {
    const type = NODE_TYPES[group.instanceType];
    if (!type) throw new Error(`instance type ${group.instanceType} is not in NODE_TYPES (scripts/lib/footprint.ts)`);
    const a = allocatable(group.instanceType);
    const name = `${group.name}-${i}`;
    const zone = group.zones[i % group.zones.length];
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name,
            annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value, "node.alpha.kubernetes.io/ttl": "0" },
            labels: {
                ...group.labels,
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/os": "linux",
                "kubernetes.io/hostname": name,
                "node.kubernetes.io/instance-type": group.instanceType,
                "topology.kubernetes.io/region": group.region,
                "topology.kubernetes.io/zone": zone,
                "eks.amazonaws.com/nodegroup": group.name,
                "eks.amazonaws.com/capacityType": group.capacityType,
                type: "kwok",
            },
        },
        spec: { podCIDR: nodePodCidr(i), podCIDRs: [nodePodCidr(i)] },
        status: {
            capacity: { cpu: String(type.vcpu), memory: `${type.memoryGiB}Gi`, pods: String(a.pods), "ephemeral-storage": "50Gi" },
            allocatable: { cpu: `${a.cpu}m`, memory: kib(a.memory), pods: String(a.pods), "ephemeral-storage": "45Gi" },
            addresses: [
                { type: "InternalIP", address: `192.0.2.${11 + i}` },
                { type: "Hostname", address: name },
            ],
        },
    };
}

export function fakeNodes(group: FakeNodeGroup): Record<string, unknown>[] {
    return Array.from({ length: group.count }, (_, i) => fakeNode(group, i));
}

/** The gp3 StorageClass exactly as the cluster component creates it (reclaim Delete outside prod). */
export function storageClassFixture(): Record<string, unknown> {
    return gp3StorageClass("Delete") as unknown as Record<string, unknown>;
}
