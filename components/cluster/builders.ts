// Pure builders for the cluster: names and shapes of what the Cluster component registers.
import { PolicyDocument, serviceTrustPolicy } from "../iam";
import { KubeObject } from "../k8s";
import { NodeGroupConfig } from "./settings";

/** The five EKS control-plane log types; all of them are shipped. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/**
 * The cluster role's trust: EKS, for this cluster only (EKS User Guide, "Cross-service confused
 * deputy prevention": ArnLike aws:SourceArn on the cluster's ARN and aws:SourceAccount).
 */
export function clusterRoleTrustPolicy(accountId: string, region: string, clusterName: string, partition = "aws"): PolicyDocument {
    return serviceTrustPolicy("eks.amazonaws.com", { accountId, sourceArn: `arn:${partition}:eks:${region}:${accountId}:cluster/${clusterName}` }, ["sts:AssumeRole", "sts:TagSession"]);
}

/** Port of istiod's sidecar-injector and validation webhooks, called by the API server on the nodes. */
export const ISTIO_WEBHOOK_PORT = 15017;

export interface KubeconfigInput {
    clusterName: string;
    endpoint: string;
    certificateAuthorityData: string;
    region: string;
    /** AWS CLI profile the token is minted with (the stack's `aws:profile`), if any. */
    profile?: string;
}

/** A kubeconfig that authenticates with `aws eks get-token`, so no credentials are stored in it. */
export function kubeconfig(input: KubeconfigInput): Record<string, unknown> {
    const user = `${input.clusterName}-admin`;
    return {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: input.clusterName, cluster: { server: input.endpoint, "certificate-authority-data": input.certificateAuthorityData } }],
        contexts: [{ name: input.clusterName, context: { cluster: input.clusterName, user } }],
        "current-context": input.clusterName,
        users: [
            {
                name: user,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", input.clusterName, "--region", input.region, "--output", "json"],
                        // Same identity as the AWS provider, or Kubernetes and AWS calls disagree on who we are.
                        ...(input.profile ? { env: [{ name: "AWS_PROFILE", value: input.profile }] } : {}),
                        interactiveMode: "Never",
                    },
                },
            },
        ],
    };
}

/** Launch template data for nodes: IMDSv2 only, and hop limit 1 so pods cannot reach the node's credentials. */
export function nodeLaunchTemplate(clusterName: string, group: NodeGroupConfig, tags: Record<string, string> = {}) {
    return {
        metadataOptions: {
            httpEndpoint: "enabled",
            httpTokens: "required",
            httpPutResponseHopLimit: 1,
            instanceMetadataTags: "disabled",
        },
        blockDeviceMappings: [
            {
                // AL2023 EKS AMIs boot from /dev/xvda.
                deviceName: "/dev/xvda",
                ebs: { volumeSize: group.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            },
        ],
        // Provider default tags do not reach instances launched by the node group: tag them here.
        tagSpecifications: [
            { resourceType: "instance", tags: { ...tags, Name: `${clusterName}-${group.name}` } },
            { resourceType: "volume", tags: { ...tags, Name: `${clusterName}-${group.name}` } },
        ],
    };
}

/** Encrypted gp3 as the cluster's default StorageClass (EKS ships only the in-tree gp2 one). */
export function gp3StorageClass(reclaimPolicy: "Delete" | "Retain"): KubeObject {
    return {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: {
            name: "gp3",
            annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
        },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
        // Volumes are created in the AZ the pod lands in, not a random one.
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
        reclaimPolicy,
    };
}

export interface LbControllerValuesInput {
    clusterName: string;
    region: string;
    vpcId: string;
    roleArn: string;
    replicas: number;
    /** Tags for the load balancers and target groups the controller creates. */
    tags: Record<string, string>;
}

export const LB_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller";

/**
 * Values for the aws-load-balancer-controller chart. Region and VPC are explicit because IMDS is
 * out of the pods' reach (hop limit 1). The Service mutator webhook is off: only Services that
 * ask for the controller by annotation get an NLB, and other LoadBalancer Services are untouched.
 */
export function lbControllerValues(input: LbControllerValuesInput): Record<string, unknown> {
    return {
        clusterName: input.clusterName,
        region: input.region,
        vpcId: input.vpcId,
        replicaCount: input.replicas,
        serviceAccount: {
            create: true,
            name: LB_CONTROLLER_SERVICE_ACCOUNT,
            annotations: { "eks.amazonaws.com/role-arn": input.roleArn },
        },
        enableServiceMutatorWebhook: false,
        defaultTags: input.tags,
        podDisruptionBudget: { maxUnavailable: 1 },
        resources: {
            requests: { cpu: "50m", memory: "128Mi" },
            limits: { cpu: "500m", memory: "256Mi" },
        },
        topologySpreadConstraints: [
            {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: { "app.kubernetes.io/name": "aws-load-balancer-controller" } },
            },
        ],
    };
}

/** EBS CSI add-on settings: volumes it creates carry the stack's tags. */
export function ebsCsiConfiguration(tags: Record<string, string>): string {
    return JSON.stringify({ controller: { extraVolumeTags: tags } });
}

/**
 * Values for the metrics-server chart: the resource metrics API every HorizontalPodAutoscaler
 * reads (EKS does not ship it). Two replicas and a PDB in prod so autoscaling survives a drain.
 */
export function metricsServerValues(replicas: number): Record<string, unknown> {
    return {
        replicas,
        podDisruptionBudget: { enabled: replicas > 1, maxUnavailable: 1 },
        resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { cpu: "1", memory: "400Mi" } },
        topologySpreadConstraints: [
            {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: { "app.kubernetes.io/name": "metrics-server" } },
            },
        ],
    };
}
