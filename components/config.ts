// The only module that reads stack configuration. It parses every key once, validates it,
// applies environment-aware defaults and hands components a typed PlatformConfig.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AutoscalingConfig, autoscalingProblems, autoscalingSection } from "./autoscaling/settings";
import { ChartSources, chartsSection } from "./charts/settings";
import { ClusterConfig, clusterSection } from "./cluster/settings";
import { ClusterTargetConfig, existingClusterSection, existingModeProblems } from "./existing-cluster/settings";
import { istioChartSourceProblems } from "./mesh/chart-sources";
import { revisionProblems } from "./mesh/revisions";
import { MeshConfig, meshSection } from "./mesh/settings";
import { meshedWorkloads } from "./meshed-workloads";
import { NetworkConfig, networkSection } from "./network/settings";
import { PaymentsConfig, paymentsSection } from "./payments/settings";
import { RegistryConfig, registryProblems, registrySection } from "./registry/settings";
import { TRUNK_COMPATIBLE_FAMILIES, usesPodSecurityGroups } from "./payments/database-settings";
import { ObservabilityConfig, observabilitySection } from "./observability/settings";
import { secretName } from "./observability/alert-settings";
import {
    ConfigError,
    ConfigReader,
    ConfigSection,
    defineKey,
    ENVIRONMENTS,
    Environment,
    fullKey,
    KeySpec,
    keyValueMap,
    oneOf,
    PROJECT,
} from "./settings";

export { ConfigError, Environment, PROJECT };

export interface PlatformConfig {
    environment: Environment;
    /** Stack name, e.g. `dev`; a second stack of one environment gets its own names. */
    stack: string;
    region: string;
    /** The stack's AWS provider settings from the `aws:` namespace, passed to the explicit provider. */
    aws: { profile?: string; allowedAccountIds: string[] };
    /** Prefix of AWS and cluster names: `dodo-<stack>`. */
    name: string;
    /** Tags on every AWS resource (through the provider's default tags). */
    tags: Record<string, string>;
    /** The AWS layer builds the cluster (eks), or the Kubernetes layer goes onto an existing one. */
    target: ClusterTargetConfig;
    /** Where Helm charts come from. */
    charts: ChartSources;
    network: NetworkConfig;
    cluster: ClusterConfig;
    /** Karpenter beside the system node group (eks mode). */
    autoscaling: AutoscalingConfig;
    /** The ECR pull-through cache images come through (eks mode). */
    registry: RegistryConfig;
    mesh: MeshConfig;
    payments: PaymentsConfig;
    observability: ObservabilityConfig;
}

export const platformKeys = {
    environment: defineKey<Environment>({
        key: "environment",
        type: "string",
        description: "Environment whose defaults apply: dev, staging or prod. Empty: the stack name, which must then be one of them.",
        schema: oneOf(ENVIRONMENTS),
        optional: true,
    }),
    tags: defineKey({
        key: "tags",
        type: "map",
        description: "Extra tags for every AWS resource, a map such as `CostCenter: platform-dev` (Project, Environment, ManagedBy and Stack are always set, and may not be named here). Keys and values follow IAM's and EC2's rules (letters, digits, spaces and _ . : / = + - @; keys up to 128 characters, values up to 256; keys unique regardless of case); the `aws:` and `kubernetes.io/cluster/` prefixes are refused.",
        schema: keyValueMap("tag"),
        default: {},
    }),
} as const;

const REGION_KEY = "aws:region";
// The blueprint builds `arn:aws:` ARNs: regions of the commercial partition only.
const region = z
    .string()
    .regex(/^[a-z]{2}-[a-z]+-\d$/, { message: "expected an AWS region such as ap-south-1" })
    .refine((r) => !r.startsWith("cn-") && !r.includes("-gov-") && !r.includes("-iso"), { message: "the blueprint supports the commercial aws partition only" });

/** Pulumi.yaml's description of each capability object (its keys are appended). */
export const SECTION_DESCRIPTIONS: Readonly<Record<string, string>> = {
    network: "VPC: CIDR, availability zones, NAT gateways, flow logs.",
    cluster: "EKS control plane: Kubernetes version, API endpoint access, admin principals, log retention; or (mode existing) the cluster to install onto.",
    charts: "Where Helm charts come from: upstream repositories (default), an OCI mirror, a directory of archives, or a source per chart.",
    nodes: "The managed (system) node group and the cluster's node ceiling: instance types, capacity type, sizes, disk, labels, taints.",
    autoscaling: "Karpenter, beside the system node group: instance families and sizes, capacity types, CPU and memory limits (eks mode).",
    registry: "The ECR pull-through cache every image comes through, and the upstream credentials it logs in with (eks mode).",
    mesh: "Istio: revisions, egress policy, tracing, istiod and ingress gateway scaling.",
    payments: "The payments application: host, TLS, images, canary, scaling, rate limit, circuit breaking, PostgreSQL.",
    observability: "Prometheus, Loki, Jaeger, Grafana, Kiali and the payments alerts.",
};

/** Every section of the configuration; Pulumi.yaml is generated from their keys. */
export const CONFIG_SECTIONS: readonly ConfigSection<unknown>[] = [
    { keys: Object.values(platformKeys), read: () => undefined },
    existingClusterSection,
    chartsSection,
    networkSection,
    clusterSection,
    autoscalingSection,
    registrySection,
    meshSection,
    paymentsSection,
    observabilitySection,
];

export function allKeySpecs(): KeySpec<unknown>[] {
    return CONFIG_SECTIONS.flatMap((s) => s.keys);
}

export interface RawConfig {
    stack: string;
    /**
     * Fully qualified top-level keys (`dodo-platform:network`, `aws:region`) to the strings the CLI
     * passes: objects and lists as JSON.
     */
    values: Readonly<Record<string, string>>;
    /** Keys the CLI marks secret (an object with any secret leaf counts as secret). */
    secretKeys?: readonly string[];
}

/** Pure: parses and validates the raw config map; throws ConfigError listing every problem. */
export function parsePlatformConfig(raw: RawConfig): PlatformConfig {
    const problems: string[] = [];
    const envKey = raw.values[fullKey(platformKeys.environment.key)];
    const envRaw = envKey === undefined || envKey === "" ? raw.stack : envKey;
    const envParsed = oneOf(ENVIRONMENTS).safeParse(envRaw);
    if (!envParsed.success) {
        const where = envKey === undefined || envKey === "" ? `the stack name is "${raw.stack}", so ` : "";
        throw new ConfigError([`${fullKey(platformKeys.environment.key)}: ${where}expected one of ${ENVIRONMENTS.join(", ")}, got "${envRaw}"`]);
    }
    const environment = envParsed.data;
    // A stack named after an environment cannot borrow another one's defaults (or skip prod's checks).
    if ((ENVIRONMENTS as readonly string[]).includes(raw.stack) && environment !== raw.stack) {
        throw new ConfigError([`${fullKey(platformKeys.environment.key)}: stack "${raw.stack}" is the ${raw.stack} environment; got "${environment}"`]);
    }
    if (!/^[a-z0-9][a-z0-9-]{0,20}$/.test(raw.stack)) {
        throw new ConfigError([`stack name "${raw.stack}": expected lowercase letters, digits and hyphens (at most 21), since AWS names derive from it`]);
    }
    const reader = new ConfigReader(environment, { values: raw.values, secretKeys: new Set(raw.secretKeys ?? []) });
    reader.get(platformKeys.environment, "optional");

    const regionRaw = raw.values[REGION_KEY];
    const regionParsed = region.safeParse(regionRaw);

    const profile = raw.values["aws:profile"] || undefined;
    let allowedAccountIds: string[] = [];
    const accountsRaw = raw.values["aws:allowedAccountIds"];
    if (accountsRaw !== undefined) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(accountsRaw);
        } catch {
            parsed = undefined;
        }
        if (Array.isArray(parsed) && parsed.every((a) => typeof a === "string" && /^\d{12}$/.test(a))) allowedAccountIds = parsed as string[];
        else problems.push(`aws:allowedAccountIds: expected a list of 12-digit AWS account IDs (got ${accountsRaw})`);
    }
    // One AWS account per environment: only a separate account keeps dev's role from touching
    // prod, and the provider then refuses credentials of any other account.
    if ((environment === "staging" || environment === "prod") && allowedAccountIds.length === 0 && !problems.some((p) => p.startsWith("aws:allowedAccountIds"))) {
        problems.push(`aws:allowedAccountIds: required for ${environment}: the ${environment} account's ID, e.g. \`pulumi config set --path --type string 'aws:allowedAccountIds[0]' 111122223333\``);
    }

    const tags = reader.get(platformKeys.tags);
    const target = existingClusterSection.read(reader);
    const charts = chartsSection.read(reader);
    // An existing cluster needs no AWS provider (nothing AWS is built), so no region either.
    if (regionRaw === undefined && target.mode === "eks") problems.push(`${REGION_KEY}: required (set it with \`pulumi config set aws:region ap-south-1\`)`);
    else if (regionRaw !== undefined && !regionParsed.success) problems.push(`${REGION_KEY}: ${regionParsed.error.issues[0].message} (got "${regionRaw}")`);
    const network = networkSection.read(reader);
    const cluster = clusterSection.read(reader);
    const autoscaling = autoscalingSection.read(reader);
    const registry = registrySection.read(reader);
    const mesh = meshSection.read(reader);
    const payments = paymentsSection.read(reader);
    const observability = observabilitySection.read(reader);
    if (target.mode === "existing") {
        const awsLayer = [...networkSection.keys, ...clusterSection.keys, ...autoscalingSection.keys, ...registrySection.keys];
        const awsKeysSet = awsLayer.filter((spec) => reader.isSet(spec)).map((spec) => spec.key);
        // Every key whose value names a Secrets Manager secret (its schema is secretName).
        const secretsManagerKeysSet = allKeySpecs().filter((spec) => spec.schema === secretName && reader.isSet(spec)).map((spec) => spec.key);
        const gateway = { gatewayServiceType: target.existing!.gatewayServiceType, gatewaySourceRanges: mesh.gatewaySourceRanges };
        const inputs = { environment, tlsIssuer: payments.tls.issuer, hostedZone: payments.tls.hostedZone, lokiStorage: observability.loki.storage, awsKeysSet, secretsManagerKeysSet, ...gateway };
        for (const p of existingModeProblems(inputs)) reader.fail(p.key, p.message);
    } else {
        const system = cluster.nodeGroups[0];
        const ctx = { maxSize: system.maxSize, systemNodes: system.desiredSize, podSecurityGroups: usesPodSecurityGroups(payments.database), trunkFamilies: TRUNK_COMPATIBLE_FAMILIES };
        for (const p of autoscalingProblems(autoscaling, ctx)) reader.fail(p.key, p.message);
        for (const p of registryProblems(registry, { region: regionRaw ?? "", accountId: allowedAccountIds[0] })) reader.fail(p.key, p.message);
    }

    // Istio revisions against what the stack meshes, and the Istio charts a local path must hold.
    for (const p of [...revisionProblems(mesh.revisions, meshedWorkloads(payments)), ...istioChartSourceProblems(mesh.revisions, charts)]) reader.fail(p.key, p.message);

    const all = [...problems, ...reader.problems, ...reader.unknownKeys()];
    if (all.length > 0) throw new ConfigError(all);

    const name = `dodo-${raw.stack}`;
    return {
        environment,
        stack: raw.stack,
        region: regionRaw ?? "",
        aws: { profile, allowedAccountIds },
        name,
        tags: { ...tags, Project: "dodo-payments", Environment: environment, ManagedBy: "pulumi", Stack: `${PROJECT}/${raw.stack}` },
        target,
        charts,
        network,
        cluster,
        autoscaling,
        registry,
        mesh,
        payments,
        observability,
    };
}

/**
 * Whether the CLI handed the key over as a secret. The SDK exports `isConfigSecret` from
 * runtime/config.js but marks it @internal (no typings); @pulumi/pulumi is pinned in
 * package.json, and a test runs this against the real CLI. Without it, every key counts as
 * secret, so a missing function can only let a plaintext secret through, never fail a stack.
 */
function isConfigSecret(key: string): boolean {
    const fn = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
    return typeof fn === "function" ? fn(key) : true;
}

/** Reads the stack's configuration from the Pulumi runtime (the CLI or the offline synth). */
export function loadPlatformConfig(): PlatformConfig {
    try {
        const values = pulumi.runtime.allConfig();
        const secretKeys = Object.keys(values).filter(isConfigSecret);
        return parsePlatformConfig({ stack: pulumi.getStack(), values, secretKeys });
    } catch (err) {
        // RunError makes the CLI print the message alone, without a stack trace.
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
}
