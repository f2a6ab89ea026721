// autoscaling.*: what Karpenter may add beside the managed (system) node group, in eks mode.
// The ceiling on the number of nodes is nodes.maxSize (cluster settings); the rest is here.
import { z } from "zod";
import { ConfigReader, ConfigSection, defineKey, integerIn, oneOf } from "../settings";

export const CAPACITY_TYPES = ["on-demand", "spot"] as const;
export type KarpenterCapacityType = (typeof CAPACITY_TYPES)[number];

export interface AutoscalingConfig {
    /** EC2 instance families Karpenter may launch (x86_64), e.g. m6i. */
    instanceFamilies: string[];
    /** Sizes within them, e.g. xlarge. */
    instanceSizes: string[];
    capacityTypes: KarpenterCapacityType[];
    /** The NodePool's limits: what Karpenter's nodes may add up to, at most. */
    limits: { cpu: number; memoryGiB: number };
    /** Whether the stack creates the account's EC2 Spot service-linked role, or finds it there. */
    spotServiceLinkedRole: SpotServiceLinkedRole;
}

export const SPOT_SERVICE_LINKED_ROLE = ["create", "exists"] as const;
export type SpotServiceLinkedRole = (typeof SPOT_SERVICE_LINKED_ROLE)[number];

// A family is the part of a type before the dot; Graviton families (a `g` after the generation)
// would need the arm64 AMI, which the EC2NodeClass does not select.
const family = z
    .string()
    .regex(/^[a-z]+\d+[a-z-]*$/, { message: "expected an EC2 instance family such as m6i" })
    .refine((f) => !/^[a-z]+\d+[a-z-]*g/.test(f) && !f.startsWith("a1"), { message: "is a Graviton (arm64) family; Karpenter's nodes run the x86_64 AL2023 AMI" });
const size = z.string().regex(/^(medium|large|\d*xlarge)$/, { message: "expected an instance size such as large or 2xlarge (no metal)" });

function distinct<T>(schema: z.ZodType<T>, what: string): z.ZodType<T[]> {
    return z
        .array(schema)
        .min(1, { message: `must list at least one ${what}` })
        .refine((xs) => new Set(xs).size === xs.length, { message: `lists a ${what} twice` });
}

export const autoscalingKeys = {
    instanceFamilies: defineKey({
        key: "autoscaling.instanceFamilies",
        type: "array",
        description: "EC2 instance families Karpenter may launch (x86_64). Where payments reach RDS through security groups for pods, every family must support trunk ENIs (TRUNK_COMPATIBLE_FAMILIES). Default: dev m6i/m6a/m5/c6i, staging and prod m6i/m6a/m5.",
        schema: distinct(family, "family"),
        default: { dev: ["m6i", "m6a", "m5", "c6i"], staging: ["m6i", "m6a", "m5"], prod: ["m6i", "m6a", "m5"] },
    }),
    instanceSizes: defineKey({
        key: "autoscaling.instanceSizes",
        type: "array",
        description: "Instance sizes Karpenter may launch within those families. Default: dev large/xlarge, staging xlarge/2xlarge, prod 2xlarge.",
        schema: distinct(size, "size"),
        default: { dev: ["large", "xlarge"], staging: ["xlarge", "2xlarge"], prod: ["2xlarge"] },
    }),
    capacityTypes: defineKey<KarpenterCapacityType[]>({
        key: "autoscaling.capacityTypes",
        type: "array",
        description: "on-demand and/or spot (Karpenter prefers spot when both are allowed). prod runs on-demand only. Default: dev spot/on-demand, staging and prod on-demand.",
        schema: distinct(oneOf(CAPACITY_TYPES), "capacity type"),
        default: { dev: ["spot", "on-demand"], staging: ["on-demand"], prod: ["on-demand"] },
    }),
    limitsCpu: defineKey({
        key: "autoscaling.limits.cpu",
        type: "integer",
        description: "vCPUs Karpenter's nodes may add up to (the NodePool's limits.cpu). Default: dev 16, staging 32, prod 64.",
        schema: integerIn(2, 2000),
        default: { dev: 16, staging: 32, prod: 64 },
    }),
    limitsMemoryGiB: defineKey({
        key: "autoscaling.limits.memoryGiB",
        type: "integer",
        description: "Memory in GiB Karpenter's nodes may add up to (the NodePool's limits.memory). Default: dev 64, staging 128, prod 256.",
        schema: integerIn(4, 16000),
        default: { dev: 64, staging: 128, prod: 256 },
    }),
    // IAM refuses a second one ("has been taken in this account"), so an account that has used spot
    // before says so here instead of importing it (docs/autoscaling.md).
    spotServiceLinkedRole: defineKey<SpotServiceLinkedRole>({
        key: "autoscaling.spotServiceLinkedRole",
        type: "string",
        description: "create: the stack creates the account's EC2 Spot service-linked role (AWSServiceRoleForEC2Spot) when its NodePool may buy spot; exists: the account has it already (it has launched spot before), and the stack leaves it alone. Default: create.",
        schema: oneOf(SPOT_SERVICE_LINKED_ROLE),
        default: { dev: "create", staging: "create", prod: "create" },
    }),
} as const;

export const autoscalingSection: ConfigSection<AutoscalingConfig> = {
    keys: Object.values(autoscalingKeys),
    read(reader: ConfigReader): AutoscalingConfig {
        const k = autoscalingKeys;
        const config: AutoscalingConfig = {
            instanceFamilies: reader.get(k.instanceFamilies),
            instanceSizes: reader.get(k.instanceSizes),
            capacityTypes: reader.get(k.capacityTypes),
            limits: { cpu: reader.get(k.limitsCpu), memoryGiB: reader.get(k.limitsMemoryGiB) },
            spotServiceLinkedRole: reader.get(k.spotServiceLinkedRole),
        };
        // A spot reclaim is a two-minute notice the PDBs cannot hold back.
        if (reader.environment === "prod" && config.capacityTypes.includes("spot")) {
            reader.fail(k.capacityTypes.key, `prod runs on-demand nodes only (got ${config.capacityTypes.join(", ")})`);
        }
        return config;
    },
};

export interface AutoscalingContext {
    /** nodes.maxSize and the system node group's size (nodes.desiredSize). */
    maxSize: number;
    systemNodes: number;
    /** Payments reach RDS through security groups for pods (usesPodSecurityGroups). */
    podSecurityGroups: boolean;
    /** Families with trunk ENIs (TRUNK_COMPATIBLE_FAMILIES). */
    trunkFamilies: readonly string[];
}

/**
 * Problems between autoscaling.* and the rest of the stack: Karpenter must have room under the
 * node ceiling, and where the data tier uses security groups for pods every node it launches
 * needs a trunk ENI (docs/payments.md, "network choice").
 */
export function autoscalingProblems(config: AutoscalingConfig, ctx: AutoscalingContext): { key: string; message: string }[] {
    const problems: { key: string; message: string }[] = [];
    if (ctx.maxSize <= ctx.systemNodes) {
        problems.push({ key: "nodes.maxSize", message: `is the cluster's node ceiling: it must exceed nodes.desiredSize (${ctx.systemNodes}, the system node group) so Karpenter can add nodes (got ${ctx.maxSize})` });
    }
    if (!ctx.podSecurityGroups) return problems;
    const missing = config.instanceFamilies.filter((f) => !ctx.trunkFamilies.includes(f));
    if (missing.length === 0) return problems;
    return [...problems, {
        key: autoscalingKeys.instanceFamilies.key,
        message: `${missing.join(", ")} ${missing.length === 1 ? "has" : "have"} no trunk ENI, and payments reach RDS through security groups for pods (payments.database.network); choose families such as m6i, m5, c6i, r6i (TRUNK_COMPATIBLE_FAMILIES, components/payments/database-settings.ts)`,
    }];
}
