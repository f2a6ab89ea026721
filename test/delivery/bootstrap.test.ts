import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parsePlatformConfig } from "../../components/config";
import {
    DEPLOY_ROLE_MAX_SESSION_SECONDS,
    environmentSubjects,
    githubEnvironments,
    githubTrustPolicy,
    INVOKE_ACTIONS,
    previewRolePolicy,
    PREVIEW_ROLE_MAX_SESSION_SECONDS,
} from "../../scripts/lib/bootstrap/iam";
import { quotaNeeds } from "../../scripts/lib/bootstrap/quotas";
import { AUDIT_RETENTION_DAYS, BREAK_GLASS_ROLE, auditBucketName } from "../../scripts/lib/bootstrap/audit";
import { accountMismatches, bootstrapOutput, roleNames } from "../../scripts/bootstrap";
import { readStackConfig, REPO_ROOT, STACKS } from "../../scripts/lib/render";
import { load } from "./workflow-files";

const ACCOUNT = "111122223333";
const KEY = `arn:aws:kms:ap-south-1:${ACCOUNT}:key/0000-state`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/dodo-prod-github-preview`;
const actions = (a: string | string[]) => [a].flat();

describe("delivery: bootstrap identities (pure policy documents)", () => {
    it("trusts GitHub's OIDC provider for exactly the listed environment subjects and the STS audience", () => {
        const trust = githubTrustPolicy(ACCOUNT, environmentSubjects("dodopayments/platform", ["prod"]));
        assert.deepEqual(trust.Statement, [
            {
                Effect: "Allow",
                Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": ["repo:dodopayments/platform:environment:prod"] } },
            },
        ]);
        assert.throws(() => environmentSubjects("platform", ["prod"]), /owner\/name/);
        assert.throws(() => githubTrustPolicy(ACCOUNT, []), /at least one subject/);
    });

    it("names the environments the workflows use: previews and plans assume the preview role, only the update the deploy role", () => {
        const instantiate = (template: unknown, stack: string) => String(template).replace(/\$\{\{ (matrix|inputs)\.stack \}\}/, stack);
        for (const stack of STACKS) {
            const env = githubEnvironments(stack);
            assert.equal(instantiate(load("pull-request.yml").jobs.preview!.environment, stack), env.preview);
            assert.equal(instantiate(load("pulumi-up.yml").jobs.plan!.environment, stack), env.plan);
            assert.equal(instantiate(load("pulumi-up.yml").jobs.up!.environment, stack), env.deploy);
        }
    });

    it("covers every AWS invoke the program makes (a preview runs them as the preview role)", () => {
        const called = new Set<string>();
        const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
        for (const file of [path.join(REPO_ROOT, "index.ts"), ...walk(path.join(REPO_ROOT, "components"))]) {
            for (const m of fs.readFileSync(file, "utf8").matchAll(/\baws\.((?:[a-z0-9]+\.)?get[A-Z]\w*?)(?:Output)?\(/g)) called.add(m[1]);
        }
        assert.ok(called.has("getAvailabilityZones") && called.has("iam.getSessionContext"), [...called].join(", "));
        const missing = [...called].filter((name) => !(name in INVOKE_ACTIONS));
        assert.deepEqual(missing, [], `add the IAM actions of these invokes to INVOKE_ACTIONS in scripts/lib/bootstrap/iam.ts: ${missing.join(", ")}`);
        const policy = previewRolePolicy({ accountId: ACCOUNT, roleArn: ROLE });
        for (const action of Object.values(INVOKE_ACTIONS).flat()) assert.ok(policy.Statement.some((s) => s.Effect === "Allow" && actions(s.Action).includes(action)), action);
    });

    it("keeps the session lengths within what IAM allows the roles", () => {
        assert.equal(PREVIEW_ROLE_MAX_SESSION_SECONDS, 3600, "IAM's default MaxSessionDuration");
        assert.ok(DEPLOY_ROLE_MAX_SESSION_SECONDS > 3600 && DEPLOY_ROLE_MAX_SESSION_SECONDS <= 43_200, "1 to 12 hours");
    });

    describe("the preview role's permissions", () => {
        const policy = previewRolePolicy({ accountId: ACCOUNT, roleArn: ROLE, state: { bucket: "dodo-pulumi-state", kmsKeyArn: KEY } });
        const allows = policy.Statement.filter((s) => s.Effect === "Allow");
        const denies = policy.Statement.filter((s) => s.Effect === "Deny");

        it("allows reads only: the program's invokes, its own role, the state objects and the state's data key", () => {
            for (const a of allows.flatMap((s) => actions(s.Action))) assert.match(a, /^(ec2:Describe|route53:(Get|List)|secretsmanager:(DescribeSecret|GetResourcePolicy)$|iam:GetRole$|s3:(GetObject|ListBucket)$|kms:Decrypt$)/, a);
            assert.deepEqual(allows.find((s) => actions(s.Action).includes("iam:GetRole"))?.Resource, ROLE);
            assert.deepEqual(allows.find((s) => actions(s.Action).includes("kms:Decrypt"))?.Resource, KEY);
            assert.deepEqual(allows.find((s) => actions(s.Action).includes("s3:GetObject"))?.Resource, "arn:aws:s3:::dodo-pulumi-state/.pulumi/*");
        });

        it("can never read a runtime secret: Secrets Manager and SecureString reads, and any other KMS key, are denied", () => {
            const denied = denies.flatMap((s) => actions(s.Action));
            for (const a of ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]) assert.ok(denied.includes(a), a);
            assert.ok(!allows.some((s) => actions(s.Action).some((a) => /^(secretsmanager:(Get|BatchGet)SecretValue|ssm:)/.test(a))));
            assert.deepEqual(denies.find((s) => actions(s.Action).includes("kms:Decrypt"))?.NotResource, KEY);
            assert.ok(denies.some((s) => actions(s.Action).includes("s3:PutObject")), "never writes state");
        });

        it("with Pulumi Cloud (no state bucket) decrypts nothing in AWS at all", () => {
            const cloud = previewRolePolicy({ accountId: ACCOUNT, roleArn: ROLE });
            assert.ok(!cloud.Statement.some((s) => s.Effect === "Allow" && actions(s.Action).some((a) => a.startsWith("kms:") || a.startsWith("s3:"))));
            assert.ok(cloud.Statement.some((s) => s.Effect === "Deny" && actions(s.Action).includes("kms:Decrypt") && s.Resource === "*"));
        });
    });

    describe("the stack file's cluster ARNs against the bootstrapped account", () => {
        it("names each ARN of cluster.adminPrincipals and cluster.previewRoleArn in another account", () => {
            const cluster = { adminPrincipals: ["arn:aws:iam::777788889999:role/dodo-dev-github-deploy", "arn:aws:iam::123456789012:role/platform-admins"], previewRoleArn: "arn:aws:iam::777788889999:role/dodo-dev-github-preview" };
            const found = accountMismatches(cluster, "123456789012");
            assert.equal(found.length, 2);
            assert.match(found[0], /^cluster\.adminPrincipals names arn:aws:iam::777788889999:role\/dodo-dev-github-deploy, in account 777788889999, not 123456789012/);
            assert.match(found[1], /^cluster\.previewRoleArn names .*dodo-dev-github-preview, in account 777788889999/);
            assert.deepEqual(accountMismatches({ adminPrincipals: [] }, "123456789012"), []);
        });

        it("warns first in dev's output with another --account (dev's file names the documentation account), not in prod's", () => {
            const dev = bootstrapOutput({ stack: "dev", repo: "o/r", account: "123456789012", dir: "out" });
            assert.equal(dev.warnings.length, 3, dev.warnings.join("\n"));
            assert.ok(dev.warnings.every((w) => w.includes("777788889999")));
            assert.deepEqual(dev.commands.slice(0, 3), dev.warnings.map((w) => `# WARNING: ${w}`));
            assert.deepEqual(bootstrapOutput({ stack: "prod", repo: "o/r", dir: "out" }).warnings, []);
        });
    });

    describe("npm run bootstrap's output (prod, in-process)", () => {
        const { files, commands } = bootstrapOutput({
            stack: "prod",
            repo: "dodopayments/platform",
            state: { bucket: "dodo-pulumi-prod", kmsKeyArn: KEY },
            pulumiOrg: "dodopayments",
            reviewersTeamId: 42,
            dir: "out/bootstrap/prod",
        });
        const account = (files["deploy-trust.json"] as { Statement: { Principal: { Federated: string } }[] }).Statement[0].Principal.Federated.split(":")[4];
        const audit = auditBucketName("prod", account);
        const line = (re: RegExp) => commands.find((c) => re.test(c));

        it("creates the audit bucket with Object Lock (COMPLIANCE, at least 365 days), encryption, no public access and its policy", () => {
            assert.ok(AUDIT_RETENTION_DAYS >= 365, "PCI DSS 10.5.1: 12 months");
            assert.deepEqual(files["audit-object-lock.json"], { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: AUDIT_RETENTION_DAYS } } });
            assert.deepEqual(files["audit-encryption.json"], { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] });
            assert.ok(line(new RegExp(`^aws s3api create-bucket --bucket ${audit} --region ap-south-1 --create-bucket-configuration LocationConstraint=ap-south-1 --object-lock-enabled-for-bucket$`)));
            for (const sub of ["put-object-lock-configuration", "put-public-access-block", "put-bucket-encryption", "put-bucket-policy"]) assert.ok(line(new RegExp(`^aws s3api ${sub} --bucket ${audit} `)), sub);
            const order = ["create-bucket", "put-object-lock-configuration", "put-bucket-policy"].map((sub) => commands.findIndex((c) => c.startsWith(`aws s3api ${sub} --bucket ${audit}`)));
            assert.deepEqual([...order].sort((a, b) => a - b), order, "created, locked, then opened to its writer");
        });

        it("lets only the deploy role (the up job, after the update) put objects into it, over TLS; the preview role has no access to it", () => {
            const policy = files["audit-bucket-policy.json"] as { Statement: { Sid?: string; Effect: string; Action: string; Condition?: Record<string, Record<string, string>> }[] };
            const onlyWriter = policy.Statement.find((st) => st.Effect === "Deny" && st.Action === "s3:PutObject");
            assert.deepEqual(onlyWriter?.Condition, { ArnNotEquals: { "aws:PrincipalArn": `arn:aws:iam::${account}:role/dodo-prod-github-deploy` } });
            assert.ok(policy.Statement.some((st) => st.Effect === "Deny" && st.Condition?.Bool?.["aws:SecureTransport"] === "false"));
            assert.doesNotMatch(JSON.stringify(files["preview-permissions.json"]), new RegExp(audit));
            assert.ok(line(new RegExp(`DEPLOY_AUDIT_BUCKET=${audit} in prod\\)$`)), "the variable goes to the deploy environment");
        });

        it("writes an SCP that keeps the bucket's policy and lock default from everyone but the break-glass role, attached to the stack's account", () => {
            const scp = files["audit-guard-scp.json"] as { Statement: { Effect: string; Action: string[]; Resource: string; Condition: Record<string, Record<string, string>>; Principal?: unknown }[] };
            assert.equal(scp.Statement.length, 1);
            const [guard] = scp.Statement;
            assert.equal(guard.Effect, "Deny");
            assert.deepEqual([...guard.Action].sort(), ["s3:DeleteBucketPolicy", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketPolicy"]);
            assert.equal(guard.Resource, `arn:aws:s3:::${audit}`);
            assert.deepEqual(guard.Condition, { ArnNotLike: { "aws:PrincipalArn": `arn:aws:iam::*:role/${BREAK_GLASS_ROLE}` } });
            assert.equal(guard.Principal, undefined, "an SCP names no principal");
            assert.ok(line(new RegExp(`^aws organizations create-policy --type SERVICE_CONTROL_POLICY --name dodo-prod-audit-guard .*--content file://out/bootstrap/prod/audit-guard-scp.json`)));
            assert.ok(line(new RegExp(`^aws organizations attach-policy --target-id ${account} `)));
        });

        it("prints the update for a deploy role that already exists, with the session the deploy job asks for", () => {
            assert.ok(line(new RegExp(`aws iam update-role --role-name dodo-prod-github-deploy --max-session-duration ${DEPLOY_ROLE_MAX_SESSION_SECONDS}$`)));
            assert.ok(line(new RegExp(`^aws iam create-role --role-name dodo-prod-github-deploy --max-session-duration ${DEPLOY_ROLE_MAX_SESSION_SECONDS} `)));
        });

        it("is what the documents name: every role ARN in README.md and docs/ is a role bootstrap creates", () => {
            const created = new Set([...STACKS, "<stack>"].flatMap((stack) => Object.values(roleNames(stack))));
            const docs = ["README.md", ...fs.readdirSync(path.join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f))];
            const named = docs.flatMap((f) => [...fs.readFileSync(path.join(REPO_ROOT, f), "utf8").matchAll(/arn:aws:iam::[0-9<>a-z-]+:role\/([A-Za-z0-9<>_+=,.@-]+)/g)].map((m) => [f, m[1]]));
            const deployOrPreview = named.filter(([, name]) => /deploy|preview/.test(name));
            assert.ok(deployOrPreview.length > 0, "the README names the deploy role's ARN");
            assert.deepEqual(deployOrPreview.filter(([, name]) => !created.has(name)), []);
        });

        it("protects the environments: main only for deploys and plans, reviewers who may not approve their own run for prod and the staging/prod previews", () => {
            const env = (name: string) => files[`github-env-${name}.json`] as { prevent_self_review: boolean; reviewers: { id: number }[] | null; deployment_branch_policy: unknown };
            assert.deepEqual(env("prod").reviewers, [{ type: "Team", id: 42 }]);
            assert.equal(env("prod").prevent_self_review, true);
            assert.equal(env("prod-preview").prevent_self_review, true);
            assert.equal(env("prod-plan").reviewers, null);
            for (const name of ["prod", "prod-plan"]) {
                assert.deepEqual(env(name).deployment_branch_policy, { protected_branches: false, custom_branch_policies: true });
                assert.ok(line(new RegExp(`^gh api --method POST repos/dodopayments/platform/environments/${name}/deployment-branch-policies -f name=main -f type=branch$`)), name);
            }
            for (const stack of STACKS) {
                const preview = bootstrapOutput({ stack, repo: "o/r", account: stack === "dev" ? ACCOUNT : undefined, dir: "d" }).files[`github-env-${stack}-preview.json`] as { prevent_self_review: boolean; reviewers: unknown };
                assert.equal(preview.prevent_self_review, stack !== "dev", `${stack}-preview`);
                assert.equal(preview.reviewers === null, stack === "dev", `${stack}-preview`);
            }
        });

        it("writes the prod preview team (Read on prod only) and its token policy with --pulumi-org", () => {
            assert.deepEqual(files["pulumi-preview-team.json"], { name: "dodo-prod-preview", stacks: [{ projectName: "dodo-platform", stackName: "prod", permission: 101 }] });
            const rules = files["pulumi-oidc-policies.json"] as { teamName: string; rules: { sub: string; aud: string } }[];
            assert.deepEqual(rules.map((r) => [r.teamName, r.rules.sub, r.rules.aud]), [
                ["dodo-prod-preview", "repo:dodopayments/platform:environment:prod-preview", "urn:pulumi:org:dodopayments"],
                ["dodo-prod-preview", "repo:dodopayments/platform:environment:prod-plan", "urn:pulumi:org:dodopayments"],
            ]);
        });
    });

    it("sizes the EC2 quotas from each stack's configuration, update surge included", () => {
        const needs = Object.fromEntries(
            STACKS.map((stack) => {
                const raw = readStackConfig(stack, REPO_ROOT);
                return [stack, quotaNeeds(parsePlatformConfig({ stack, values: raw.values, secretKeys: raw.secretKeys })).map((q) => [q.code, q.need])];
            }),
        );
        // prod: the system group (3 + 2 per AZ x 3) x 8 vCPU plus Karpenter's min(64, 6 nodes x 8)
        // On-Demand, a NAT gateway (EIP) per AZ; staging (3 + 6) x 4 + min(32, 3 x 8), one NAT; dev
        // SPOT (2 + 2 x 2) x 2 + Karpenter's min(16, 2 x 4), which counts On-Demand too (its fallback).
        assert.deepEqual(needs, {
            dev: [["L-1216C47A", 8], ["L-34B43A08", 20], ["L-0263D0A3", 1]],
            staging: [["L-1216C47A", 60], ["L-0263D0A3", 1]],
            prod: [["L-1216C47A", 120], ["L-0263D0A3", 3]],
        });
        // The README's bootstrap step quotes the same numbers.
        const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8").replace(/\s+/g, " ");
        assert.match(readme, /prod 120 On-Demand vCPUs \(`L-1216C47A`\) and 3 Elastic IPs \(`L-0263D0A3`, one per NAT gateway\); staging 60 On-Demand vCPUs and 1; dev 20 Spot vCPUs \(`L-34B43A08`\), 8 On-Demand vCPUs and 1/);
    });
});
