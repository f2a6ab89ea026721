// The IAM role EC2 nodes run as, shared by the managed node group and Karpenter's nodes: what
// every node needs (join the cluster, pull from ECR) and, with the pull-through cache, filling it.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumeRolePolicy, managedPolicyArn, roleNamePrefix } from "../iam";
import { PullThroughCache } from "../registry";

export interface NodeRole {
    role: aws.iam.Role;
    policies: aws.iam.RolePolicyAttachment[];
}

/** `<name>-nodes` and its attachments, named as each component registered them before. */
export function nodeRole(name: string, stackName: string, purpose: string, cache: PullThroughCache | undefined, opts: pulumi.CustomResourceOptions): NodeRole {
    const role = new aws.iam.Role(`${name}-nodes`, {
        namePrefix: roleNamePrefix(stackName, purpose),
        assumeRolePolicy: JSON.stringify(assumeRolePolicy("ec2.amazonaws.com")),
    }, opts);
    const policies = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"].map(
        (policy) => new aws.iam.RolePolicyAttachment(`${name}-nodes-${policy}`, { role: role.name, policyArn: managedPolicyArn(policy) }, opts),
    );
    if (cache) policies.push(new aws.iam.RolePolicyAttachment(`${name}-nodes-pull-through-cache`, { role: role.name, policyArn: cache.nodePolicyArn }, opts));
    return { role, policies };
}
