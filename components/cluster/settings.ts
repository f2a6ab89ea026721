import { z } from "zod";
import { addressSpacePercent, DEFAULT_MAX_PUBLIC_ACCESS_PERCENT, isPrivateIpv4Cidr, PROD_MIN_LOG_RETENTION_DAYS } from "../../policy/rules/aws-values";
import { anyCidr, ConfigReader, ConfigSection, defineKey, integerIn, ipv4Cidr, keyValueMap, labelKeyProblem, labelValueProblem, oneOf } from "../settings";
import { logRetentionDays } from "../network/settings";
import { DEFAULT_KUBERNETES_VERSION, KubernetesVersion, NODE_IMAGE_RELEASES, SUPPORTED_KUBERNETES_VERSIONS } from "../versions";

export type CapacityType = "ON_DEMAND" | "SPOT";
export type TaintEffect = "NO_SCHEDULE" | "NO_EXECUTE" | "PREFER_NO_SCHEDULE";

export interface NodeTaint {
    key: string;
    value: string;
    effect: TaintEffect;
}

export interface NodeGroupConfig {
    name: string;
    instanceTypes: string[];
    capacityType: CapacityType;
    minSize: number;
    desiredSize: number;
    maxSize: number;
    diskSizeGiB: number;
    labels: Record<string, string>;
    taints: NodeTaint[];
}

/** What EKS does at the end of a version's standard support: STANDARD upgrades the cluster itself, EXTENDED keeps it (at extended-support prices). */
export type SupportType = "STANDARD" | "EXTENDED";

export interface ClusterConfig {
    kubernetesVersion: KubernetesVersion;
    /**
     * The minor the cluster runs, for the one-minor-at-a-time check when the stack has no
     * `kubernetesVersion` output (an imported or migrated stack). Ignored once the output exists.
     */
    deployedKubernetesVersion?: string;
    /** The cluster's upgrade policy (EKS upgradePolicy.supportType). */
    supportType: SupportType;
    endpointPrivateAccess: boolean;
    endpointPublicAccess: boolean;
    /** CIDRs allowed to reach a public endpoint; required (non-empty) when it is on. */
    publicAccessCidrs: string[];
    /**
     * IAM role or user ARNs given cluster-admin through EKS access entries. Empty: the identity
     * running Pulumi is the one admin; otherwise it must be one of them (checked at preview), the
     * CI deploy role first.
     */
    adminPrincipals: string[];
    /**
     * IAM role that runs `pulumi preview` (pull requests, the deploy workflow's plan). Its access
     * entry allows server-side dry runs only, and it is exempt from the deployer check.
     * Unset: no preview identity; otherwise adminPrincipals must be listed explicitly.
     */
    previewRoleArn?: string;
    /** Private CIDRs (VPN, peered VPCs, CI runners) allowed to reach the private API endpoint. */
    apiAccessCidrs: string[];
    logRetentionDays: number;
    nodeGroups: NodeGroupConfig[];
    /**
     * The EKS-optimized AL2023 release every node runs (`<kubernetes>-<build date>`, the managed
     * node group's releaseVersion; Karpenter's EC2NodeClass takes the same release). Default:
     * NODE_IMAGE_RELEASES[kubernetesVersion]. Per stack, so a pin bump rolls one stack at a time.
     */
    nodeImageRelease: string;
}

const iamPrincipalArn = z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@\/-]+$/, {
        message: "expected an IAM role or user ARN such as arn:aws:iam::123456789012:role/platform-admins",
    });

// A preview identity is an assumed role (CI by OIDC), never a user with long-lived keys.
const iamRoleArn = z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, { message: "expected an IAM role ARN such as arn:aws:iam::123456789012:role/dodo-prod-preview" });

/** Graviton (arm64) families: a1, and a `g` in the suffix after the generation (m6g, c7gn, t4g, x2gd). */
export function isArmInstanceType(type: string): boolean {
    const m = /^([a-z]+)(\d+)([a-z-]*)\./.exec(type);
    return m !== null && (m[1] === "a" || m[3].includes("g"));
}

// The node group runs the x86_64 AL2023 AMI, so arm64 types would fail to launch.
const instanceType = z
    .string()
    .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: "expected an EC2 instance type such as m6i.large" })
    .refine((t) => !isArmInstanceType(t), { message: "is a Graviton (arm64) type; the nodes run the x86_64 AL2023 AMI" });

const TAINT_EFFECTS: Record<string, TaintEffect> = {
    NoSchedule: "NO_SCHEDULE",
    NoExecute: "NO_EXECUTE",
    PreferNoSchedule: "PREFER_NO_SCHEDULE",
};

// Taints use kubectl's spelling (`key=value:NoSchedule`) so they read like the cluster's own.
const taintList = z
    .array(z.string())
    .superRefine((items, ctx) => {
        items.forEach((item, i) => {
            const m = /^([^=:\s]+)=([^:\s]*):(\w+)$/.exec(item);
            if (!m || !(m[3] in TAINT_EFFECTS)) {
                ctx.addIssue({ code: "custom", path: [i], message: `expected key=value:NoSchedule|NoExecute|PreferNoSchedule, got "${item}"` });
                return;
            }
            const problem = labelKeyProblem(m[1]) ?? labelValueProblem(m[2]);
            if (problem) ctx.addIssue({ code: "custom", path: [i], message: problem.replace(/^label/, "taint") });
        });
    })
    .transform((items) =>
        items.map((item) => {
            const m = /^([^=:\s]+)=([^:\s]*):(\w+)$/.exec(item)!;
            return { key: m[1], value: m[2], effect: TAINT_EFFECTS[m[3]] };
        }),
    );

export const clusterKeys = {
    kubernetesVersion: defineKey<KubernetesVersion>({
        key: "cluster.kubernetesVersion",
        type: "string",
        description: `EKS Kubernetes version (${SUPPORTED_KUBERNETES_VERSIONS.join(", ")}).`,
        schema: oneOf(SUPPORTED_KUBERNETES_VERSIONS),
        default: DEFAULT_KUBERNETES_VERSION,
    }),
    deployedKubernetesVersion: defineKey<string>({
        key: "cluster.deployedKubernetesVersion",
        type: "string",
        description: "The Kubernetes minor the existing cluster runs (as `aws eks describe-cluster` reports it), for the one-minor-at-a-time check on a stack without the `kubernetesVersion` output (imported, or migrated from another backend). Unset and no output: the first up, nothing checked, and the preview warns. Ignored once the stack output exists (docs/upgrades.md, \"EKS: one minor version at a time\").",
        schema: z.string().regex(/^1\.\d+$/, { message: "expected a Kubernetes minor such as 1.34" }),
        optional: true,
    }),
    supportType: defineKey<SupportType>({
        key: "cluster.supportType",
        type: "string",
        description: "EKS upgrade policy at the end of a version's standard support: STANDARD (EKS upgrades the cluster itself, some time after that date; then set cluster.kubernetesVersion to the version it runs) or EXTENDED (stays, at the extended-support price, until we upgrade). Default: dev STANDARD, staging STANDARD, prod EXTENDED (prod refuses STANDARD: its upgrades are ours, step by step).",
        schema: oneOf(["STANDARD", "EXTENDED"] as const),
        default: { dev: "STANDARD", staging: "STANDARD", prod: "EXTENDED" },
    }),
    endpointPrivateAccess: defineKey({
        key: "cluster.endpointPrivateAccess",
        type: "boolean",
        description: "Serve the Kubernetes API inside the VPC.",
        schema: z.boolean(),
        default: true,
    }),
    endpointPublicAccess: defineKey({
        key: "cluster.endpointPublicAccess",
        type: "boolean",
        description: "Serve the Kubernetes API on a public endpoint, limited to cluster.publicAccessCidrs (Pulumi.dev.yaml turns it on).",
        schema: z.boolean(),
        default: false,
    }),
    publicAccessCidrs: defineKey({
        key: "cluster.publicAccessCidrs",
        type: "array",
        description: "CIDRs allowed to reach the public API endpoint; required when it is on. prod rejects 0.0.0.0/0 and ::/0.",
        schema: z.array(anyCidr),
        default: [],
    }),
    publicAccessMaxPercent: defineKey({
        key: "cluster.publicAccessMaxPercent",
        type: "number",
        description: `In prod, the largest share of the IPv4 (and of the IPv6) address space, in percent, that cluster.publicAccessCidrs may cover together, overlaps counted once; a split such as 0.0.0.0/1 + 128.0.0.0/1 counts like 0.0.0.0/0. Default ${DEFAULT_MAX_PUBLIC_ACCESS_PERCENT} (about ${Math.round((DEFAULT_MAX_PUBLIC_ACCESS_PERCENT / 100) * 2 ** 32).toLocaleString("en-US")} IPv4 addresses: a /17 fits, a /16 does not). The policy pack's eks-endpoint-restricted takes the same setting (maxPublicAccessPercent).`,
        schema: z.number().gt(0, { message: "must be more than 0" }).max(100, { message: "must be at most 100" }),
        default: DEFAULT_MAX_PUBLIC_ACCESS_PERCENT,
    }),
    adminPrincipals: defineKey({
        key: "cluster.adminPrincipals",
        type: "array",
        description: "IAM role/user ARNs granted cluster admin through EKS access entries, each entry named after its principal. Empty: whoever runs Pulumi is the one admin. Otherwise list every identity that runs `pulumi up` for this stack, the CI deploy role first (platform admins after it); a preview by an unlisted caller fails, cluster.previewRoleArn excepted.",
        schema: z.array(iamPrincipalArn).superRefine((arns, ctx) => {
            const seen = new Set<string>();
            arns.forEach((arn, i) => {
                if (seen.has(arn)) ctx.addIssue({ code: "custom", path: [i], message: `${arn} is listed twice` });
                seen.add(arn);
            });
        }),
        default: [],
    }),
    previewRoleArn: defineKey({
        key: "cluster.previewRoleArn",
        type: "string",
        description: "IAM role ARN that runs `pulumi preview` (pull requests and the deploy workflow's plan). It gets its own access entry in the Kubernetes group dodo:previewers, allowed server-side dry runs only (no Secrets; a ValidatingAdmissionPolicy rejects its real writes), and is exempt from the deployer check. Requires cluster.adminPrincipals to list the deploying identities.",
        schema: iamRoleArn,
        optional: true,
    }),
    apiAccessCidrs: defineKey({
        key: "cluster.apiAccessCidrs",
        type: "array",
        description: "Private IPv4 CIDRs (VPN, peered VPCs, self-hosted CI runners; RFC 1918 or 100.64.0.0/10, public ranges are refused) allowed to reach the private API endpoint on 443, through the control plane's own security group. Whoever runs Pulumi against a private-only cluster must come from one of them.",
        schema: z.array(ipv4Cidr.refine(isPrivateIpv4Cidr, { message: "must be a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10): the private endpoint is reached from inside the network; use cluster.publicAccessCidrs for the public endpoint" })),
        default: [],
    }),
    logRetentionDays: defineKey({
        key: "cluster.logRetentionDays",
        type: "integer",
        description: `Retention of control-plane logs in days (a CloudWatch retention period; prod at least ${PROD_MIN_LOG_RETENTION_DAYS}, PCI DSS 10.5.1). Default: dev 7, staging 30, prod 365.`,
        schema: logRetentionDays,
        default: { dev: 7, staging: 30, prod: 365 },
    }),
    instanceTypes: defineKey({
        key: "nodes.instanceTypes",
        type: "array",
        description: "EC2 instance types (x86_64) of the managed node group; several types help SPOT capacity. Sized so the whole platform fits at the desired size (see the synth summary's footprint). Default: dev t3.large/t3a.large/m5.large, staging m6i.xlarge/m5.xlarge, prod m6i.2xlarge/m5.2xlarge.",
        schema: z.array(instanceType).min(1, { message: "must list at least one instance type" }),
        default: { dev: ["t3.large", "t3a.large", "m5.large"], staging: ["m6i.xlarge", "m5.xlarge"], prod: ["m6i.2xlarge", "m5.2xlarge"] },
    }),
    capacityType: defineKey<CapacityType>({
        key: "nodes.capacityType",
        type: "string",
        description: "ON_DEMAND or SPOT. Default: dev SPOT, staging ON_DEMAND, prod ON_DEMAND.",
        schema: oneOf(["ON_DEMAND", "SPOT"] as const),
        default: { dev: "SPOT", staging: "ON_DEMAND", prod: "ON_DEMAND" },
    }),
    minSize: defineKey({
        key: "nodes.minSize",
        type: "integer",
        description: "Minimum number of nodes. Default: dev 2, staging 3, prod 3 (prod needs at least 3).",
        schema: integerIn(1, 100),
        default: { dev: 2, staging: 3, prod: 3 },
    }),
    desiredSize: defineKey({
        key: "nodes.desiredSize",
        type: "integer",
        description: "Initial number of nodes, between min and max. Default: dev 2, staging 3, prod 3.",
        schema: integerIn(1, 100),
        default: { dev: 2, staging: 3, prod: 3 },
    }),
    maxSize: defineKey({
        key: "nodes.maxSize",
        type: "integer",
        description: "The cluster's node ceiling: the managed (system) node group keeps nodes.desiredSize nodes, and Karpenter adds at most maxSize minus that (its NodePool's limits.nodes); must exceed nodes.desiredSize in eks mode. Default: dev 4, staging 6, prod 9.",
        schema: integerIn(1, 100),
        default: { dev: 4, staging: 6, prod: 9 },
    }),
    diskSizeGiB: defineKey({
        key: "nodes.diskSizeGiB",
        type: "integer",
        description: "Encrypted gp3 root volume size per node in GiB (20-1000). Default: dev 50, staging 80, prod 100.",
        schema: integerIn(20, 1000),
        default: { dev: 50, staging: 80, prod: 100 },
    }),
    labels: defineKey({
        key: "nodes.labels",
        type: "map",
        description: "Kubernetes labels for the nodes, a map such as `team: payments`.",
        schema: keyValueMap("label"),
        default: {},
    }),
    imageRelease: defineKey<string>({
        key: "nodes.imageRelease",
        type: "string",
        description: "The EKS-optimized AL2023 release the nodes run (<kubernetes>-<build date>, e.g. 1.35.6-20260714: the managed node group's releaseVersion; Karpenter's EC2NodeClass runs the same release). Default: the pin for cluster.kubernetesVersion in components/versions.ts (NODE_IMAGE_RELEASES). Changing it replaces every node. On a stack whose nodes already run, set it to the release they run before the first up with pinned images (`npm run check:addons -- --cluster <eks cluster name>` prints it), or that up replaces them all. Must be a release of cluster.kubernetesVersion (docs/upgrades.md, \"Node images\").",
        schema: z.string().regex(/^1\.\d+\.\d+-\d{8}$/, { message: "expected an AL2023 release such as 1.35.6-20260714 (<kubernetes>-<build date>, as aws eks describe-nodegroup reports releaseVersion)" }),
        optional: true,
    }),
    taints: defineKey<NodeTaint[]>({
        key: "nodes.taints",
        type: "array",
        description: "Kubernetes taints for the nodes, as key=value:Effect entries (NoSchedule, NoExecute, PreferNoSchedule).",
        schema: taintList,
        default: [],
    }),
} as const;

export const clusterSection: ConfigSection<ClusterConfig> = {
    keys: Object.values(clusterKeys),
    read(reader: ConfigReader): ClusterConfig {
        const k = clusterKeys;
        const nodes: NodeGroupConfig = {
            name: "general",
            instanceTypes: reader.get(k.instanceTypes),
            capacityType: reader.get(k.capacityType),
            minSize: reader.get(k.minSize),
            desiredSize: reader.get(k.desiredSize),
            maxSize: reader.get(k.maxSize),
            diskSizeGiB: reader.get(k.diskSizeGiB),
            labels: reader.get(k.labels),
            taints: reader.get(k.taints),
        };
        const config: ClusterConfig = {
            kubernetesVersion: reader.get(k.kubernetesVersion),
            deployedKubernetesVersion: reader.get(k.deployedKubernetesVersion, "optional"),
            supportType: reader.get(k.supportType),
            endpointPrivateAccess: reader.get(k.endpointPrivateAccess),
            endpointPublicAccess: reader.get(k.endpointPublicAccess),
            publicAccessCidrs: reader.get(k.publicAccessCidrs),
            adminPrincipals: reader.get(k.adminPrincipals),
            previewRoleArn: reader.get(k.previewRoleArn, "optional"),
            apiAccessCidrs: reader.get(k.apiAccessCidrs),
            logRetentionDays: reader.get(k.logRetentionDays),
            nodeGroups: [nodes],
            nodeImageRelease: "",
        };
        config.nodeImageRelease = reader.get(k.imageRelease, "optional") ?? NODE_IMAGE_RELEASES[config.kubernetesVersion];
        // A node group's release must be of its Kubernetes minor (EKS refuses another).
        if (!config.nodeImageRelease.startsWith(`${config.kubernetesVersion}.`)) {
            reader.fail(k.imageRelease.key, `${config.nodeImageRelease} is not a release of cluster.kubernetesVersion ${config.kubernetesVersion}: change both together (e.g. ${NODE_IMAGE_RELEASES[config.kubernetesVersion]}, the pin in components/versions.ts)`);
        }

        if (nodes.minSize > nodes.maxSize) {
            reader.fail(k.minSize.key, `must not exceed nodes.maxSize (${nodes.maxSize}), got ${nodes.minSize}`);
        } else if (nodes.desiredSize < nodes.minSize || nodes.desiredSize > nodes.maxSize) {
            reader.fail(k.desiredSize.key, `must be between nodes.minSize (${nodes.minSize}) and nodes.maxSize (${nodes.maxSize}), got ${nodes.desiredSize}`);
        }
        // A preview run cannot tell who deploys, so the deployers must be named; and the preview
        // role must never be an admin (its dry-run-only entry would be a second entry for one ARN).
        if (config.previewRoleArn !== undefined && config.adminPrincipals.length === 0) {
            reader.fail(k.previewRoleArn.key, "needs cluster.adminPrincipals to list the identities that deploy (the CI deploy role first)");
        }
        if (config.previewRoleArn !== undefined && config.adminPrincipals.includes(config.previewRoleArn)) {
            reader.fail(k.previewRoleArn.key, `${config.previewRoleArn} is also in cluster.adminPrincipals; the preview role must not be an admin`);
        }
        if (!config.endpointPrivateAccess && !config.endpointPublicAccess) {
            reader.fail(k.endpointPublicAccess.key, "at least one of cluster.endpointPrivateAccess and cluster.endpointPublicAccess must be true");
        }
        if (config.endpointPublicAccess && config.publicAccessCidrs.length === 0) {
            reader.fail(k.publicAccessCidrs.key, "must list at least one CIDR when cluster.endpointPublicAccess is true");
        }
        // Only a parse-time bound: components never need it.
        const maxPercent = reader.get(k.publicAccessMaxPercent);
        if (reader.environment === "prod") {
            const open = config.publicAccessCidrs.filter((c) => c === "0.0.0.0/0" || c === "::/0");
            if (config.endpointPublicAccess && open.length > 0) {
                reader.fail(k.publicAccessCidrs.key, `prod's public API endpoint must be restricted to listed CIDRs, got ${open.join(", ")}`);
            } else if (config.endpointPublicAccess) {
                const share = addressSpacePercent(config.publicAccessCidrs);
                const [family, percent] = share.ipv4 >= share.ipv6 ? ["IPv4", share.ipv4] : ["IPv6", share.ipv6];
                if (percent > maxPercent) {
                    reader.fail(k.publicAccessCidrs.key, `together cover ${percent}% of the ${family} address space; prod allows at most ${maxPercent}% (cluster.publicAccessMaxPercent)`);
                }
            }
            if (config.logRetentionDays < PROD_MIN_LOG_RETENTION_DAYS) {
                reader.fail(k.logRetentionDays.key, `prod keeps control-plane logs at least ${PROD_MIN_LOG_RETENTION_DAYS} days (PCI DSS 10.5.1: a year of audit-log history), got ${config.logRetentionDays}`);
            }
            if (nodes.minSize < 3) reader.fail(k.minSize.key, `prod keeps at least 3 nodes (one per AZ), got ${nodes.minSize}`);
            // STANDARD lets EKS upgrade prod itself after standard support ends; the config would then ask for a downgrade.
            if (config.supportType !== "EXTENDED") reader.fail(k.supportType.key, "prod runs EXTENDED: EKS must not upgrade it at the end of standard support (docs/upgrades.md)");
        }
        return config;
    },
};
