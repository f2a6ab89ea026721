// Runs the pinned helm (tools/helm) over one Release and reads back its objects, each with the
// chart template it came from (`# Source: <chart>/templates/<file>`, which helm prints before
// every document). Offline unless the chart is remote: no kubeconfig, proxies pointed at nowhere.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { KubeObject } from "../../../policy/rules/types";
import { load, YAMLException } from "js-yaml";
import { buildGoTool } from "../engine-tools/build";
import { goToolSpec } from "../engine-tools/specs";
import { KUBE_SCHEMA } from "../kube-scalars";
import { REPO_ROOT } from "../stack-config";
import { ChartRelease, helmTemplateArgs } from "./releases";
import type { ChartSource } from "./sources";

/** A mapping key a template writes twice in one object (Helm keeps the last value). */
export interface DuplicateKey {
    template: string;
    line: number;
    key: string;
}

/** An object of a rendered chart, with where it came from. */
export interface RenderedObject {
    object: KubeObject;
    release: string;
    /** The chart template, e.g. `istiod/templates/deployment.yaml`. */
    template: string;
    /** Line in the rendered stream (the file the report names). */
    line: number;
}

/** The template each line of a `helm template` stream belongs to (the last `# Source:` above it). */
export function templateOfLine(text: string): (line: number) => string {
    const marks: { line: number; source: string }[] = [];
    text.split("\n").forEach((l, i) => {
        const m = /^# Source: (.+?)\s*$/.exec(l);
        if (m) marks.push({ line: i + 1, source: m[1] as string });
    });
    return (line) => {
        let found = "";
        for (const m of marks) {
            if (m.line > line) break;
            found = m.source;
        }
        return found;
    };
}

/**
 * Objects of one `helm template` stream with their templates, read as Helm reads them: a key
 * repeated in one mapping keeps its last value (sigs.k8s.io/yaml over go-yaml v2, non-strict:
 * decode.go setMapIndex overwrites), and each repeat is reported, since policy:check refuses them.
 * Throws on a document that is not a Kubernetes object.
 */
export function readRendered(text: string, file: string, release: string): { objects: RenderedObject[]; duplicateKeys: DuplicateKey[] } {
    const templateOf = templateOfLine(text);
    const lines = text.split("\n");
    const objects: RenderedObject[] = [];
    const duplicateKeys: DuplicateKey[] = [];
    let start = 0;
    for (let i = 0; i <= lines.length; i++) {
        if (i < lines.length && !/^---\s*$/.test(lines[i] as string)) continue;
        const body = lines.slice(start, i);
        const first = body.findIndex((l) => l.trim() !== "" && !l.startsWith("#"));
        if (first >= 0) {
            const line = start + first + 1;
            const doc = body.join("\n");
            try {
                load(doc, { schema: KUBE_SCHEMA });
            } catch (e) {
                if (!(e instanceof YAMLException) || !/duplicated mapping key/.test(e.reason)) throw new Error(`${file}:${line}: invalid YAML: ${(e as Error).message}`);
                const at = start + (e.mark?.line ?? 0);
                const key = /^\s*(?:-\s+)?("[^"]*"|'[^']*'|[^:]+):/.exec(lines[at] ?? "")?.[1]?.replace(/^["']|["']$/g, "") ?? "?";
                duplicateKeys.push({ template: templateOf(line), line: at + 1, key });
            }
            // Scalars as the API server reads them: `hostNetwork: yes` is true (kube-scalars.ts).
            const value = load(doc, { json: true, schema: KUBE_SCHEMA }) as KubeObject | null;
            if (!value || typeof value !== "object" || typeof value.kind !== "string" || typeof value.apiVersion !== "string") {
                throw new Error(`${file}:${line}: a document with no apiVersion/kind, so not a Kubernetes object`);
            }
            objects.push({ object: value, release, template: templateOf(line), line });
        }
        start = i + 1;
    }
    return { objects, duplicateKeys };
}

/** The helm binary, built from tools/helm into the tools cache on first use. */
export function helmBinary(log: (line: string) => void = () => undefined): { bin: string; version: string; buildSeconds: number; reused: boolean } {
    const t = buildGoTool(goToolSpec("helm"), log);
    return { bin: t.bins.helm as string, version: t.version, buildSeconds: t.buildSeconds, reused: t.reused };
}

/** Environment for helm: its own home and caches in `work`, no cluster, and no network unless fetching. */
export function helmEnv(work: string, fetch: boolean): NodeJS.ProcessEnv {
    const nowhere = "http://127.0.0.1:9";
    return {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: work,
        HELM_CACHE_HOME: path.join(work, "cache"),
        HELM_CONFIG_HOME: path.join(work, "config"),
        HELM_DATA_HOME: path.join(work, "data"),
        KUBECONFIG: path.join(work, "no-kubeconfig"),
        ...(fetch
            ? Object.fromEntries(["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]))
            : { HTTP_PROXY: nowhere, HTTPS_PROXY: nowhere, http_proxy: nowhere, https_proxy: nowhere, NO_PROXY: "", no_proxy: "" }),
    };
}

export interface RenderInput {
    helm: string;
    release: ChartRelease;
    source: Exclude<ChartSource, { kind: "unavailable" }>;
    kubeVersion: string;
    apiVersions: readonly string[];
    /** Where the rendered stream is written (kept for the report's file:line). */
    outFile: string;
}

/** Renders one Release; returns its objects, or throws with helm's own error. */
export function renderRelease(input: RenderInput): { objects: RenderedObject[]; duplicateKeys: DuplicateKey[]; args: string[]; seconds: number } {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "dodo-charts-"));
    try {
        const valuesFile = path.join(work, "values.json");
        fs.writeFileSync(valuesFile, JSON.stringify(input.release.values));
        const args = helmTemplateArgs(input.release, { chartRef: input.source.chartRef, valuesFile, kubeVersion: input.kubeVersion, apiVersions: input.apiVersions, remote: input.source.kind === "remote" });
        const t0 = process.hrtime.bigint();
        // A Release's relative chart path is the program's, relative to the project (REPO_ROOT).
        const r = spawnSync(input.helm, args, { cwd: REPO_ROOT, env: helmEnv(work, input.source.kind === "remote"), encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        if (r.error) throw new Error(`helm: ${r.error.message}`);
        if (r.status !== 0) throw new Error(`helm template ${input.release.name} (${input.source.from}) failed:\n${(r.stderr || r.stdout).trim()}`);
        fs.mkdirSync(path.dirname(input.outFile), { recursive: true });
        fs.writeFileSync(input.outFile, r.stdout);
        const shown = args.map((a) => (a === valuesFile ? "<values>" : a));
        return { ...readRendered(r.stdout, path.relative(process.cwd(), input.outFile), input.release.name), args: shown, seconds };
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}
