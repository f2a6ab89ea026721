// The IAM a fresh AWS account needs before the first deploy: GitHub's OIDC provider, and per
// environment account a deploy role and a preview role. Pure policy documents; `npm run
// bootstrap` writes them out with the commands that create them (README, "A fresh AWS
// organisation"). They live outside the stack because the stack's own runs assume them.
import { PolicyDocument, PolicyStatement } from "../../../components/iam";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/**
 * The deploy job asks STS for this many seconds (pulumi-up.yml, role-duration-seconds); IAM's
 * default MaxSessionDuration is 3600 and a longer request fails, so the deploy role is created
 * with this maximum (1 to 12 hours allowed; AssumeRoleWithWebIdentity DurationSeconds).
 */
export const DEPLOY_ROLE_MAX_SESSION_SECONDS = 7200;
/** The preview and plan jobs keep the action's OIDC default, which IAM's default maximum allows. */
export const PREVIEW_ROLE_MAX_SESSION_SECONDS = 3600;

/** The GitHub environments of one stack, which the roles' trust policies name. */
export function githubEnvironments(stack: string): { deploy: string; preview: string; plan: string } {
    return { deploy: stack, preview: `${stack}-preview`, plan: `${stack}-plan` };
}

/** OIDC subjects of jobs that run in these environments of `repo` (owner/name). */
export function environmentSubjects(repo: string, environments: readonly string[]): string[] {
    if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new Error(`expected the repository as owner/name, got "${repo}"`);
    return environments.map((e) => `repo:${repo}:environment:${e}`);
}

/**
 * Trust policy for a role GitHub Actions assumes by OIDC: the audience the action requests and
 * exactly the listed subjects (StringEquals, no wildcard), so only jobs in those environments,
 * whose deployment-branch and reviewer rules GitHub enforces, get it.
 */
export function githubTrustPolicy(accountId: string, subjects: readonly string[]): PolicyDocument {
    if (!/^\d{12}$/.test(accountId)) throw new Error(`expected a 12-digit account ID, got "${accountId}"`);
    if (subjects.length === 0) throw new Error("a trust policy needs at least one subject");
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}` },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com", [`${GITHUB_OIDC_HOST}:sub`]: [...subjects] } },
            },
        ],
    };
}

/** A statement with NotResource, which components/iam.ts does not model. */
export type BootstrapStatement = PolicyStatement & { NotResource?: string | string[] };
export interface BootstrapPolicy {
    Version: "2012-10-17";
    Statement: BootstrapStatement[];
}

/**
 * The AWS provider invokes (data sources) the program calls, by SDK name, and the IAM actions each
 * needs (terraform-provider-aws data sources: session_context GetRole, route53 zone List/Get/tags,
 * secretsmanager secret DescribeSecret + GetResourcePolicy, metadata only). A preview runs them, so
 * the preview role needs them; test/delivery/bootstrap.test.ts fails on an invoke missing here.
 */
export const INVOKE_ACTIONS: Readonly<Record<string, readonly string[]>> = {
    getCallerIdentity: [], // STS GetCallerIdentity needs no permission
    getAvailabilityZones: ["ec2:DescribeAvailabilityZones"],
    getRegion: ["ec2:DescribeRegions"],
    "iam.getSessionContext": [], // iam:GetRole on the caller's own role: OwnRoleForSessionContext
    "route53.getZone": ["route53:ListHostedZones", "route53:GetHostedZone", "route53:ListTagsForResource"],
    "lb.getHostedZoneId": [], // the provider's static table of ELB alias zones: no AWS call
    "secretsmanager.getSecret": ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
};

export interface PreviewPolicyInput {
    accountId: string;
    /** The preview role's own ARN (getSessionContext reads it with iam:GetRole). */
    roleArn: string;
    /** Self-managed state: the S3 bucket and the KMS key of the `awskms://` secrets provider. */
    state?: { bucket: string; kmsKeyArn: string };
}

/**
 * What `pulumi preview` of this program needs and no more: the invokes the program makes, the
 * state it reads, the state's data key. The AWS provider's Check/Diff make no calls; reading the
 * caller needs no permission (STS GetCallerIdentity); Kubernetes access comes from the access
 * entry, and `aws eks get-token` only presigns a GetCallerIdentity. A diy-backend preview takes
 * no lock and writes nothing (pkg/backend/diy/backend.go: Preview, apply with DryRun).
 * Runtime secrets live in Secrets Manager: their metadata is readable, their values are not.
 */
export function previewRolePolicy(input: PreviewPolicyInput): BootstrapPolicy {
    const statements: BootstrapStatement[] = [
        { Sid: "ProgramInvokes", Effect: "Allow", Action: [...new Set(Object.values(INVOKE_ACTIONS).flat())].sort(), Resource: "*" },
        { Sid: "OwnRoleForSessionContext", Effect: "Allow", Action: "iam:GetRole", Resource: input.roleArn },
    ];
    if (input.state) {
        const bucket = `arn:aws:s3:::${input.state.bucket}`;
        statements.push(
            { Sid: "ReadState", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket },
            { Sid: "ReadStateObjects", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucket}/.pulumi/*` },
            { Sid: "DecryptStateDataKey", Effect: "Allow", Action: "kms:Decrypt", Resource: input.state.kmsKeyArn },
            { Sid: "NeverWriteState", Effect: "Deny", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: `${bucket}/*` },
        );
    }
    statements.push(
        {
            Sid: "NoRuntimeSecrets",
            Effect: "Deny",
            Action: ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
            Resource: "*",
        },
        // Decrypting anything but the state's data key (a workload's key, a snapshot) is refused.
        input.state
            ? { Sid: "NoOtherDecrypt", Effect: "Deny", Action: "kms:Decrypt", NotResource: input.state.kmsKeyArn }
            : { Sid: "NoDecrypt", Effect: "Deny", Action: "kms:Decrypt", Resource: "*" },
    );
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * The deploy role's permissions: AdministratorAccess, in an account that holds one environment
 * only. The program creates IAM roles and policies, which is admin-equivalent whatever policy is
 * attached; the controls are who can assume the role (one environment's OIDC subject, main only,
 * prod behind reviewers) and the account boundary.
 */
export const DEPLOY_ROLE_MANAGED_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess";
