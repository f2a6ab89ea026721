import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { AUDIT_PREFIX } from "../../scripts/lib/bootstrap/audit";
import { DEPLOY_ROLE_MAX_SESSION_SECONDS, PREVIEW_ROLE_MAX_SESSION_SECONDS } from "../../scripts/lib/bootstrap/iam";
import { REPO_ROOT, STACKS } from "../../scripts/lib/render";
import { files, Job, load, repoFiles, RunsOn, Step, stacksOf, steps, text, usesOf } from "./workflow-files";

const w = load("deploy.yml");
const reusable = load("pulumi-up.yml");
const plan = reusable.jobs.plan!;
const up = reusable.jobs.up!;
const pr = load("pull-request.yml");
const prPreview = pr.jobs.preview!;
const prPreviews = [pr.jobs["preview-dev"]!, prPreview];

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
                assert.deepEqual(w.jobs[stack]?.with, { stack, "runner-group": `\${{ vars.${stack.toUpperCase()}_DEPLOY_RUNNER_GROUP }}` });
                assert.equal((w.jobs[stack] as { secrets?: unknown }).secrets, undefined, stack);
            }
            assert.doesNotMatch(text("deploy.yml"), /secrets:\s*inherit/);
        });

        it("queues each stack's plan and update as one unit: the calling job holds the stack's group, no job inside does", () => {
            // GitHub keeps one running and one pending job per group and cancels the pending one
            // when another queues: groups on plan and up separately let an update cancel the
            // newest commit's waiting plan. One group per call keeps the newest commit's unit.
            assert.equal(w.concurrency, undefined, "no workflow-level group: a prod approval holds only prod");
            assert.equal(reusable.concurrency, undefined);
            for (const stack of STACKS) assert.deepEqual(w.jobs[stack]?.concurrency, { group: `pulumi-${stack}`, "cancel-in-progress": false }, stack);
            for (const [name, job] of Object.entries(reusable.jobs)) assert.equal(job.concurrency, undefined, `pulumi-up.yml job ${name}`);
            const groups = STACKS.map((stack) => w.jobs[stack]!.concurrency!.group);
            assert.equal(new Set(groups).size, STACKS.length, "one group per stack");
            // Nothing else in any workflow joins a stack's group.
            for (const f of files) {
                for (const [name, job] of Object.entries(load(f).jobs)) {
                    if (f === "deploy.yml" && (STACKS as readonly string[]).includes(name)) continue;
                    assert.ok(!groups.includes(String(job.concurrency?.group)), `${f}: ${name}`);
                }
            }
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
            assert.match(summary.run ?? "", /diff-preview\.ts --stack "\$STACK" --exit-code "\$CODE" --output plan\/preview\.txt \\\n\s+--plan plan\/plan\.json/);
            const upload = usesOf(plan, "actions/upload-artifact")[0]!;
            assert.deepEqual([upload.with?.name, upload.with?.path, upload.with?.["if-no-files-found"]], ["pulumi-plan-${{ inputs.stack }}-${{ github.run_attempt }}", "plan/", "error"]);
            assert.equal(plan.outputs?.["plan-artifact"], upload.with?.name, "the update is told which attempt's artifact to take");
            assert.equal(upload.if, undefined, "uploaded only when the plan was saved");
        });

        it("archives the plan, its preview and the update's output for 12 months in the stack's audit bucket, after the update", () => {
            assert.equal((plan.steps ?? []).some((s) => /s3api/.test(s.run ?? "")), false, "the plan job holds the preview role, which writes nothing there");
            const archive = (up.steps ?? []).find((s) => /s3api put-object/.test(s.run ?? ""))!;
            assert.ok(archive, "an archive step in the up job");
            assert.equal((up.steps ?? []).indexOf(archive), (up.steps ?? []).length - 1, "after the update");
            // After a failed update too, not when it never ran.
            assert.equal(archive.if, "always() && steps.up.outcome != 'skipped'");
            assert.equal(archive.env?.OUTCOME, "${{ steps.up.outcome }}");
            assert.equal(archive.env?.PLAN_SHA256, "${{ needs.plan.outputs.plan-sha256 }}");
            assert.equal(up.env?.AUDIT_BUCKET, "${{ vars.DEPLOY_AUDIT_BUCKET }}");
            // A missing bucket stops the deploy before the credentials, not after the update.
            const required = stepIndex(up, (s) => /if \[ -z "\$AUDIT_BUCKET" \]; then[\s\S]*exit 1/.test(s.run ?? ""));
            assert.ok(required >= 0 && required < stepIndex(up, (s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") === true));
            assert.match(runOf(up, (s) => s.id === "up"), /--message "\$MESSAGE" 2>&1 \| tee plan\/up\.txt$/m);
            assert.equal(up.defaults?.run?.shell, "bash", "bash -eo pipefail: tee does not hide a failed update");
            const run = archive.run ?? "";
            assert.ok(run.includes(`key="${AUDIT_PREFIX}$STACK/$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT"`), "the key names the stack, the run and the attempt");
            assert.match(run, /for f in plan\.json preview\.txt up\.txt; do/);
            assert.match(run, /--body "plan\/\$f" --checksum-algorithm SHA256/);
            assert.match(run, /--metadata "commit=\$GITHUB_SHA,plan-sha256=\$PLAN_SHA256,outcome=\$OUTCOME"/);
            // Put only: nothing here may read, delete or change the lock of an object.
            assert.doesNotMatch(run, /delete-object|put-object-retention|put-object-legal-hold|s3 rm|s3 sync/);
        });

        it("runs the rendered-chart check over all of the stack's charts before the preview, with flags charts-check.ts accepts", function () {
            this.timeout(60_000);
            const at = stepIndex(plan, (s) => /charts:check/.test(s.run ?? ""));
            assert.ok(at >= 0 && at < stepIndex(plan, (s) => s.id === "plan"), "before the preview");
            assert.ok(at < stepIndex(plan, (s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@") === true), "before any credential");
            const args = /^npm run --silent charts:check -- (.+)$/.exec(runOf(plan, (s) => /charts:check/.test(s.run ?? "")))?.[1] ?? "";
            assert.equal(args, '--stack "$STACK" --fetch --require-all');
            // The script itself parses the flags: an unknown one exits 2 naming it. With a bad
            // stack it stops after parsing, so this checks the flags without rendering anything.
            const parse = (flags: string[]) => spawnSync(process.execPath, ["-r", "./scripts/lib/register-ts.js", "scripts/charts-check.ts", ...flags], { cwd: REPO_ROOT, encoding: "utf8" });
            const workflowFlags = parse(["--stack", "no-such-stack", "--fetch", "--require-all"]);
            assert.equal(workflowFlags.status, 2);
            assert.match(workflowFlags.stderr, /--stack must be one of/);
            const misspelt = parse(["--stack", "no-such-stack", "--require-al"]);
            assert.match(misspelt.stderr, /unknown option --require-al/, "the check can fail");
            // Its helm and the Istio module come from Go: setup-go and a cache of its own precede it.
            assert.ok(stepIndex(plan, (s) => s.uses?.startsWith("actions/setup-go@") === true) < at);
            const cache = usesOf(plan, "actions/cache")[0]!;
            assert.match(String(cache.with?.key), /^dodo-platform-helm-/);
            assert.notEqual(cache.with?.key, usesOf(load("pull-request.yml").jobs.validate!, "actions/cache")[0]?.with?.key, "not the validators' key");
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

        it("applies the plan to the stack and backend the plan job used, and stops first when its own environment names others", () => {
            assert.equal(plan.outputs?.["pulumi-stack"], "${{ steps.target.outputs.stack }}");
            assert.equal(plan.outputs?.["pulumi-backend-url"], "${{ steps.target.outputs.backend-url }}");
            assert.match(runOf(plan, (s) => s.id === "target"), /echo "stack=\$PULUMI_STACK" >> "\$GITHUB_OUTPUT"\n\s*echo "backend-url=\$PULUMI_BACKEND_URL" >> "\$GITHUB_OUTPUT"/);
            assert.equal(up.env?.PULUMI_STACK, "${{ needs.plan.outputs.pulumi-stack }}");
            assert.equal(up.env?.PULUMI_BACKEND_URL, "${{ needs.plan.outputs.pulumi-backend-url }}");
            assert.equal(up.env?.OWN_PULUMI_STACK, plan.env?.PULUMI_STACK, "the same rule names the stack in both jobs");
            assert.equal(up.env?.OWN_PULUMI_BACKEND_URL, plan.env?.PULUMI_BACKEND_URL);
            assert.equal(stepIndex(up, (s) => /OWN_PULUMI_STACK/.test(s.run ?? "")), 0, "the first step, before any checkout or credential");
            const check = runOf(up, (s) => /OWN_PULUMI_STACK/.test(s.run ?? ""));
            const run = (env: Record<string, string>) => spawnSync("bash", ["-c", check], { env: { PATH: process.env.PATH ?? "", STACK: "prod", ...env }, encoding: "utf8" });
            const same = { PULUMI_STACK: "acme/prod", OWN_PULUMI_STACK: "acme/prod", PULUMI_BACKEND_URL: "", OWN_PULUMI_BACKEND_URL: "" };
            assert.equal(run(same).status, 0);
            const otherOrg = run({ ...same, OWN_PULUMI_STACK: "prod" });
            assert.equal(otherOrg.status, 1);
            assert.match(otherOrg.stdout, /::error::the plan is for stack acme\/prod on Pulumi Cloud, but the prod environment names prod on Pulumi Cloud/);
            assert.equal(run({ ...same, OWN_PULUMI_BACKEND_URL: "s3://state?region=eu-west-1" }).status, 1);
            assert.equal(run({ ...same, PULUMI_STACK: "", OWN_PULUMI_STACK: "" }).status, 1, "no stack from the plan job");
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
        const groupOf = (r: RunsOn | undefined) => (typeof r === "object" ? r.group : undefined);

        it("runs dev's pull-request previews on GitHub-hosted runners only, never on a stack's self-hosted group", () => {
            const dev = pr.jobs["preview-dev"]!;
            assert.deepEqual(stacksOf(dev), ["dev"]);
            assert.equal(dev["runs-on"], "ubuntu-24.04");
            assert.doesNotMatch(JSON.stringify({ runsOn: dev["runs-on"], strategy: dev.strategy }), /vars\.|group/);
        });

        it("runs each stack's reviewed previews on that stack's preview group, and no other stack's", () => {
            assert.deepEqual(prPreview["runs-on"], { group: "${{ matrix.runner-group }}", labels: "${{ matrix.runner-group }}" });
            const include = prPreview.strategy?.matrix?.include ?? [];
            assert.deepEqual(include.map((e) => e.stack), ["staging", "prod"]);
            for (const e of include) assert.equal(e["runner-group"], `\${{ vars.${e.stack.toUpperCase()}_PREVIEW_RUNNER_GROUP }}`, e.stack);
        });

        it("plans and applies each stack on that stack's deploy group, which no pull-request job targets", () => {
            for (const job of [plan, up]) assert.deepEqual(job["runs-on"], { group: "${{ inputs.runner-group }}", labels: "${{ inputs.runner-group }}" });
            for (const stack of STACKS) assert.equal(w.jobs[stack]?.with?.["runner-group"], `\${{ vars.${stack.toUpperCase()}_DEPLOY_RUNNER_GROUP }}`);
            // Which variables each job can reach: a pull-request job never names a deploy group,
            // and dev's jobs never name a variable of staging or prod.
            const prText = text("pull-request.yml");
            assert.doesNotMatch(prText, /_DEPLOY_RUNNER_GROUP/);
            assert.doesNotMatch(JSON.stringify([pr.jobs["preview-dev"], pr.jobs["preview-comment-dev"], w.jobs.dev]), /STAGING_|PROD_/);
            for (const f of files) assert.doesNotMatch(text(f), /vars\.PULUMI_(PREVIEW_|DEPLOY_)?RUNNER\b/, `${f}: one runner variable for every stack`);
            // Every self-hosted target is a group named by a per-stack variable.
            for (const f of files) {
                for (const [name, job] of Object.entries(load(f).jobs)) {
                    const r = job["runs-on"];
                    if (r === undefined || r === "ubuntu-24.04") continue;
                    assert.ok(groupOf(r), `${f}: ${name} targets a group`);
                }
            }
        });

        it("asks STS for no longer than each role allows, and ends every job before its credentials do", () => {
            const creds = (job: Job) => usesOf(job, "aws-actions/configure-aws-credentials")[0]!.with ?? {};
            const upSeconds = Number(creds(up)["role-duration-seconds"]);
            assert.equal(upSeconds, DEPLOY_ROLE_MAX_SESSION_SECONDS);
            assert.ok(up["timeout-minutes"]! * 60 < upSeconds, "the update ends before its session");
            for (const job of [plan, ...prPreviews]) {
                assert.equal(creds(job)["role-duration-seconds"], undefined, "the action's OIDC default: 1 hour");
                assert.ok(job["timeout-minutes"]! * 60 < PREVIEW_ROLE_MAX_SESSION_SECONDS);
            }
        });

        it("checks the stack names its preview role, and that these credentials are it, before every preview", () => {
            for (const run of [runOf(plan, (s) => s.id === "plan"), ...prPreviews.map((j) => runOf(j, (s) => s.id === "preview"))]) {
                assert.ok(run.indexOf("scripts/ci/require-preview-role.sh") >= 0 && run.indexOf("scripts/ci/require-preview-role.sh") < run.indexOf("pulumi preview"));
                assert.match(run, POLICY_ARGS);
            }
        });
    });
});
