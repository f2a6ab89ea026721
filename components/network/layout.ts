// Pure address planning for the VPC: which CIDR goes to which AZ and tier, and which NAT
// gateway each private route table uses. Nothing here knows about Pulumi.
import { NatGatewayMode } from "./settings";

export interface SubnetPlan {
    /** Index of the availability zone (0-based) the subnet lives in. */
    az: number;
    tier: "public" | "private";
    cidr: string;
}

export interface NetworkLayout {
    public: SubnetPlan[];
    private: SubnetPlan[];
    /** For each AZ, the index of the NAT gateway (in `natGatewayAzs`) its private route table uses. */
    privateRouteNat: number[];
    /** AZ index of each NAT gateway; each lives in that AZ's public subnet. */
    natGatewayAzs: number[];
}

export function parseIpv4Cidr(cidr: string): { base: number; prefix: number } {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!m) throw new Error(`not an IPv4 CIDR: "${cidr}"`);
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`not an IPv4 CIDR: "${cidr}"`);
    const address = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
    const size = 2 ** (32 - prefix);
    if (address % size !== 0) throw new Error(`"${cidr}" has host bits set; the network address is ${formatIpv4(address - (address % size))}/${prefix}`);
    return { base: address, prefix };
}

export function formatIpv4(address: number): string {
    return [24, 16, 8, 0].map((shift) => (Math.floor(address / 2 ** shift) % 256).toString()).join(".");
}

/** The `index`-th block of size `/newPrefix` inside `cidr`. */
export function subdivide(cidr: string, newPrefix: number, index: number): string {
    const { base, prefix } = parseIpv4Cidr(cidr);
    if (newPrefix < prefix || newPrefix > 28) throw new Error(`cannot carve /${newPrefix} blocks out of ${cidr}`);
    const count = 2 ** (newPrefix - prefix);
    if (index < 0 || index >= count) throw new Error(`${cidr} holds ${count} /${newPrefix} blocks; index ${index} is out of range`);
    return `${formatIpv4(base + index * 2 ** (32 - newPrefix))}/${newPrefix}`;
}

/**
 * Splits the VPC into four quarters: one large private subnet per AZ (pods take VPC IPs with the
 * VPC CNI, so private subnets get the space) and the last quarter cut into eight small public
 * subnets, of which one per AZ is used (only load balancers and NAT gateways live there).
 */
export function planNetwork(vpcCidr: string, azCount: number, nat: NatGatewayMode): NetworkLayout {
    if (!Number.isInteger(azCount) || azCount < 2 || azCount > 3) throw new Error(`azCount must be 2 or 3, got ${azCount}`);
    const { prefix } = parseIpv4Cidr(vpcCidr);
    if (prefix < 16 || prefix > 20) throw new Error(`VPC CIDR prefix must be /16 to /20, got ${vpcCidr}`);
    const quarter = prefix + 2;
    const publicBlock = subdivide(vpcCidr, quarter, 3);
    const azs = [...Array(azCount).keys()];
    const natGatewayAzs = nat === "perAz" ? azs : [0];
    return {
        private: azs.map((az) => ({ az, tier: "private", cidr: subdivide(vpcCidr, quarter, az) })),
        public: azs.map((az) => ({ az, tier: "public", cidr: subdivide(publicBlock, quarter + 3, az) })),
        natGatewayAzs,
        privateRouteNat: azs.map((az) => (nat === "perAz" ? az : 0)),
    };
}

/** Tags the AWS Load Balancer Controller and EKS use to discover subnets. */
export function subnetTags(tier: "public" | "private", clusterName: string): Record<string, string> {
    return {
        [`kubernetes.io/cluster/${clusterName}`]: "shared",
        ...(tier === "public" ? { "kubernetes.io/role/elb": "1" } : { "kubernetes.io/role/internal-elb": "1" }),
    };
}
