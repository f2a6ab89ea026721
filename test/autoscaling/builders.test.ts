import { strict as assert } from "assert";
import {
    al2023Alias,
    disruptionFloor,
    ec2NodeClass,
    karpenterNodeLimit,
    karpenterValues,
    needsSpotServiceLinkedRole,
    nodePool,
    NodePoolInput,
} from "../../components/autoscaling/builders";
import { INTERRUPTION_EVENTS, interruptionQueuePolicy, karpenterControllerPolicy } from "../../components/autoscaling/iam";
import { AutoscalingConfig } from "../../components/autoscaling/settings";
import { CHARTS, NODE_IMAGE_RELEASES } from "../../components/versions";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const config = (overrides: Partial<AutoscalingConfig> = {}): AutoscalingConfig => ({
    instanceFamilies: ["m6i", "m5"],
    instanceSizes: ["xlarge", "2xlarge"],
    capacityTypes: ["on-demand"],
    limits: { cpu: 64, memoryGiB: 256 },
    spotServiceLinkedRole: "create",
    ...overrides,
});
const pool = (input: Partial<NodePoolInput> = {}) => nodePool({ environment: "prod", config: config(), maxNodes: 6, podSecurityGroups: true, ...input }) as Obj;
const nodeClass = () =>
    ec2NodeClass({ clusterName: "dodo-prod", amiAlias: "al2023@v20260714", instanceProfile: "dodo-prod-karpenter-nodes", subnetIds: ["subnet-a", "subnet-b"], securityGroupIds: ["sg-cluster", "sg-nodes"], diskSizeGiB: 100, tags: { Environment: "prod" } }) as Obj;

/** Every leaf path of a value (`a.b`, arrays as `[]`), to compare with a schema's properties. */
function leaves(v: unknown, at = ""): string[] {
    if (Array.isArray(v)) return v.flatMap((x) => leaves(x, `${at}[]`));
    if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => leaves(x, at ? `${at}.${k}` : k));
    return [at];
}

/**
 * Spec properties of the CRDs at aws/karpenter-provider-aws v1.14.1 (pkg/apis/crds/
 * karpenter.sh_nodepools.yaml, karpenter.k8s.aws_ec2nodeclasses.yaml) that the builders use;
 * `.*` marks a map (labels, limits, tags). A misspelt field would be pruned by the API server.
 */
const CRD_FIELDS_VERSION = "1.14.1";
const NODEPOOL_FIELDS = [
    "template.metadata.labels.*", "template.spec.nodeClassRef.group", "template.spec.nodeClassRef.kind", "template.spec.nodeClassRef.name",
    "template.spec.requirements[].key", "template.spec.requirements[].operator", "template.spec.requirements[].values[]", "template.spec.expireAfter",
    "disruption.consolidationPolicy", "disruption.consolidateAfter", "disruption.budgets[].nodes", "limits.*",
];
const NODECLASS_FIELDS = [
    "amiSelectorTerms[].alias", "instanceProfile", "subnetSelectorTerms[].id", "securityGroupSelectorTerms[].id",
    "metadataOptions.httpEndpoint", "metadataOptions.httpProtocolIPv6", "metadataOptions.httpPutResponseHopLimit", "metadataOptions.httpTokens",
    "blockDeviceMappings[].deviceName", "blockDeviceMappings[].rootVolume", "blockDeviceMappings[].ebs.volumeSize", "blockDeviceMappings[].ebs.volumeType",
    "blockDeviceMappings[].ebs.encrypted", "blockDeviceMappings[].ebs.deleteOnTermination", "tags.*",
];
/** Keys of charts/karpenter/values.yaml at tag v1.14.1 the values set; `.*` a map the chart passes through. */
const CHART_KEYS = [
    "replicas", "dnsPolicy", "serviceAccount.create", "serviceAccount.name", "serviceAccount.annotations.*",
    "settings.clusterName", "settings.clusterEndpoint", "settings.interruptionQueue", "settings.reservedENIs",
    "controller.env[].name", "controller.env[].value", "controller.resources.*",
];
const allowed = (fields: string[]) => (p: string) => fields.includes(p) || fields.some((f) => f.endsWith(".*") && p.startsWith(f.slice(0, -1)));

describe("autoscaling builders", () => {
    describe("NodePool", () => {
        it("launches on-demand only in prod, spot then on-demand in dev, in the configured families and sizes", () => {
            const req = (p: Obj, key: string) => p.spec.template.spec.requirements.find((r: Obj) => r.key === key);
            assert.deepEqual(req(pool(), "karpenter.sh/capacity-type").values, ["on-demand"]);
            assert.deepEqual(req(pool({ environment: "dev", config: config({ capacityTypes: ["spot", "on-demand"] }) }), "karpenter.sh/capacity-type").values, ["spot", "on-demand"]);
            assert.deepEqual(req(pool(), "karpenter.k8s.aws/instance-family").values, ["m6i", "m5"]);
            assert.deepEqual(req(pool(), "karpenter.k8s.aws/instance-size").values, ["xlarge", "2xlarge"]);
            assert.deepEqual(req(pool(), "kubernetes.io/arch").values, ["amd64"]);
        });

        it("limits CPU, memory and nodes from config", () => {
            assert.deepEqual(pool({ config: config({ limits: { cpu: 48, memoryGiB: 192 } }), maxNodes: 4 }).spec.limits, { cpu: "48", memory: "192Gi", nodes: "4" });
        });

        it("consolidates empty or underutilized nodes after a per-environment pause, one node at a time", () => {
            const d = pool().spec.disruption;
            assert.equal(d.consolidationPolicy, "WhenEmptyOrUnderutilized");
            assert.deepEqual([pool({ environment: "dev" }).spec.disruption.consolidateAfter, d.consolidateAfter], ["1m", "10m"]);
            assert.deepEqual(d.budgets, [{ nodes: "1" }]);
        });

        it("sets no terminationGracePeriod, so no drain ever deletes a pod its PDB still protects", () => {
            assert.equal(pool().spec.template.spec.terminationGracePeriod, undefined);
        });

        it("never expires nodes (expiry ignores the one-node budget); new AMIs come by drift from the pinned alias", () => {
            for (const environment of ["dev", "staging", "prod"] as const) {
                const spec = pool({ environment }).spec.template.spec;
                assert.equal(spec.expireAfter, "Never", environment);
                // The CRD's pattern for expireAfter (karpenter.sh_nodepools.yaml at v1.14.1).
                assert.match(spec.expireAfter, /^(([0-9]+(s|m|h))+)|(Never)$/);
            }
        });

        it("needs the EC2 Spot service-linked role only where the pool may buy spot", () => {
            assert.equal(needsSpotServiceLinkedRole({ capacityTypes: ["spot", "on-demand"], spotServiceLinkedRole: "create" }), true);
            assert.equal(needsSpotServiceLinkedRole({ capacityTypes: ["spot"], spotServiceLinkedRole: "create" }), true);
            assert.equal(needsSpotServiceLinkedRole({ capacityTypes: ["on-demand"], spotServiceLinkedRole: "create" }), false);
            // An account that has it already: creating a second fails, so the stack leaves it alone.
            assert.equal(needsSpotServiceLinkedRole({ capacityTypes: ["spot", "on-demand"], spotServiceLinkedRole: "exists" }), false);
        });

        it("labels nodes for trunk attachment only where security groups for pods are on", () => {
            assert.equal(pool().spec.template.metadata.labels["vpc.amazonaws.com/has-trunk-attached"], "false");
            assert.equal(pool({ podSecurityGroups: false }).spec.template.metadata.labels["vpc.amazonaws.com/has-trunk-attached"], undefined);
        });

        it(`uses only fields of the NodePool CRD at ${CRD_FIELDS_VERSION}`, () => {
            assert.equal(CHARTS.karpenterCrd.version, CRD_FIELDS_VERSION, "the pin moved: recheck the fields against that release's CRDs");
            assert.deepEqual(leaves(pool().spec).filter((p) => !allowed(NODEPOOL_FIELDS)(p)), []);
            assert.equal(pool().apiVersion, "karpenter.sh/v1");
        });
    });

    describe("EC2NodeClass", () => {
        it("runs AL2023 at the managed node group's pinned release", () => {
            assert.equal(al2023Alias("1.35.6-20260714"), "al2023@v20260714");
            for (const release of Object.values(NODE_IMAGE_RELEASES)) assert.match(al2023Alias(release), /^al2023@v\d{8}$/);
            assert.throws(() => al2023Alias("latest"), /release version/);
            assert.deepEqual(nodeClass().spec.amiSelectorTerms, [{ alias: "al2023@v20260714" }]);
        });

        it("requires IMDSv2 with a hop limit of 1, and boots from an encrypted gp3 root volume", () => {
            const spec = nodeClass().spec;
            assert.deepEqual(spec.metadataOptions, { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" });
            assert.deepEqual(spec.blockDeviceMappings, [{ deviceName: "/dev/xvda", rootVolume: true, ebs: { volumeSize: "100Gi", volumeType: "gp3", encrypted: true, deleteOnTermination: true } }]);
        });

        it("names the program's instance profile, subnets and security groups by ID, and tags what it launches", () => {
            const spec = nodeClass().spec;
            assert.equal(spec.instanceProfile, "dodo-prod-karpenter-nodes");
            assert.equal(spec.role, undefined, "role and instanceProfile are mutually exclusive");
            assert.deepEqual(spec.subnetSelectorTerms, [{ id: "subnet-a" }, { id: "subnet-b" }]);
            assert.deepEqual(spec.securityGroupSelectorTerms, [{ id: "sg-cluster" }, { id: "sg-nodes" }]);
            assert.deepEqual(spec.tags, { Environment: "prod", Name: "dodo-prod-autoscaled" });
        });

        it(`uses only fields of the EC2NodeClass CRD at ${CRD_FIELDS_VERSION}`, () => {
            assert.deepEqual(leaves(nodeClass().spec).filter((p) => !allowed(NODECLASS_FIELDS)(p)), []);
            assert.equal(nodeClass().apiVersion, "karpenter.k8s.aws/v1");
        });
    });

    describe("controller values", () => {
        const values = (podSecurityGroups: boolean) =>
            karpenterValues({ environment: "prod", clusterName: "dodo-prod", clusterEndpoint: "https://EXAMPLE.eks.amazonaws.com", region: "ap-south-1", roleArn: "arn:aws:iam::123456789012:role/karpenter", interruptionQueue: "dodo-prod-karpenter", podSecurityGroups }) as Obj;

        it("names the cluster, the queue and the region (IMDS is out of reach), and runs as its IRSA role", () => {
            const v = values(true);
            assert.deepEqual(v.settings, { clusterName: "dodo-prod", clusterEndpoint: "https://EXAMPLE.eks.amazonaws.com", interruptionQueue: "dodo-prod-karpenter", reservedENIs: "1" });
            assert.deepEqual(v.controller.env, [{ name: "AWS_REGION", value: "ap-south-1" }]);
            assert.equal(v.serviceAccount.annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/karpenter");
            assert.equal(values(false).settings.reservedENIs, "0", "no trunk ENI to reserve");
            assert.equal(v.dnsPolicy, "Default", "no dependency on CoreDNS, which may run on Karpenter's nodes");
        });

        it(`sets only keys of the ${CHARTS.karpenter.version} chart's values.yaml (Helm ignores a misspelt key)`, () => {
            assert.equal(CHARTS.karpenter.version, "1.14.1", "the pin moved: recheck CHART_KEYS against that release's values.yaml");
            assert.deepEqual(leaves(values(true)).filter((p) => !allowed(CHART_KEYS)(p)), []);
        });
    });

    describe("IAM and the interruption queue", () => {
        const policy = karpenterControllerPolicy({
            region: "ap-south-1",
            clusterName: "dodo-prod",
            clusterArn: "arn:aws:eks:ap-south-1:123456789012:cluster/dodo-prod",
            nodeRoleArn: "arn:aws:iam::123456789012:role/dodo-prod-karpenter-nodes-1",
            instanceProfileArn: "arn:aws:iam::123456789012:instance-profile/dodo-prod-karpenter-nodes",
            queueArn: "arn:aws:sqs:ap-south-1:123456789012:dodo-prod-karpenter",
        });
        const sid = (id: string) => policy.Statement.find((s) => s.Sid === id)!;

        it("passes only the node role, only to EC2", () => {
            assert.deepEqual([sid("AllowPassingInstanceRole").Resource, sid("AllowPassingInstanceRole").Condition], [
                "arn:aws:iam::123456789012:role/dodo-prod-karpenter-nodes-1",
                { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
            ]);
        });

        it("terminates and tags only instances it launched for this cluster", () => {
            assert.deepEqual(sid("AllowScopedDeletion").Condition, { StringEquals: { "aws:ResourceTag/kubernetes.io/cluster/dodo-prod": "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } });
            assert.equal(sid("AllowScopedEC2InstanceActionsWithTags").Condition!.StringEquals["aws:RequestTag/eks:eks-cluster-name"], "dodo-prod");
        });

        it("manages no instance profiles (the program creates it) and reads only its queue and cluster", () => {
            const actions = policy.Statement.flatMap((s) => [s.Action].flat());
            assert.deepEqual(actions.filter((a) => /^iam:(Create|Delete|Tag|AddRole|RemoveRole)/.test(a)), []);
            assert.equal(sid("AllowInterruptionQueueActions").Resource, "arn:aws:sqs:ap-south-1:123456789012:dodo-prod-karpenter");
            assert.equal(sid("AllowAPIServerEndpointDiscovery").Resource, "arn:aws:eks:ap-south-1:123456789012:cluster/dodo-prod");
            for (const s of policy.Statement.filter((x) => x.Resource === "*")) {
                assert.ok([s.Action].flat().every((a) => /^(ec2:Describe|iam:List|pricing:Get)/.test(a)), `${s.Sid} grants more than reads on *`);
            }
        });

        it("names every EventBridge rule within 64 characters, for the longest stack name", () => {
            const longest = `dodo-${"x".repeat(21)}`;
            for (const e of INTERRUPTION_EVENTS) assert.ok(`${longest}-karpenter-${e.name}`.length <= 64, e.name);
        });

        it("lets only this stack's EventBridge rules send to the queue, over TLS", () => {
            const doc = interruptionQueuePolicy("arn:aws:sqs:ap-south-1:123456789012:q", ["arn:aws:events:ap-south-1:123456789012:rule/a"]);
            assert.deepEqual(doc.Statement[0].Condition, { ArnEquals: { "aws:SourceArn": ["arn:aws:events:ap-south-1:123456789012:rule/a"] } });
            assert.deepEqual(doc.Statement[0].Principal, { Service: "events.amazonaws.com" });
            assert.deepEqual([doc.Statement[1].Effect, doc.Statement[1].Condition], ["Deny", { Bool: { "aws:SecureTransport": "false" } }]);
        });
    });

    describe("limits and disruption", () => {
        it("gives Karpenter the room between the system group and nodes.maxSize", () => {
            assert.equal(karpenterNodeLimit(9, 3), 6);
            assert.throws(() => karpenterNodeLimit(3, 3), /nodes\.maxSize \(3\) must exceed/);
        });

        it("holds a PDB's floor only when nothing bypasses the Eviction API", () => {
            const gateway = { replicas: 3, pdb: { minAvailable: 1 } };
            assert.equal(disruptionFloor(gateway, { capacityTypes: ["on-demand"] }), 1);
            assert.equal(disruptionFloor({ replicas: 3, pdb: { maxUnavailable: 1 } }, { capacityTypes: ["on-demand"] }), 2);
            assert.equal(disruptionFloor(gateway, { capacityTypes: ["on-demand"], terminationGracePeriod: "1h" }), 0, "pods are deleted once the grace period ends");
            assert.equal(disruptionFloor(gateway, { capacityTypes: ["spot", "on-demand"] }), 0, "a spot reclaim does not ask");
            assert.equal(disruptionFloor({ replicas: 3 }, { capacityTypes: ["on-demand"] }), 0, "no PDB, nothing holds pods back");
        });
    });
});
