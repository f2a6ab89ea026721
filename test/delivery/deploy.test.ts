import { strict as assert } from "assert";
import { DEPLOY_ROLE_MAX_SESSION_SECONDS, PREVIEW_ROLE_MAX_SESSION_SECONDS } from "../../scripts/lib/bootstrap/iam";
import { STACKS } from "../../scripts/lib/render";
import { files, Job, load, repoFiles, Step, steps, text, usesOf } from "./workflow-files";

const w = load("deploy.yml");
const reusable = load("pulumi-up.yml");
const plan = reusable.jobs.plan!;
const up = reusable.jobs.up!;
const prPreview = load("pull-request.yml").jobs.preview!;

const stepIndex = (job: Job, pick: (s: Step) => boolean) => (job.steps ?? []).findIndex(pick);
const runOf = (job: Job, pick: (s: Step) => boolean) => (job.steps ?? []).find(pick)?.run ?? "";
const POLICY_ARGS = /--policy-pack policy --policy-pack-config "policy\/config\/\$STACK\.json"/;

/** A GitHub filter pattern as a regex: `*` stays within a path segment, `**` crosses them. */
function filterRegex(pattern: string): RegExp {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*/g, "\u0000").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]").replace(/\u0000/g, ".*");
    return new RegExp(`^${body}$`);
}

describe("delivery: deploy workflow, plan -> approve -> apply", () => {
    describe("triggers and promotion", () => {
        const ignored = (w.on.push as { "paths-ignore": string[] })["paths-ignore"].map(filterRegex);
        const isIgnored = (p: string) => ignored.some((re) => re.test(p));

        it("runs on pushes to main, and a docs-only change does not deploy", () => {
            assert.deepEqual((w.on.push as { branches: string[] }).branches, ["main"]);
            for (const p of ["README.md", "docs/architecture.md", "policy/README.md", "docs/img/flow.svg", "test/delivery/deploy.test.ts"]) assert.ok(isIgnored(p), p);
        });

        it("deploys on every change to what a stack is built from: the program, stack files, pack, dependencies and workflows", () => {
            const built = repoFiles().filter((p) => /^(index\.ts|components\/|policy\/|Pulumi\.|package|tsconfig|\.nvmrc|scripts\/|\.github\/workflows\/)/.test(p) && !p.endsWith(".md"));
            assert.ok(built.length > 50, "the repository's own file list");
            assert.deepEqual(built.filter(isIgnored), []);
        });

        it("promotes dev, then staging, then prod, after the tests, passing no secrets to the reusable workflow", () => {
            assert.equal(w.jobs.dev?.needs, "test");
            assert.equal(w.jobs.staging?.needs, "dev");
            assert.equal(w.jobs.prod?.needs, "staging");
            for (const stack of STACKS) {
                assert.equal(w.jobs[stack]?.uses, "./.github/workflows/pulumi-up.yml");
                assert.deepEqual(w.jobs[stack]?.with, { stack });
                assert.equal((w.jobs[stack] as { secrets?: unknown }).secrets, undefined, stack);
            }
            assert.doesNotMatch(text("deploy.yml"), /secrets:\s*inherit/);
        });

        it("serializes each stack at job level, never the whole workflow, so a prod approval holds only prod", () => {
            assert.equal(w.concurrency, undefined);
            for (const job of [plan, up]) assert.deepEqual(job.concurrency, { group: "pulumi-${{ inputs.stack }}", "cancel-in-progress": false });
        });

        it("uploads the policy SARIF from main with the pull requests' categories, as code scanning's baseline", () => {
            const job = w.jobs["policy-findings"]!;
            assert.deepEqual(job.strategy?.matrix?.stack, [...STACKS]);
            assert.equal((job.permissions as Record<string, string>)["security-events"], "write");
            const pr = usesOf(load("pull-request.yml").jobs.render!, "github/codeql-action/upload-sarif")[0];
            assert.deepEqual(usesOf(job, "github/codeql-action/upload-sarif")[0]?.with, pr?.with);
        });
    });

    describe("plan", () => {
        const previewRun = runOf(plan, (s) => s.id === "plan");

        it("saves a plan with the policy pack and the stack's pack config, as the stack's preview role", () => {
            assert.equal(plan.environment, "${{ inputs.stack }}-plan");
            assert.match(previewRun, /pulumi preview [^\n]*--save-plan plan\/plan\.json \\\n\s+--policy-pack policy --policy-pack-config "policy\/config\/\$STACK\.json" 2>&1 \| tee plan\/preview\.txt/);
            assert.ok(previewRun.indexOf("scripts/ci/require-preview-role.sh") < previewRun.indexOf("pulumi preview"), "credentials and config checked first");
            assert.equal(plan.env?.DODO_POLICY_ENVIRONMENT, "${{ inputs.stack }}");
            assert.equal(plan.defaults?.run?.shell, "bash", "bash -eo pipefail: a failed preview fails the step through tee");
        });

        it("publishes the preview where the approver sees it: the job summary (also when it failed) and an artifact with the plan", () => {
            const summary = (plan.steps ?? []).find((s) => /GITHUB_STEP_SUMMARY/.test(s.run ?? ""))!;
            assert.match(summary.if ?? "", /always\(\)/);
            assert.match(summary.run ?? "", /diff-preview\.ts --stack "\$STACK" --exit-code "\$CODE" --output plan\/preview\.txt/);
            const upload = usesOf(plan, "actions/upload-artifact")[0]!;
            assert.deepEqual([upload.with?.name, upload.with?.path, upload.with?.["if-no-files-found"]], ["pulumi-plan-${{ inputs.stack }}-${{ github.run_attempt }}", "plan/", "error"]);
            assert.equal(plan.outputs?.["plan-artifact"], upload.with?.name, "the update is told which attempt's artifact to take");
            assert.equal(upload.if, undefined, "uploaded only when the plan was saved");
        });

        it("hands the plan's SHA-256 to the update as a job output", () => {
            assert.match(previewRun, /echo "sha256=\$\(sha256sum plan\/plan\.json \| cut -d ' ' -f 1\)" >> "\$GITHUB_OUTPUT"/);
            assert.equal(plan.outputs?.["plan-sha256"], "${{ steps.plan.outputs.sha256 }}");
        });
    });

    describe("approve and apply", () => {
        const upRun = runOf(up, (s) => /pulumi up/.test(s.run ?? ""));

        it("waits for the plan, in the stack's protected environment", () => {
            assert.equal(up.needs, "plan");
            assert.equal(up.environment, "${{ inputs.stack }}");
        });

        it("consumes exactly the plan artifact: downloaded by name, checked against the plan job's hash, before any credential", () => {
            const download = stepIndex(up, (s) => s.uses?.startsWith("actions/download-artifact@") === true);
            const check = stepIndex(up, (s) => /sha256sum --check --strict/.test(s.run ?? ""));
            const creds = stepIndex(up, (s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") === true);
            const apply = stepIndex(up, (s) => /pulumi up/.test(s.run ?? ""));
            assert.ok(download >= 0 && download < check && check < creds && creds < apply, `order ${[download, check, creds, apply]}`);
            assert.deepEqual(up.steps![download].with, { name: "${{ needs.plan.outputs.plan-artifact }}", path: "plan" });
            assert.equal(up.steps![check].run, 'echo "$PLAN_SHA256  plan/plan.json" | sha256sum --check --strict');
            assert.equal(up.steps![check].env?.PLAN_SHA256, "${{ needs.plan.outputs.plan-sha256 }}");
        });

        it("runs pulumi up on that plan with the same policy pack, previewing it first so a stale plan fails before any change", () => {
            assert.match(upRun, /pulumi up --yes --non-interactive [^\n]*--plan plan\/plan\.json \\\n\s+--policy-pack policy --policy-pack-config "policy\/config\/\$STACK\.json"/);
            assert.doesNotMatch(upRun, /--skip-preview/);
            assert.equal(up.env?.DODO_POLICY_ENVIRONMENT, "${{ inputs.stack }}");
            const token = (up.steps ?? []).filter((s) => JSON.stringify(s).includes("secrets.PULUMI_ACCESS_TOKEN"));
            assert.deepEqual(token.map((s) => s.run === upRun), [true], "the deploy token reaches the pulumi up step only");
        });

        it("lets no job of any workflow run `pulumi up` without a plan", () => {
            for (const f of files) {
                for (const s of steps(load(f))) {
                    if (/\bpulumi up\b/.test(s.run ?? "")) assert.match(s.run!, /--plan plan\/plan\.json/, `${f}: ${s.name}`);
                    if (/\bpulumi (up|update|destroy|refresh)\b/.test(s.run ?? "")) assert.doesNotMatch(s.run!, /--skip-preview/, `${f}: ${s.name}`);
                    // pulumi/actions only installs the CLI: its `up` adds --skip-preview.
                    if (s.uses?.startsWith("pulumi/actions@")) assert.equal(s.with?.command, undefined, `${f}: ${s.name}`);
                }
            }
        });
    });

    describe("identities: runners and sessions", () => {
        it("runs previews and plans on the preview runners, and only the update on the deploy runners", () => {
            assert.equal(plan["runs-on"], "${{ vars.PULUMI_PREVIEW_RUNNER || 'ubuntu-24.04' }}");
            assert.equal(prPreview["runs-on"], "${{ vars.PULUMI_PREVIEW_RUNNER || 'ubuntu-24.04' }}");
            assert.equal(up["runs-on"], "${{ vars.PULUMI_DEPLOY_RUNNER || 'ubuntu-24.04' }}");
            for (const f of files) assert.doesNotMatch(text(f), /vars\.PULUMI_RUNNER\b/, f);
            const deployRunners = files.flatMap((f) => Object.values(load(f).jobs).filter((j) => /PULUMI_DEPLOY_RUNNER/.test(j["runs-on"] ?? "")));
            assert.deepEqual(deployRunners, [up]);
        });

        it("asks STS for no longer than each role allows, and ends every job before its credentials do", () => {
            const creds = (job: Job) => usesOf(job, "aws-actions/configure-aws-credentials")[0]!.with ?? {};
            const upSeconds = Number(creds(up)["role-duration-seconds"]);
            assert.equal(upSeconds, DEPLOY_ROLE_MAX_SESSION_SECONDS);
            assert.ok(up["timeout-minutes"]! * 60 < upSeconds, "the update ends before its session");
            for (const job of [plan, prPreview]) {
                assert.equal(creds(job)["role-duration-seconds"], undefined, "the action's OIDC default: 1 hour");
                assert.ok(job["timeout-minutes"]! * 60 < PREVIEW_ROLE_MAX_SESSION_SECONDS);
            }
        });

        it("checks the stack names its preview role, and that these credentials are it, before every preview", () => {
            for (const run of [runOf(plan, (s) => s.id === "plan"), runOf(prPreview, (s) => s.id === "preview")]) {
                assert.ok(run.indexOf("scripts/ci/require-preview-role.sh") >= 0 && run.indexOf("scripts/ci/require-preview-role.sh") < run.indexOf("pulumi preview"));
                assert.match(run, POLICY_ARGS);
            }
        });
    });
});
