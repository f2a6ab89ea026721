// Pure IAM and SQS policy documents for Karpenter, from the reference policies of its getting-started
// CloudFormation template at v1.14.1 (website/content/en/docs/getting-started/
// getting-started-with-karpenter/cloudformation.yaml in aws/karpenter-provider-aws). Differences:
// the program creates the instance profile, so the controller gets no instance-profile write
// actions; the queue admits only this stack's EventBridge rules; no zonal-shift permission (off).
import { PolicyDocument, PolicyStatement } from "../iam";

export interface ControllerPolicyInput {
    region: string;
    clusterName: string;
    clusterArn: string;
    nodeRoleArn: string;
    instanceProfileArn: string;
    queueArn: string;
}

/** Everything Karpenter launches carries these request tags, and only such resources may be touched. */
function ownedRequestTags(clusterName: string): PolicyStatement["Condition"] {
    return {
        StringEquals: { [`aws:RequestTag/kubernetes.io/cluster/${clusterName}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": clusterName },
        StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
    };
}

function ownedResourceTags(clusterName: string): PolicyStatement["Condition"] {
    return { StringEquals: { [`aws:ResourceTag/kubernetes.io/cluster/${clusterName}`]: "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } };
}

/** The controller's IRSA policy: launch, tag and terminate only its own instances, in one region. */
export function karpenterControllerPolicy(input: ControllerPolicyInput): PolicyDocument {
    const ec2 = (resource: string) => `arn:aws:ec2:${input.region}:*:${resource}`;
    const launched = ["fleet/*", "instance/*", "volume/*", "network-interface/*", "launch-template/*", "spot-instances-request/*"].map(ec2);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AllowScopedEC2InstanceAccessActions",
                Effect: "Allow",
                Action: ["ec2:RunInstances", "ec2:CreateFleet"],
                Resource: [`arn:aws:ec2:${input.region}::image/*`, `arn:aws:ec2:${input.region}::snapshot/*`, ...["security-group/*", "subnet/*", "capacity-reservation/*", "placement-group/*"].map(ec2)],
            },
            {
                Sid: "AllowScopedEC2LaunchTemplateAccessActions",
                Effect: "Allow",
                Action: ["ec2:RunInstances", "ec2:CreateFleet"],
                Resource: ec2("launch-template/*"),
                Condition: ownedResourceTags(input.clusterName),
            },
            { Sid: "AllowScopedEC2InstanceActionsWithTags", Effect: "Allow", Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"], Resource: launched, Condition: ownedRequestTags(input.clusterName) },
            {
                Sid: "AllowScopedResourceCreationTagging",
                Effect: "Allow",
                Action: "ec2:CreateTags",
                Resource: launched,
                Condition: {
                    StringEquals: {
                        [`aws:RequestTag/kubernetes.io/cluster/${input.clusterName}`]: "owned",
                        "aws:RequestTag/eks:eks-cluster-name": input.clusterName,
                        "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
                    },
                    StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
                },
            },
            {
                Sid: "AllowScopedResourceTagging",
                Effect: "Allow",
                Action: "ec2:CreateTags",
                Resource: ec2("instance/*"),
                Condition: {
                    ...ownedResourceTags(input.clusterName),
                    StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": input.clusterName },
                    "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
                },
            },
            {
                Sid: "AllowScopedDeletion",
                Effect: "Allow",
                Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
                Resource: [ec2("instance/*"), ec2("launch-template/*")],
                Condition: ownedResourceTags(input.clusterName),
            },
            {
                Sid: "AllowPassingInstanceRole",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: input.nodeRoleArn,
                Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
            },
            { Sid: "AllowInstanceProfileReadActions", Effect: "Allow", Action: "iam:GetInstanceProfile", Resource: input.instanceProfileArn },
            // Karpenter's instance-profile garbage collection lists profiles; read-only, no resource scope exists.
            { Sid: "AllowUnscopedInstanceProfileListAction", Effect: "Allow", Action: "iam:ListInstanceProfiles", Resource: "*" },
            { Sid: "AllowAPIServerEndpointDiscovery", Effect: "Allow", Action: "eks:DescribeCluster", Resource: input.clusterArn },
            { Sid: "AllowInterruptionQueueActions", Effect: "Allow", Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"], Resource: input.queueArn },
            {
                Sid: "AllowRegionalReadActions",
                Effect: "Allow",
                Action: [
                    "ec2:DescribeCapacityReservations",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceStatus",
                    "ec2:DescribeInstanceTypeOfferings",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplates",
                    "ec2:DescribePlacementGroups",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSpotPriceHistory",
                    "ec2:DescribeSubnets",
                ],
                Resource: "*",
                Condition: { StringEquals: { "aws:RequestedRegion": input.region } },
            },
            // The AL2023 alias resolves through the public EKS AMI parameters.
            { Sid: "AllowSSMReadActions", Effect: "Allow", Action: "ssm:GetParameter", Resource: `arn:aws:ssm:${input.region}::parameter/aws/service/*` },
            { Sid: "AllowPricingReadActions", Effect: "Allow", Action: "pricing:GetProducts", Resource: "*" },
        ],
    };
}

/**
 * The interruption queue's policy: only this stack's EventBridge rules may send (EventBridge docs,
 * "Amazon SQS permissions": aws:SourceArn is the rule's ARN), and nothing over plain HTTP.
 */
export function interruptionQueuePolicy(queueArn: string, ruleArns: string[]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "AllowEventBridgeRules", Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage", Resource: queueArn, Condition: { ArnEquals: { "aws:SourceArn": ruleArns } } },
            { Sid: "DenyHTTP", Effect: "Deny", Principal: { AWS: "*" }, Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
        ],
    };
}

/**
 * Rule names are `<cluster>-karpenter-<name>`: with the longest stack name (dodo- + 21) the name
 * stays within EventBridge's 64 characters.
 *
 * The events Karpenter handles (same rules as the reference template): scheduled maintenance from
 * AWS Health, spot interruption warnings and rebalance recommendations, instance state changes and
 * capacity-reservation interruptions. Each becomes a cordon and drain ahead of the event.
 */
export const INTERRUPTION_EVENTS: readonly { name: string; pattern: { source: string[]; "detail-type": string[] } }[] = [
    { name: "scheduled-change", pattern: { source: ["aws.health"], "detail-type": ["AWS Health Event"] } },
    { name: "spot-interruption", pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] } },
    { name: "rebalance", pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] } },
    { name: "instance-state-change", pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] } },
    { name: "reservation-interruption", pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"] } },
];
