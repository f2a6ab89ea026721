import { strict as assert } from "assert";
import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";
import { STACKS } from "../../scripts/lib/render";
import { files, Job, load, ROOT, stacksOf, steps, text, usesOf } from "./workflow-files";

const SCHEMA = path.join(__dirname, "fixtures", "github-workflow.schema.json");

describe("delivery: workflow hygiene", () => {
    it("has the pull-request, comment, deploy and reusable pulumi-up workflows", () => {
        assert.deepEqual(files, ["deploy.yml", "pull-request-comment.yml", "pull-request.yml", "pulumi-up.yml"]);
    });

    it("makes platform security the code owner of the pack, the workflows, the tools and the waivers", () => {
        const owners = fs.readFileSync(path.join(ROOT, ".github", "CODEOWNERS"), "utf8").split("\n").filter((l) => l.trim() && !l.startsWith("#"));
        const owned = new Map(owners.map((l) => l.trim().split(/\s+/) as [string, string]));
        for (const p of ["/policy/", "/.github/", "/validation-waivers.yaml", "/tools/", "/scripts/ci/"]) assert.equal(owned.get(p), "@dodopayments/platform-security", p);
        assert.match(fs.readFileSync(path.join(ROOT, "docs", "architecture.md"), "utf8"), /Create that GitHub team/);
    });

    describe("validates against GitHub's workflow schema (SchemaStore, kept offline)", () => {
        // The schema is draft-07 (Ajv's default); it uses `properties` without `type`, which
        // Ajv's strict mode flags as a style issue, so strict mode is off for this document.
        const ajv = new Ajv({ strict: false, allErrors: true });
        const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, "utf8")) as object);

        for (const f of files) {
            it(`${f} is valid`, () => {
                const ok = validate(load(f));
                assert.ok(ok, `${f}: ${ajv.errorsText(validate.errors, { separator: "\n" })}`);
            });
        }

        it("rejects a workflow with a misspelt job key or a bad permission (the validator can fail)", () => {
            assert.equal(validate({ on: "push", jobs: { a: { "runs_on": "ubuntu-24.04", steps: [{ run: "true" }] } } }), false);
            assert.equal(validate({ on: "push", jobs: { a: { "runs-on": "ubuntu-24.04", permissions: { "id-token": "admin" }, steps: [{ run: "true" }] } } }), false);
            assert.equal(validate({ on: "push", jobs: { a: { "runs-on": "ubuntu-24.04", steps: [{ run: "true" }] } } }), true);
        });
    });

    it("pins every action to a full commit SHA with its release in a comment", () => {
        for (const f of files) {
            for (const line of text(f).split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
                if (/uses:\s+\.\/\.github\/workflows\//.test(line)) continue; // reusable workflow in this repo
                assert.match(line, /uses:\s+[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${f}: ${line.trim()}`);
            }
        }
    });

    it("grants nothing at workflow level and names each job's permissions", () => {
        for (const f of files) {
            const w = load(f);
            assert.deepEqual(w.permissions, {}, `${f}: top-level permissions`);
            for (const [name, job] of Object.entries(w.jobs)) {
                assert.equal(typeof job.permissions, "object", `${f}: job ${name} has no explicit permissions`);
                for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
                    assert.notEqual(level, "write-all", `${f}: ${name}.${scope}`);
                }
            }
        }
    });

    it("asks for an OIDC token only in jobs that assume an AWS role (or call the job that does), and never uses access keys", () => {
        for (const f of files) {
            assert.doesNotMatch(text(f), /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/, f);
            for (const [name, job] of Object.entries(load(f).jobs)) {
                const oidc = (job.permissions as Record<string, string>)["id-token"] === "write";
                const assumes = usesOf(job, "aws-actions/configure-aws-credentials").length > 0 || job.uses === "./.github/workflows/pulumi-up.yml";
                assert.equal(oidc, assumes, `${f}: job ${name}`);
                for (const s of usesOf(job, "aws-actions/configure-aws-credentials")) {
                    assert.equal(s.with?.["role-to-assume"], "${{ vars.AWS_ROLE_ARN }}", `${f}: ${name} takes its role from the environment`);
                }
            }
        }
    });

    it("never expands ${{ }} inside shell scripts (values reach scripts through env)", () => {
        for (const f of files) {
            for (const s of steps(load(f))) if (s.run) assert.doesNotMatch(s.run, /\$\{\{/, `${f}: ${s.run.split("\n")[0]}`);
        }
    });

    it("does not persist the checkout token", () => {
        for (const f of files) {
            for (const s of steps(load(f)).filter((x) => x.uses?.startsWith("actions/checkout@"))) assert.equal(s.with?.["persist-credentials"], false, f);
        }
    });

    it("sets up Node from .nvmrc (24) and installs with npm ci", () => {
        assert.equal(fs.readFileSync(path.join(ROOT, ".nvmrc"), "utf8").trim(), "24");
        for (const f of files) {
            for (const [name, job] of Object.entries(load(f).jobs)) {
                const node = usesOf(job, "actions/setup-node");
                if (node.length === 0) continue;
                assert.equal(node[0]?.with?.["node-version-file"], ".nvmrc", `${f}: ${name}`);
                assert.ok((job.steps ?? []).some((s) => s.run === "npm ci"), `${f}: ${name} runs npm ci`);
            }
        }
    });

    it("installs the Pulumi CLI release that test:engine and the conformance prove (tools/pulumi/go.mod), not older than the SDK", () => {
        // The CLI must be the one the real-engine runs build, so what CI applies is what was proven.
        // The npm SDK may be older: the Automation API accepts any CLI from its minimumVersion up
        // (v3.2.0-alpha, @pulumi/pulumi automation/minimumVersion.js), and the CLI runs programs
        // of older SDKs over the same gRPC protocol, as test:engine does with both pins. They
        // cannot simply be equal: pkg/v3 v3.270.0 (the SDK's release) is not served by the Go
        // module proxy ("This module version is not available"), so tools/pulumi cannot build it.
        const module = /^\s*github\.com\/pulumi\/pulumi\/pkg\/v3 v(\S+)/m.exec(fs.readFileSync(path.join(ROOT, "tools/pulumi/go.mod"), "utf8"))?.[1];
        assert.ok(module, "tools/pulumi/go.mod requires github.com/pulumi/pulumi/pkg/v3");
        const sdk = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies["@pulumi/pulumi"];
        const num = (v: string) => v.split(".").map(Number);
        const atLeast = (a: number[], b: number[]) => a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] >= b[2];
        assert.ok(atLeast(num(module), num(sdk)), `the CLI (${module}) is older than @pulumi/pulumi ${sdk}`);
        for (const f of ["pull-request.yml", "pulumi-up.yml"]) assert.equal(load(f).env?.PULUMI_VERSION, module, f);
        for (const f of files) {
            for (const s of steps(load(f)).filter((x) => x.uses?.startsWith("pulumi/actions@"))) assert.equal(s.with?.["pulumi-version"], "${{ env.PULUMI_VERSION }}", f);
        }
    });
});

describe("delivery: pull-request workflow", () => {
    const w = load("pull-request.yml");

    it("runs on pull requests to main; a new push cancels the previous run of the same pull request", () => {
        assert.deepEqual(w.on, { pull_request: { branches: ["main"] } });
        assert.deepEqual(w.concurrency, { group: "pull-request-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
    });

    const previews = [w.jobs["preview-dev"]!, w.jobs.preview!];
    const comments = [w.jobs["preview-comment-dev"]!, w.jobs["preview-comment"]!];

    it("installs, type checks and tests before anything renders, validates or previews", () => {
        assert.deepEqual((w.jobs.test?.steps ?? []).filter((s) => s.run).map((s) => s.run), ["npm ci", "npm test"]);
        assert.equal(w.jobs.render?.needs, "test");
        assert.equal(w.jobs.validate?.needs, "test");
        for (const job of previews) assert.equal(job.needs, "test");
    });

    it("previews every stack once with the policy pack, in that stack's preview environment, dev in a job of its own", () => {
        assert.deepEqual(previews.flatMap(stacksOf), [...STACKS]);
        assert.deepEqual(stacksOf(w.jobs["preview-dev"]!), ["dev"]);
        for (const job of previews) {
            assert.equal(job.environment, "${{ matrix.stack }}-preview");
            assert.deepEqual(job.permissions, { contents: "read", "id-token": "write" });
            assert.ok(usesOf(job, "pulumi/actions").length === 1, "the CLI comes from pulumi/actions");
        }
        // The same steps (one YAML anchor), so dev is previewed exactly like staging and prod.
        assert.deepEqual(previews[0].steps, previews[1].steps);
        assert.deepEqual(previews[0].env, previews[1].env);
    });

    it("runs CrossGuard with the stack's shipped pack config and names the stack's environment", () => {
        const job = w.jobs.preview!;
        const run = (job.steps ?? []).find((s) => s.id === "preview")!.run ?? "";
        // The pack, then its config: `--policy-pack-config` applies to the preceding `--policy-pack`.
        assert.match(run, /pulumi preview [^\n]*\\\n\s+--policy-pack policy --policy-pack-config "policy\/config\/\$STACK\.json"/);
        assert.equal(job.env?.STACK, "${{ matrix.stack }}");
        assert.equal(job.env?.DODO_POLICY_ENVIRONMENT, "${{ matrix.stack }}");
        for (const stack of STACKS) assert.ok(fs.existsSync(path.join(ROOT, "policy", "config", `${stack}.json`)), `policy/config/${stack}.json`);
    });

    it("holds no Pulumi secret in the preview environments: a team-scoped token by OIDC instead", () => {
        for (const job of previews) {
            assert.doesNotMatch(JSON.stringify(job), /secrets\./, "no secret is read by the preview job");
            const auth = usesOf(job, "pulumi/auth-actions");
            assert.equal(auth.length, 1);
            assert.equal(auth[0]?.with?.["requested-token-type"], "urn:pulumi:token-type:access_token:team");
            // An environment variable: each stack's environments name that stack's own team.
            assert.equal(auth[0]?.with?.scope, "team:${{ vars.PULUMI_PREVIEW_TEAM }}");
            assert.equal(auth[0]?.if, "vars.PULUMI_BACKEND_URL == ''", "only for Pulumi Cloud");
            const all = job.steps ?? [];
            assert.ok(all.indexOf(auth[0]!) < all.findIndex((s) => s.id === "preview"), "the token exists before the preview");
        }
    });

    it("lets no job that runs the pull request's code write to the pull request or the repository (OIDC and code scanning only); the comment jobs run none of it", () => {
        const runsCode = (job: Job) => (job.steps ?? []).some((s) => s.run !== undefined || s.uses?.startsWith("actions/checkout@"));
        for (const [name, job] of Object.entries(w.jobs)) {
            if (!runsCode(job)) continue;
            for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
                assert.ok(level === "read" || (scope === "id-token" && level === "write") || (scope === "security-events" && level === "write"), `${name}: ${scope}: ${level}`);
            }
            assert.equal((job.permissions as Record<string, string>)["pull-requests"], undefined, name);
        }
        for (const job of comments) {
            assert.ok(!runsCode(job), "no checkout, no run step");
            assert.deepEqual(job.permissions, { "pull-requests": "write" });
            assert.deepEqual((job.steps ?? []).map((s) => s.uses?.split("@")[0]), ["actions/download-artifact", "marocchino/sticky-pull-request-comment"]);
        }
        // The check can fail: a job with a run step and pull-requests: write is caught.
        assert.ok(runsCode({ steps: [{ run: "npm ci" }] }) && !runsCode(comments[0]));
    });

    it("validates each stack's render with istioctl and kubectl-validate, tools built with the pinned Go and cached", () => {
        const job = w.jobs.validate!;
        assert.equal(job.needs, "test");
        assert.deepEqual(job.strategy?.matrix?.stack, [...STACKS]);
        assert.deepEqual(job.permissions, { contents: "read" });
        // Builds use GOTOOLCHAIN=local: the Go set up must be at least every validator's `go` line.
        const goFile = String(usesOf(job, "actions/setup-go")[0]?.with?.["go-version-file"]);
        const goLine = (f: string) => (/^go (\d+)\.(\d+)(?:\.(\d+))?$/m.exec(fs.readFileSync(path.join(ROOT, f), "utf8")) ?? []).slice(1).map((n) => Number(n ?? 0));
        const atLeast = (a: number[], b: number[]) => a[0]! > b[0]! || (a[0] === b[0] && (a[1]! > b[1]! || (a[1] === b[1] && a[2]! >= b[2]!)));
        for (const t of ["istioctl", "kubectl-validate", "helm"]) assert.ok(atLeast(goLine(goFile), goLine(`tools/${t}/go.mod`)), `${goFile} sets up Go older than tools/${t}/go.mod needs`);
        const cache = usesOf(job, "actions/cache")[0];
        assert.match(String(cache?.with?.path), /~\/\.cache\/dodo-platform-tools/);
        assert.match(String(cache?.with?.key), /hashFiles\('tools\/\*\*\/go\.mod', 'tools\/\*\*\/go\.sum'\)/);
        assert.ok((job.steps ?? []).some((s) => s.run === 'npm run --silent validate -- --stack "$STACK"'));
    });

    it("posts one preview comment per stack, found again by its header, after a failed preview too", () => {
        assert.deepEqual(comments.flatMap(stacksOf), [...STACKS]);
        assert.equal(w.jobs["preview-comment-dev"]?.needs, "preview-dev", "dev's comment waits for no reviewer of staging or prod");
        assert.equal(w.jobs["preview-comment"]?.needs, "preview");
        for (const job of comments) {
            // After a failed preview too, never after a cancelled run (a newer push posts its own).
            assert.match(job.if ?? "", /!cancelled\(\) && /);
            const sticky = usesOf(job, "marocchino/sticky-pull-request-comment")[0]!;
            assert.equal(sticky.with?.header, "pulumi-preview-${{ matrix.stack }}");
            const download = usesOf(job, "actions/download-artifact")[0]!;
            assert.equal(download.with?.name, "pulumi-preview-${{ matrix.stack }}");
            assert.equal(sticky.with?.path, `${download.with?.path}/preview.md`);
        }
        for (const job of previews) {
            const keep = usesOf(job, "actions/upload-artifact")[0]!;
            // Kept after a failed preview too: a mandatory policy violation is what reviewers must see.
            assert.match(keep.if ?? "", /always\(\)/);
            assert.equal(keep.with?.name, "pulumi-preview-${{ matrix.stack }}");
            assert.match((job.steps ?? []).find((s) => s.id === "preview")!.run ?? "", /> comment\/preview\.md$/m);
        }
    });

    it("skips the cloud preview for forks, which get no secrets; the credential-free diff runs for all", () => {
        for (const job of [...previews, ...comments]) assert.match(job.if ?? "", /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
        assert.equal(w.jobs.render?.if, undefined);
    });

    it("renders each stack offline, uploads its policy findings as SARIF per stack and keeps the diff", () => {
        const job = w.jobs.render!;
        assert.deepEqual(job.strategy?.matrix?.stack, [...STACKS]);
        const runs = (job.steps ?? []).map((s) => s.run ?? "").join("\n");
        assert.match(runs, /npm run --silent synth -- --stack "\$STACK"/);
        assert.match(runs, /policy:check -- --env "\$STACK" --format sarif "out\/\$STACK\/manifests\.yaml" > "policy-\$STACK\.sarif"/);
        assert.match(runs, /npm run --silent diff -- --stack "\$STACK" --base "origin\/\$BASE_REF"/);
        const sarif = usesOf(job, "github/codeql-action/upload-sarif");
        assert.deepEqual(sarif[0]?.with, { sarif_file: "policy-${{ matrix.stack }}.sarif", category: "policy-${{ matrix.stack }}" });
        assert.equal((job.permissions as Record<string, string>)["security-events"], "write");
        assert.equal(usesOf(job, "actions/upload-artifact")[0]?.with?.name, "desired-state-diff-${{ matrix.stack }}");
    });
});

describe("delivery: diff comment workflow", () => {
    const w = load("pull-request-comment.yml");
    const job = w.jobs["diff-comment"]!;

    it("runs after the pull-request workflow and never checks out the pull request's code", () => {
        assert.deepEqual(w.on, { workflow_run: { workflows: ["pull-request"], types: ["completed"] } });
        assert.equal(usesOf(job, "actions/checkout").length, 0);
        assert.equal(usesOf(job, "actions/setup-node").length, 0);
    });

    it("checks the pull request number against the rendered commit before posting one comment per stack", () => {
        const check = (job.steps ?? []).find((s) => s.id === "pr")!;
        assert.match(check.run ?? "", /\*\[!0-9\]\*/);
        assert.match(check.run ?? "", /"\$head" != "\$HEAD_SHA"/);
        const sticky = usesOf(job, "marocchino/sticky-pull-request-comment");
        assert.equal(sticky[0]?.with?.header, "desired-state-diff-${{ matrix.stack }}");
        assert.equal(sticky[0]?.with?.number, "${{ steps.pr.outputs.number }}");
    });

    it("cuts an over-long diff at a line boundary, never inside a UTF-8 character", () => {
        const check = (job.steps ?? []).find((s) => s.id === "pr")!;
        assert.match(check.run ?? "", /head -c 60000 "diff\/diff-\$STACK\.md" \| sed '\$d'/);
    });
});
