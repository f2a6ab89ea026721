// What every repository the pull-through cache creates gets: ECR makes them on a first pull, so
// their settings come from a repository creation template per prefix (applied to
// PULL_THROUGH_CACHE), and scanning from the registry's scanning configuration. Pure.

/** Untagged images (a tag ECR re-synced to a new upstream digest leaves the old one untagged) go after this long. */
export const UNTAGGED_EXPIRY_DAYS = 14;

/**
 * The lifecycle policy of every cache repository: expire untagged images. Tagged ones stay, since
 * pods pull by tag (a digest pin cannot fill the cache: aws/containers-roadmap#2837). Fields as
 * ECR's lifecycle policy parameters (rulePriority, selection.tagStatus/countType/countUnit/
 * countNumber, action.type expire).
 */
export function cacheLifecyclePolicy(days: number = UNTAGGED_EXPIRY_DAYS): Record<string, unknown> {
    if (!Number.isInteger(days) || days < 1) throw new Error(`untagged images must expire after a whole number of days >= 1 (got ${days})`);
    return {
        rules: [
            {
                rulePriority: 1,
                description: `expire untagged images after ${days} days`,
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: days },
                action: { type: "expire" },
            },
        ],
    };
}

/** The inputs of one aws.ecr.RepositoryCreationTemplate (pulumi-aws 7.x field names). */
export interface CacheTemplate {
    /** The pull-through cache rule's prefix: ECR matches a template to a rule by the same prefix. */
    prefix: string;
    appliedFors: string[];
    description: string;
    encryptionConfigurations: { encryptionType: "KMS"; kmsKey: string }[];
    /** MUTABLE: the cache re-syncs a tag to its upstream's current image. */
    imageTagMutability: "MUTABLE";
    lifecyclePolicy: string;
    customRoleArn: string;
}

export function cacheTemplate(input: { prefix: string; upstream: string; kmsKeyArn: string; roleArn: string }): CacheTemplate {
    return {
        prefix: input.prefix,
        appliedFors: ["PULL_THROUGH_CACHE"],
        description: `ECR pull-through cache of ${input.upstream}: KMS-encrypted, untagged images expire`,
        encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: input.kmsKeyArn }],
        imageTagMutability: "MUTABLE",
        lifecyclePolicy: JSON.stringify(cacheLifecyclePolicy()),
        customRoleArn: input.roleArn,
    };
}

/**
 * The registry's scanning configuration: basic scanning on push for every cache prefix (the
 * repository-level scanOnPush is deprecated in favour of registry rules). ECR does not document
 * whether a pull-through import counts as a push, so docs/registry.md says how to scan a cached
 * image by hand; ENHANCED (Amazon Inspector, continuous) is the upgrade. It is the registry's one
 * configuration (PutRegistryScanningConfiguration replaces it whole), the stack's to own: each
 * environment has its own account.
 */
export function cacheScanning(prefixes: readonly string[]): { scanType: "BASIC"; rules: { scanFrequency: "SCAN_ON_PUSH"; repositoryFilters: { filter: string; filterType: "WILDCARD" }[] }[] } {
    return {
        scanType: "BASIC",
        rules: [{ scanFrequency: "SCAN_ON_PUSH", repositoryFilters: prefixes.map((p) => ({ filter: `${p}/*`, filterType: "WILDCARD" as const })) }],
    };
}
