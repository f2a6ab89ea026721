// The nodes' permission to fill the cache on a first pull. Pure.
import { PolicyDocument } from "../iam";

/**
 * A node that pulls an image the cache does not hold yet makes ECR create the repository and import
 * the image: ecr:CreateRepository and ecr:BatchImportUpstreamImage on the caller (ECR user guide,
 * "IAM permissions required to sync an upstream registry"), here only under the cache's prefixes.
 * Reading images is AmazonEC2ContainerRegistryPullOnly's, which the node roles already have.
 */
export function pullThroughCachePolicy(input: { region: string; accountId: string; prefixes: readonly string[] }): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "FillThePullThroughCache",
                Effect: "Allow",
                Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
                Resource: cacheRepositoryArns(input),
            },
        ],
    };
}

/** Every repository under the cache's prefixes, as IAM resources. */
export function cacheRepositoryArns(input: { region: string; accountId: string; prefixes: readonly string[] }): string[] {
    return input.prefixes.map((p) => `arn:aws:ecr:${input.region}:${input.accountId}:repository/${p}/*`);
}

/**
 * What the role ECR assumes to create a cache repository from its template may do (a template
 * that encrypts with a customer-managed key needs one: customRoleArn, "Required if using repository
 * tags or KMS encryption"; its trust: SERVICES_WITHOUT_SOURCE_CONTEXT in components/iam.ts). ECR's
 * documented template policy (user guide, "Create a custom policy for repository creation
 * templates") narrowed to the cache's prefixes and key, without ecr:ReplicateImage (the templates
 * apply to the pull-through cache only, not to replication).
 * The KMS grants are how ECR, and every node pulling later, uses the key: nodes need no KMS
 * permission of their own (user guide, "Encryption at rest": ECR adds a grant on the key with the
 * repository as grantee principal).
 */
export function templateRolePolicy(input: { region: string; accountId: string; prefixes: readonly string[]; keyArn: string }): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "CreateCacheRepositories", Effect: "Allow", Action: ["ecr:CreateRepository", "ecr:TagResource"], Resource: cacheRepositoryArns(input) },
            { Sid: "EncryptWithTheCacheKey", Effect: "Allow", Action: ["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"], Resource: input.keyArn },
        ],
    };
}
