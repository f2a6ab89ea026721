// Human-readable renderings of findings: terminal text for the CLI and a short Markdown
// verdict the synth writes into each stack's summary.
import type { Finding } from "./rules/types";

/** `Deployment payments/backend`, `aws:eks/cluster:Cluster dodo-prod`, or `PeerAuthentication in istio-system` for a missing object. */
export function describeObject(f: Pick<Finding, "kind" | "namespace" | "name">): string {
    if (!f.name) return f.namespace ? `${f.kind} in ${f.namespace}` : f.kind;
    if (f.kind === "Namespace") return `Namespace ${f.name}`;
    return `${f.kind} ${f.namespace ? `${f.namespace}/` : ""}${f.name}`;
}

export interface Counts { mandatory: number; advisory: number }

export function countFindings(findings: readonly Finding[]): Counts {
    let mandatory = 0;
    for (const f of findings) if (f.enforcement === "mandatory") mandatory++;
    return { mandatory, advisory: findings.length - mandatory };
}

export function renderText(findings: readonly Finding[], objectCount?: number): string {
    const lines = findings.map((f) => `${f.enforcement === "mandatory" ? "FAIL" : "WARN"}  ${f.rule}  ${describeObject(f)}: ${f.message}`);
    const c = countFindings(findings);
    const checked = objectCount === undefined ? "" : ` in ${objectCount} object${objectCount === 1 ? "" : "s"}`;
    lines.push(`${c.mandatory} mandatory, ${c.advisory} advisory finding${c.advisory === 1 ? "" : "s"}${checked}: ${c.mandatory ? "FAIL" : "PASS"}`);
    return lines.join("\n") + "\n";
}

function cell(s: string): string {
    return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export interface VerdictOptions {
    /** Heading, e.g. the stack name. */
    title?: string;
    /** Rows to list before summarising the rest (default 50). */
    maxRows?: number;
}

/** A short Markdown verdict: PASS/FAIL line, counts, and a table of findings (mandatory first). */
export function renderMarkdownVerdict(findings: readonly Finding[], options: VerdictOptions = {}): string {
    const c = countFindings(findings);
    const verdict = c.mandatory ? "FAIL" : "PASS";
    const out: string[] = [];
    out.push(`### Policy verdict${options.title ? `: ${options.title}` : ""} — ${verdict}`);
    out.push("");
    out.push(`${c.mandatory} mandatory and ${c.advisory} advisory finding${c.advisory === 1 ? "" : "s"}.`);
    if (findings.length === 0) return out.join("\n") + "\n";
    const sorted = [...findings].sort((a, b) => (a.enforcement === b.enforcement ? 0 : a.enforcement === "mandatory" ? -1 : 1));
    const max = options.maxRows ?? 50;
    out.push("");
    out.push("| Enforcement | Rule | Object | Finding |");
    out.push("| --- | --- | --- | --- |");
    for (const f of sorted.slice(0, max)) out.push(`| ${f.enforcement} | \`${f.rule}\` | ${cell(describeObject(f))} | ${cell(f.message)} |`);
    if (sorted.length > max) out.push("", `…and ${sorted.length - max} more.`);
    return out.join("\n") + "\n";
}
