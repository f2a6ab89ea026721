// The AWS Load Balancer Controller's IAM policy: upstream's reference document for the pinned
// controller (aws-load-balancer-controller-policy.json, docs/install/iam_policy.json at the chart's
// appVersion, unchanged) with the scope-down upstream recommends for its one permissive statement.
import { PolicyDocument, PolicyStatement } from "../iam";
import upstream from "./aws-load-balancer-controller-policy.json";

const SG_INGRESS_ACTIONS = ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"];

const isPermissiveIngress = (s: PolicyStatement): boolean =>
    s.Resource === "*" && s.Condition === undefined && JSON.stringify([...([] as string[]).concat(s.Action)].sort()) === JSON.stringify([...SG_INGRESS_ACTIONS].sort());

/**
 * Upstream's policy, with its unconditioned AuthorizeSecurityGroupIngress/RevokeSecurityGroupIngress
 * statement limited to security groups of the cluster's VPC: docs/deploy/installation.md ("We
 * recommend further scoping down this configuration based on the VPC ID", the `ArnEquals` on
 * `ec2:Vpc` example). The controller only edits rules of its NLB's and the targets' groups, all in
 * this VPC; without it the role could open any group in the account.
 */
export function lbControllerPolicy(vpcArn: string): PolicyDocument {
    if (!/^arn:aws[a-z-]*:ec2:[a-z0-9-]+:\d{12}:vpc\/[\w-]+$/.test(vpcArn)) {
        throw new Error(`vpcArn must be a VPC ARN such as arn:aws:ec2:ap-south-1:123456789012:vpc/vpc-0abc (got "${vpcArn}")`);
    }
    const doc = JSON.parse(JSON.stringify(upstream)) as PolicyDocument;
    const permissive = doc.Statement.filter(isPermissiveIngress);
    if (permissive.length !== 1) {
        throw new Error(`expected one unconditioned security-group ingress statement in the upstream policy, found ${permissive.length}: re-check aws-load-balancer-controller-policy.json against upstream`);
    }
    permissive[0].Condition = { ArnEquals: { "ec2:Vpc": vpcArn } };
    return doc;
}
