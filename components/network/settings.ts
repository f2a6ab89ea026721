import { z } from "zod";
import { isPrivateIpv4Cidr, PROD_MIN_LOG_RETENTION_DAYS } from "../../policy/rules/aws-values";
import { ConfigReader, ConfigSection, defineKey, integerIn, ipv4Cidr, oneOf } from "../settings";

export type NatGatewayMode = "single" | "perAz";

export interface NetworkConfig {
    /** VPC IPv4 range; /16 to /20 so every AZ gets public and private subnets of useful size. */
    vpcCidr: string;
    /** How many AZs the VPC (and so the nodes) spans: 2 or 3. */
    availabilityZones: number;
    /** One NAT gateway for the VPC (cheap) or one per AZ (an AZ outage does not cut egress). */
    natGateways: NatGatewayMode;
    flowLogs: boolean;
    flowLogsRetentionDays: number;
}

// CloudWatch Logs accepts only these retention periods.
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
export const logRetentionDays = z
    .number()
    .refine((n) => (RETENTION_DAYS as readonly number[]).includes(n), {
        message: `expected a CloudWatch retention period (${RETENTION_DAYS.join(", ")})`,
    });

export const networkKeys = {
    vpcCidr: defineKey({
        key: "network.vpcCidr",
        type: "string",
        description: "IPv4 CIDR of the VPC (/16 to /20, a private range: RFC 1918 or 100.64.0.0/10). Default: dev 10.10.0.0/16, staging 10.20.0.0/16, prod 10.30.0.0/16.",
        schema: ipv4Cidr
            .refine((c) => {
                const prefix = Number(c.split("/")[1]);
                return prefix >= 16 && prefix <= 20;
            }, { message: "the VPC prefix must be between /16 and /20" })
            .refine(isPrivateIpv4Cidr, { message: "must be a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10): a public range in the VPC shadows those internet addresses for every workload" }),
        default: { dev: "10.10.0.0/16", staging: "10.20.0.0/16", prod: "10.30.0.0/16" },
    }),
    availabilityZones: defineKey({
        key: "network.availabilityZones",
        type: "integer",
        description: "Number of availability zones to spread subnets and nodes over (2 or 3). Default: dev 2, staging 3, prod 3.",
        schema: integerIn(2, 3),
        default: { dev: 2, staging: 3, prod: 3 },
    }),
    natGateways: defineKey<NatGatewayMode>({
        key: "network.natGateways",
        type: "string",
        description: "NAT gateway mode: `single` (one for the VPC) or `perAz` (one per AZ). Default: dev single, staging single, prod perAz.",
        schema: oneOf(["single", "perAz"] as const),
        default: { dev: "single", staging: "single", prod: "perAz" },
    }),
    flowLogs: defineKey({
        key: "network.flowLogs",
        type: "boolean",
        description: "Send VPC flow logs to CloudWatch Logs (Pulumi.dev.yaml turns them off; prod requires them).",
        schema: z.boolean(),
        default: true,
    }),
    flowLogsRetentionDays: defineKey({
        key: "network.flowLogsRetentionDays",
        type: "integer",
        description: `Retention of VPC flow logs in days (a CloudWatch retention period; prod at least ${PROD_MIN_LOG_RETENTION_DAYS}, PCI DSS 10.5.1). Default: dev 7, staging 30, prod 365.`,
        schema: logRetentionDays,
        default: { dev: 7, staging: 30, prod: 365 },
    }),
} as const;

export const networkSection: ConfigSection<NetworkConfig> = {
    keys: Object.values(networkKeys),
    read(reader: ConfigReader): NetworkConfig {
        const config: NetworkConfig = {
            vpcCidr: reader.get(networkKeys.vpcCidr),
            availabilityZones: reader.get(networkKeys.availabilityZones),
            natGateways: reader.get(networkKeys.natGateways),
            flowLogs: reader.get(networkKeys.flowLogs),
            flowLogsRetentionDays: reader.get(networkKeys.flowLogsRetentionDays),
        };
        if (reader.environment === "prod") {
            if (config.availabilityZones < 3) reader.fail(networkKeys.availabilityZones.key, `prod spans 3 availability zones (got ${config.availabilityZones})`);
            if (config.natGateways !== "perAz") reader.fail(networkKeys.natGateways.key, `prod needs one NAT gateway per AZ ("perAz"), got "${config.natGateways}"`);
            if (!config.flowLogs) reader.fail(networkKeys.flowLogs.key, "prod keeps VPC flow logs on (got false)");
            if (config.flowLogsRetentionDays < PROD_MIN_LOG_RETENTION_DAYS) {
                reader.fail(networkKeys.flowLogsRetentionDays.key, `prod keeps flow logs at least ${PROD_MIN_LOG_RETENTION_DAYS} days (PCI DSS 10.5.1: a year of audit-log history), got ${config.flowLogsRetentionDays}`);
            }
        }
        return config;
    },
};
