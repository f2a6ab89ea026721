// `npm run --silent policy:check -- [--env dev|staging|prod] [--format text|json|sarif] [--config pack-config.json] <file.yaml>...`
// Runs every policy rule over multi-document Kubernetes YAML (stack rules over all files
// together). Exit codes: 0 no mandatory finding, 1 a mandatory finding, 2 bad usage or input.
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";
import { YAMLException, loadAll } from "js-yaml";
import { hasMandatory, judgeObjects } from "../policy/check";
import { describeExemption, whyStale } from "../policy/exemptions";
import { catalog, RULES } from "../policy/catalog";
import { ENVIRONMENTS, effectiveEnforcement, fromPackConfig, resolveConfig } from "../policy/config";
import { shippedPackConfig } from "../policy/config-files";
import { renderText } from "../policy/report";
import { toSarif } from "../policy/sarif";
import type { Environment, Finding, PolicyConfig } from "../policy/rules/types";
import { InputError, loadYaml, SourcedObject } from "./lib/load-yaml";

export { InputError, loadYaml };
export type { SourcedObject };

export const USAGE = `usage: policy-check [--env dev|staging|prod] [--format text|json|sarif] [--config <pack-config>] <file.yaml>...
       (--env X applies policy/config/X.json unless --config names another file; no --env: prod, built-in defaults)
       policy-check --list [--format text|json] [--env ...] [--config ...]`;

const FORMATS = ["text", "json", "sarif"] as const;
type Format = (typeof FORMATS)[number];

class HelpRequested extends Error {}

/** Reads a pack config (the file `pulumi preview --policy-pack-config` takes; JSON or YAML). */
export function loadConfig(file: string, read: (f: string) => string): PolicyConfig {
    const text = readInput(file, read);
    let parsed: unknown;
    try {
        parsed = loadAll(text, { filename: file })[0]; // an empty file is an empty config
    } catch (e) {
        if (e instanceof YAMLException) throw new InputError(`${file}: invalid YAML: ${e.reason}${e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : ""}`);
        throw e;
    }
    try {
        return fromPackConfig(parsed ?? {}, RULES.map((r) => r.id));
    } catch (e) {
        throw new InputError(`${file}: ${(e as Error).message}`);
    }
}

/** The shipped pack config for an environment (policy/config/<env>.json). */
function shippedConfig(env: Environment): PolicyConfig {
    try {
        return shippedPackConfig(env);
    } catch (e) {
        throw new InputError((e as Error).message);
    }
}

function readInput(file: string, read: (f: string) => string): string {
    try {
        return read(file);
    } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new InputError(`${file}: cannot read: ${err.code === "ENOENT" ? "no such file" : err.message}`);
    }
}

interface Args { env?: Environment; format: Format; list: boolean; config?: string; files: string[] }

export function parseArgs(argv: readonly string[]): Args {
    const args: Args = { format: "text", list: false, files: [] };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i] as string;
        const value = (): string => {
            const inline = a.includes("=") ? a.slice(a.indexOf("=") + 1) : undefined;
            if (inline !== undefined) return inline;
            const next = argv[++i];
            if (next === undefined) throw new InputError(`${a} needs a value\n${USAGE}`);
            return next;
        };
        const flag = a.includes("=") ? a.slice(0, a.indexOf("=")) : a;
        if (flag === "--env") {
            const v = value();
            if (!(ENVIRONMENTS as readonly string[]).includes(v)) throw new InputError(`--env must be one of ${ENVIRONMENTS.join(", ")} (got ${v})`);
            args.env = v as Environment;
        } else if (flag === "--format") {
            const v = value();
            if (!(FORMATS as readonly string[]).includes(v)) throw new InputError(`--format must be one of ${FORMATS.join(", ")} (got ${v})`);
            args.format = v as Format;
        } else if (flag === "--config") {
            args.config = value();
        } else if (a === "--list") {
            args.list = true;
        } else if (a === "-h" || a === "--help") {
            throw new HelpRequested(USAGE);
        } else if (a === "--") {
            args.files.push(...argv.slice(i + 1));
            break;
        } else if (a.startsWith("--")) {
            throw new InputError(`unknown option ${a}\n${USAGE}`);
        } else {
            args.files.push(a);
        }
    }
    return args;
}

export interface Io {
    stdout(s: string): void;
    stderr(s: string): void;
    readFile(file: string): string;
    cwd: string;
}

const nodeIo: Io = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readFile: (f) => fs.readFileSync(f === "-" ? 0 : f, "utf8"),
    cwd: process.cwd(),
};

/** The fields `--format json` prints, in this order. */
export function toJsonFinding(f: Finding) {
    return { rule: f.rule, enforcement: f.enforcement, apiVersion: f.apiVersion, kind: f.kind, namespace: f.namespace, name: f.name, message: f.message };
}

/** Runs the command; returns the exit code instead of exiting so tests can call it. */
export function main(argv: readonly string[], io: Io = nodeIo): number {
    try {
        const args = parseArgs(argv);
        // --env X applies the shipped policy/config/X.json, as CrossGuard gets it in CI; --config overrides.
        const config = args.config ? loadConfig(args.config, io.readFile) : args.env ? shippedConfig(args.env) : {};
        const resolved = resolveConfig(config, args.env);
        if (args.list) {
            const entries = catalog().map((c) => {
                const level = effectiveEnforcement(c, resolved);
                return { id: c.id, description: c.description, enforcement: level };
            });
            if (args.format === "json") io.stdout(JSON.stringify(entries, null, 2) + "\n");
            else if (args.format === "sarif") throw new InputError("--list supports --format text or json");
            else io.stdout(entries.map((e) => `${e.id.padEnd(32)} ${e.enforcement.padEnd(9)} ${e.description}`).join("\n") + "\n");
            return 0;
        }
        if (args.files.length === 0) throw new InputError(`no input files\n${USAGE}`);
        const sourced: SourcedObject[] = [];
        for (const file of args.files) {
            const objects = loadYaml(readInput(file, io.readFile), file);
            // An empty render is a broken pipeline, not a compliant one.
            if (objects.length === 0) throw new InputError(`no Kubernetes objects in ${file}`);
            sourced.push(...objects);
        }
        const judged = judgeObjects(sourced.map((s) => s.object), { env: resolved.environment, config });
        const findings = judged.findings;
        // An exemption whose object is here but clean is no longer needed (policy/README.md, "Exemptions").
        for (const e of judged.stale) io.stderr(`policy-check: stale exemption ${describeExemption(e)}: ${whyStale(e, judged)}\n`);
        if (args.format === "json") {
            io.stdout(JSON.stringify(findings.map(toJsonFinding), null, 2) + "\n");
        } else if (args.format === "sarif") {
            const rel = (file: string) => (file === "-" ? "stdin" : path.relative(io.cwd, path.resolve(io.cwd, file)).split(path.sep).join("/"));
            const first = args.files[0] as string;
            const log = toSarif(findings, catalog(), {
                // Findings about something missing point at the first input file.
                locate: (f) => {
                    const s = f.index === undefined ? undefined : sourced[f.index];
                    return s ? { uri: rel(s.file), line: s.line } : { uri: rel(first), line: 1 };
                },
                srcRoot: pathToFileURL(io.cwd + path.sep).href,
            });
            io.stdout(JSON.stringify(log, null, 2) + "\n");
        } else {
            io.stdout(renderText(findings, sourced.length));
        }
        return hasMandatory(findings) ? 1 : 0;
    } catch (e) {
        if (e instanceof HelpRequested) {
            io.stdout(`${USAGE}\n`);
            return 0;
        }
        if (e instanceof InputError) {
            io.stderr(`policy-check: ${e.message}\n`);
            return 2;
        }
        io.stderr(`policy-check: internal error: ${(e as Error).message}\n`);
        return 2;
    }
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
