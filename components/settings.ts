// The machinery every config key is declared with. A key is declared once here or in a
// capability's settings module; Pulumi.yaml's `config:` section is generated from the same
// declarations (scripts/gen-config.ts), so the CLI's schema, the docs and the parser cannot drift.
import { z } from "zod";

export const PROJECT = "dodo-platform";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** The value types Pulumi.yaml can declare (objects are not declarable, so every key is flat). */
export type ConfigValueType = "string" | "integer" | "boolean" | "array";

/** A default for every environment, for keys a platform team sizes differently per environment. */
export type PerEnvironment<T> = { readonly [E in Environment]: T };

export interface KeySpec<T> {
    /** Name inside the project namespace, e.g. `payments.canary.weight`. */
    readonly key: string;
    readonly type: ConfigValueType;
    /** One sentence for Pulumi.yaml and the config reference. */
    readonly description: string;
    /** Validates the parsed value; its message says what was expected. */
    readonly schema: z.ZodType<T>;
    /**
     * Default when the stack does not set the key. A constant is written into Pulumi.yaml; a
     * per-environment default is applied here only, since a Pulumi.yaml default would hide
     * whether the stack set the key. Omit for keys that are optional (undefined when unset).
     */
    readonly default?: T | PerEnvironment<T>;
    /** Set with `pulumi config set --secret`; handed to components as a secret Output. */
    readonly secret?: boolean;
    /** No default and not required: the key may stay unset (read with `reader.get(spec, "optional")`). */
    readonly optional?: boolean;
}

/**
 * The Pulumi CLI refuses to run a stack that lacks a declared key with no default. Keys whose
 * default depends on the environment (or that may stay unset) are therefore declared in
 * Pulumi.yaml with this "unset" value of their type, and the parser treats it as not set.
 * Booleans have no spare value, so a boolean's default is always a constant.
 */
export function unsetSentinel(type: ConfigValueType): string | number | [] | undefined {
    switch (type) {
        case "integer":
            // -1 is never a meaningful count, size or percentage, so an explicit 0 stays an error.
            return -1;
        case "string":
            return "";
        case "array":
            return [];
        case "boolean":
            return undefined;
    }
}

/** Whether the key is declared with the unset sentinel (per-environment default or optional). */
export function usesSentinel(spec: KeySpec<unknown>): boolean {
    return !spec.secret && (isPerEnvironment(spec.default) || (spec.default === undefined && spec.optional === true));
}

export function defineKey<T>(spec: KeySpec<T>): KeySpec<T> {
    return spec;
}

export function isPerEnvironment<T>(value: T | PerEnvironment<T> | undefined): value is PerEnvironment<T> {
    return (
        typeof value === "object" &&
        value !== null &&
        !Array.isArray(value) &&
        ENVIRONMENTS.every((e) => Object.prototype.hasOwnProperty.call(value, e))
    );
}

export function fullKey(key: string): string {
    return `${PROJECT}:${key}`;
}

/** Raised with every problem found in the stack config, so one run shows them all. */
export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(
            `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

function show(value: unknown): string {
    return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
}

function sentinelString(type: ConfigValueType): string | undefined {
    const sentinel = unsetSentinel(type);
    return sentinel === undefined ? undefined : typeof sentinel === "string" ? sentinel : JSON.stringify(sentinel);
}

/** Parses the raw string the CLI hands the program into the declared type. */
function decode(type: ConfigValueType, raw: string): { ok: true; value: unknown } | { ok: false; expected: string } {
    switch (type) {
        case "string":
            return { ok: true, value: raw };
        case "integer": {
            const trimmed = raw.trim();
            if (!/^-?\d+$/.test(trimmed)) return { ok: false, expected: "an integer" };
            return { ok: true, value: Number(trimmed) };
        }
        case "boolean":
            if (raw === "true") return { ok: true, value: true };
            if (raw === "false") return { ok: true, value: false };
            return { ok: false, expected: "true or false" };
        case "array": {
            try {
                const parsed: unknown = JSON.parse(raw);
                if (Array.isArray(parsed)) return { ok: true, value: parsed };
            } catch {
                // fall through to the message below
            }
            return { ok: false, expected: "a list (YAML sequence)" };
        }
    }
}

function zodMessage(error: z.ZodError): string {
    return error.issues
        .map((issue) => {
            const at = issue.path.length > 0 ? `[${issue.path.map(String).join("][")}] ` : "";
            return `${at}${issue.message}`;
        })
        .join("; ");
}

/**
 * Reads declared keys from the raw config map and records every problem. Components never see
 * this: sections use it to build their typed, validated slice of PlatformConfig.
 */
export class ConfigReader {
    readonly problems: string[] = [];
    private readonly declared = new Set<string>();

    constructor(
        readonly environment: Environment,
        private readonly raw: Readonly<Record<string, string>>,
    ) {}

    /** The validated value, the default when unset, or undefined for an optional unset key. */
    get<T>(spec: KeySpec<T>): T;
    get<T>(spec: KeySpec<T>, optional: "optional"): T | undefined;
    get<T>(spec: KeySpec<T>, _optional?: "optional"): T | undefined {
        this.declared.add(spec.key);
        const name = fullKey(spec.key);
        const given = this.raw[name];
        const raw = given !== undefined && usesSentinel(spec as KeySpec<unknown>) && given === sentinelString(spec.type) ? undefined : given;
        if (raw === undefined) return this.defaultOf(spec);
        // After a bad value, building goes on with the default so one run reports every problem.
        const decoded = decode(spec.type, raw);
        if (!decoded.ok) {
            this.problems.push(`${name}: expected ${decoded.expected}, got ${show(raw)}`);
            return this.defaultOf(spec);
        }
        const result = spec.schema.safeParse(decoded.value);
        if (!result.success) {
            this.problems.push(`${name}: ${zodMessage(result.error)} (got ${show(decoded.value)})`);
            return this.defaultOf(spec);
        }
        return result.data;
    }

    /** Records a cross-key problem, e.g. desired size outside min..max. */
    fail(key: string, message: string): void {
        this.problems.push(`${fullKey(key)}: ${message}`);
    }

    /** Keys in the project namespace that no section declared: typos must not pass silently. */
    unknownKeys(): string[] {
        const prefix = `${PROJECT}:`;
        return Object.keys(this.raw)
            .filter((k) => k.startsWith(prefix) && !this.declared.has(k.slice(prefix.length)))
            .sort();
    }

    /** The environment's (or the constant) default; undefined for an optional key. */
    private defaultOf<T>(spec: KeySpec<T>): T | undefined {
        if (spec.default === undefined) return undefined;
        return isPerEnvironment(spec.default) ? spec.default[this.environment] : (spec.default as T);
    }
}

/** One capability's slice of the configuration: its keys and how it turns them into typed settings. */
export interface ConfigSection<T> {
    readonly keys: readonly KeySpec<unknown>[];
    read(reader: ConfigReader): T;
}

// Reusable value schemas, with messages that say what was expected.

export const ipv4Cidr = z
    .string()
    .refine(isIpv4Cidr, { message: "expected an IPv4 CIDR such as 10.0.0.0/16" })
    .superRefine((value, ctx) => {
        const network = ipv4HostBitsProblem(value);
        if (network) ctx.addIssue({ code: "custom", message: `has host bits set; did you mean ${network}?` });
    });

export function isIpv4Cidr(value: string): boolean {
    // No leading zeros: some parsers read 010 as octal.
    const m = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\/(\d{1,2})$/.exec(value);
    if (!m) return false;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    return octets.every((o) => o >= 0 && o <= 255) && prefix >= 0 && prefix <= 32;
}

/** The CIDR's network address when host bits are set (10.10.1.0/16 -> 10.10.0.0/16), else undefined. */
export function ipv4HostBitsProblem(value: string): string | undefined {
    if (!isIpv4Cidr(value)) return undefined;
    const [address, prefixText] = value.split("/");
    const octets = address.split(".").map(Number);
    const prefix = Number(prefixText);
    const numeric = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
    const size = 2 ** (32 - prefix);
    if (numeric % size === 0) return undefined;
    const network = numeric - (numeric % size);
    return `${[24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join(".")}/${prefix}`;
}

export function isIpv6Cidr(value: string): boolean {
    const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(value);
    return m !== null && m[1].includes(":") && Number(m[2]) <= 128;
}

export const anyCidr = z
    .string()
    .refine((v) => isIpv4Cidr(v) || isIpv6Cidr(v), { message: "expected an IPv4 or IPv6 CIDR such as 203.0.113.0/24" });

export function integerIn(min: number, max: number): z.ZodType<number> {
    return z
        .number()
        .int({ message: "expected an integer" })
        .min(min, { message: `must be between ${min} and ${max}` })
        .max(max, { message: `must be between ${min} and ${max}` });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T): z.ZodType<T[number]> {
    return z.enum(values, { message: `expected one of ${values.join(", ")}` });
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Problem with a Kubernetes label key (`[prefix/]name`), or undefined when it is valid. */
export function labelKeyProblem(key: string): string | undefined {
    const parts = key.split("/");
    if (parts.length > 2) return "a label key has at most one '/'";
    const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return `label key prefix "${prefix}" is not a DNS subdomain`;
    if (!LABEL_NAME.test(name)) return `label name "${name}" must be 1-63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric`;
    return undefined;
}

/** Problem with a Kubernetes label value, or undefined when it is valid (empty is allowed). */
export function labelValueProblem(value: string): string | undefined {
    return value === "" || LABEL_NAME.test(value) ? undefined : `label value "${value}" must be at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric`;
}

export type KeyValueKind = "label" | "tag";

function keyValueProblem(kind: KeyValueKind, key: string, value: string): string | undefined {
    if (kind === "label") return labelKeyProblem(key) ?? labelValueProblem(value);
    if (key.toLowerCase().startsWith("aws:")) return `tag keys starting with "aws:" are reserved by AWS`;
    if (key.length > 128 || value.length > 256) return "AWS tags allow keys up to 128 and values up to 256 characters";
    return undefined;
}

/** `key=value` entries (labels, tags) parsed into a map; the schema rejects malformed entries. */
export function keyValueList(what: KeyValueKind): z.ZodType<Record<string, string>> {
    return z
        .array(z.string())
        .superRefine((items, ctx) => {
            const seen = new Set<string>();
            items.forEach((item, i) => {
                const eq = item.indexOf("=");
                if (eq < 1 || /\s/.test(item.slice(0, eq))) {
                    ctx.addIssue({ code: "custom", path: [i], message: `expected a ${what} as key=value, got ${show(item)}` });
                    return;
                }
                const key = item.slice(0, eq);
                const problem = keyValueProblem(what, key, item.slice(eq + 1));
                if (problem) ctx.addIssue({ code: "custom", path: [i], message: problem });
                if (seen.has(key)) ctx.addIssue({ code: "custom", path: [i], message: `${what} ${key} is given twice` });
                seen.add(key);
            });
        })
        .transform((items) => Object.fromEntries(items.map((i) => [i.slice(0, i.indexOf("=")), i.slice(i.indexOf("=") + 1)])));
}
