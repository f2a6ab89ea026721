import { strict as assert } from "assert";
import { formatIpv4, parseIpv4Cidr, planNetwork, subdivide, subnetTags } from "../../components/network/layout";

function range(cidr: string): [number, number] {
    const { base, prefix } = parseIpv4Cidr(cidr);
    return [base, base + 2 ** (32 - prefix) - 1];
}

describe("network layout (CIDR math)", () => {
    it("gives each AZ a large private subnet and a small public one in a /16", () => {
        const layout = planNetwork("10.30.0.0/16", 3, "perAz");
        assert.deepEqual(layout.private.map((s) => s.cidr), ["10.30.0.0/18", "10.30.64.0/18", "10.30.128.0/18"]);
        assert.deepEqual(layout.public.map((s) => s.cidr), ["10.30.192.0/21", "10.30.200.0/21", "10.30.208.0/21"]);
        assert.deepEqual(layout.private.map((s) => s.az), [0, 1, 2]);
    });

    it("scales down to a /20 VPC", () => {
        const layout = planNetwork("10.0.16.0/20", 2, "single");
        assert.deepEqual(layout.private.map((s) => s.cidr), ["10.0.16.0/22", "10.0.20.0/22"]);
        assert.deepEqual(layout.public.map((s) => s.cidr), ["10.0.28.0/25", "10.0.28.128/25"]);
    });

    for (const [cidr, azs] of [["10.10.0.0/16", 2], ["172.16.0.0/18", 3], ["10.0.16.0/20", 3]] as const) {
        it(`subnets of ${cidr} over ${azs} AZs lie inside the VPC and never overlap`, () => {
            const layout = planNetwork(cidr, azs, "single");
            const [vpcStart, vpcEnd] = range(cidr);
            const all = [...layout.public, ...layout.private].map((s) => range(s.cidr)).sort((a, b) => a[0] - b[0]);
            for (const [start, end] of all) assert.ok(start >= vpcStart && end <= vpcEnd);
            for (let i = 1; i < all.length; i++) assert.ok(all[i][0] > all[i - 1][1], "subnets overlap");
        });
    }

    it("routes every private subnet through one NAT gateway in single mode, its own AZ's in perAz mode", () => {
        const single = planNetwork("10.10.0.0/16", 3, "single");
        assert.deepEqual(single.natGatewayAzs, [0]);
        assert.deepEqual(single.privateRouteNat, [0, 0, 0]);
        const perAz = planNetwork("10.10.0.0/16", 3, "perAz");
        assert.deepEqual(perAz.natGatewayAzs, [0, 1, 2]);
        assert.deepEqual(perAz.privateRouteNat, [0, 1, 2]);
    });

    it("rejects bad input with a message naming the problem", () => {
        assert.throws(() => planNetwork("10.10.0.0/16", 4, "single"), /azCount must be 2 or 3, got 4/);
        assert.throws(() => planNetwork("10.10.0.0/24", 2, "single"), /prefix must be \/16 to \/20/);
        assert.throws(() => planNetwork("10.10.1.0/16", 2, "single"), /has host bits set; the network address is 10\.10\.0\.0\/16/);
        assert.throws(() => subdivide("10.0.0.0/16", 18, 4), /holds 4 \/18 blocks; index 4 is out of range/);
    });

    it("formats addresses", () => {
        assert.equal(formatIpv4(parseIpv4Cidr("192.168.255.0/24").base), "192.168.255.0");
    });

    it("tags public subnets for internet-facing and private ones for internal load balancers", () => {
        assert.deepEqual(subnetTags("public", "dodo-dev"), { "kubernetes.io/cluster/dodo-dev": "shared", "kubernetes.io/role/elb": "1" });
        assert.deepEqual(subnetTags("private", "dodo-dev"), { "kubernetes.io/cluster/dodo-dev": "shared", "kubernetes.io/role/internal-elb": "1" });
    });
});
