import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, roleNamePrefix, serviceTrustPolicy } from "../iam";
import { planNetwork, subnetTags } from "./layout";
import { NetworkConfig } from "./settings";

export interface NetworkArgs {
    /** Prefix of every name, e.g. `dodo-dev`; also the cluster name the subnets are tagged for. */
    name: string;
    config: NetworkConfig;
}

/** Flow-log delivery may write only into its own log group. */
export function flowLogsPolicy(logGroupArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
                Resource: [logGroupArn, `${logGroupArn}:*`],
            },
        ],
    };
}

/**
 * The flow-log delivery role's trust: VPC Flow Logs, for this account's flow logs only (the flow
 * log's ID is not known before the role exists, hence `*`; VPC User Guide, "IAM role for
 * publishing flow logs to CloudWatch Logs").
 */
export function flowLogsTrustPolicy(accountId: string, region: string, partition = "aws"): PolicyDocument {
    return serviceTrustPolicy("vpc-flow-logs.amazonaws.com", { accountId, sourceArn: `arn:${partition}:ec2:${region}:${accountId}:vpc-flow-log/*` });
}

/** VPC with public and private subnets per AZ, NAT per config, flow logs, and a locked default SG. */
export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly publicSubnetIds: pulumi.Output<string>[];
    readonly privateSubnetIds: pulumi.Output<string>[];
    readonly natGateways: aws.ec2.NatGateway[];

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dodo:platform:Network", name, {}, opts);
        const { config } = args;
        const layout = planNetwork(config.vpcCidr, config.availabilityZones, config.natGateways);
        const azs = aws.getAvailabilityZonesOutput({ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }, { parent: this });
        const azName = (i: number) => azs.names.apply((names) => {
            if (names.length <= i) throw new Error(`the region has ${names.length} available AZs; network.availabilityZones asks for ${config.availabilityZones}`);
            return names[i];
        });

        const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: config.vpcCidr,
            enableDnsHostnames: true,
            enableDnsSupport: true,
            tags: { Name: `${args.name}-vpc` },
        }, { parent: this });

        // CIS: the default security group allows nothing, so nothing lands in it by accident.
        new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, tags: { Name: `${args.name}-default-deny` } }, { parent: this });

        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: `${args.name}-igw` } }, { parent: this });
        const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
            vpcId: vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
            tags: { Name: `${args.name}-public` },
        }, { parent: this });

        const publicSubnets = layout.public.map((s) => {
            const subnet = new aws.ec2.Subnet(`${name}-public-${s.az}`, {
                vpcId: vpc.id,
                cidrBlock: s.cidr,
                availabilityZone: azName(s.az),
                // Only NLBs and NAT gateways live here; they get their own addresses.
                mapPublicIpOnLaunch: false,
                tags: { Name: `${args.name}-public-${s.az}`, ...subnetTags("public", args.name) },
            }, { parent: this });
            new aws.ec2.RouteTableAssociation(`${name}-public-${s.az}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, { parent: this });
            return subnet;
        });

        this.natGateways = layout.natGatewayAzs.map((az) => {
            const eip = new aws.ec2.Eip(`${name}-nat-${az}`, { domain: "vpc", tags: { Name: `${args.name}-nat-${az}` } }, { parent: this });
            return new aws.ec2.NatGateway(`${name}-nat-${az}`, {
                allocationId: eip.id,
                subnetId: publicSubnets[az].id,
                tags: { Name: `${args.name}-nat-${az}` },
            }, { parent: this, dependsOn: [igw] });
        });

        const privateRouteTables: aws.ec2.RouteTable[] = [];
        const privateSubnets = layout.private.map((s) => {
            const subnet = new aws.ec2.Subnet(`${name}-private-${s.az}`, {
                vpcId: vpc.id,
                cidrBlock: s.cidr,
                availabilityZone: azName(s.az),
                tags: { Name: `${args.name}-private-${s.az}`, ...subnetTags("private", args.name) },
            }, { parent: this });
            const routes = new aws.ec2.RouteTable(`${name}-private-${s.az}`, {
                vpcId: vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: this.natGateways[layout.privateRouteNat[s.az]].id }],
                tags: { Name: `${args.name}-private-${s.az}` },
            }, { parent: this });
            privateRouteTables.push(routes);
            new aws.ec2.RouteTableAssociation(`${name}-private-${s.az}`, { subnetId: subnet.id, routeTableId: routes.id }, { parent: this });
            return subnet;
        });

        // Image layers from ECR and S3 traffic skip the NAT gateways (cost and bandwidth).
        new aws.ec2.VpcEndpoint(`${name}-s3`, {
            vpcId: vpc.id,
            serviceName: pulumi.interpolate`com.amazonaws.${aws.getRegionOutput({}, { parent: this }).region}.s3`,
            vpcEndpointType: "Gateway",
            routeTableIds: privateRouteTables.map((t) => t.id),
            tags: { Name: `${args.name}-s3` },
        }, { parent: this });

        if (config.flowLogs) {
            const logGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, {
                name: `/aws/vpc/${args.name}/flow-logs`,
                retentionInDays: config.flowLogsRetentionDays,
            }, { parent: this });
            const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
            const region = aws.getRegionOutput({}, { parent: this }).region;
            const role = new aws.iam.Role(`${name}-flow-logs`, {
                namePrefix: roleNamePrefix(args.name, "vpc-flow-logs"),
                assumeRolePolicy: pulumi.all([accountId, region]).apply(([account, r]) => JSON.stringify(flowLogsTrustPolicy(account, r))),
            }, { parent: this });
            new aws.iam.RolePolicy(`${name}-flow-logs`, {
                role: role.id,
                policy: logGroup.arn.apply((arn) => JSON.stringify(flowLogsPolicy(arn))),
            }, { parent: this });
            new aws.ec2.FlowLog(`${name}-flow-logs`, {
                vpcId: vpc.id,
                trafficType: "ALL",
                logDestinationType: "cloud-watch-logs",
                logDestination: logGroup.arn,
                iamRoleArn: role.arn,
                maxAggregationInterval: 60,
                tags: { Name: `${args.name}-flow-logs` },
            }, { parent: this });
        }

        this.vpcId = vpc.id;
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
    }
}
