// The stack configuration as the Pulumi CLI hands it to the program, computed offline from
// Pulumi.yaml and Pulumi.<stack>.yaml. The real CLI is the reference: test/engine runs the same
// stack files through it. What the CLI does, per pkg/workspace/config.go (v3.276.0):
// - a declared top-level key the stack does not set takes its Pulumi.yaml default;
// - objects and lists reach the program as JSON, scalars as their text;
// - an object with any `secure:` leaf is one secret key;
// - `config set --path` turns "true"/"false" and integers into booleans and numbers.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { allKeySpecs } from "../../components/config";
import { ConfigError, fullKey, PROJECT, setCommand, topLevelKey } from "../../components/settings";
import { parseConfigPath, setAtPath } from "./config-path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
/** The AWS environments CI previews and deploys. */
export const STACKS = ["dev", "staging", "prod"] as const;
/** Every stack file the synth renders: the environments and `local` (an existing cluster, the conformance run's stack). */
export const ALL_STACKS = [...STACKS, "local"] as const;
export type StackName = (typeof ALL_STACKS)[number];

export interface StackConfig {
    /** Fully qualified top-level keys to what the CLI passes (objects and lists as JSON). */
    values: Record<string, string>;
    secretKeys: string[];
    /** Declared secret keys the stack file does not set: `pulumi up` needs them, the offline render does not. */
    missingSecrets: string[];
}

type Tree = Record<string, unknown>;

function isObject(value: unknown): value is Tree {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function namespaced(key: string): string {
    return key.includes(":") ? key : `${PROJECT}:${key}`;
}

/** A stable stand-in for a secret the offline render cannot know; valid for any length rule. */
export function offlineSecret(key: string): string {
    return `offline-${createHash("sha256").update(key).digest("hex").slice(0, 32)}`;
}

/** What `pulumi config set --path` stores for a typed-in value. */
export function pathValue(text: string): string | number | boolean {
    if (text === "true" || text === "false") return text === "true";
    return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
}

/**
 * Sets `ns:a.b.c` inside the top-level object `ns:a`, like `pulumi config set --path`; a
 * string value is typed the way the CLI types it. Keys outside the project namespace (aws:)
 * are set whole.
 */
export function setPath(config: Tree, key: string, value: unknown): void {
    const typed = typeof value === "string" ? pathValue(value) : value;
    const colon = key.indexOf(":");
    const ns = key.slice(0, colon);
    // List indices and quoted keys as the CLI reads them: mesh.revisions[1], mesh.statefulSets["ns/name"].
    const segments = parseConfigPath(key.slice(colon + 1));
    if (ns !== PROJECT || segments.length === 1) {
        if (typed === undefined || typed === null) delete config[key];
        else config[key] = typed;
        return;
    }
    const top = `${ns}:${segments[0]}`;
    if (!isObject(config[top])) config[top] = {};
    setAtPath(config[top] as Tree, segments.slice(1), typed === null ? undefined : typed);
}

/** Replaces `{secure: ...}` leaves with stand-ins; returns whether any was found. */
function resolveSecure(value: unknown, at: string, plaintext: string[], secretPaths: ReadonlySet<string>): { value: unknown; secret: boolean } {
    if (isObject(value) && "secure" in value) return { value: offlineSecret(at), secret: true };
    if (isObject(value)) {
        let secret = false;
        const out: Tree = {};
        for (const [k, v] of Object.entries(value)) {
            const r = resolveSecure(v, `${at}.${k}`, plaintext, secretPaths);
            out[k] = r.value;
            secret ||= r.secret;
        }
        return { value: out, secret };
    }
    if (secretPaths.has(at) && value !== null && value !== undefined) plaintext.push(at);
    return { value, secret: false };
}

/** Reads Pulumi.yaml defaults and the stack file the way the CLI does; `overrides` are --path sets. */
export function readStackConfig(stack: string, root = REPO_ROOT, overrides?: Record<string, unknown>): StackConfig {
    const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { config?: Record<string, unknown> };
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) throw new Error(`no stack file ${path.relative(root, stackFile)} (stacks: ${ALL_STACKS.join(", ")})`);
    const stackDoc = (YAML.parse(fs.readFileSync(stackFile, "utf8")) ?? {}) as { config?: Record<string, unknown> };

    const secretSpecs = allKeySpecs().filter((s) => s.secret);
    const secretPaths = new Set(secretSpecs.map((s) => fullKey(s.key)));
    const config: Tree = {};
    const secretKeys = new Set<string>();
    const plaintext: string[] = [];
    for (const [key, value] of Object.entries(stackDoc.config ?? {})) {
        const k = namespaced(key);
        const r = resolveSecure(value, k, plaintext, secretPaths);
        if (r.value !== null && r.value !== undefined) config[k] = r.value;
        if (r.secret) secretKeys.add(k);
    }
    if (plaintext.length > 0) {
        // The program refuses these too; a committed plaintext secret must not pass CI.
        const spec = (k: string) => secretSpecs.find((s) => fullKey(s.key) === k)!;
        throw new ConfigError(plaintext.map((k) => `${k}: must be encrypted as it's secret (set it with \`${setCommand(spec(k))}\`)`));
    }
    for (const [key, value] of Object.entries(overrides ?? {})) {
        setPath(config, key, value);
        // Overrides of a declared secret stand for `config set --secret --path`.
        if (secretPaths.has(key) && value !== undefined) secretKeys.add(fullKey(topLevelKey(key.slice(PROJECT.length + 1))));
    }
    // Like the CLI: a declared top-level key the stack does not set takes its default.
    const required: string[] = [];
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        const k = namespaced(key);
        const d = decl as { default?: unknown; value?: unknown };
        if (config[k] !== undefined) continue;
        const value = d.value ?? d.default;
        if (value === undefined) required.push(k);
        else config[k] = structuredClone(value);
    }
    if (required.length > 0) {
        throw new ConfigError(required.map((k) => `${k}: required (no default in Pulumi.yaml); set it in Pulumi.${stack}.yaml or with \`pulumi config set\``));
    }
    // Secrets are set per stack with `pulumi config set --secret --path` and never committed;
    // offline, a declared secret the stack file lacks gets a stand-in and renders as "[secret]".
    const missingSecrets: string[] = [];
    const environment = String(config[fullKey("environment")] || stack);
    for (const spec of secretSpecs) {
        // An optional secret is required only where its section says so (e.g. dev's Grafana password).
        if (spec.optional && !(spec.requiredIn ?? []).some((e) => e === environment)) continue;
        const k = fullKey(spec.key);
        const top = fullKey(topLevelKey(spec.key));
        let node: unknown = config[top];
        for (const segment of spec.key.split(".").slice(1)) node = isObject(node) ? node[segment] : undefined;
        if (node === undefined) {
            setPath(config, k, offlineSecret(k));
            secretKeys.add(top);
            missingSecrets.push(k);
        }
    }
    const values = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    return { values, secretKeys: [...secretKeys].sort(), missingSecrets };
}

/**
 * The CLI's config for a set of `--path` assignments (`payments.canary.weight: "20"` or
 * `dodo-platform:payments.canary.weight: 20`), with declared secrets marked as `--secret` would.
 * Tests use it to state only the keys they are about.
 */
export function cliConfigFromPaths(paths: Readonly<Record<string, unknown>>): { values: Record<string, string>; secretKeys: Set<string> } {
    const config: Tree = {};
    for (const [key, value] of Object.entries(paths)) if (value !== undefined) setPath(config, namespaced(key), value);
    const given = (key: string) => paths[key] !== undefined || paths[fullKey(key)] !== undefined;
    const secretKeys = new Set(allKeySpecs().filter((s) => s.secret && given(s.key)).map((s) => fullKey(topLevelKey(s.key))));
    const values = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    return { values, secretKeys };
}

/** A key's value as written in Pulumi.<stack>.yaml (`payments.canary.weight`), undefined when unset. */
export function stackFileValue(stack: string, key: string, root = REPO_ROOT): unknown {
    const doc = (YAML.parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) ?? {}) as { config?: Tree };
    const [top, ...rest] = key.split(".");
    let node: unknown = doc.config?.[namespaced(top)];
    for (const segment of rest) node = isObject(node) ? node[segment] : undefined;
    return node;
}
