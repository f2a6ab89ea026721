// Pure builders for Karpenter: the NodePool and EC2NodeClass (karpenter.sh/v1, karpenter.k8s.aws/v1
// as served by the CRDs of chart 1.14.1: pkg/apis/crds in aws/karpenter-provider-aws at v1.14.1)
// and the controller chart's values (charts/karpenter/values.yaml at that tag).
import { KubeObject, standardLabels } from "../k8s";
import { Environment, PerEnvironment } from "../settings";
import { AutoscalingConfig } from "./settings";

/** One NodePool and one EC2NodeClass, named after what they hold. */
export const NODE_POOL = "autoscaled";
export const KARPENTER_NAMESPACE = "kube-system";
export const KARPENTER_SERVICE_ACCOUNT = "karpenter";

export interface KarpenterSizing {
    /** How long a node must be empty or underutilized before consolidation acts on it. */
    consolidateAfter: string;
    controllerReplicas: number;
}

/** dev gives nodes back quickly; prod waits out short dips in load before moving pods. */
export const KARPENTER_SIZING: PerEnvironment<KarpenterSizing> = {
    dev: { consolidateAfter: "1m", controllerReplicas: 1 },
    staging: { consolidateAfter: "5m", controllerReplicas: 2 },
    prod: { consolidateAfter: "10m", controllerReplicas: 2 },
};

/**
 * At most one of Karpenter's nodes is disrupting at a time (budgets count NodeClaims being
 * deleted), so a consolidation, drift or expiry never drains two nodes' gateway or istiod pods at
 * once. Every eviction still goes through the Eviction API and waits for the PDBs.
 */
export const DISRUPTION_BUDGETS = [{ nodes: "1" }] as const;

/**
 * Nodes never expire. Expiration is a forceful method: NodePool budgets do not hold it back and it
 * does not wait for a replacement node first (docs/concepts/disruption.md, "Expiration", and
 * "Note that NodePool Disruption Budgets do not prevent Karpenter from terminating expired
 * nodes"), so the default 720h would drain nodes outside the one-node budget. New AMIs arrive by
 * drift instead, which is budgeted: the EC2NodeClass pins `al2023@v<date>` from
 * NODE_IMAGE_RELEASES, and a new pin makes every node drifted ("Drift", amiSelectorTerms), so a
 * node lives as long as its AMI release is pinned. The CRD accepts it (karpenter.sh_nodepools.yaml:
 * expireAfter pattern `^(([0-9]+(s|m|h))+)|(Never)$`, default 720h).
 */
export const NODE_EXPIRY = "Never";

/** How many nodes Karpenter may add: the ceiling nodes.maxSize minus the system group. */
export function karpenterNodeLimit(maxSize: number, systemNodes: number): number {
    if (maxSize <= systemNodes) {
        throw new Error(`nodes.maxSize (${maxSize}) must exceed the system node group's size (${systemNodes}) for Karpenter to add nodes`);
    }
    return maxSize - systemNodes;
}

/** `1.35.6-20260714` (a managed node group releaseVersion) -> `al2023@v20260714`: the same AMI release. */
export function al2023Alias(nodeGroupRelease: string): string {
    const m = /^\d+\.\d+\.\d+-(\d{8})$/.exec(nodeGroupRelease);
    if (!m) throw new Error(`expected an EKS AL2023 release version such as 1.35.6-20260714, got ${nodeGroupRelease}`);
    return `al2023@v${m[1]}`;
}

export interface NodePoolInput {
    environment: Environment;
    config: AutoscalingConfig;
    /** limits.nodes (karpenterNodeLimit). */
    maxNodes: number;
    /** Security groups for pods: label nodes so pod-eni pods wait for the trunk (Karpenter troubleshooting). */
    podSecurityGroups: boolean;
}

/**
 * The NodePool. No `terminationGracePeriod`: with one, Karpenter deletes pods whose PDB still
 * blocks them once it elapses, and drift disrupts PDB-blocked nodes (docs/concepts/disruption.md,
 * "TerminationGracePeriod"); without it a drain waits for the PDBs, however long that takes.
 * `expireAfter: Never` (NODE_EXPIRY): nodes are renewed by drift instead (below).
 */
export function nodePool(input: NodePoolInput): KubeObject {
    const { config } = input;
    return {
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name: NODE_POOL, labels: standardLabels(NODE_POOL, { "app.kubernetes.io/component": "autoscaling" }) },
        spec: {
            template: {
                metadata: {
                    labels: {
                        "dodo.dev/node-group": NODE_POOL,
                        // The VPC resource controller attaches the trunk after launch; until then pods asking
                        // for vpc.amazonaws.com/pod-eni would wait for up to 30 minutes (troubleshooting.md).
                        ...(input.podSecurityGroups ? { "vpc.amazonaws.com/has-trunk-attached": "false" } : {}),
                    },
                },
                spec: {
                    nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: NODE_POOL },
                    requirements: [
                        { key: "karpenter.sh/capacity-type", operator: "In", values: [...config.capacityTypes] },
                        { key: "karpenter.k8s.aws/instance-family", operator: "In", values: [...config.instanceFamilies] },
                        { key: "karpenter.k8s.aws/instance-size", operator: "In", values: [...config.instanceSizes] },
                        { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
                        { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                    ],
                    expireAfter: NODE_EXPIRY,
                },
            },
            disruption: {
                consolidationPolicy: "WhenEmptyOrUnderutilized",
                consolidateAfter: KARPENTER_SIZING[input.environment].consolidateAfter,
                budgets: DISRUPTION_BUDGETS.map((b) => ({ ...b })),
            },
            limits: { cpu: String(config.limits.cpu), memory: `${config.limits.memoryGiB}Gi`, nodes: String(input.maxNodes) },
        },
    };
}

export interface NodeClassInput {
    clusterName: string;
    /** al2023Alias of the managed node group's pinned release: both groups run one AMI release. */
    amiAlias: string;
    /** Created by the program (the controller then needs no instance-profile permissions). */
    instanceProfile: string;
    subnetIds: string[];
    securityGroupIds: string[];
    diskSizeGiB: number;
    /** Tags for instances, volumes and network interfaces (provider default tags do not reach them). */
    tags: Record<string, string>;
}

/** The EC2NodeClass: AL2023 at the pinned release, IMDSv2 with hop limit 1, an encrypted gp3 root. */
export function ec2NodeClass(input: NodeClassInput): KubeObject {
    return {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: NODE_POOL, labels: standardLabels(NODE_POOL, { "app.kubernetes.io/component": "autoscaling" }) },
        spec: {
            amiSelectorTerms: [{ alias: input.amiAlias }],
            instanceProfile: input.instanceProfile,
            subnetSelectorTerms: input.subnetIds.map((id) => ({ id })),
            securityGroupSelectorTerms: input.securityGroupIds.map((id) => ({ id })),
            // Pods cannot reach the node's credentials: IMDSv2 only, one hop (like the launch template).
            metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
            blockDeviceMappings: [
                {
                    // AL2023 EKS AMIs boot from /dev/xvda.
                    deviceName: "/dev/xvda",
                    rootVolume: true,
                    ebs: { volumeSize: `${input.diskSizeGiB}Gi`, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
                },
            ],
            tags: { ...input.tags, Name: `${input.clusterName}-${NODE_POOL}` },
        },
    };
}

export interface KarpenterValuesInput {
    environment: Environment;
    clusterName: string;
    clusterEndpoint: string;
    region: string;
    roleArn: string;
    interruptionQueue: string;
    podSecurityGroups: boolean;
}

/**
 * Values of the karpenter chart 1.14.1. Region explicit: IMDS is out of the pods' reach (hop
 * limit 1). CRDs come from the karpenter-crd chart (Helm never upgrades a chart's crds/ folder).
 * The chart's defaults keep the controller off its own nodes (affinity on karpenter.sh/nodepool
 * DoesNotExist), one per host and spread over zones, with a PDB and system-cluster-critical.
 */
export function karpenterValues(input: KarpenterValuesInput): Record<string, unknown> {
    return {
        replicas: KARPENTER_SIZING[input.environment].controllerReplicas,
        // The VPC resolver, not CoreDNS: CoreDNS may run on Karpenter's own nodes, and Karpenter
        // must reach STS and EC2 to bring them back (getting-started guide, troubleshooting.md).
        dnsPolicy: "Default",
        serviceAccount: { create: true, name: KARPENTER_SERVICE_ACCOUNT, annotations: { "eks.amazonaws.com/role-arn": input.roleArn } },
        settings: {
            clusterName: input.clusterName,
            clusterEndpoint: input.clusterEndpoint,
            interruptionQueue: input.interruptionQueue,
            // Security groups for pods reserve one ENI for the trunk: max-pods must not count it (scheduling.md).
            reservedENIs: input.podSecurityGroups ? "1" : "0",
        },
        controller: {
            env: [{ name: "AWS_REGION", value: input.region }],
            resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        },
    };
}

/** A workload as disruption sees it: its replicas at the minimum and its PodDisruptionBudget. */
export interface DisruptedWorkload {
    replicas: number;
    pdb?: { minAvailable?: number; maxUnavailable?: number };
}

/**
 * Spot capacity needs the EC2 Spot service-linked role (AWSServiceRoleForEC2Spot) in the account;
 * EC2 fails the launch without it, and Karpenter does not create it (its getting-started guide runs
 * `aws iam create-service-linked-role --aws-service-name spot.amazonaws.com`).
 */
export const SPOT_SERVICE = "spot.amazonaws.com";

/** Whether the stack creates the Spot service-linked role: when its NodePool may buy spot and the account lacks it. */
export function needsSpotServiceLinkedRole(config: Pick<AutoscalingConfig, "capacityTypes" | "spotServiceLinkedRole">): boolean {
    return config.capacityTypes.includes("spot") && config.spotServiceLinkedRole === "create";
}

/** What of a NodePool decides whether its disruptions can bypass a PDB. */
export interface PoolDisruption {
    capacityTypes: readonly string[];
    terminationGracePeriod?: string;
}

/**
 * The fewest ready pods Karpenter's disruption of its nodes can leave a workload with. Voluntary
 * disruption (consolidation, drift, expiry) drains through the Eviction API, which refuses an
 * eviction below the PDB, so the PDB's floor holds; unless a terminationGracePeriod lets Karpenter
 * delete PDB-blocked pods once it elapses, or spot capacity can be reclaimed (two minutes'
 * notice, not a request). Without a PDB nothing holds pods back: all may share a node.
 */
export function disruptionFloor(workload: DisruptedWorkload, pool: PoolDisruption): number {
    if (pool.terminationGracePeriod !== undefined || pool.capacityTypes.includes("spot") || !workload.pdb) return 0;
    const { minAvailable, maxUnavailable } = workload.pdb;
    const floor = minAvailable ?? workload.replicas - (maxUnavailable ?? workload.replicas);
    return Math.max(0, Math.min(floor, workload.replicas));
}
