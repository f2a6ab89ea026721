// The S3 bucket Loki keeps chunks and index in (staging, prod): its policies as pure documents.
import { PolicyDocument } from "../iam";

/** Lifecycle of the bucket: a safety net a day behind Loki's own retention (its compactor deletes first). */
export interface BucketLifecycle {
    expirationDays: number;
    noncurrentVersionExpirationDays: number;
    abortIncompleteMultipartUploadDays: number;
}

export function lokiBucketLifecycle(retentionDays: number): BucketLifecycle {
    return { expirationDays: retentionDays + 1, noncurrentVersionExpirationDays: 7, abortIncompleteMultipartUploadDays: 1 };
}

/** One rule in the shape aws.s3.BucketLifecycleConfiguration takes. */
export interface LifecycleRule {
    id: string;
    status: "Enabled" | "Disabled";
    /** Empty: every object of the bucket. */
    filter: Record<string, never>;
    expiration?: { days?: number; expiredObjectDeleteMarker?: boolean };
    noncurrentVersionExpiration?: { noncurrentDays: number };
    abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

/** S3 refuses `days` and `expiredObjectDeleteMarker` in one rule, hence two rules. */
export function lokiLifecycleRules(lifecycle: BucketLifecycle): LifecycleRule[] {
    return [
        {
            id: "expire-logs",
            status: "Enabled",
            filter: {},
            expiration: { days: lifecycle.expirationDays },
            noncurrentVersionExpiration: { noncurrentDays: lifecycle.noncurrentVersionExpirationDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: lifecycle.abortIncompleteMultipartUploadDays },
        },
        {
            // Versioned deletes leave markers behind; remove them once nothing is under them.
            id: "remove-expired-delete-markers",
            status: "Enabled",
            filter: {},
            expiration: { expiredObjectDeleteMarker: true },
        },
    ];
}

/** Bucket policy: refuse every request that is not over TLS (aws:SecureTransport). */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: { AWS: "*" },
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    };
}

/** What Loki's IRSA role may do: list this bucket, read/write/delete its objects, use its key. */
export function lokiBucketAccessPolicy(bucketArn: string, kmsKeyArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn },
            { Sid: "ReadWriteObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `${bucketArn}/*` },
            { Sid: "UseBucketKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: kmsKeyArn },
        ],
    };
}
