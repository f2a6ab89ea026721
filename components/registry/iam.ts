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
                Resource: input.prefixes.map((p) => `arn:aws:ecr:${input.region}:${input.accountId}:repository/${p}/*`),
            },
        ],
    };
}
