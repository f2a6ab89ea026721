// The identities table in README.md and docs/architecture.md: the same table in both, and each
// claim in it held by the code it names.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ADMIN_ACCESS_POLICY } from "../../components/cluster/access-plan";
import { DRY_RUN_ONLY_POLICY, DRY_RUN_VERBS, PREVIEWERS_GROUP } from "../../components/cluster/preview-rbac";
import { roleNames } from "../../scripts/bootstrap";
import { DEPLOY_ROLE_MANAGED_POLICY, DEPLOY_ROLE_MAX_SESSION_SECONDS, previewRolePolicy, PREVIEW_ROLE_MAX_SESSION_SECONDS } from "../../scripts/lib/bootstrap/iam";
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
    });

    it("preview role: its group, verbs, guard, denied secrets and session are the code's", () => {
        const text = row(/^Preview role/);
        assert.ok(text.includes(`\`${roleNames("<stack>").preview}\``));
        assert.ok(text.includes(`\`${PREVIEWERS_GROUP}\` (${DRY_RUN_VERBS.join(", ")})`));
        assert.ok(text.includes(`\`${DRY_RUN_ONLY_POLICY}\``));
        assert.ok(text.includes(`${PREVIEW_ROLE_MAX_SESSION_SECONDS} s`));
        const denied = previewRolePolicy({ accountId: "111122223333", roleArn: "arn:aws:iam::111122223333:role/x" }).Statement.filter((s) => s.Effect === "Deny").flatMap((s) => [s.Action].flat());
        assert.ok(text.includes("`secretsmanager:GetSecretValue` denied") && denied.includes("secretsmanager:GetSecretValue"));
        assert.ok(text.includes("`<stack>-preview`") && text.includes("`<stack>-plan`"));
    });

    it("runners: the variables are the ones the workflows use", () => {
        const text = row(/^Runners/);
        assert.equal(load("pulumi-up.yml").jobs.plan!["runs-on"], "${{ vars.PULUMI_PREVIEW_RUNNER || 'ubuntu-24.04' }}");
        assert.equal(load("pulumi-up.yml").jobs.up!["runs-on"], "${{ vars.PULUMI_DEPLOY_RUNNER || 'ubuntu-24.04' }}");
        assert.ok(text.includes("`PULUMI_PREVIEW_RUNNER`") && text.includes("`PULUMI_DEPLOY_RUNNER`"));
    });

    it("accounts: pinned by aws:allowedAccountIds, required for staging and prod", () => {
        assert.match(row(/^One AWS account/), /`aws:allowedAccountIds` \(required for staging and prod\)/);
    });
});
