import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { applyObject } from "../apply";
import { Environment } from "../settings";
import { managedPolicyArn, roleNamePrefix } from "../iam";
import { lbControllerPolicy } from "./lb-controller-policy";
import { irsaRole, OidcIdentity } from "./irsa";
import { eksAddonVersions, EksAddonName } from "../versions";
import { deployedKubernetesVersion, guardedKubernetesVersion, previewWarning, supportWarning } from "./version-guard";
import { ChartSources, releaseChart, UPSTREAM } from "../charts";
import { adminAccess, previewAccess, previewGuard } from "./access";
import {
    clusterRoleTrustPolicy,
    CONTROL_PLANE_LOG_TYPES,
    ebsCsiConfiguration,
    gp3StorageClass,
    ISTIO_WEBHOOK_PORT,
    kubeconfig,
    LB_CONTROLLER_SERVICE_ACCOUNT,
    lbControllerValues,
    metricsServerValues,
    nodeLaunchTemplate,
} from "./builders";
import { ClusterConfig } from "./settings";
import { VPC_RESOURCE_CONTROLLER_POLICY, vpcCniConfiguration } from "./vpc-cni";
import { PullThroughCache } from "../registry";
import { nodeRole as createNodeRole } from "./node-role";
import { UPSTREAM_IMAGES } from "../registry/images";
import { withChartImages } from "../registry/chart-images";

export interface ClusterArgs {
    /** Cluster name, e.g. `dodo-dev`; subnets are tagged for it. */
    name: string;
    environment: Environment;
    region: string;
    config: ClusterConfig;
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string>[];
    /** Tags for what AWS creates on the cluster's behalf (instances, volumes, load balancers). */
    tags: Record<string, string>;
    /** The stack's `aws:profile`, so the kubeconfig mints tokens as the same identity. */
    awsProfile?: string;
    /** Where the LB controller and metrics-server charts come from (default: upstream). */
    charts?: ChartSources;
    /** Security groups for pods (the payments backend's, docs/payments.md): trunk ENIs on the nodes. */
    podSecurityGroups?: boolean;
    /** Images through the stack's ECR pull-through cache (registry.pullThroughCache): the nodes may fill it. */
    pullThroughCache?: PullThroughCache;
}

/**
 * EKS from @pulumi/aws primitives: KMS envelope encryption, all control-plane logs, access
 * entries, IRSA, managed nodes with IMDSv2, pinned add-ons, a gp3 StorageClass and the AWS Load
 * Balancer Controller. Later components deploy through `provider`.
 */
export class Cluster extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    /** The Kubernetes version EKS reports; exported as the stack output kubernetesVersion (version-guard.ts). */
    readonly kubernetesVersion: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly oidcProviderArn: pulumi.Output<string>;
    readonly oidcProviderUrl: pulumi.Output<string>;
    /** For IAM roles for service accounts in later components (see irsaRole). */
    readonly oidc: OidcIdentity;
    readonly kubeconfig: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    readonly nodeSecurityGroupId: pulumi.Output<string>;
    /** The EKS cluster security group (control plane <-> nodes), which every node carries. */
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
    /** The managed node group's role (the system group), e.g. for pull permissions. */
    readonly nodeRoleName: pulumi.Output<string>;
    /** Resources the workloads need before they can schedule: nodes, DNS, storage, LB controller. */
    readonly ready: pulumi.Resource[];
    /** The LB controller release: anything that asks for an NLB depends on it, so destroy runs in order. */
    readonly lbController: k8s.helm.v3.Release;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dodo:platform:Cluster", name, {}, opts);
        const { config } = args;
        const parent = { parent: this };
        const isProd = args.environment === "prod";

        // prod refuses `pulumi destroy` of the cluster and its key until someone unprotects them.
        const secretsKey = new aws.kms.Key(`${name}-secrets`, {
            description: `${args.name} EKS secrets envelope encryption`,
            enableKeyRotation: true,
            deletionWindowInDays: isProd ? 30 : 7,
        }, { parent: this, protect: isProd });
        new aws.kms.Alias(`${name}-secrets`, { name: `alias/${args.name}-eks-secrets`, targetKeyId: secretsKey.keyId }, parent);

        const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
        const clusterRole = new aws.iam.Role(`${name}-control-plane`, {
            namePrefix: roleNamePrefix(args.name, "eks-control-plane"),
            assumeRolePolicy: accountId.apply((account) => JSON.stringify(clusterRoleTrustPolicy(account, args.region, args.name))),
        }, parent);
        const clusterPolicy = new aws.iam.RolePolicyAttachment(`${name}-control-plane`, {
            role: clusterRole.name,
            policyArn: managedPolicyArn("AmazonEKSClusterPolicy"),
        }, parent);

        // Created before the cluster so retention is ours, not "never expire".
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-control-plane`, {
            name: `/aws/eks/${args.name}/cluster`,
            retentionInDays: config.logRetentionDays,
        }, parent);

        // The control plane's own group for API access: the cluster security group is on every
        // node too, so a rule there would open the nodes (and pods on host ports) to the same CIDRs.
        // vpcConfig.securityGroupIds go on the control plane's ENIs only (EKS API, VpcConfigRequest)
        // and can be changed in place (UpdateClusterConfig; terraform-provider-aws 5.25.0).
        const apiSg = new aws.ec2.SecurityGroup(`${name}-api`, {
            vpcId: args.vpcId,
            description: `${args.name} Kubernetes API (private endpoint) from cluster.apiAccessCidrs`,
            tags: { Name: `${args.name}-api` },
        }, parent);

        // One minor at a time from the version deployed (stack output kubernetesVersion); the nodes follow.
        const version = guardedKubernetesVersion(config.kubernetesVersion, deployedKubernetesVersion(`${name}-deployed-version`, parent), config.deployedKubernetesVersion);
        // Extended support starts at a date, not at an up: say so in every preview within 90 days of it.
        const support = supportWarning(config.kubernetesVersion, config.supportType, new Date());
        if (support) previewWarning(support, this);
        const cluster = new aws.eks.Cluster(`${name}-eks`, {
            name: args.name,
            version,
            roleArn: clusterRole.arn,
            vpcConfig: {
                subnetIds: args.privateSubnetIds,
                endpointPrivateAccess: config.endpointPrivateAccess,
                endpointPublicAccess: config.endpointPublicAccess,
                publicAccessCidrs: config.endpointPublicAccess ? config.publicAccessCidrs : undefined,
                securityGroupIds: [apiSg.id],
            },
            encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
            enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
            // Admins are explicit access entries below; an implicit creator grant would depend on
            // who happened to run the first `pulumi up`.
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
            upgradePolicy: { supportType: config.supportType },
            // Add-ons below are EKS-managed and pinned; EKS must not install unmanaged copies.
            bootstrapSelfManagedAddons: false,
            deletionProtection: isProd,
        }, { parent: this, dependsOn: [clusterPolicy, logGroup], protect: isProd });

        const issuer = cluster.identities.apply((ids) => ids[0].oidcs[0].issuer);
        const oidc = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, {
            url: issuer,
            clientIdLists: ["sts.amazonaws.com"],
        }, parent);

        this.oidc = { providerArn: oidc.arn, issuerUrl: issuer, clusterName: args.name };
        const serviceAccountRole = (roleName: string, namespace: string, serviceAccount: string) =>
            irsaRole(`${name}-${roleName}`, this.oidc, namespace, serviceAccount, parent);

        // Cluster-admin entries, one per principal and named after it; rejects (failing the
        // preview) when the caller would lock itself out. See access.ts.
        const admins = adminAccess(name, cluster.name, config, this);

        // Nodes carry the EKS cluster security group (control plane <-> node traffic) plus this
        // one, whose explicit rule keeps istiod's webhook reachable from the API server.
        const nodeSg = new aws.ec2.SecurityGroup(`${name}-nodes`, {
            vpcId: args.vpcId,
            description: `${args.name} nodes`,
            egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "all egress" }],
            tags: { Name: `${args.name}-nodes` },
        }, parent);
        // Reaching a private endpoint takes a route into the VPC and this rule on the API group.
        config.apiAccessCidrs.forEach((cidr, i) => {
            new aws.vpc.SecurityGroupIngressRule(`${name}-api-access-${i}`, {
                securityGroupId: apiSg.id,
                cidrIpv4: cidr,
                ipProtocol: "tcp",
                fromPort: 443,
                toPort: 443,
                description: `Kubernetes API from ${cidr}`,
            }, parent);
        });
        new aws.vpc.SecurityGroupIngressRule(`${name}-istio-webhook`, {
            securityGroupId: nodeSg.id,
            referencedSecurityGroupId: cluster.vpcConfig.clusterSecurityGroupId,
            ipProtocol: "tcp",
            fromPort: ISTIO_WEBHOOK_PORT,
            toPort: ISTIO_WEBHOOK_PORT,
            description: "EKS control plane to istiod sidecar-injector webhook",
        }, parent);

        const addonVersions = eksAddonVersions(config.kubernetesVersion);
        const addon = (addonName: EksAddonName, dependsOn: pulumi.Resource[], serviceAccountRoleArn?: pulumi.Input<string>, configurationValues?: string) =>
            new aws.eks.Addon(`${name}-${addonName}`, {
                clusterName: cluster.name,
                addonName,
                addonVersion: addonVersions[addonName],
                serviceAccountRoleArn,
                configurationValues,
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
            }, { parent: this, dependsOn });

        // The CNI gets its own IRSA role instead of widening the node role.
        const cniRole = serviceAccountRole("vpc-cni", "kube-system", "aws-node");
        const cniPolicy = new aws.iam.RolePolicyAttachment(`${name}-vpc-cni`, { role: cniRole.name, policyArn: managedPolicyArn("AmazonEKS_CNI_Policy") }, parent);
        // Security groups for pods: the VPC resource controller (run by EKS as the cluster role) manages trunk/branch ENIs.
        const podEni = args.podSecurityGroups
            ? [new aws.iam.RolePolicyAttachment(`${name}-vpc-resource-controller`, { role: clusterRole.name, policyArn: managedPolicyArn(VPC_RESOURCE_CONTROLLER_POLICY) }, parent)]
            : [];
        // Networking daemons exist before the first node joins, or nodes stay NotReady.
        const preNodeAddons = [
            addon("vpc-cni", [cniPolicy, ...podEni], cniRole.arn, vpcCniConfiguration({ podSecurityGroups: args.podSecurityGroups ?? false })),
            addon("kube-proxy", []),
            addon("eks-pod-identity-agent", []),
        ];

        const cache = args.pullThroughCache;
        const { role: nodeRole, policies: nodePolicies } = createNodeRole(name, args.name, "eks-nodes", cache, parent);
        const images = cache?.images ?? UPSTREAM_IMAGES;
        const pullable = cache?.ready ?? [];

        const nodeGroups = config.nodeGroups.map((group) => {
            const lt = nodeLaunchTemplate(args.name, group, args.tags);
            const launchTemplate = new aws.ec2.LaunchTemplate(`${name}-${group.name}`, {
                namePrefix: `${args.name}-${group.name}-`,
                description: `${args.name} ${group.name} nodes`,
                metadataOptions: lt.metadataOptions,
                blockDeviceMappings: lt.blockDeviceMappings,
                tagSpecifications: lt.tagSpecifications,
                vpcSecurityGroupIds: [cluster.vpcConfig.clusterSecurityGroupId, nodeSg.id],
                updateDefaultVersion: true,
            }, parent);
            return new aws.eks.NodeGroup(`${name}-${group.name}`, {
                clusterName: cluster.name,
                nodeGroupNamePrefix: `${args.name}-${group.name}-`,
                version,
                // The stack's own pin (nodes.imageRelease, default versions.ts): a change replaces every node.
                releaseVersion: config.nodeImageRelease,
                nodeRoleArn: nodeRole.arn,
                subnetIds: args.privateSubnetIds,
                amiType: "AL2023_x86_64_STANDARD",
                instanceTypes: group.instanceTypes,
                capacityType: group.capacityType,
                // The system group keeps its size; Karpenter adds nodes up to nodes.maxSize (components/autoscaling).
                scalingConfig: { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.desiredSize },
                updateConfig: { maxUnavailablePercentage: 33 },
                launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
                labels: { "dodo.dev/node-group": group.name, ...group.labels },
                taints: group.taints,
            }, {
                parent: this,
                // No ignoreChanges on desiredSize: nothing else resizes this group (no Cluster
                // Autoscaler; Karpenter launches its own instances), so nodes.desiredSize applies.
                dependsOn: [...nodePolicies, ...preNodeAddons],
            });
        });

        // CoreDNS and the EBS CSI controller are Deployments: they need nodes to become healthy.
        const ebsRole = serviceAccountRole("ebs-csi", "kube-system", "ebs-csi-controller-sa");
        const ebsPolicy = new aws.iam.RolePolicyAttachment(`${name}-ebs-csi`, {
            role: ebsRole.name,
            policyArn: managedPolicyArn("service-role/AmazonEBSCSIDriverPolicy"),
        }, parent);
        const coredns = addon("coredns", nodeGroups);
        const ebsCsi = addon("aws-ebs-csi-driver", [...nodeGroups, ebsPolicy], ebsRole.arn, ebsCsiConfiguration(args.tags));

        this.kubeconfig = pulumi.secret(
            pulumi
                .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
                .apply(([clusterName, endpoint, ca]) =>
                    JSON.stringify(kubeconfig({ clusterName, endpoint, certificateAuthorityData: ca.data ?? "", region: args.region, profile: args.awsProfile })),
                ),
        );
        // Admin access first: the provider authenticates as the deployer. (When the cluster is
        // already gone, finish a destroy with PULUMI_K8S_DELETE_UNREACHABLE=true; see README.)
        const providerDeps: Promise<pulumi.Resource[]> = admins.then((a) => [...nodeGroups, ...a]);
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this, dependsOn: providerDeps });

        // The preview role: dry-run-only RBAC, enforced by admission before its entry exists.
        const guard = previewGuard({ parent: this, provider: this.provider });
        if (config.previewRoleArn) previewAccess(name, cluster.name, config.previewRoleArn, guard, this);

        const storageClass = applyObject(gp3StorageClass(isProd ? "Retain" : "Delete"), { parent: this, provider: this.provider, dependsOn: [ebsCsi] });

        const lbRole = serviceAccountRole("lb-controller", "kube-system", LB_CONTROLLER_SERVICE_ACCOUNT);
        const lbPolicy = new aws.iam.Policy(`${name}-lb-controller`, {
            description: "AWS Load Balancer Controller (upstream policy document, ingress changes scoped to the VPC)",
            // Security-group ingress changes in this VPC only (its ARN, as IAM's ec2:Vpc compares it).
            policy: pulumi.all([accountId, args.vpcId]).apply(([account, vpcId]) => JSON.stringify(lbControllerPolicy(`arn:aws:ec2:${args.region}:${account}:vpc/${vpcId}`))),
        }, parent);
        const lbAttach = new aws.iam.RolePolicyAttachment(`${name}-lb-controller`, { role: lbRole.name, policyArn: lbPolicy.arn }, parent);
        this.lbController = new k8s.helm.v3.Release(`${name}-lb-controller`, {
            name: "aws-load-balancer-controller",
            ...releaseChart("awsLoadBalancerController", args.charts ?? UPSTREAM),
            namespace: "kube-system",
            atomic: true,
            timeout: 600,
            values: pulumi.all([lbRole.arn, args.vpcId]).apply(([roleArn, vpcId]) =>
                withChartImages("awsLoadBalancerController", lbControllerValues({ clusterName: args.name, region: args.region, vpcId, roleArn, replicas: isProd ? 2 : 1, tags: args.tags }), images),
            ),
        }, { parent: this, provider: this.provider, dependsOn: [lbAttach, coredns, ...pullable] });

        // The resource metrics API: without it every HorizontalPodAutoscaler stays at its minimum.
        const metricsServer = new k8s.helm.v3.Release(`${name}-metrics-server`, {
            name: "metrics-server",
            ...releaseChart("metricsServer", args.charts ?? UPSTREAM),
            namespace: "kube-system",
            atomic: true,
            timeout: 600,
            values: withChartImages("metricsServer", metricsServerValues(isProd ? 2 : 1), images),
        }, { parent: this, provider: this.provider, dependsOn: [coredns, ...pullable] });

        this.clusterName = cluster.name;
        this.kubernetesVersion = cluster.version;
        this.endpoint = cluster.endpoint;
        this.oidcProviderArn = oidc.arn;
        this.oidcProviderUrl = oidc.url;
        this.nodeSecurityGroupId = nodeSg.id;
        this.clusterSecurityGroupId = cluster.vpcConfig.clusterSecurityGroupId;
        this.arn = cluster.arn;
        this.nodeRoleName = nodeRole.name;
        this.ready = [...nodeGroups, coredns, ebsCsi, storageClass, this.lbController, metricsServer];
        this.registerOutputs({
            clusterName: this.clusterName,
            endpoint: this.endpoint,
            oidcProviderArn: this.oidcProviderArn,
            oidcProviderUrl: this.oidcProviderUrl,
            kubeconfig: this.kubeconfig,
        });
    }
}
