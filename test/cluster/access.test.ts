import { strict as assert } from "assert";
import { Cluster } from "../../components/cluster";
import { ClusterConfig } from "../../components/cluster/settings";
import { MOCK_DEPLOYER_ROLE } from "../../scripts/lib/mock-engine";
import { get, ofType, props, RegisteredResource } from "../harness";
import { RecordedRun, runRecording } from "./options";

const ADMINS = "arn:aws:iam::123456789012:role/platform-admins";
const PREVIEW = "arn:aws:iam::123456789012:role/github-preview-prod";
const ENTRY = "aws:eks/accessEntry:AccessEntry";
const ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation";

const config = (access: Partial<ClusterConfig>): ClusterConfig => ({
    kubernetesVersion: "1.35",
    supportType: "EXTENDED",
    endpointPrivateAccess: true,
    endpointPublicAccess: false,
    publicAccessCidrs: [],
    adminPrincipals: [],
    apiAccessCidrs: [],
    logRetentionDays: 30,
    nodeGroups: [{ name: "general", instanceTypes: ["m6i.xlarge"], capacityType: "ON_DEMAND", minSize: 3, desiredSize: 3, maxSize: 6, diskSizeGiB: 80, labels: {}, taints: [] }],
    nodeImageRelease: "1.35.6-20260714",
    ...access,
});

const run = (access: Partial<ClusterConfig>): Promise<RecordedRun> =>
    runRecording(() => new Cluster("cluster", {
        name: "dodo-staging", environment: "staging", region: "ap-south-1", config: config(access), vpcId: "vpc-1", privateSubnetIds: ["a", "b", "c"], tags: {},
    }), { stack: "staging" });

/** principalArn -> the access resources of that principal, as the engine would compare them. */
function accessByPrincipal(rs: RegisteredResource[]): Map<string, { type: string; name: string; parent: string | null; props: unknown }[]> {
    const out = new Map<string, { type: string; name: string; parent: string | null; props: unknown }[]>();
    for (const r of [...ofType(rs, ENTRY), ...ofType(rs, ASSOCIATION)]) {
        const arn = props<{ principalArn: string }>(r).principalArn;
        out.set(arn, [...(out.get(arn) ?? []), { type: r.type, name: r.name, parent: r.parent, props: r.props }]);
    }
    return out;
}

describe("cluster access entries across documented changes (mocks)", () => {
    let empty: RecordedRun;
    let listed: RecordedRun;

    before(async () => {
        empty = await run({ adminPrincipals: [] });
        listed = await run({ adminPrincipals: [MOCK_DEPLOYER_ROLE, ADMINS] });
    });

    it("replaces or renames no access entry of an unchanged principal when the empty list becomes a list containing the deployer", () => {
        const before = accessByPrincipal(empty.resources);
        const after = accessByPrincipal(listed.resources);
        assert.deepEqual([...before.keys()], [MOCK_DEPLOYER_ROLE]);
        for (const [principal, resources] of before) {
            // Same type, name and parent is the same URN; the same inputs is no update and no replacement.
            assert.deepEqual(after.get(principal), resources, `${principal}'s entry and association stay as they are`);
        }
        assert.equal(after.get(ADMINS)?.length, 2, "the new admin gets an entry and an association");
    });

    it("carries the pre-upgrade `cluster-admin-deployer` state over to the deployer's entry, and only to it", () => {
        for (const r of [empty, listed]) {
            const withLegacy = [...r.options].filter(([, o]) => o.aliases.includes("cluster-admin-deployer")).map(([ref]) => ref).sort();
            const deployerEntry = ofType(r.resources, ENTRY).find((e) => props<{ principalArn: string }>(e).principalArn === MOCK_DEPLOYER_ROLE)!;
            const deployerAssoc = ofType(r.resources, ASSOCIATION).find((e) => props<{ principalArn: string }>(e).principalArn === MOCK_DEPLOYER_ROLE)!;
            assert.deepEqual(withLegacy, [deployerAssoc.ref, deployerEntry.ref].sort());
        }
    });

    it("with the deploy role listed but not first, the update gives the legacy state to the first listed admin, as the preview role's plan does", async () => {
        // The mocks run an update as MOCK_DEPLOYER_ROLE; test/cluster/access-plan.test.ts shows a
        // preview-role plan registers the same aliases. Different aliases fail `up --plan`.
        const second = await run({ adminPrincipals: [ADMINS, MOCK_DEPLOYER_ROLE], previewRoleArn: PREVIEW });
        const legacy = [...second.options].filter(([, o]) => o.aliases.includes("cluster-admin-deployer")).map(([ref]) => ref).sort();
        const of = (type: string) => ofType(second.resources, type).find((e) => props<{ principalArn: string }>(e).principalArn === ADMINS)!.ref;
        assert.deepEqual(legacy, [of(ASSOCIATION), of(ENTRY)].sort());
    });

    it("gives the preview role its own entry in the previewers group without touching the admin entries", async () => {
        const withPreview = await run({ adminPrincipals: [MOCK_DEPLOYER_ROLE, ADMINS], previewRoleArn: PREVIEW });
        const admins = accessByPrincipal(listed.resources);
        const now = accessByPrincipal(withPreview.resources);
        for (const [principal, resources] of admins) assert.deepEqual(now.get(principal), resources, principal);
        const preview = now.get(PREVIEW)!;
        assert.deepEqual(preview.map((r) => r.type), [ENTRY], "an entry and no policy association");
        assert.deepEqual(props<{ kubernetesGroups: string[] }>(get(withPreview.resources, ENTRY, preview[0].name)).kubernetesGroups, ["dodo:previewers"]);
        assert.deepEqual(withPreview.options.get(`${ENTRY}::${preview[0].name}`)!.dependsOn, [
            "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy::validatingadmissionpolicy-dodo-previewers-dry-run-only",
            "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding::validatingadmissionpolicybinding-dodo-previewers-dry-run-only",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole::clusterrole-dodo-previewers-dry-run",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::clusterrolebinding-dodo-previewers-dry-run",
        ], "the entry exists only once the dry-run-only guard does");
        assert.ok(!ofType(listed.resources, ENTRY).some((e) => props<{ kubernetesGroups?: string[] }>(e).kubernetesGroups), "no previewers entry without the key");
    });

    it("binds the previewers' verbs only after the admission policy that limits them to dry runs", () => {
        const binding = listed.options.get("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::clusterrolebinding-dodo-previewers-dry-run")!;
        assert.ok(binding.dependsOn.includes("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding::validatingadmissionpolicybinding-dodo-previewers-dry-run-only"));
        for (const r of ofType(listed.resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")) assert.equal(r.provider, "pulumi:providers:kubernetes::cluster-k8s");
    });

    it("refuses pulumi up by the preview role (the mocks run an update), naming the key", async () => {
        await assert.rejects(run({ adminPrincipals: [ADMINS], previewRoleArn: MOCK_DEPLOYER_ROLE }), /cluster\.previewRoleArn, which only previews/);
    });
});
