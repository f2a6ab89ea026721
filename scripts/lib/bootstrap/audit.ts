// The deploy audit trail: every update's plan, the preview the approver read and the update's
// output, copied after the update (failed or not) to an S3 bucket of the environment's account
// under Object Lock. GitHub keeps the run's artifact 30 days; PCI DSS v4.0 10.5.1 asks for 12
// months of audit history (3 immediately available: S3 Standard is).
// `npm run bootstrap` writes these documents and prints the commands that create the bucket.
import type { BootstrapPolicy } from "./iam";

/** 12 months, also across a leap day. COMPLIANCE mode: nobody, root included, shortens or deletes. */
export const AUDIT_RETENTION_DAYS = 366;

/** Objects the up job writes: `plans/<stack>/<run id>-<attempt>/{plan.json,preview.txt,up.txt}`. */
export const AUDIT_PREFIX = "plans/";

/** Bucket names are global: the account ID keeps each environment's unique. */
export function auditBucketName(stack: string, accountId: string): string {
    return `dodo-${stack}-deploy-audit-${accountId}`;
}

/**
 * `put-object-lock-configuration`: a default retention every new object version gets (S3 User
 * Guide, "Configuring S3 Object Lock"; Object Lock needs versioning, which creating the bucket
 * with --object-lock-enabled-for-bucket turns on).
 */
export function auditObjectLock(): { ObjectLockEnabled: "Enabled"; Rule: { DefaultRetention: { Mode: "COMPLIANCE"; Days: number } } } {
    return { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: AUDIT_RETENTION_DAYS } } };
}

/** SSE-S3: the records hold no secret (plans are saved without --show-secrets), and no key policy has to admit the writer. */
export function auditEncryption(): { Rules: { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }[] } {
    return { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] };
}

/**
 * The bucket policy: TLS only, and objects are written by the deploy role alone (the up job, after
 * the update). Its AdministratorAccess covers s3:PutObject; the preview role, which pull-request
 * previews hold too, writes nothing here. An explicit Deny in a bucket policy wins over any
 * identity policy's Allow, but only while the policy stands: an identity with
 * s3:PutBucketPolicy in the account (an admin, the deploy role itself) can replace it, hence
 * auditGuardScp. Object Lock keeps every stored version whatever the policy says.
 */
export function auditBucketPolicy(bucket: string, writerRoleArn: string): BootstrapPolicy {
    const arn = `arn:aws:s3:::${bucket}`;
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "TlsOnly", Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
            { Sid: "OnlyTheDeployRoleWrites", Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:PutObject", Resource: `${arn}/*`, Condition: { ArnNotEquals: { "aws:PrincipalArn": writerRoleArn } } },
        ],
    };
}

/** The aws commands that create the bucket; files are the JSON documents above. */
export function auditBucketCommands(bucket: string, region: string, dir: string): string[] {
    // us-east-1 takes no LocationConstraint (CreateBucket API reference).
    const location = region === "us-east-1" ? "" : ` --create-bucket-configuration LocationConstraint=${region}`;
    return [
        `aws s3api create-bucket --bucket ${bucket} --region ${region}${location} --object-lock-enabled-for-bucket`,
        `aws s3api put-object-lock-configuration --bucket ${bucket} --object-lock-configuration file://${dir}/audit-object-lock.json`,
        `aws s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`,
        `aws s3api put-bucket-encryption --bucket ${bucket} --server-side-encryption-configuration file://${dir}/audit-encryption.json`,
        `aws s3api put-bucket-policy --bucket ${bucket} --policy file://${dir}/audit-bucket-policy.json`,
    ];
}

/** The role the guard SCP exempts: an emergency role the organisation creates and watches. */
export const BREAK_GLASS_ROLE = "dodo-break-glass";

/**
 * A service control policy for the environment's account, attached from the organisation's
 * management account: no identity of the account but the break-glass role may replace or delete
 * the audit bucket's policy or change its Object Lock default, so the policy's one-writer Deny
 * holds against the account's admins too (aws-samples/service-control-policy-examples excepts
 * principals the same way, with aws:PrincipalArn). SCPs do not bind the management account.
 */
export function auditGuardScp(bucket: string, breakGlassRole = BREAK_GLASS_ROLE): BootstrapPolicy {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "KeepTheAuditBucketPolicy",
                Effect: "Deny",
                Action: ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketObjectLockConfiguration"],
                Resource: `arn:aws:s3:::${bucket}`,
                Condition: { ArnNotLike: { "aws:PrincipalArn": `arn:aws:iam::*:role/${breakGlassRole}` } },
            },
        ],
    };
}

/** The management account's commands that create the guard SCP and attach it to the account. */
export function auditGuardCommands(stack: string, accountId: string, dir: string): string[] {
    return [
        `aws organizations create-policy --type SERVICE_CONTROL_POLICY --name dodo-${stack}-audit-guard --description "Only ${BREAK_GLASS_ROLE} changes the deploy audit bucket's policy" --content file://${dir}/audit-guard-scp.json --query Policy.PolicySummary.Id --output text`,
        `aws organizations attach-policy --target-id ${accountId} --policy-id <the id printed above>`,
    ];
}
