// Renders a stack's whole desired state offline: reads Pulumi.yaml and Pulumi.<stack>.yaml the
// way the CLI does, then runs the real program (index.ts) under mocks.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { allKeySpecs } from "../../components/config";
import { KubeObject } from "../../components/k8s";
import { ConfigError, fullKey, PROJECT } from "../../components/settings";
import { createHash } from "crypto";
import { RegisteredResource, runProgram } from "./mock-engine";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const STACKS = ["dev", "staging", "prod"] as const;
export type StackName = (typeof STACKS)[number];

export interface StackConfig {
    values: Record<string, string>;
    secretKeys: string[];
    /** Declared secret keys the stack file does not set: `pulumi up` needs them, the offline render does not. */
    missingSecrets: string[];
}

export interface Render {
    stack: string;
    /** Declared secret keys not in the stack file (rendered as "[secret]"; required for `pulumi up`). */
    missingSecrets: string[];
    resources: RegisteredResource[];
    manifests: KubeObject[];
    outputs: Record<string, unknown>;
}

/** Config as the CLI hands it to the program: strings, objects and lists as JSON. */
function configString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function namespaced(key: string): string {
    return key.includes(":") ? key : `${PROJECT}:${key}`;
}

/** Merges Pulumi.yaml defaults with the stack file; `secure:` values become "[secret]". */
export function readStackConfig(stack: string, root = REPO_ROOT, override?: Record<string, unknown>): StackConfig {
    const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { config?: Record<string, unknown> };
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        const d = decl as { default?: unknown; value?: unknown } | string | number | boolean;
        const value = typeof d === "object" && d !== null ? (d.value ?? d.default) : d;
        if (value !== undefined) values[namespaced(key)] = configString(value);
    }
    // Like the CLI: a declared key without a default is required (secrets are handled below).
    const required = Object.entries(project.config ?? {})
        .filter(([, d]) => typeof d === "object" && d !== null && "type" in d && !("default" in d) && !(d as { secret?: boolean }).secret)
        .map(([k]) => namespaced(k));
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) throw new Error(`no stack file ${path.relative(root, stackFile)} (stacks: ${STACKS.join(", ")})`);
    const stackDoc = (YAML.parse(fs.readFileSync(stackFile, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const declaredSecret = new Set(allKeySpecs().filter((s) => s.secret).map((s) => fullKey(s.key)));
    const plaintextSecrets: string[] = [];
    const apply = (entries: Record<string, unknown>, fromStackFile: boolean) => {
        for (const [key, value] of Object.entries(entries)) {
            const k = namespaced(key);
            if (value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
                // The ciphertext cannot be read offline; any valid value will do, outputs show "[secret]".
                values[k] = offlineSecret(k);
                secretKeys.push(k);
            } else if (value === null || value === undefined) {
                delete values[k];
            } else {
                if (declaredSecret.has(k)) {
                    if (fromStackFile) plaintextSecrets.push(k);
                    secretKeys.push(k);
                }
                values[k] = configString(value);
            }
        }
    };
    apply(stackDoc.config ?? {}, true);
    apply(override ?? {}, false);
    if (plaintextSecrets.length > 0) {
        // The CLI refuses these too; a committed plaintext secret must not pass CI.
        throw new ConfigError(plaintextSecrets.map((k) => `${k}: must be encrypted as it's secret (set it with \`pulumi config set --secret ${k} <value>\`)`));
    }
    const missing = required.filter((k) => values[k] === undefined);
    if (missing.length > 0) {
        throw new ConfigError(missing.map((k) => `${k}: required (no default in Pulumi.yaml); set it in Pulumi.${stack}.yaml or with \`pulumi config set\``));
    }
    // Secrets are set per stack with `pulumi config set --secret` and never committed; offline,
    // a declared secret the stack file lacks gets a placeholder and renders as "[secret]".
    const missingSecrets: string[] = [];
    for (const k of declaredSecret) {
        if (values[k] === undefined) {
            values[k] = offlineSecret(k);
            secretKeys.push(k);
            missingSecrets.push(k);
        }
    }
    return { values, secretKeys: [...new Set(secretKeys)], missingSecrets };
}

/** A stable stand-in for a secret the offline render cannot know; valid for any length rule. */
export function offlineSecret(key: string): string {
    return `offline-${createHash("sha256").update(key).digest("hex").slice(0, 32)}`;
}

/** Kubernetes objects the program creates directly (not Helm releases, not providers). */
export function manifestsOf(resources: RegisteredResource[]): KubeObject[] {
    return resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/"))
        .map((r) => {
            const { apiVersion, kind, metadata, ...rest } = r.props as Record<string, unknown>;
            return { apiVersion, kind, metadata, ...rest } as KubeObject;
        })
        .sort((a, b) => {
            const ka = [a.kind, a.metadata.namespace ?? "", a.metadata.name].join("\u0000");
            const kb = [b.kind, b.metadata.namespace ?? "", b.metadata.name].join("\u0000");
            return ka < kb ? -1 : ka > kb ? 1 : 0;
        });
}

/** Runs index.ts for `stack` under mocks. Config errors reject with the program's message. */
export async function renderStack(stack: string, options: { root?: string; config?: Record<string, unknown> } = {}): Promise<Render> {
    const config = readStackConfig(stack, options.root ?? REPO_ROOT, options.config);
    const entry = require.resolve(path.join(REPO_ROOT, "index.ts"));
    const run = await runProgram(
        () => {
            // index.ts is the program: load it fresh so each render runs it again.
            delete require.cache[entry];
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            return { ...(require(entry) as Record<string, unknown>) };
        },
        { project: PROJECT, stack, config: config.values, secretKeys: config.secretKeys },
    );
    return { stack, missingSecrets: config.missingSecrets, resources: run.resources, manifests: manifestsOf(run.resources), outputs: run.outputs };
}
