import { strict as assert } from "assert";
import { adminEntries, adminPrincipalsFor, callerProblem, deployerPrincipal, legacyDeployerName, previewEntry, principalId } from "../../components/cluster/access-plan";

const DEPLOY = "arn:aws:iam::111122223333:role/github-deploy-prod";
const ADMINS = "arn:aws:iam::111122223333:role/platform-admins";
const PREVIEW = "arn:aws:iam::111122223333:role/github-preview-prod";
const HUMAN = "arn:aws:iam::111122223333:user/alice";

const names = (input: Parameters<typeof adminEntries>[0]) => adminEntries(input).map((e) => [e.principalArn, e.entryName, e.associationName]);

describe("cluster access plan (pure)", () => {
    it("names a principal's entry after the principal: role or user name plus a hash of the whole ARN", () => {
        assert.equal(principalId("arn:aws:iam::123456789012:role/dodo-platform-deployer"), "dodo-platform-deployer-342fdc1e");
        assert.match(principalId("arn:aws:iam::111122223333:role/ci/Deploy+Prod@x"), /^deploy-prod-x-[0-9a-f]{8}$/);
        assert.notEqual(principalId(DEPLOY), principalId(DEPLOY.replace("111122223333", "444455556666")), "same role name in two accounts");
    });

    it("keeps the deployer's entry and association names when the empty list becomes a list containing it (the README's change)", () => {
        const before = names({ name: "cluster", adminPrincipals: [], caller: DEPLOY });
        const after = names({ name: "cluster", adminPrincipals: [DEPLOY, ADMINS], caller: DEPLOY });
        assert.deepEqual(before, [[DEPLOY, `cluster-access-${principalId(DEPLOY)}`, `cluster-admin-${principalId(DEPLOY)}`]]);
        assert.deepEqual(after[0], before[0]);
        assert.deepEqual(after[1], [ADMINS, `cluster-access-${principalId(ADMINS)}`, `cluster-admin-${principalId(ADMINS)}`]);
        // And back: removing the list does not rename the deployer's entry either.
        assert.deepEqual(names({ name: "cluster", adminPrincipals: [], caller: DEPLOY }), before);
    });

    it("gives the pre-upgrade `cluster-admin-deployer` state to exactly one entry: the first listed admin's, whoever runs", () => {
        for (const caller of [ADMINS, HUMAN, PREVIEW]) {
            const entries = adminEntries({ name: "cluster", adminPrincipals: [ADMINS, HUMAN], previewRoleArn: PREVIEW, caller });
            const holders = entries.filter((e) => e.entryAliases.includes(legacyDeployerName("cluster")));
            assert.deepEqual(holders.map((e) => e.principalArn), [ADMINS], `caller ${caller}`);
            assert.deepEqual(holders[0].associationAliases, ["cluster-admin-deployer"]);
            // Listed admins were `<name>-admin-<id>` entries before entries took role-neutral names.
            for (const e of entries) assert.equal(e.entryAliases[0], `cluster-admin-${principalId(e.principalArn)}`);
            assert.deepEqual(entries.find((e) => e.principalArn === HUMAN)!.associationAliases, []);
        }
        // With an empty list the caller is the one admin, and so the holder.
        assert.equal(deployerPrincipal({ name: "cluster", adminPrincipals: [], caller: HUMAN }), HUMAN);
    });

    it("plans the same entries (names, principals, aliases) whether the preview role or the first-listed deploy role runs", () => {
        const config = { name: "cluster", adminPrincipals: [DEPLOY, ADMINS], previewRoleArn: PREVIEW };
        assert.deepEqual(adminEntries({ ...config, caller: PREVIEW }), adminEntries({ ...config, caller: DEPLOY }));
        assert.equal(deployerPrincipal({ ...config, caller: PREVIEW }), DEPLOY);
        assert.ok(!adminEntries({ ...config, caller: PREVIEW }).some((e) => e.principalArn === PREVIEW), "the preview role is never an admin");
    });

    it("plans the same entries when the deploy role is listed but not first: the plan job's aliases are the apply job's", () => {
        // `pulumi up --plan` fails with "aliases changed" when the update registers other aliases
        // than the saved plan (pulumi pkg/resource/deploy/plan.go, checkGoal).
        const config = { name: "cluster", adminPrincipals: [ADMINS, DEPLOY], previewRoleArn: PREVIEW };
        const plan = adminEntries({ ...config, caller: PREVIEW });
        const apply = adminEntries({ ...config, caller: DEPLOY });
        assert.deepEqual(apply, plan);
        assert.deepEqual(adminEntries({ ...config, caller: HUMAN }), plan, "an unlisted caller (refused by callerProblem) would plan the same too");
        assert.ok(apply.find((e) => e.principalArn === ADMINS)!.entryAliases.includes("cluster-admin-deployer"));
        assert.ok(!apply.find((e) => e.principalArn === DEPLOY)!.entryAliases.includes("cluster-admin-deployer"));
    });

    it("makes the caller the one admin only when the list is empty", () => {
        assert.deepEqual(adminPrincipalsFor({ adminPrincipals: [], caller: HUMAN }), [HUMAN]);
        assert.deepEqual(adminPrincipalsFor({ adminPrincipals: [DEPLOY], caller: HUMAN }), [DEPLOY]);
    });

    it("names the preview role's entry like any other entry of that principal, with no policy association", () => {
        const entry = previewEntry("cluster", PREVIEW);
        assert.equal(entry.entryName, adminEntries({ name: "cluster", adminPrincipals: [PREVIEW], caller: PREVIEW })[0].entryName);
        assert.equal(entry.associationName, undefined);
        assert.equal(entry.role, "preview");
    });

    describe("who may run Pulumi", () => {
        it("lets a listed admin, or anyone with an empty list, run", () => {
            assert.equal(callerProblem({ adminPrincipals: [DEPLOY, ADMINS], caller: DEPLOY, dryRun: false }), undefined);
            assert.equal(callerProblem({ adminPrincipals: [], caller: HUMAN, dryRun: false }), undefined);
        });

        it("fails a preview by an unlisted caller before it could lock itself out", () => {
            assert.match(callerProblem({ adminPrincipals: [DEPLOY], caller: HUMAN, dryRun: true }) ?? "", /cluster\.adminPrincipals does not list arn:aws:iam::111122223333:user\/alice, the identity running Pulumi/);
        });

        it("exempts the preview role from the deployer check for previews only", () => {
            assert.equal(callerProblem({ adminPrincipals: [DEPLOY], previewRoleArn: PREVIEW, caller: PREVIEW, dryRun: true }), undefined);
            assert.match(callerProblem({ adminPrincipals: [DEPLOY], previewRoleArn: PREVIEW, caller: PREVIEW, dryRun: false }) ?? "", /cluster\.previewRoleArn, which only previews/);
            assert.match(callerProblem({ adminPrincipals: [], previewRoleArn: PREVIEW, caller: PREVIEW, dryRun: true }) ?? "", /needs cluster\.adminPrincipals/);
        });
    });
});
