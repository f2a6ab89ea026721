import { strict as assert } from "assert";
import { Cluster } from "../../components/cluster";
import { ClusterConfig } from "../../components/cluster/settings";
import { eksAddonVersions, SUPPORTED_KUBERNETES_VERSIONS } from "../../components/versions";
import { MOCK_DEPLOYER_ROLE } from "../../scripts/lib/mock-engine";
import { get, ofType, props, RegisteredResource, runComponent } from "../harness";
import { RecordedOptions, runRecording } from "./options";

const config = (over: Partial<ClusterConfig> = {}): ClusterConfig => ({
    kubernetesVersion: "1.35",
    supportType: "EXTENDED",
    endpointPrivateAccess: true,
    endpointPublicAccess: false,
    publicAccessCidrs: [],
    adminPrincipals: ["arn:aws:iam::123456789012:role/platform-admins", MOCK_DEPLOYER_ROLE],
    apiAccessCidrs: ["10.100.0.0/16"],
    logRetentionDays: 365,
    nodeGroups: [{ name: "general", instanceTypes: ["m6i.xlarge"], capacityType: "ON_DEMAND", minSize: 3, desiredSize: 3, maxSize: 9, diskSizeGiB: 100, labels: { team: "platform" }, taints: [] }],
    nodeImageRelease: "1.35.6-20260714",
    ...over,
});

let prod: RegisteredResource[];
let prodOptions: Map<string, RecordedOptions>;

describe("Cluster component", () => {
    before(async () => {
        ({ resources: prod, options: prodOptions } = await runRecording(() => new Cluster("cluster", {
            name: "dodo-prod", environment: "prod", region: "ap-south-1", config: config(), vpcId: "vpc-1", privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
            tags: { CostCenter: "platform-prod", DataClassification: "pci" },
        }), { stack: "prod" }));
    });

    it("encrypts secrets with a rotating KMS key and ships all five control-plane log types", () => {
        const eks = props<any>(get(prod, "aws:eks/cluster:Cluster", "cluster-eks"));
        assert.deepEqual(eks.encryptionConfig.resources, ["secrets"]);
        assert.equal(eks.encryptionConfig.provider.keyArn, "arn:aws:kms:ap-south-1:123456789012:key/cluster-secrets-key-id");
        assert.equal(props<any>(get(prod, "aws:kms/key:Key", "cluster-secrets")).enableKeyRotation, true);
        assert.deepEqual(eks.enabledClusterLogTypes, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
        assert.equal(eks.version, "1.35");
        assert.deepEqual(eks.upgradePolicy, { supportType: "EXTENDED" }, "prod: EKS never upgrades it on its own");
        assert.equal(eks.accessConfig.authenticationMode, "API");
    });

    it("keeps the API endpoint private when public access is off", () => {
        const vpc = props<any>(get(prod, "aws:eks/cluster:Cluster", "cluster-eks")).vpcConfig;
        assert.equal(vpc.endpointPublicAccess, false);
        assert.equal(vpc.endpointPrivateAccess, true);
        assert.equal(vpc.publicAccessCidrs, undefined);
        assert.deepEqual(vpc.subnetIds, ["subnet-a", "subnet-b", "subnet-c"]);
    });

    it("grants cluster admin to exactly the configured principals through access entries, not to the creator implicitly", () => {
        const assocs = ofType(prod, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").map((r) => props<any>(r));
        assert.deepEqual(assocs.map((a) => a.principalArn).sort(), ["arn:aws:iam::123456789012:role/dodo-platform-deployer", "arn:aws:iam::123456789012:role/platform-admins"]);
        for (const a of assocs) {
            assert.equal(a.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
            assert.deepEqual(a.accessScope, { type: "cluster" });
        }
        assert.equal(props<any>(get(prod, "aws:eks/cluster:Cluster", "cluster-eks")).accessConfig.bootstrapClusterCreatorAdminPermissions, false);
        const providerDeps = prodOptions.get("pulumi:providers:kubernetes::cluster-k8s")!.dependsOn;
        for (const a of ofType(prod, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")) assert.ok(providerDeps.includes(a.ref), `provider waits for ${a.name}`);
    });

    it("makes the identity running Pulumi the admin when no principals are configured", async () => {
        const rs = await runComponent(() => new Cluster("cluster", {
            name: "dodo-dev", environment: "dev", region: "ap-south-1", config: config({ adminPrincipals: [] }), vpcId: "vpc-1", privateSubnetIds: ["a", "b"], tags: {},
        }));
        const entries = ofType(rs, "aws:eks/accessEntry:AccessEntry");
        assert.deepEqual(entries.map((e) => [e.name, props<any>(e).principalArn]), [["cluster-access-dodo-platform-deployer-342fdc1e", MOCK_DEPLOYER_ROLE]]);
    });

    it("fails the preview when the caller is not among the configured admins (it would lock itself out)", async () => {
        await assert.rejects(
            runComponent(() => new Cluster("cluster", {
                name: "dodo-dev", environment: "dev", region: "ap-south-1", config: config({ adminPrincipals: ["arn:aws:iam::123456789012:role/someone-else"] }), vpcId: "vpc-1", privateSubnetIds: ["a", "b"], tags: {},
            })),
            /cluster\.adminPrincipals does not list arn:aws:iam::123456789012:role\/dodo-platform-deployer, the identity running Pulumi/,
        );
    });

    it("protects the prod cluster and its key from deletion", () => {
        assert.equal(props<any>(get(prod, "aws:eks/cluster:Cluster", "cluster-eks")).deletionProtection, true);
    });

    it("opens the private endpoint to the configured private networks only, on the control plane's own security group", () => {
        const rules = ofType(prod, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name.startsWith("cluster-api-access-"));
        assert.deepEqual(rules.map((r) => [props<any>(r).cidrIpv4, props<any>(r).fromPort, props<any>(r).securityGroupId]), [["10.100.0.0/16", 443, "cluster-api-id"]]);
        assert.deepEqual(props<any>(get(prod, "aws:eks/cluster:Cluster", "cluster-eks")).vpcConfig.securityGroupIds, ["cluster-api-id"]);
        const apiSg = props<any>(get(prod, "aws:ec2/securityGroup:SecurityGroup", "cluster-api"));
        assert.deepEqual([apiSg.vpcId, apiSg.ingress, apiSg.egress], ["vpc-1", undefined, undefined], "rules are separate resources; the cluster security group keeps the control plane's egress");
        // Nodes carry the cluster security group: nothing of the API access may land there.
        const onClusterSg = ofType(prod, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => props<any>(r).securityGroupId === "sg-dodo-prod-cluster");
        assert.deepEqual(onClusterSg.map((r) => r.name), []);
        const lt = props<any>(get(prod, "aws:ec2/launchTemplate:LaunchTemplate", "cluster-general"));
        assert.ok(!lt.vpcSecurityGroupIds.includes("cluster-api-id"), "the nodes never carry the API group");
    });

    it("lets EKS assume the cluster role for this cluster only (confused-deputy conditions)", () => {
        const trust = JSON.parse(props<any>(get(prod, "aws:iam/role:Role", "cluster-control-plane")).assumeRolePolicy);
        assert.deepEqual(trust.Statement[0].Condition, {
            StringEquals: { "aws:SourceAccount": "123456789012" },
            ArnLike: { "aws:SourceArn": "arn:aws:eks:ap-south-1:123456789012:cluster/dodo-prod" },
        });
    });

    it("tags instances, volumes and load balancers that AWS creates for the cluster", () => {
        const lt = props<any>(get(prod, "aws:ec2/launchTemplate:LaunchTemplate", "cluster-general"));
        for (const spec of lt.tagSpecifications) assert.equal(spec.tags.DataClassification, "pci", spec.resourceType);
        const ebs = props<any>(get(prod, "aws:eks/addon:Addon", "cluster-aws-ebs-csi-driver"));
        assert.equal(JSON.parse(ebs.configurationValues).controller.extraVolumeTags.CostCenter, "platform-prod");
        assert.equal(props<any>(get(prod, "kubernetes:helm.sh/v3:Release", "cluster-lb-controller")).values.defaultTags.DataClassification, "pci");
    });

    it("creates the OIDC provider for IRSA from the cluster's issuer", () => {
        const oidc = props<any>(get(prod, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "cluster-oidc"));
        assert.equal(oidc.url, "https://oidc.eks.ap-south-1.amazonaws.com/id/DODO-PROD");
        assert.deepEqual(oidc.clientIdLists, ["sts.amazonaws.com"]);
    });

    it("runs nodes in private subnets from a launch template that requires IMDSv2", () => {
        const lt = props<any>(get(prod, "aws:ec2/launchTemplate:LaunchTemplate", "cluster-general"));
        assert.equal(lt.metadataOptions.httpTokens, "required");
        assert.equal(lt.metadataOptions.httpPutResponseHopLimit, 1);
        assert.deepEqual(lt.vpcSecurityGroupIds, ["sg-dodo-prod-cluster", "cluster-nodes-id"], "nodes keep the EKS cluster security group");
        const ng = props<any>(get(prod, "aws:eks/nodeGroup:NodeGroup", "cluster-general"));
        assert.deepEqual(ng.subnetIds, ["subnet-a", "subnet-b", "subnet-c"]);
        assert.equal(ng.amiType, "AL2023_x86_64_STANDARD");
        assert.equal(ng.capacityType, "ON_DEMAND");
        assert.deepEqual(ng.instanceTypes, ["m6i.xlarge"]);
        // The system group keeps its size: Karpenter adds the nodes up to nodes.maxSize (9).
        assert.deepEqual(ng.scalingConfig, { minSize: 3, desiredSize: 3, maxSize: 3 });
        assert.equal(ng.labels.team, "platform");
        assert.equal(ng.launchTemplate.id, "cluster-general-id");
    });

    it("applies a changed nodes.desiredSize: the node group ignores no change to its size", async () => {
        // Nothing else resizes the system group (no Cluster Autoscaler; Karpenter launches its own
        // instances), so an ignoreChanges on scalingConfig.desiredSize would only hide config edits.
        assert.deepEqual(prodOptions.get("aws:eks/nodeGroup:NodeGroup::cluster-general")!.ignoreChanges, []);
        const grown = config({ nodeGroups: [{ ...config().nodeGroups[0], minSize: 3, desiredSize: 4, maxSize: 9 }] });
        const { resources, options } = await runRecording(() => new Cluster("cluster", {
            name: "dodo-prod", environment: "prod", region: "ap-south-1", config: grown, vpcId: "vpc-1", privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"], tags: {},
        }), { stack: "prod" });
        assert.deepEqual(props<any>(get(resources, "aws:eks/nodeGroup:NodeGroup", "cluster-general")).scalingConfig, { minSize: 3, desiredSize: 4, maxSize: 4 });
        assert.deepEqual(options.get("aws:eks/nodeGroup:NodeGroup::cluster-general")!.ignoreChanges, []);
    });

    it("gives nodes only the managed policies they need; the CNI has its own IRSA role", () => {
        const nodePolicies = ofType(prod, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .filter((r) => r.name.startsWith("cluster-nodes-"))
            .map((r) => props<{ policyArn: string }>(r).policyArn)
            .sort();
        assert.deepEqual(nodePolicies, ["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly", "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"]);
        const cniTrust = JSON.parse(props<{ assumeRolePolicy: string }>(get(prod, "aws:iam/role:Role", "cluster-vpc-cni")).assumeRolePolicy);
        assert.match(JSON.stringify(cniTrust), /system:serviceaccount:kube-system:aws-node/);
    });

    it("pins every add-on to an eksbuild; kube-proxy follows the cluster's minor version", () => {
        const addons = Object.fromEntries(ofType(prod, "aws:eks/addon:Addon").map((r) => [props<any>(r).addonName, props<any>(r).addonVersion]));
        assert.deepEqual(Object.keys(addons).sort(), ["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]);
        for (const v of Object.values(addons)) assert.match(v as string, /^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
        assert.match(addons["kube-proxy"], /^v1\.35\./);
        for (const k of SUPPORTED_KUBERNETES_VERSIONS) assert.ok(eksAddonVersions(k)["kube-proxy"].startsWith(`v${k}.`), k);
        const ebs = props<any>(get(prod, "aws:eks/addon:Addon", "cluster-aws-ebs-csi-driver"));
        assert.equal(ebs.serviceAccountRoleArn, "arn:aws:iam::123456789012:role/cluster-ebs-csi");
    });

    it("turns on the VPC CNI network policy agent, so NetworkPolicies are enforced (vpc-cni >= 1.14)", () => {
        const cni = props<{ configurationValues: string; addonVersion: string }>(get(prod, "aws:eks/addon:Addon", "cluster-vpc-cni"));
        assert.equal(JSON.parse(cni.configurationValues).enableNetworkPolicy, "true");
        const [major, minor] = cni.addonVersion.slice(1).split(".").map(Number);
        assert.ok(major > 1 || minor >= 14, cni.addonVersion);
    });

    it("orders add-ons around the nodes: networking first, CoreDNS and EBS CSI once nodes exist", () => {
        const ng = get(prod, "aws:eks/nodeGroup:NodeGroup", "cluster-general");
        for (const a of ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"]) assert.ok(ng.dependsOn.includes(`aws:eks/addon:Addon::cluster-${a}`), a);
        for (const a of ["coredns", "aws-ebs-csi-driver"]) assert.ok(get(prod, "aws:eks/addon:Addon", `cluster-${a}`).dependsOn.includes(ng.ref), a);
    });

    it("opens the istiod webhook port 15017 from the control plane to the nodes", () => {
        const rule = props<any>(get(prod, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "cluster-istio-webhook"));
        assert.equal(rule.fromPort, 15017);
        assert.equal(rule.toPort, 15017);
        assert.equal(rule.referencedSecurityGroupId, "sg-dodo-prod-cluster");
    });

    it("installs the AWS Load Balancer Controller with a pinned chart and an IRSA role for its service account", () => {
        const release = get(prod, "kubernetes:helm.sh/v3:Release", "cluster-lb-controller");
        const p = props<any>(release);
        assert.equal(p.chart, "aws-load-balancer-controller");
        assert.match(p.version, /^\d+\.\d+\.\d+$/);
        assert.equal(p.repositoryOpts.repo, "https://aws.github.io/eks-charts");
        assert.equal(p.values.serviceAccount.annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/cluster-lb-controller");
        assert.equal(p.values.replicaCount, 2);
        assert.equal(release.provider, "pulumi:providers:kubernetes::cluster-k8s");
        const trust = JSON.parse(props<{ assumeRolePolicy: string }>(get(prod, "aws:iam/role:Role", "cluster-lb-controller")).assumeRolePolicy);
        assert.match(JSON.stringify(trust), /system:serviceaccount:kube-system:aws-load-balancer-controller/);
        const policy = JSON.parse(props<{ policy: string }>(get(prod, "aws:iam/policy:Policy", "cluster-lb-controller")).policy);
        assert.ok(policy.Statement.some((s: { Action: string[] }) => [s.Action].flat().includes("elasticloadbalancing:CreateLoadBalancer")));
        const ingress = policy.Statement.filter((s: { Action: string[]; Condition?: object }) => [s.Action].flat().includes("ec2:AuthorizeSecurityGroupIngress") && !JSON.stringify(s.Condition ?? {}).includes("elbv2.k8s.aws/cluster"));
        assert.deepEqual(ingress.map((s: { Condition?: object }) => s.Condition), [{ ArnEquals: { "ec2:Vpc": "arn:aws:ec2:ap-south-1:123456789012:vpc/vpc-1" } }]);
    });

    it("serves the resource metrics API the autoscalers need (metrics-server, pinned, HA in prod)", () => {
        const release = get(prod, "kubernetes:helm.sh/v3:Release", "cluster-metrics-server");
        const p = props<any>(release);
        assert.deepEqual([p.chart, p.namespace, p.repositoryOpts.repo], ["metrics-server", "kube-system", "https://kubernetes-sigs.github.io/metrics-server/"]);
        assert.match(p.version, /^\d+\.\d+\.\d+$/);
        assert.equal(p.values.replicas, 2);
        assert.deepEqual(p.values.podDisruptionBudget, { enabled: true, maxUnavailable: 1 });
    });

    it("hands later components a kubeconfig (secret) and a provider that waits for the nodes", () => {
        const provider = get(prod, "pulumi:providers:kubernetes", "cluster-k8s");
        assert.equal(provider.props.kubeconfig, "[secret]");
        assert.ok(prodOptions.get(provider.ref)!.dependsOn.includes("aws:eks/nodeGroup:NodeGroup::cluster-general"));
        const sc = get(prod, "kubernetes:storage.k8s.io/v1:StorageClass", "storageclass-gp3");
        assert.equal(props<any>(sc).reclaimPolicy, "Retain");
    });

    it("opens a public endpoint only to the listed CIDRs", async () => {
        const rs = await runComponent(() => new Cluster("cluster", {
            name: "dodo-dev", environment: "dev", region: "ap-south-1", config: config({ endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"], adminPrincipals: [], nodeGroups: [{ ...config().nodeGroups[0], capacityType: "SPOT", taints: [{ key: "dedicated", value: "payments", effect: "NO_SCHEDULE" }] }] }), vpcId: "vpc-1", privateSubnetIds: ["a", "b"], tags: {},
        }));
        const vpc = props<any>(get(rs, "aws:eks/cluster:Cluster", "cluster-eks")).vpcConfig;
        assert.deepEqual(vpc.publicAccessCidrs, ["203.0.113.0/24"]);
        const ng = props<any>(get(rs, "aws:eks/nodeGroup:NodeGroup", "cluster-general"));
        assert.equal(ng.capacityType, "SPOT");
        assert.deepEqual(ng.taints, [{ key: "dedicated", value: "payments", effect: "NO_SCHEDULE" }]);
        assert.equal(props<any>(get(rs, "aws:eks/cluster:Cluster", "cluster-eks")).deletionProtection, false);
        assert.equal(props<any>(get(rs, "kubernetes:storage.k8s.io/v1:StorageClass", "storageclass-gp3")).reclaimPolicy, "Delete");
    });
});
