import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { applyObject } from "../apply";
import { ChartSources, releaseChart, UPSTREAM } from "../charts";
import { irsaRole, OidcIdentity } from "../cluster/irsa";
import { NodeGroupConfig } from "../cluster/settings";
import { Environment } from "../settings";
import { PullThroughCache } from "../registry";
import { nodeRole as createNodeRole } from "../cluster/node-role";
import { UPSTREAM_IMAGES } from "../registry/images";
import { withChartImages } from "../registry/chart-images";
import { al2023Alias, ec2NodeClass, KARPENTER_NAMESPACE, KARPENTER_SERVICE_ACCOUNT, karpenterNodeLimit, karpenterValues, needsSpotServiceLinkedRole, nodePool, SPOT_SERVICE } from "./builders";
import { INTERRUPTION_EVENTS, interruptionQueuePolicy, karpenterControllerPolicy } from "./iam";
import { AutoscalingConfig } from "./settings";

export interface AutoscalingArgs {
    /** The cluster's name, e.g. `dodo-prod`. */
    name: string;
    environment: Environment;
    region: string;
    config: AutoscalingConfig;
    /** The managed (system) node group: its maxSize is the cluster's node ceiling (nodes.maxSize). */
    system: Pick<NodeGroupConfig, "maxSize" | "desiredSize" | "diskSizeGiB">;
    /** The managed node group's AMI release (cluster nodes.imageRelease): Karpenter's nodes run the same. */
    nodeImageRelease: string;
    cluster: AutoscalingCluster;
    privateSubnetIds: pulumi.Input<string>[];
    /** Security groups for pods are on (trunk ENIs): max-pods reserves the trunk. */
    podSecurityGroups: boolean;
    /** Tags for what Karpenter launches (provider default tags do not reach it). */
    tags: Record<string, string>;
    charts?: ChartSources;
    /** Images through the stack's ECR pull-through cache: Karpenter's nodes may fill it too. */
    pullThroughCache?: PullThroughCache;
}

/** What Karpenter needs of the cluster (the Cluster component has it). */
export interface AutoscalingCluster {
    clusterName: pulumi.Input<string>;
    arn: pulumi.Input<string>;
    endpoint: pulumi.Input<string>;
    /** Karpenter's nodes carry the same two groups as the system nodes. */
    clusterSecurityGroupId: pulumi.Input<string>;
    nodeSecurityGroupId: pulumi.Input<string>;
    oidc: OidcIdentity;
    provider: k8s.Provider;
    /** The nodes, CoreDNS and the rest the controller needs to run on the system group. */
    ready: pulumi.Resource[];
}

/**
 * Nodes that scale: Karpenter (controller on the managed node group, which stays the system group)
 * launches nodes for pods that do not fit, up to nodes.maxSize and the autoscaling limits, and
 * consolidates them away. Its IRSA role, the interruption queue with its EventBridge rules, a node
 * role with an EC2_LINUX access entry and instance profile, the CRD and controller charts, and one
 * NodePool with its EC2NodeClass.
 */
export class Autoscaling extends pulumi.ComponentResource {
    /** The NodePool (and everything it needs): Karpenter can add nodes once it exists. */
    readonly ready: pulumi.Resource[];
    readonly nodeRoleName: pulumi.Output<string>;

    constructor(name: string, args: AutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dodo:platform:Autoscaling", name, {}, opts);
        const parent = { parent: this };
        const { cluster } = args;
        const maxNodes = karpenterNodeLimit(args.system.maxSize, args.system.desiredSize);

        // The nodes' own role: what every node needs, nothing more (the CNI has its own IRSA role).
        const cache = args.pullThroughCache;
        const { role: nodeRole, policies: nodePolicies } = createNodeRole(name, args.name, "karpenter-nodes", cache, parent);
        const instanceProfile = new aws.iam.InstanceProfile(`${name}-nodes`, { name: `${args.name}-karpenter-nodes`, role: nodeRole.name }, parent);
        // Authentication mode API: nodes join through an access entry of type EC2_LINUX (system:nodes).
        const accessEntry = new aws.eks.AccessEntry(`${name}-nodes`, { clusterName: cluster.clusterName, principalArn: nodeRole.arn, type: "EC2_LINUX" }, parent);

        // Interruption handling: spot reclaims, maintenance and rebalance notices become a cordon
        // and drain ahead of the event instead of a surprise termination.
        const queue = new aws.sqs.Queue(`${name}-interruptions`, { name: `${args.name}-karpenter`, messageRetentionSeconds: 300, sqsManagedSseEnabled: true }, parent);
        const rules = INTERRUPTION_EVENTS.map((event) => {
            const rule = new aws.cloudwatch.EventRule(`${name}-${event.name}`, {
                name: `${args.name}-karpenter-${event.name}`,
                description: `Karpenter interruption handling: ${event.pattern["detail-type"][0]}`,
                eventPattern: JSON.stringify(event.pattern),
            }, parent);
            new aws.cloudwatch.EventTarget(`${name}-${event.name}`, { rule: rule.name, arn: queue.arn, targetId: "karpenter-interruption-queue" }, parent);
            return rule;
        });
        new aws.sqs.QueuePolicy(`${name}-interruptions`, {
            queueUrl: queue.url,
            policy: pulumi.all([queue.arn, ...rules.map((r) => r.arn)]).apply(([arn, ...ruleArns]) => JSON.stringify(interruptionQueuePolicy(arn, ruleArns))),
        }, parent);

        const controllerRole = irsaRole(`${name}-controller`, cluster.oidc, KARPENTER_NAMESPACE, KARPENTER_SERVICE_ACCOUNT, parent);
        const controllerPolicy = new aws.iam.RolePolicy(`${name}-controller`, {
            role: controllerRole.name,
            policy: pulumi
                .all([cluster.clusterName, cluster.arn, nodeRole.arn, instanceProfile.arn, queue.arn])
                .apply(([clusterName, clusterArn, nodeRoleArn, instanceProfileArn, queueArn]) =>
                    JSON.stringify(karpenterControllerPolicy({ region: args.region, clusterName, clusterArn, nodeRoleArn, instanceProfileArn, queueArn })),
                ),
        }, parent);

        const k8sOpts = { parent: this, provider: cluster.provider };
        const charts = args.charts ?? UPSTREAM;
        const crds = new k8s.helm.v3.Release(`${name}-crds`, {
            name: "karpenter-crd",
            ...releaseChart("karpenterCrd", charts),
            namespace: KARPENTER_NAMESPACE,
            atomic: true,
            timeout: 300,
        }, { ...k8sOpts, dependsOn: cluster.ready });
        const controller = new k8s.helm.v3.Release(`${name}-controller`, {
            name: "karpenter",
            ...releaseChart("karpenter", charts),
            namespace: KARPENTER_NAMESPACE,
            // The CRDs are the karpenter-crd release's (Helm never upgrades a chart's crds/ folder).
            skipCrds: true,
            atomic: true,
            timeout: 600,
            values: pulumi
                .all([cluster.clusterName, cluster.endpoint, controllerRole.arn, queue.name])
                .apply(([clusterName, clusterEndpoint, roleArn, interruptionQueue]) =>
                    withChartImages("karpenter", karpenterValues({ environment: args.environment, clusterName, clusterEndpoint, region: args.region, roleArn, interruptionQueue, podSecurityGroups: args.podSecurityGroups }), cache?.images ?? UPSTREAM_IMAGES),
                ),
        }, { ...k8sOpts, dependsOn: [crds, controllerPolicy, ...(cache?.ready ?? [])] });

        // Outputs reach the CustomResource's spec as they are; the builder sees them as strings.
        const asString = (v: pulumi.Input<string>) => v as unknown as string;
        const nodeClass = applyObject(
            ec2NodeClass({
                clusterName: args.name,
                amiAlias: al2023Alias(args.nodeImageRelease),
                instanceProfile: asString(instanceProfile.name),
                subnetIds: args.privateSubnetIds.map(asString),
                securityGroupIds: [cluster.clusterSecurityGroupId, cluster.nodeSecurityGroupId].map(asString),
                diskSizeGiB: args.system.diskSizeGiB,
                tags: args.tags,
            }),
            { ...k8sOpts, dependsOn: [controller, accessEntry, ...nodePolicies] },
        );
        // Once per account (each environment has its own, scripts/lib/bootstrap/iam.ts). Kept on
        // destroy: other users of spot in the account need it. Where it exists already, CreateRole
        // fails ("has been taken in this account"): import it first (docs/autoscaling.md).
        const spotRole = needsSpotServiceLinkedRole(args.config)
            ? [new aws.iam.ServiceLinkedRole(`${name}-spot`, { awsServiceName: SPOT_SERVICE }, { ...parent, retainOnDelete: true })]
            : [];
        const pool = applyObject(
            nodePool({ environment: args.environment, config: args.config, maxNodes, podSecurityGroups: args.podSecurityGroups }),
            { ...k8sOpts, dependsOn: [controller, nodeClass, ...spotRole] },
        );

        this.ready = [pool];
        this.nodeRoleName = nodeRole.name;
        this.registerOutputs({ nodeRoleName: this.nodeRoleName });
    }
}
