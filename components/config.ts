// The only module that reads stack configuration. It parses every key once, validates it,
// applies environment-aware defaults and hands components a typed PlatformConfig.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ClusterConfig, clusterSection } from "./cluster/settings";
import { MeshConfig, meshSection } from "./mesh/settings";
import { NetworkConfig, networkSection } from "./network/settings";
import { PaymentsConfig, paymentsSection } from "./payments/settings";
import { ObservabilityConfig, observabilitySection } from "./observability/settings";
import {
    ConfigError,
    ConfigReader,
    ConfigSection,
    defineKey,
    ENVIRONMENTS,
    Environment,
    fullKey,
    KeySpec,
    keyValueList,
    oneOf,
    PROJECT,
} from "./settings";

export { ConfigError, Environment, PROJECT };

export interface PlatformConfig {
    environment: Environment;
    /** Stack name, e.g. `dev`; a second stack of one environment gets its own names. */
    stack: string;
    region: string;
    /** Prefix of AWS and cluster names: `dodo-<stack>`. */
    name: string;
    /** Tags on every AWS resource (through the provider's default tags). */
    tags: Record<string, string>;
    network: NetworkConfig;
    cluster: ClusterConfig;
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
        type: "array",
        description: "Extra tags for every AWS resource, as Key=Value entries (Project, Environment and ManagedBy are always set).",
        schema: keyValueList("tag"),
        default: {},
    }),
} as const;

const REGION_KEY = "aws:region";
const region = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { message: "expected an AWS region such as ap-south-1" });

/** Every section of the configuration; Pulumi.yaml is generated from their keys. */
export const CONFIG_SECTIONS: readonly ConfigSection<unknown>[] = [
    { keys: Object.values(platformKeys), read: () => undefined },
    networkSection,
    clusterSection,
    meshSection,
    paymentsSection,
    observabilitySection,
];

export function allKeySpecs(): KeySpec<unknown>[] {
    return CONFIG_SECTIONS.flatMap((s) => s.keys);
}

export interface RawConfig {
    stack: string;
    /** Fully qualified keys (`dodo-platform:network.vpcCidr`, `aws:region`) to the strings the CLI passes. */
    values: Readonly<Record<string, string>>;
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
    const reader = new ConfigReader(environment, raw.values);
    reader.get(platformKeys.environment, "optional");

    const regionRaw = raw.values[REGION_KEY];
    const regionParsed = region.safeParse(regionRaw);
    if (regionRaw === undefined) problems.push(`${REGION_KEY}: required (set it with \`pulumi config set aws:region ap-south-1\`)`);
    else if (!regionParsed.success) problems.push(`${REGION_KEY}: expected an AWS region such as ap-south-1 (got "${regionRaw}")`);

    const tags = reader.get(platformKeys.tags);
    const network = networkSection.read(reader);
    const cluster = clusterSection.read(reader);
    const mesh = meshSection.read(reader);
    const payments = paymentsSection.read(reader);
    const observability = observabilitySection.read(reader);

    const unknown = reader.unknownKeys().map((k) => `${k}: unknown key (not declared in Pulumi.yaml; check its spelling)`);
    const all = [...problems, ...reader.problems, ...unknown];
    if (all.length > 0) throw new ConfigError(all);

    const name = `dodo-${raw.stack}`;
    return {
        environment,
        stack: raw.stack,
        region: regionRaw!,
        name,
        tags: { ...tags, Project: "dodo-payments", Environment: environment, ManagedBy: "pulumi", Stack: `${PROJECT}/${raw.stack}` },
        network,
        cluster,
        mesh,
        payments,
        observability,
    };
}

/** Reads the stack's configuration from the Pulumi runtime (the CLI or the offline synth). */
export function loadPlatformConfig(): PlatformConfig {
    try {
        return parsePlatformConfig({ stack: pulumi.getStack(), values: pulumi.runtime.allConfig() });
    } catch (err) {
        // RunError makes the CLI print the message alone, without a stack trace.
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
}
