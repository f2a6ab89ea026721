// npm run bootstrap -- --stack <dev|staging|prod> --repo <owner/name> [--account <id>] [--state-bucket <b> --state-key-arn <arn>] [--out <dir>]
// Writes what a stack's AWS account needs before its first deploy into out/bootstrap/<stack>/:
// the trust and permission policies of its deploy and preview roles, and the EC2 quotas its
// configuration needs, then prints the commands that create them (README, "A fresh AWS
// organisation"). Reads the stack file like the synth; calls nothing in AWS.
import * as fs from "fs";
import * as path from "path";
import { parsePlatformConfig } from "../components/config";
import { parseArgs, runCommand, UsageError } from "./lib/args";
import {
    DEPLOY_ROLE_MANAGED_POLICY,
    DEPLOY_ROLE_MAX_SESSION_SECONDS,
    environmentSubjects,
    githubEnvironments,
    githubTrustPolicy,
    PREVIEW_ROLE_MAX_SESSION_SECONDS,
    previewRolePolicy,
} from "./lib/bootstrap/iam";
import { quotaNeeds } from "./lib/bootstrap/quotas";
import { readStackConfig, STACKS } from "./lib/stack-config";

const USAGE = "usage: npm run bootstrap -- --stack <dev|staging|prod> --repo <owner/name> [--account <12 digits>] [--state-bucket <bucket> --state-key-arn <kms key arn>] [--out <dir>]";

/** Role names the commands create; the ARNs go into cluster.adminPrincipals / cluster.previewRoleArn. */
export function roleNames(stack: string): { deploy: string; preview: string } {
    return { deploy: `dodo-${stack}-github-deploy`, preview: `dodo-${stack}-github-preview` };
}

async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv, { stack: "string", repo: "string", account: "string", "state-bucket": "string", "state-key-arn": "string", out: "string" }, USAGE);
    const stack = args.stack;
    if (!stack || !(STACKS as readonly string[]).includes(stack) || !args.repo) throw new UsageError(USAGE);
    if (Boolean(args["state-bucket"]) !== Boolean(args["state-key-arn"])) throw new UsageError(`--state-bucket and --state-key-arn go together\n${USAGE}`);
    const raw = readStackConfig(stack);
    const config = parsePlatformConfig({ stack, values: raw.values, secretKeys: raw.secretKeys });
    // The stack file's pinned account; --account for a stack that pins none (dev may leave it open).
    const account = config.aws.allowedAccountIds[0] ?? args.account;
    if (!account) throw new UsageError(`Pulumi.${stack}.yaml sets no aws:allowedAccountIds: pin the ${stack} account there, or pass --account`);
    if (args.account && config.aws.allowedAccountIds.length > 0 && !config.aws.allowedAccountIds.includes(args.account)) {
        throw new UsageError(`--account ${args.account} is not in Pulumi.${stack}.yaml's aws:allowedAccountIds (${config.aws.allowedAccountIds.join(", ")})`);
    }

    const env = githubEnvironments(stack);
    const names = roleNames(stack);
    const previewArn = `arn:aws:iam::${account}:role/${names.preview}`;
    const state = args["state-bucket"] ? { bucket: args["state-bucket"], kmsKeyArn: args["state-key-arn"]! } : undefined;
    const files: Record<string, unknown> = {
        "deploy-trust.json": githubTrustPolicy(account, environmentSubjects(args.repo, [env.deploy])),
        "preview-trust.json": githubTrustPolicy(account, environmentSubjects(args.repo, [env.preview, env.plan])),
        "preview-permissions.json": previewRolePolicy({ accountId: account, roleArn: previewArn, state }),
        "quotas.json": quotaNeeds(config),
    };
    const out = path.resolve(args.out ?? path.join("out", "bootstrap", stack));
    fs.mkdirSync(out, { recursive: true });
    for (const [file, doc] of Object.entries(files)) fs.writeFileSync(path.join(out, file), `${JSON.stringify(doc, null, 2)}\n`);

    const rel = path.relative(process.cwd(), out) || ".";
    console.log(`# ${stack}: account ${account}, GitHub environments ${env.deploy}, ${env.plan}, ${env.preview}; files in ${rel}/`);
    console.log(`aws iam create-role --role-name ${names.deploy} --max-session-duration ${DEPLOY_ROLE_MAX_SESSION_SECONDS} --assume-role-policy-document file://${rel}/deploy-trust.json`);
    console.log(`aws iam attach-role-policy --role-name ${names.deploy} --policy-arn ${DEPLOY_ROLE_MANAGED_POLICY}`);
    console.log(`aws iam create-role --role-name ${names.preview} --max-session-duration ${PREVIEW_ROLE_MAX_SESSION_SECONDS} --assume-role-policy-document file://${rel}/preview-trust.json`);
    console.log(`aws iam put-role-policy --role-name ${names.preview} --policy-name preview --policy-document file://${rel}/preview-permissions.json`);
    for (const q of quotaNeeds(config)) {
        console.log(`# ${q.name}: at least ${q.need} (${q.why})`);
        console.log(`aws service-quotas get-service-quota --region ${config.region} --service-code ec2 --quota-code ${q.code} --query Quota.Value`);
    }
    console.log(`# then in Pulumi.${stack}.yaml: cluster.adminPrincipals [arn:aws:iam::${account}:role/${names.deploy}, ...] and cluster.previewRoleArn ${previewArn}`);
    return 0;
}

if (require.main === module) runCommand("bootstrap", main);
