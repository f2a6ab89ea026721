import { strict as assert } from "assert";
import { gp3StorageClass, kubeconfig, lbControllerValues, nodeLaunchTemplate } from "../../components/cluster/builders";
import { NodeGroupConfig } from "../../components/cluster/settings";
import { irsaAssumeRolePolicy, managedPolicyArn, roleNamePrefix } from "../../components/iam";

const group: NodeGroupConfig = {
    name: "general", instanceTypes: ["m6i.large"], capacityType: "ON_DEMAND", minSize: 3, desiredSize: 3, maxSize: 6, diskSizeGiB: 80, labels: {}, taints: [],
};

describe("cluster builders", () => {
    it("launch template requires IMDSv2 with hop limit 1 and an encrypted gp3 root volume", () => {
        const lt = nodeLaunchTemplate("dodo-prod", group);
        assert.deepEqual(lt.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" });
        assert.deepEqual(lt.blockDeviceMappings[0].ebs, { volumeSize: 80, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" });
    });

    it("kubeconfig authenticates with aws eks get-token and stores no credential", () => {
        const kc = kubeconfig({ clusterName: "dodo-dev", endpoint: "https://x", certificateAuthorityData: "Y2E=", region: "ap-south-1" }) as {
            users: { user: { exec: { command: string; args: string[] } } }[];
            clusters: { cluster: { server: string } }[];
        };
        assert.equal(kc.users[0].user.exec.command, "aws");
        assert.deepEqual(kc.users[0].user.exec.args, ["eks", "get-token", "--cluster-name", "dodo-dev", "--region", "ap-south-1", "--output", "json"]);
        assert.equal(kc.clusters[0].cluster.server, "https://x");
        assert.doesNotMatch(JSON.stringify(kc), /"token"|password|client-key|client-certificate/);
    });

    it("gp3 is the default, encrypted, zone-aware StorageClass", () => {
        const sc = gp3StorageClass("Retain");
        assert.equal(sc.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"], "true");
        assert.equal(sc.provisioner, "ebs.csi.aws.com");
        assert.deepEqual(sc.parameters, { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" });
        assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
        assert.equal(sc.reclaimPolicy, "Retain");
    });

    it("LB controller values name the cluster, region, VPC and IRSA role and keep the Service webhook off", () => {
        const v = lbControllerValues({ clusterName: "dodo-dev", region: "ap-south-1", vpcId: "vpc-1", roleArn: "arn:role", replicas: 2, tags: { CostCenter: "42" } }) as Record<string, any>;
        assert.equal(v.clusterName, "dodo-dev");
        assert.equal(v.region, "ap-south-1");
        assert.equal(v.vpcId, "vpc-1");
        assert.equal(v.replicaCount, 2);
        assert.equal(v.serviceAccount.annotations["eks.amazonaws.com/role-arn"], "arn:role");
        assert.equal(v.enableServiceMutatorWebhook, false);
        assert.deepEqual(v.defaultTags, { CostCenter: "42" });
    });

    it("names IAM roles after the stack and workload, within IAM's 38-character prefix limit", () => {
        assert.equal(roleNamePrefix("dodo-prod", "kube-system", "ebs-csi-controller-sa"), "dodo-prod-kube-system-ebs-csi-control-");
        assert.ok(roleNamePrefix("dodo-staging", "observability", "loki").length <= 38);
    });

    it("IRSA trust policy admits only one service account of one issuer, for the STS audience", () => {
        const p = irsaAssumeRolePolicy("arn:oidc", "https://oidc.eks.ap-south-1.amazonaws.com/id/ABC", "kube-system", "ebs-csi-controller-sa");
        const st = p.Statement[0];
        assert.equal(st.Action, "sts:AssumeRoleWithWebIdentity");
        assert.deepEqual(st.Principal, { Federated: "arn:oidc" });
        assert.deepEqual(st.Condition, {
            StringEquals: {
                "oidc.eks.ap-south-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:kube-system:ebs-csi-controller-sa",
                "oidc.eks.ap-south-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
            },
        });
        assert.throws(() => irsaAssumeRolePolicy("a", "b", "", "sa"), /needs a namespace and a service account/);
        assert.equal(managedPolicyArn("service-role/AmazonEBSCSIDriverPolicy"), "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
    });
});
