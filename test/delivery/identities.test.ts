// The identities table in README.md and docs/architecture.md: the same table in both, and each
// claim in it held by the code it names.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ADMIN_ACCESS_POLICY } from "../../components/cluster/access-plan";
import { DRY_RUN_ONLY_POLICY, DRY_RUN_VERBS, PREVIEWERS_GROUP } from "../../components/cluster/preview-rbac";
import { roleNames } from "../../scripts/bootstrap";
import { DEPLOY_ROLE_MANAGED_POLICY, DEPLOY_ROLE_MAX_SESSION_SECONDS, previewRolePolicy, PREVIEW_ROLE_MAX_SESSION_SECONDS } from "../../scripts/lib/bootstrap/iam";
import { auditBucketPolicy, auditGuardScp, auditObjectLock } from "../../scripts/lib/bootstrap/audit";
import { environmentSettings } from "../../scripts/lib/bootstrap/github";
import { load, ROOT } from "./workflow-files";

function table(file: string): string[][] {
    const doc = fs.readFileSync(path.join(ROOT, file), "utf8");
    const m = /<!-- identities:begin -->\n([\s\S]*?)<!-- identities:end -->/.exec(doc);
    assert.ok(m, `${file} has no identities table between the markers`);
    return m[1].trim().split("\n").slice(2).map((row) => row.split(" | ").map((c) => c.replace(/^\| |\s*\|$/g, "")));
}

const rows = table("README.md");
const row = (identity: RegExp) => {
    const r = rows.find((cells) => identity.test(cells[0]));
    assert.ok(r, `no row for ${identity}`);
    return r.join(" | ");
};

describe("delivery: the identities table (README.md, docs/architecture.md)", () => {
    it("is the same table in both documents, one row per identity", () => {
        assert.deepEqual(table(path.join("docs", "architecture.md")), rows);
        assert.deepEqual(rows.map((r) => r[0].split(" ")[0]), ["Deploy", "Preview", "Platform", "One", "Runners"]);
        for (const r of rows) assert.equal(r.length, 5, r[0]);
    });

    it("names only files that exist as what enforces each row", () => {
        for (const r of rows) {
            const paths = [...r[4].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
            assert.ok(paths.length > 0, r[0]);
            for (const p of paths) assert.ok(fs.existsSync(path.join(ROOT, p)), `${r[0]}: ${p}`);
        }
    });

    it("deploy role: its name, environment, policy, cluster access and session are the code's", () => {
        const text = row(/^Deploy role/);
        assert.ok(text.includes(`\`${roleNames("<stack>").deploy}\``));
        assert.ok(text.includes(`\`${DEPLOY_ROLE_MANAGED_POLICY.split("/").pop()}\``));
        assert.ok(text.includes(`\`${ADMIN_ACCESS_POLICY.split("/").pop()}\``));
        assert.ok(text.includes(`${DEPLOY_ROLE_MAX_SESSION_SECONDS} s`) && text.includes(`\`MaxSessionDuration\` ${DEPLOY_ROLE_MAX_SESSION_SECONDS}`));
        assert.equal(load("pulumi-up.yml").jobs.up!.environment, "${{ inputs.stack }}");
        assert.ok(text.includes("GitHub environment `<stack>`"));
        // prod's reviewers may not approve their own run: the environment bootstrap writes says so.
        assert.ok(text.includes("never the run's own author") && environmentSettings("prod").find((e) => e.name === "prod")!.body.prevent_self_review);
        // Only what the engine checks: no claim that the plan pins config or unknown inputs.
        assert.ok(!/apply anything but that plan/.test(text) && text.includes("an input unknown when planning may take any value"));
        assert.ok(!/first in `cluster\.adminPrincipals`/.test(text), "the legacy alias follows the first admin whoever runs: the deploy role may be anywhere in the list");
        // The audit bucket's policy denies other writers only while it stands; the SCP keeps it.
        const deployArn = "arn:aws:iam::111122223333:role/" + roleNames("prod").deploy;
        const onlyWriter = auditBucketPolicy("b", deployArn).Statement.find((st) => st.Effect === "Deny" && st.Action === "s3:PutObject");
        assert.ok(text.includes("whose policy denies object writes to every other role while it stands") && JSON.stringify(onlyWriter?.Condition) === JSON.stringify({ ArnNotEquals: { "aws:PrincipalArn": deployArn } }));
        assert.ok(!/no other identity may write/.test(text), "an account admin can replace the bucket policy");
        const guard = auditGuardScp("b").Statement[0];
        assert.ok(text.includes("can replace it, unless the SCP `npm run bootstrap` writes is attached: then only the break-glass role can") && guard.Effect === "Deny" && JSON.stringify(guard.Action).includes("s3:PutBucketPolicy"));
        assert.ok(text.includes("alter or delete an audit record (Object Lock, COMPLIANCE mode)") && auditObjectLock().Rule.DefaultRetention.Mode === "COMPLIANCE");
    });

    it("preview role: its group, verbs, guard, denied secrets and session are the code's", () => {
        const text = row(/^Preview role/);
        assert.ok(text.includes(`\`${roleNames("<stack>").preview}\``));
        assert.ok(text.includes(`\`${PREVIEWERS_GROUP}\` (${DRY_RUN_VERBS.join(", ")})`));
        assert.ok(text.includes(`\`${DRY_RUN_ONLY_POLICY}\``));
        assert.ok(text.includes(`${PREVIEW_ROLE_MAX_SESSION_SECONDS} s`));
        const policy = previewRolePolicy({ accountId: "111122223333", roleArn: "arn:aws:iam::111122223333:role/x" });
        const denied = policy.Statement.filter((s) => s.Effect === "Deny").flatMap((s) => [s.Action].flat());
        assert.ok(text.includes("`secretsmanager:GetSecretValue` denied") && denied.includes("secretsmanager:GetSecretValue"));
        assert.ok(text.includes("`<stack>-preview`") && text.includes("`<stack>-plan`"));
        const writes = policy.Statement.filter((s) => s.Effect === "Allow" && [s.Action].flat().some((a) => /Put|Delete|Create|Update/.test(a)));
        assert.deepEqual(writes, [], "no AWS write at all");
        // "rejects its real writes" is sent to a real API server by the conformance run.
        assert.ok(text.includes("`scripts/lib/conformance/preview-role.ts`"));
    });

    it("runners: the variables are the ones the workflows use, and GitHub's settings, not files, are named as what enforces them", () => {
        const text = row(/^Runners/);
        const include = load("pull-request.yml").jobs.preview!.strategy!.matrix!.include!;
        assert.ok(include.every((e) => e["runner-group"] === `\${{ vars.${e.stack.toUpperCase()}_PREVIEW_RUNNER_GROUP }}`));
        assert.deepEqual(load("pulumi-up.yml").jobs.up!["runs-on"], { group: "${{ inputs.runner-group }}", labels: "${{ inputs.runner-group }}" });
        assert.equal(load("pull-request.yml").jobs["preview-dev"]!["runs-on"], "ubuntu-24.04");
        assert.ok(text.includes("`<STACK>_PREVIEW_RUNNER_GROUP`") && text.includes("`<STACK>_DEPLOY_RUNNER_GROUP`") && text.includes("GitHub-hosted `ubuntu-24.04`"));
        const enforcedBy = text.split(" | ")[4];
        assert.ok(enforcedBy.startsWith("GitHub settings;") && /only target/.test(enforcedBy));
    });

    it("accounts: pinned by aws:allowedAccountIds, required for staging and prod", () => {
        assert.match(row(/^One AWS account/), /`aws:allowedAccountIds` \(required for staging and prod\)/);
    });
});
