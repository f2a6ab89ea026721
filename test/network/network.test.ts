import { strict as assert } from "assert";
import { Network } from "../../components/network";
import { NetworkConfig } from "../../components/network/settings";
import { get, ofType, props, runComponent } from "../harness";

const config = (over: Partial<NetworkConfig> = {}): NetworkConfig => ({
    vpcCidr: "10.30.0.0/16",
    availabilityZones: 3,
    natGateways: "perAz",
    flowLogs: true,
    flowLogsRetentionDays: 365,
    ...over,
});

describe("Network component", () => {
    it("creates a NAT gateway per AZ and routes each private subnet through its own AZ's", async () => {
        const rs = await runComponent(() => new Network("network", { name: "dodo-prod", config: config() }));
        assert.equal(ofType(rs, "aws:ec2/natGateway:NatGateway").length, 3);
        const subnets = ofType(rs, "aws:ec2/subnet:Subnet");
        assert.equal(subnets.length, 6);
        assert.deepEqual(
            subnets.filter((s) => s.name.includes("private")).map((s) => props<{ availabilityZone: string }>(s).availabilityZone),
            ["ap-south-1a", "ap-south-1b", "ap-south-1c"],
        );
        const routes = props<{ routes: { natGatewayId: string }[] }>(get(rs, "aws:ec2/routeTable:RouteTable", "network-private-2"));
        assert.equal(routes.routes[0].natGatewayId, "network-nat-2-id");
        assert.ok(rs.every((r) => r.type === "dodo:platform:Network" || r.parent === "dodo:platform:Network::network"), "every resource is a child of the component");
    });

    it("uses a single NAT gateway in single mode", async () => {
        const rs = await runComponent(() => new Network("network", { name: "dodo-dev", config: config({ availabilityZones: 2, natGateways: "single", flowLogs: false }) }));
        assert.equal(ofType(rs, "aws:ec2/natGateway:NatGateway").length, 1);
        for (const az of [0, 1]) {
            const routes = props<{ routes: { natGatewayId: string }[] }>(get(rs, "aws:ec2/routeTable:RouteTable", `network-private-${az}`));
            assert.equal(routes.routes[0].natGatewayId, "network-nat-0-id");
        }
        assert.equal(ofType(rs, "aws:ec2/flowLog:FlowLog").length, 0);
    });

    it("tags subnets for load balancer discovery and keeps public IPs off", async () => {
        const rs = await runComponent(() => new Network("network", { name: "dodo-dev", config: config({ availabilityZones: 2 }) }));
        const pub = props<{ tags: Record<string, string>; mapPublicIpOnLaunch: boolean }>(get(rs, "aws:ec2/subnet:Subnet", "network-public-0"));
        assert.equal(pub.tags["kubernetes.io/role/elb"], "1");
        assert.equal(pub.tags["kubernetes.io/cluster/dodo-dev"], "shared");
        assert.equal(pub.mapPublicIpOnLaunch, false);
        const priv = props<{ tags: Record<string, string> }>(get(rs, "aws:ec2/subnet:Subnet", "network-private-1"));
        assert.equal(priv.tags["kubernetes.io/role/internal-elb"], "1");
    });

    it("ships flow logs to a retained log group through a role that can write only there", async () => {
        const rs = await runComponent(() => new Network("network", { name: "dodo-prod", config: config() }));
        const flow = props<{ trafficType: string; logDestination: string }>(get(rs, "aws:ec2/flowLog:FlowLog", "network-flow-logs"));
        assert.equal(flow.trafficType, "ALL");
        const group = props<{ retentionInDays: number; name: string }>(get(rs, "aws:cloudwatch/logGroup:LogGroup", "network-flow-logs"));
        assert.equal(group.retentionInDays, 365);
        const policy = JSON.parse(props<{ policy: string }>(get(rs, "aws:iam/rolePolicy:RolePolicy", "network-flow-logs")).policy);
        assert.deepEqual(policy.Statement[0].Resource, [flow.logDestination, `${flow.logDestination}:*`]);
    });

    it("locks the default security group and keeps S3 traffic off the NAT gateways", async () => {
        const rs = await runComponent(() => new Network("network", { name: "dodo-dev", config: config() }));
        const sg = props(get(rs, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "network-default-sg"));
        assert.equal(sg.ingress, undefined);
        assert.equal(sg.egress, undefined);
        const s3 = props<{ serviceName: string; routeTableIds: string[] }>(get(rs, "aws:ec2/vpcEndpoint:VpcEndpoint", "network-s3"));
        assert.equal(s3.serviceName, "com.amazonaws.ap-south-1.s3");
        assert.equal(s3.routeTableIds.length, 3);
    });
});
