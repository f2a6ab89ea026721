// The credential-free diff: compares two offline renders of one stack (the synth's
// resources.json and manifests.yaml) and says what a reviewer needs to know: resources added,
// removed and changed (with the changed fields), Kubernetes objects changed, and policy findings
// new and resolved. Everything here is pure; scripts/diff.ts does the git and process work.
import * as YAML from "yaml";
import { checkPulumiResources } from "../../policy/check";
import { shippedPackConfig } from "../../policy/config-files";
import { describeObject } from "../../policy/report";
import type { Environment, Finding, PolicyConfig } from "../../policy/rules/types";

/** One entry of resources.json, as the synth writes it. */
export interface ResourceEntry {
    type: string;
    name: string;
    ref?: string;
    parent?: string | null;
    dependsOn?: string[];
    provider?: string | null;
    props: Record<string, unknown>;
}

/** A Kubernetes object of manifests.yaml. */
export interface ManifestObject {
    apiVersion?: string;
    kind?: string;
    metadata?: { name?: string; namespace?: string; [key: string]: unknown };
    [key: string]: unknown;
}

/** One side of the comparison: a stack's render and the policy findings over it. */
export interface RenderSnapshot {
    resources: ResourceEntry[];
    manifests: ManifestObject[];
    findings: Finding[];
}

export interface FieldChange {
    /** Dotted path; list entries by index or, for named entries, by name: `spec.http[name=api-read].route[1].weight`. */
    path: string;
    /** undefined when the field did not exist on that side. */
    before?: unknown;
    after?: unknown;
}

export interface ResourceChange {
    type: string;
    name: string;
    fields: FieldChange[];
}

export interface ObjectChange {
    apiVersion: string;
    kind: string;
    namespace: string;
    name: string;
    fields: FieldChange[];
}

export interface ResourceId {
    type: string;
    name: string;
}

export interface ObjectId {
    apiVersion: string;
    kind: string;
    namespace: string;
    name: string;
}

export interface DiffReport {
    resources: { added: ResourceId[]; removed: ResourceId[]; changed: ResourceChange[] };
    objects: { added: ObjectId[]; removed: ObjectId[]; changed: ObjectChange[] };
    findings: { added: Finding[]; resolved: Finding[] };
}

/** The Kubernetes objects the program creates are reported as objects, not again as resources. */
export function isKubernetesObjectType(type: string): boolean {
    return type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm.sh/");
}

/**
 * Parses a synth's resources.json and manifests.yaml and runs the policy rules over the
 * resources with `config`, the pack config of that side (default: the shipped one for `env`).
 */
export function snapshotFromSynth(resourcesJson: string, manifestsYaml: string, env: Environment, config?: PolicyConfig): RenderSnapshot {
    const resources = JSON.parse(resourcesJson) as ResourceEntry[];
    if (!Array.isArray(resources)) throw new Error("resources.json is not a list of resources");
    const manifests = YAML.parseAllDocuments(manifestsYaml)
        .map((d) => d.toJS() as ManifestObject | null)
        .filter((m): m is ManifestObject => m !== null && typeof m === "object");
    return { resources, manifests, findings: findingsOf(resources, env, config) };
}

/**
 * The policy findings over a render: the same rules the CrossGuard pack runs, with the pack
 * config the deployment applies (policy/config/<env>.json unless another is given).
 */
export function findingsOf(resources: readonly ResourceEntry[], env: Environment, config: PolicyConfig = shippedPackConfig(env)): Finding[] {
    return checkPulumiResources(resources, { env, config });
}

export const EMPTY_SNAPSHOT: RenderSnapshot = { resources: [], manifests: [], findings: [] };

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function childPath(parent: string, key: string): string {
    const safe = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
    if (!parent) return safe;
    return /^[A-Za-z_$]/.test(safe) ? `${parent}.${safe}` : `${parent}[${safe}]`;
}

/**
 * The leaf fields that differ between two JSON values. Objects are compared key by key, lists of
 * named entries name by name, other lists index by index (a list that grows shows its new
 * entries; one that shrinks, the removed ones).
 */
export function changedFields(before: unknown, after: unknown, path = ""): FieldChange[] {
    // JSON documents held in string fields (IAM and bucket policies, dashboards, Envoy config)
    // are compared as documents, so a changed Action shows as that one field, not two blobs.
    if (typeof before === "string" && typeof after === "string" && before !== after) {
        const b = jsonDocument(before);
        const a = jsonDocument(after);
        if (b !== undefined && a !== undefined) {
            const inner = changedFields(b, a, `${path || "(value)"}<json>`);
            if (inner.length > 0) return inner;
            return []; // the same document, only formatted differently
        }
    }
    if (isPlainObject(before) && isPlainObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        return keys.flatMap((k) => changedFields(before[k], after[k], childPath(path, k)));
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        // Lists of named entries (routes, containers, ports, env) are matched by name, so
        // inserting one route does not show every later route as changed.
        if (namedEntries(before) && namedEntries(after)) {
            const b = new Map(before.map((e) => [e.name, e]));
            const a = new Map(after.map((e) => [e.name, e]));
            const names = [...new Set([...b.keys(), ...a.keys()])];
            return names.flatMap((n) => changedFields(b.get(n), a.get(n), `${path}[name=${n}]`));
        }
        const out: FieldChange[] = [];
        for (let i = 0; i < Math.max(before.length, after.length); i++) {
            const p = `${path}[${i}]`;
            if (i >= before.length) out.push({ path: p, after: after[i] });
            else if (i >= after.length) out.push({ path: p, before: before[i] });
            else out.push(...changedFields(before[i], after[i], p));
        }
        return out;
    }
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    const change: FieldChange = { path: path || "(value)" };
    if (before !== undefined) change.before = before;
    if (after !== undefined) change.after = after;
    return [change];
}

/** A string that holds a JSON object or list, parsed; undefined for any other string. */
function jsonDocument(s: string): unknown {
    const t = s.trim();
    if (!(t.startsWith("{") && t.endsWith("}")) && !(t.startsWith("[") && t.endsWith("]"))) return undefined;
    try {
        const v: unknown = JSON.parse(t);
        return v !== null && typeof v === "object" ? v : undefined;
    } catch {
        return undefined;
    }
}

/** Every entry an object with a distinct string `name`. */
function namedEntries(list: unknown[]): list is { name: string }[] {
    if (list.length === 0) return false;
    const names = new Set<string>();
    for (const e of list) {
        if (!isPlainObject(e) || typeof e.name !== "string" || names.has(e.name)) return false;
        names.add(e.name);
    }
    return true;
}

function resourceKey(r: ResourceEntry): string {
    return r.ref ?? `${r.type}::${r.name}`;
}

/** Props plus what changes a resource's URN or ordering (parent, provider, dependsOn). */
function resourceView(r: ResourceEntry): Record<string, unknown> {
    return { props: r.props ?? {}, parent: r.parent ?? null, provider: r.provider ?? null, dependsOn: [...(r.dependsOn ?? [])].sort() };
}

function objectId(m: ManifestObject): ObjectId {
    return { apiVersion: String(m.apiVersion ?? ""), kind: String(m.kind ?? ""), namespace: String(m.metadata?.namespace ?? ""), name: String(m.metadata?.name ?? "") };
}

/** Objects are identified the way the API server identifies them (the group without its version). */
function objectKey(m: ManifestObject): string {
    const id = objectId(m);
    const group = id.apiVersion.includes("/") ? id.apiVersion.slice(0, id.apiVersion.indexOf("/")) : "";
    return [group, id.kind, id.namespace, id.name].join("\u0000");
}

/** Findings are matched by rule and object; a reworded message is not a new finding. */
export function findingKey(f: Pick<Finding, "rule" | "kind" | "namespace" | "name">): string {
    return [f.rule, f.kind, f.namespace, f.name].join("\u0000");
}

function byKey<T>(items: readonly T[], key: (t: T) => string): Map<string, T> {
    const m = new Map<string, T>();
    for (const i of items) m.set(key(i), i);
    return m;
}

function compareIds(a: { kind?: string; type?: string; namespace?: string; name: string }, b: typeof a): number {
    const ka = [a.type ?? a.kind ?? "", a.namespace ?? "", a.name].join("\u0000");
    const kb = [b.type ?? b.kind ?? "", b.namespace ?? "", b.name].join("\u0000");
    return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Pure: what changes between the base render and the head render. */
export function diffRenders(base: RenderSnapshot, head: RenderSnapshot): DiffReport {
    const report: DiffReport = {
        resources: { added: [], removed: [], changed: [] },
        objects: { added: [], removed: [], changed: [] },
        findings: { added: [], resolved: [] },
    };

    const baseRes = byKey(base.resources.filter((r) => !isKubernetesObjectType(r.type)), resourceKey);
    const headRes = byKey(head.resources.filter((r) => !isKubernetesObjectType(r.type)), resourceKey);
    for (const [k, r] of headRes) {
        const before = baseRes.get(k);
        if (!before) report.resources.added.push({ type: r.type, name: r.name });
        else {
            const fields = changedFields(resourceView(before), resourceView(r));
            if (fields.length > 0) report.resources.changed.push({ type: r.type, name: r.name, fields });
        }
    }
    for (const [k, r] of baseRes) if (!headRes.has(k)) report.resources.removed.push({ type: r.type, name: r.name });

    const baseObj = byKey(base.manifests, objectKey);
    const headObj = byKey(head.manifests, objectKey);
    for (const [k, o] of headObj) {
        const before = baseObj.get(k);
        if (!before) report.objects.added.push(objectId(o));
        else {
            const fields = changedFields(before, o);
            if (fields.length > 0) report.objects.changed.push({ ...objectId(o), fields });
        }
    }
    for (const [k, o] of baseObj) if (!headObj.has(k)) report.objects.removed.push(objectId(o));

    const baseFindings = byKey(base.findings, findingKey);
    const headFindings = byKey(head.findings, findingKey);
    report.findings.added = [...headFindings].filter(([k]) => !baseFindings.has(k)).map(([, f]) => f);
    report.findings.resolved = [...baseFindings].filter(([k]) => !headFindings.has(k)).map(([, f]) => f);

    report.resources.added.sort(compareIds);
    report.resources.removed.sort(compareIds);
    report.resources.changed.sort(compareIds);
    report.objects.added.sort(compareIds);
    report.objects.removed.sort(compareIds);
    report.objects.changed.sort(compareIds);
    const byFinding = (a: Finding, b: Finding) => (a.enforcement === b.enforcement ? compareIds(a, b) || (a.rule < b.rule ? -1 : 1) : a.enforcement === "mandatory" ? -1 : 1);
    report.findings.added.sort(byFinding);
    report.findings.resolved.sort(byFinding);
    return report;
}

export function hasChanges(report: DiffReport): boolean {
    const { resources: r, objects: o, findings: f } = report;
    return r.added.length + r.removed.length + r.changed.length + o.added.length + o.removed.length + o.changed.length + f.added.length + f.resolved.length > 0;
}

export interface MarkdownOptions {
    stack: string;
    /** How the base is named in the heading, e.g. "`main` (3f2c1ab)". */
    base: string;
    /** How the head is named, e.g. "the working tree". */
    head: string;
    /** Changed fields listed per resource or object before the rest are counted (default 25). */
    maxFields?: number;
}

/** Inline code that survives backticks and table pipes inside the value. */
function code(s: string): string {
    const text = s.replace(/\n/g, "\\n").replace(/\|/g, "\\|");
    const fence = text.includes("`") ? "``" : "`";
    return `${fence}${fence.length > 1 ? " " : ""}${text}${fence.length > 1 ? " " : ""}${fence}`;
}

function show(value: unknown): string {
    if (value === undefined) return "(absent)";
    const s = JSON.stringify(value);
    return code(s.length > 120 ? `${s.slice(0, 117)}...` : s);
}

function plural(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function fieldLines(fields: readonly FieldChange[], max: number): string[] {
    const lines = fields.slice(0, max).map((f) => {
        if (f.before === undefined) return `  - ${code(f.path)}: added ${show(f.after)}`;
        if (f.after === undefined) return `  - ${code(f.path)}: removed (was ${show(f.before)})`;
        return `  - ${code(f.path)}: ${show(f.before)} → ${show(f.after)}`;
    });
    if (fields.length > max) lines.push(`  - …and ${plural(fields.length - max, "more field")}`);
    return lines;
}

function objectLabel(o: ObjectId): string {
    return `${o.kind} ${code(o.namespace ? `${o.namespace}/${o.name}` : o.name)} (${o.apiVersion})`;
}

function findingRow(f: Finding): string {
    return `| ${f.enforcement} | ${code(f.rule)} | ${describeObject(f).replace(/\|/g, "\\|")} | ${f.message.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`;
}

/** The report as Markdown for a pull-request comment or a terminal. */
export function diffMarkdown(report: DiffReport, options: MarkdownOptions): string {
    const heading = `### Desired-state diff for \`${options.stack}\`: ${options.base} → ${options.head}`;
    if (!hasChanges(report)) return `${heading}\n\nNo changes.\n`;
    const max = options.maxFields ?? 25;
    const { resources: r, objects: o, findings: f } = report;
    const mandatoryNew = f.added.filter((x) => x.enforcement === "mandatory").length;
    const out: string[] = [heading, ""];
    out.push(
        `Resources: ${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed. ` +
            `Kubernetes objects: ${o.added.length} added, ${o.removed.length} removed, ${o.changed.length} changed. ` +
            `Policy findings: ${f.added.length} new${mandatoryNew ? ` (${mandatoryNew} mandatory)` : ""}, ${f.resolved.length} resolved.`,
    );
    const section = (title: string, lines: string[]) => {
        if (lines.length > 0) out.push("", `#### ${title}`, "", ...lines);
    };
    section("Resources added", r.added.map((x) => `- ${code(x.type)} ${code(x.name)}`));
    section("Resources removed", r.removed.map((x) => `- ${code(x.type)} ${code(x.name)}`));
    section("Resources changed", r.changed.flatMap((x) => [`- ${code(x.type)} ${code(x.name)}`, ...fieldLines(x.fields, max)]));
    section("Kubernetes objects added", o.added.map((x) => `- ${objectLabel(x)}`));
    section("Kubernetes objects removed", o.removed.map((x) => `- ${objectLabel(x)}`));
    section("Kubernetes objects changed", o.changed.flatMap((x) => [`- ${objectLabel(x)}`, ...fieldLines(x.fields, max)]));
    const table = (items: Finding[]) => ["| Enforcement | Rule | Object | Finding |", "| --- | --- | --- | --- |", ...items.map(findingRow)];
    if (f.added.length > 0) section("New policy findings", table(f.added));
    if (f.resolved.length > 0) section("Resolved policy findings", table(f.resolved));
    return out.join("\n") + "\n";
}
