// npm run bootstrap -- --stack <dev|staging|prod> --repo <owner/name> [--account <id>] [--state-bucket <b> --state-key-arn <arn>] [--pulumi-org <org>] [--reviewers-team-id <id>] [--out <dir>]
// Writes what a stack's AWS account, GitHub and Pulumi Cloud need before its first deploy into
// out/bootstrap/<stack>/: the trust and permission policies of its deploy and preview roles, the
// deploy audit bucket (Object Lock, encryption, policy), the GitHub environments' protection
// rules, Pulumi Cloud's preview team and token policy (with --pulumi-org), and the EC2 quotas its
// configuration needs; then prints the commands that create them (README, "A fresh AWS
// organisation"). Reads the stack file like the synth; calls nothing in AWS, GitHub or Pulumi.
import * as fs from "fs";
import * as path from "path";
import { parsePlatformConfig } from "../components/config";
import { parseArgs, runCommand, UsageError } from "./lib/args";
import { auditBucketCommands, auditBucketName, auditBucketPolicy, auditEncryption, auditGuardCommands, auditGuardScp, auditObjectLock, BREAK_GLASS_ROLE } from "./lib/bootstrap/audit";
import { environmentCommands, environmentSettings } from "./lib/bootstrap/github";
import {
    DEPLOY_ROLE_MANAGED_POLICY,
    DEPLOY_ROLE_MAX_SESSION_SECONDS,
    environmentSubjects,
    githubEnvironments,
    githubTrustPolicy,
    PREVIEW_ROLE_MAX_SESSION_SECONDS,
    previewRolePolicy,
} from "./lib/bootstrap/iam";
import { previewTeam, previewTeamStacks, previewTokenPolicies } from "./lib/bootstrap/pulumi-cloud";
import { quotaNeeds } from "./lib/bootstrap/quotas";
import { readStackConfig, STACKS } from "./lib/stack-config";

const USAGE =
    "usage: npm run bootstrap -- --stack <dev|staging|prod> --repo <owner/name> [--account <12 digits>] [--state-bucket <bucket> --state-key-arn <kms key arn>] [--pulumi-org <org>] [--reviewers-team-id <id>] [--out <dir>]";

/** Role names the commands create; the ARNs go into cluster.adminPrincipals / cluster.previewRoleArn. */
export function roleNames(stack: string): { deploy: string; preview: string } {
    return { deploy: `dodo-${stack}-github-deploy`, preview: `dodo-${stack}-github-preview` };
}

export interface BootstrapOptions {
    stack: string;
    repo: string;
    account?: string;
    state?: { bucket: string; kmsKeyArn: string };
    /** Pulumi Cloud organization: writes the preview team's token policy. */
    pulumiOrg?: string;
    /** GitHub ID of the code-owner team that reviews prod deploys and staging/prod previews. */
    reviewersTeamId?: number;
    /** Directory the commands refer to (relative to where they run). */
    dir: string;
}

/**
 * The stack file's cluster ARNs that name another account than the one bootstrapped: the roles
 * are created in `account`, so such a file (dev's ships the documentation account 777788889999)
 * grants cluster access to roles that will not exist, and the preview-role check fails.
 */
export function accountMismatches(cluster: { adminPrincipals: readonly string[]; previewRoleArn?: string }, account: string): string[] {
    const named: [string, string][] = [...cluster.adminPrincipals.map((a) => ["cluster.adminPrincipals", a] as [string, string]), ...(cluster.previewRoleArn ? [["cluster.previewRoleArn", cluster.previewRoleArn] as [string, string]] : [])];
    return named
        .filter(([, arn]) => arn.split(":")[4] !== account)
        .map(([key, arn]) => `${key} names ${arn}, in account ${arn.split(":")[4] || "(none)"}, not ${account}: set it to the role the commands below create before the first deploy`);
}

/** The files (name -> JSON document) and the commands that use them, in order; warnings first. */
export function bootstrapOutput(opts: BootstrapOptions): { files: Record<string, unknown>; commands: string[]; warnings: string[] } {
    const { stack, dir } = opts;
    const raw = readStackConfig(stack);
    const config = parsePlatformConfig({ stack, values: raw.values, secretKeys: raw.secretKeys });
    // The stack file's pinned account; --account for a stack that pins none (dev may leave it open).
    const account = config.aws.allowedAccountIds[0] ?? opts.account;
    if (!account) throw new UsageError(`Pulumi.${stack}.yaml sets no aws:allowedAccountIds: pin the ${stack} account there, or pass --account`);
    if (opts.account && config.aws.allowedAccountIds.length > 0 && !config.aws.allowedAccountIds.includes(opts.account)) {
        throw new UsageError(`--account ${opts.account} is not in Pulumi.${stack}.yaml's aws:allowedAccountIds (${config.aws.allowedAccountIds.join(", ")})`);
    }
    const warnings = accountMismatches(config.cluster, account);
    const env = githubEnvironments(stack);
    const names = roleNames(stack);
    const previewArn = `arn:aws:iam::${account}:role/${names.preview}`;
    const deployArn = `arn:aws:iam::${account}:role/${names.deploy}`;
    const audit = auditBucketName(stack, account);
    const environments = environmentSettings(stack, opts.reviewersTeamId);
    const files: Record<string, unknown> = {
        "deploy-trust.json": githubTrustPolicy(account, environmentSubjects(opts.repo, [env.deploy])),
        "preview-trust.json": githubTrustPolicy(account, environmentSubjects(opts.repo, [env.preview, env.plan])),
        "preview-permissions.json": previewRolePolicy({ accountId: account, roleArn: previewArn, state: opts.state }),
        "audit-object-lock.json": auditObjectLock(),
        "audit-encryption.json": auditEncryption(),
        "audit-bucket-policy.json": auditBucketPolicy(audit, deployArn),
        "audit-guard-scp.json": auditGuardScp(audit),
        ...Object.fromEntries(environments.map((e) => [`github-env-${e.name}.json`, e.body])),
        "quotas.json": quotaNeeds(config),
    };
    if (opts.pulumiOrg) {
        files["pulumi-preview-team.json"] = { name: previewTeam(stack), stacks: previewTeamStacks(stack) };
        files["pulumi-oidc-policies.json"] = previewTokenPolicies(opts.pulumiOrg, opts.repo, stack);
    }
    const commands = [
        ...warnings.map((w) => `# WARNING: ${w}`),
        `# ${stack}: account ${account}, GitHub environments ${env.deploy}, ${env.plan}, ${env.preview}; files in ${dir}/`,
        `aws iam create-role --role-name ${names.deploy} --max-session-duration ${DEPLOY_ROLE_MAX_SESSION_SECONDS} --assume-role-policy-document file://${dir}/deploy-trust.json`,
        `# a deploy role that already exists: aws iam update-role --role-name ${names.deploy} --max-session-duration ${DEPLOY_ROLE_MAX_SESSION_SECONDS}`,
        `aws iam attach-role-policy --role-name ${names.deploy} --policy-arn ${DEPLOY_ROLE_MANAGED_POLICY}`,
        `aws iam create-role --role-name ${names.preview} --max-session-duration ${PREVIEW_ROLE_MAX_SESSION_SECONDS} --assume-role-policy-document file://${dir}/preview-trust.json`,
        `aws iam put-role-policy --role-name ${names.preview} --policy-name preview --policy-document file://${dir}/preview-permissions.json`,
        `# the deploy audit trail: the up job archives each update's plan, preview and output here (GitHub variable DEPLOY_AUDIT_BUCKET=${audit} in ${env.deploy})`,
        ...auditBucketCommands(audit, config.region, dir),
        `# recommended, from the organisation's management account: an SCP so that only ${BREAK_GLASS_ROLE} may replace the bucket's policy (its account's admins, the deploy role included, otherwise can)`,
        ...auditGuardCommands(stack, account, dir),
        `# GitHub environments (rules in github-env-*.json${opts.reviewersTeamId === undefined ? "; pass --reviewers-team-id first" : ""})`,
        ...environmentCommands(opts.repo, environments, dir),
    ];
    if (opts.pulumiOrg) {
        commands.push(
            `# Pulumi Cloud: team ${previewTeam(stack)} with Read on ${opts.pulumiOrg}/${previewTeamStacks(stack)[0].projectName}/${stack} only (pulumi-preview-team.json);`,
            `# add pulumi-oidc-policies.json's rules to the GitHub issuer's authorization policy; PULUMI_PREVIEW_TEAM=${previewTeam(stack)} in ${env.plan} and ${env.preview}`,
        );
    }
    for (const q of quotaNeeds(config)) {
        commands.push(`# ${q.name}: at least ${q.need} (${q.why})`);
        commands.push(`aws service-quotas get-service-quota --region ${config.region} --service-code ec2 --quota-code ${q.code} --query Quota.Value`);
    }
    commands.push(`# then in Pulumi.${stack}.yaml: cluster.adminPrincipals [${deployArn}, ...] and cluster.previewRoleArn ${previewArn}`);
    return { files, commands, warnings };
}

async function main(argv: string[]): Promise<number> {
    const spec = { stack: "string", repo: "string", account: "string", "state-bucket": "string", "state-key-arn": "string", "pulumi-org": "string", "reviewers-team-id": "string", out: "string" } as const;
    const args = parseArgs(argv, spec, USAGE);
    const stack = args.stack;
    if (!stack || !(STACKS as readonly string[]).includes(stack) || !args.repo) throw new UsageError(USAGE);
    if (Boolean(args["state-bucket"]) !== Boolean(args["state-key-arn"])) throw new UsageError(`--state-bucket and --state-key-arn go together\n${USAGE}`);
    const teamId = args["reviewers-team-id"];
    if (teamId !== undefined && !/^\d+$/.test(teamId)) throw new UsageError(`--reviewers-team-id is the team's numeric ID, got "${teamId}"\n${USAGE}`);
    const out = path.resolve(args.out ?? path.join("out", "bootstrap", stack));
    const dir = path.relative(process.cwd(), out) || ".";
    const state = args["state-bucket"] ? { bucket: args["state-bucket"], kmsKeyArn: args["state-key-arn"]! } : undefined;
    const { files, commands, warnings } = bootstrapOutput({ stack, repo: args.repo, account: args.account, state, pulumiOrg: args["pulumi-org"], reviewersTeamId: teamId === undefined ? undefined : Number(teamId), dir });
    fs.mkdirSync(out, { recursive: true });
    for (const [file, doc] of Object.entries(files)) fs.writeFileSync(path.join(out, file), `${JSON.stringify(doc, null, 2)}\n`);
    for (const w of warnings) console.error(`bootstrap: warning: ${w}`);
    for (const line of commands) console.log(line);
    return 0;
}

if (require.main === module) runCommand("bootstrap", main);
