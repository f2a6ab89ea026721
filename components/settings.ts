// The machinery every config key is declared with. A key is declared once here or in a
// capability's settings module; Pulumi.yaml's `config:` section, the reference docs and the
// parser all come from the same declarations (scripts/gen-config.ts, scripts/gen-docs.ts).
//
// Shape: the Pulumi CLI reads every key declared in Pulumi.yaml as a *path*
// (pkg/workspace/config.go, mergeConfig: `stackConfig.Get(key, true)`), so a declared
// `payments.canary.weight` would be looked up as `payments` -> `canary` -> `weight`. The stack
// configuration is therefore structured: one object per capability (`network`, `cluster`,
// `nodes`, `mesh`, `payments`, `observability`) declared as `type: object`, plus the top-level
// `environment` and `tags`. A key such as `payments.canary.weight` is a path inside its object,
// set with `pulumi config set --path dodo-platform:payments.canary.weight 20`.
import { z } from "zod";
import { caseInsensitiveDuplicates, cidrProblem, MAX_TAGS_PER_RESOURCE, tagProblem } from "../policy/rules/aws-values";

export const PROJECT = "dodo-platform";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/**
 * Value types of a key. `number` allows fractions; `map` is an object of string values (tags,
 * labels). Inside an object the CLI keeps YAML's types, and `config set --path` turns `true`,
 * `false` and integers into booleans and numbers (pkg/cmd/pulumi/config/config.go, `set --help`).
 */
export type ConfigValueType = "string" | "integer" | "number" | "boolean" | "array" | "map";

/** A default for every environment, for keys a platform team sizes differently per environment. */
export type PerEnvironment<T> = { readonly [E in Environment]: T };

export interface KeySpec<T> {
    /** Path inside the project namespace, e.g. `payments.canary.weight` (object `payments`). */
    readonly key: string;
    readonly type: ConfigValueType;
    /** One sentence for the config reference. */
    readonly description: string;
    /** Validates the decoded value; its message says what was expected. */
    readonly schema: z.ZodType<T>;
    /** Default when the stack does not set the key (a constant or one per environment). */
    readonly default?: T | PerEnvironment<T>;
    /** Set with `pulumi config set --secret --path`; handed to components as a secret Output. */
    readonly secret?: boolean;
    /** No default and not required: the key may stay unset (read with `reader.get(spec, "optional")`). */
    readonly optional?: boolean;
    /** Environments where a section requires this optional key; the offline render gives a secret one a stand-in only there. */
    readonly requiredIn?: readonly Environment[];
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

/** The top-level config key a path lives in: `payments` for `payments.canary.weight`. */
export function topLevelKey(key: string): string {
    const dot = key.indexOf(".");
    return dot < 0 ? key : key.slice(0, dot);
}

/** The command that sets a key, as users type it (nested keys need --path). */
export function setCommand(spec: Pick<KeySpec<unknown>, "key" | "secret">, value = "<value>"): string {
    const flags = [spec.secret ? "--secret" : "", spec.key.includes(".") ? "--path" : ""].filter(Boolean).join(" ");
    return `pulumi config set ${flags ? `${flags} ` : ""}${fullKey(spec.key)} ${value}`;
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
    return JSON.stringify(value) ?? String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

type Decoded = { ok: true; value: unknown } | { ok: false; expected: string };

/**
 * Turns a value as found in the stack's config into the declared type. Strings that the CLI's
 * own type check accepts for a declared integer or boolean (`"20"`, `"true"`) are accepted too
 * (sdk/go/common/workspace/project.go, ValidateConfigValue).
 */
function decode(type: ConfigValueType, value: unknown): Decoded {
    switch (type) {
        case "string":
            if (typeof value === "string") return { ok: true, value };
            return { ok: false, expected: typeof value === "number" ? `a string (quote it in YAML: "${value}")` : "a string" };
        case "integer":
            if (typeof value === "number" && Number.isInteger(value)) return { ok: true, value };
            if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return { ok: true, value: Number(value.trim()) };
            return { ok: false, expected: "an integer" };
        case "number":
            if (typeof value === "number" && Number.isFinite(value)) return { ok: true, value };
            if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) return { ok: true, value: Number(value.trim()) };
            return { ok: false, expected: "a number" };
        case "boolean":
            if (typeof value === "boolean") return { ok: true, value };
            if (value === "true" || value === "false") return { ok: true, value: value === "true" };
            return { ok: false, expected: "true or false" };
        case "array":
            return Array.isArray(value) ? { ok: true, value } : { ok: false, expected: "a list (YAML sequence)" };
        case "map": {
            if (!isPlainObject(value)) return { ok: false, expected: "a map of names to values (YAML mapping)" };
            const entries = Object.entries(value);
            if (!entries.every(([, v]) => ["string", "number", "boolean"].includes(typeof v))) return { ok: false, expected: "a map whose values are strings" };
            return { ok: true, value: Object.fromEntries(entries.map(([k, v]) => [k, String(v)])) };
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
 * The project's config as the CLI hands it to the program: fully qualified top-level keys to
 * strings (objects and lists as JSON), and the keys holding a secret (an object counts as one
 * secret when any of its leaves is).
 */
export interface CliConfig {
    readonly values: Readonly<Record<string, string>>;
    readonly secretKeys?: ReadonlySet<string>;
}

/**
 * Reads declared keys from the CLI's config and records every problem. Components never see
 * this: sections use it to build their typed, validated slice of PlatformConfig.
 */
export class ConfigReader {
    readonly problems: string[] = [];
    private readonly declared = new Map<string, KeySpec<unknown>>();
    private readonly topLevel = new Map<string, { ok: true; value: unknown } | { ok: false }>();
    private readonly secretKeys: ReadonlySet<string>;
    private readonly raw: Readonly<Record<string, string>>;

    constructor(
        readonly environment: Environment,
        config: CliConfig,
    ) {
        this.raw = config.values;
        this.secretKeys = config.secretKeys ?? new Set();
    }

    /** The validated value, the default when unset, or undefined for an optional unset key. */
    get<T>(spec: KeySpec<T>): T;
    get<T>(spec: KeySpec<T>, optional: "optional"): T | undefined;
    get<T>(spec: KeySpec<T>, _optional?: "optional"): T | undefined {
        this.declared.set(spec.key, spec as KeySpec<unknown>);
        const name = fullKey(spec.key);
        const given = this.lookup(spec);
        if (given === undefined || given === null) return this.defaultOf(spec);
        if (spec.secret && !this.secretKeys.has(fullKey(topLevelKey(spec.key)))) {
            this.problems.push(`${name}: must be encrypted as it's secret (set it with \`${setCommand(spec)}\`)`);
            return this.defaultOf(spec);
        }
        // After a bad value, building goes on with the default so one run reports every problem.
        const decoded = decode(spec.type, given);
        if (!decoded.ok) {
            this.problems.push(`${name}: expected ${decoded.expected}, got ${spec.secret ? "a secret" : show(given)}`);
            return this.defaultOf(spec);
        }
        const result = spec.schema.safeParse(decoded.value);
        if (!result.success) {
            this.problems.push(`${name}: ${zodMessage(result.error)}${spec.secret ? "" : ` (got ${show(decoded.value)})`}`);
            return this.defaultOf(spec);
        }
        return result.data;
    }

    /** Whether the stack sets the key at all (whatever its value). */
    isSet(spec: KeySpec<unknown>): boolean {
        const value = this.lookup(spec);
        return value !== undefined && value !== null;
    }

    /** Records a cross-key problem, e.g. desired size outside min..max. */
    fail(key: string, message: string): void {
        this.problems.push(`${fullKey(key)}: ${message}`);
    }

    /**
     * Keys in the project namespace that no section declared, and flat dotted keys (set without
     * --path): typos and misplaced values must not pass silently.
     */
    unknownKeys(): string[] {
        const problems: string[] = [];
        const declaredTop = new Set([...this.declared.keys()].map(topLevelKey));
        const prefix = `${PROJECT}:`;
        for (const name of Object.keys(this.raw).filter((k) => k.startsWith(prefix)).sort()) {
            const key = name.slice(prefix.length);
            if (key.includes(".") && declaredTop.has(topLevelKey(key))) {
                const spec = this.declared.get(key);
                const how = spec ? `\`pulumi config rm ${name}\`, then \`${setCommand(spec)}\`` : `remove it with \`pulumi config rm ${name}\``;
                problems.push(`${name}: set as one flat key; nested keys are paths inside "${topLevelKey(key)}" (${how})`);
            } else if (!declaredTop.has(key)) {
                problems.push(`${name}: unknown key (not declared in Pulumi.yaml; check its spelling)`);
            } else {
                const top = this.topLevel.get(key);
                if (top?.ok && isPlainObject(top.value) && !this.declared.has(key)) this.unknownPaths(key, top.value, problems);
            }
        }
        return problems;
    }

    private unknownPaths(path: string, value: Record<string, unknown>, problems: string[]): void {
        for (const [child, v] of Object.entries(value)) {
            const p = `${path}.${child}`;
            if (this.declared.has(p)) continue;
            const isPrefix = [...this.declared.keys()].some((k) => k.startsWith(`${p}.`));
            if (!isPrefix) problems.push(`${fullKey(p)}: unknown key (check its spelling; the keys are listed in docs/config-reference.md)`);
            else if (isPlainObject(v)) this.unknownPaths(p, v, problems);
            else problems.push(`${fullKey(p)}: expected a mapping of its keys, got ${show(v)}`);
        }
    }

    /** The value at the spec's path, undefined when unset. */
    private lookup(spec: KeySpec<unknown>): unknown {
        const [top, ...rest] = spec.key.split(".");
        if (rest.length === 0) {
            const raw = this.raw[fullKey(top)];
            // Pulumi.yaml declares an optional top-level string empty (the CLI demands a default).
            if (raw === undefined || (raw === "" && spec.optional)) return undefined;
            // The CLI hands lists and maps over as JSON, scalars as their text.
            if (spec.type !== "array" && spec.type !== "map") return raw;
            return this.topValue(top, spec.type === "array" ? "a list" : "a map");
        }
        let node: unknown = this.topValue(top, "a mapping of its keys");
        for (const segment of rest) {
            if (!isPlainObject(node)) return undefined;
            node = node[segment];
        }
        return node;
    }

    /** A top-level key's JSON, parsed once; a malformed one is reported once. */
    private topValue(top: string, expected: string): unknown {
        let entry = this.topLevel.get(top);
        if (!entry) {
            const raw = this.raw[fullKey(top)];
            let parsed: unknown;
            try {
                parsed = raw === undefined ? undefined : JSON.parse(raw);
            } catch {
                parsed = Symbol.for("invalid");
            }
            const ok = raw === undefined || (expected === "a list" ? Array.isArray(parsed) : isPlainObject(parsed));
            entry = ok ? { ok: true, value: parsed } : { ok: false };
            if (!ok) this.problems.push(`${fullKey(top)}: expected ${expected}, got ${show(raw)}${expected === "a mapping of its keys" ? ` (set nested keys with \`pulumi config set --path ${fullKey(top)}.<key> <value>\`)` : ""}`);
            this.topLevel.set(top, entry);
        }
        return entry.ok ? entry.value : undefined;
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
    .refine((v) => isIpv4Cidr(v) || isIpv6Cidr(v), { message: "expected an IPv4 or IPv6 CIDR such as 203.0.113.0/24" })
    .superRefine((value, ctx) => {
        // Host bits (1.2.3.4/0) make what an entry admits a matter of who reads it; the prod share guard counts blocks.
        if (!isIpv4Cidr(value) && !isIpv6Cidr(value)) return;
        const problem = cidrProblem(value);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

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

/** Tags the platform sets on every AWS resource (components/config.ts); a stack's tags may not name them. */
export const PLATFORM_TAG_KEYS = ["Project", "Environment", "ManagedBy", "Stack"] as const;

/**
 * Stack tags go on every AWS resource, IAM roles included, beside the platform's four and the
 * few a resource sets itself (Name, subnet discovery tags): keep well under AWS's 50 per resource.
 */
export const MAX_STACK_TAGS = MAX_TAGS_PER_RESOURCE - PLATFORM_TAG_KEYS.length - 6;

/** Why a label or an AWS tag is refused (IAM's and EC2's rules for tags), or undefined. */
export function keyValueProblem(kind: KeyValueKind, key: string, value: string): string | undefined {
    if (kind === "label") return labelKeyProblem(key) ?? labelValueProblem(value);
    if (PLATFORM_TAG_KEYS.some((k) => k.toLowerCase() === key.toLowerCase())) return `tag key "${key}" is set by the platform on every resource (${PLATFORM_TAG_KEYS.join(", ")})`;
    return tagProblem(key, value);
}

/** A map of labels or tags (`CostCenter: platform-dev`); the schema names each bad entry. */
export function keyValueMap(what: KeyValueKind): z.ZodType<Record<string, string>> {
    return z.record(z.string(), z.string()).superRefine((entries, ctx) => {
        for (const [key, value] of Object.entries(entries)) {
            const problem = keyValueProblem(what, key, value);
            if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem });
        }
        if (what !== "tag") return;
        for (const group of caseInsensitiveDuplicates(Object.keys(entries))) {
            ctx.addIssue({ code: "custom", path: [group[1]], message: `tag keys ${group.join(" and ")} differ only in case, which IAM treats as one key` });
        }
        const count = Object.keys(entries).length;
        if (count > MAX_STACK_TAGS) ctx.addIssue({ code: "custom", message: `at most ${MAX_STACK_TAGS} tags (AWS allows ${MAX_TAGS_PER_RESOURCE} per resource, and the platform and resources add their own), got ${count}` });
    });
}
