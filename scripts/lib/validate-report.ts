// Pure half of `npm run validate`: tool output -> findings, findings + waivers -> verdict and report.
// Nothing here runs a tool, so every rule is tested directly (test/validate/).
import { z } from "zod";

export type ToolName = "istioctl" | "kubectl-validate";
export type Level = "Error" | "Warning" | "Info";

/** One message from an upstream tool about one object (or about the input as a whole). */
export interface Finding {
    tool: ToolName;
    /** istioctl: the analyzer code (IST0101); kubectl-validate: the cause reason (FieldValueRequired). */
    code: string;
    level: Level;
    /** `<Kind> <namespace>/<name>` or `<Kind> <name>` (istioctl's convention); "" when not about one object. */
    object: string;
    message: string;
}

/** istioctl's `<Kind> <ns>/<name>` convention, used for every finding and waiver. */
export function objectId(kind: string, name: string, namespace?: string): string {
    return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}

const ISTIO_LOG_LINE = /^\d{4}-\d\d-\d\dT[\d:.]+Z\t(debug|info|warn|error|fatal)\t/;

function asLevel(level: unknown): Level {
    return level === "Error" || level === "Warning" || level === "Info" ? level : "Error";
}

/**
 * `istioctl analyze -o json` prints one JSON array of messages (`code`, `level`, `origin`,
 * `message`, ...). Input that istioctl could not parse is only reported on stderr
 * ("Error(s) adding files"); that becomes an Error finding so it can never pass silently.
 */
export function parseIstioctlOutput(stdout: string, stderr: string): Finding[] {
    // istioctl's logger writes to stdout too ("<RFC3339>\twarn\tfile\terror processing ..."); the
    // same problems are summed up on stderr as "Error(s) adding files", handled below.
    const text = stdout
        .split("\n")
        .filter((l) => !ISTIO_LOG_LINE.test(l))
        .join("\n")
        .trim();
    let messages: unknown;
    try {
        messages = text === "" ? [] : JSON.parse(text);
    } catch {
        throw new Error(`istioctl analyze printed something that is not JSON:\n${text.slice(0, 2000)}\n${stderr.slice(0, 2000)}`);
    }
    if (!Array.isArray(messages)) throw new Error(`istioctl analyze: expected a JSON array, got ${typeof messages}`);
    const findings: Finding[] = messages.map((m: Record<string, unknown>) => ({
        tool: "istioctl",
        code: String(m.code ?? "unknown"),
        level: asLevel(m.level),
        object: typeof m.origin === "string" ? m.origin : "",
        message: String(m.message ?? ""),
    }));
    const parse = /Error\(s\) adding files:?\s*([\s\S]*)/.exec(stderr);
    if (parse) {
        findings.push({ tool: "istioctl", code: "ParseError", level: "Error", object: "", message: `istioctl could not read the input: ${parse[1].trim()}` });
    }
    return findings;
}

/** A Kubernetes `metav1.Status` as kubectl-validate prints it per document. */
interface Status {
    status?: string;
    message?: string;
    reason?: string;
    details?: { causes?: { reason?: string; message?: string; field?: string }[] };
}

/**
 * `kubectl-validate -o json <files>` prints `{ "<file>": [Status per document] }`. The
 * validate command writes one object per file, so `objects` maps each file to the object in it.
 * A failed document with field causes yields one finding per cause.
 */
export function parseKubectlValidateOutput(stdout: string, objects: Record<string, string>): Finding[] {
    let parsed: unknown;
    try {
        parsed = JSON.parse(stdout);
    } catch {
        throw new Error(`kubectl-validate printed something that is not JSON:\n${stdout.slice(0, 2000)}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("kubectl-validate: expected a JSON object of file -> statuses");
    const findings: Finding[] = [];
    for (const [file, statuses] of Object.entries(parsed as Record<string, Status[]>)) {
        const object = objects[file] ?? file;
        for (const s of statuses ?? []) {
            if (!s || s.status === "Success") continue;
            const causes = s.details?.causes ?? [];
            if (causes.length === 0) {
                findings.push({ tool: "kubectl-validate", code: s.reason || "Invalid", level: "Error", object, message: s.message ?? "validation failed" });
                continue;
            }
            // The API server adds this cause whenever schema errors stopped CEL rules from running;
            // it says nothing on its own, so it is dropped when the real causes are listed.
            const real = causes.filter((c) => !(c.message ?? "").includes("some validation rules were not checked because the object was invalid"));
            for (const c of real.length > 0 ? real : causes) {
                const message = c.field && !(c.message ?? "").startsWith(c.field) ? `${c.field}: ${c.message ?? ""}` : (c.message ?? "");
                findings.push({ tool: "kubectl-validate", code: c.reason || s.reason || "Invalid", level: "Error", object, message });
            }
        }
    }
    return findings;
}

// ---- waivers ---------------------------------------------------------------------------------

const STACK_NAMES = ["dev", "staging", "prod"] as const;

const waiverSchema = z
    .object({
        tool: z.enum(["istioctl", "kubectl-validate"], { message: "tool must be istioctl or kubectl-validate" }),
        code: z.string().min(1, "code is required (e.g. IST0101)"),
        object: z.string().min(1, 'object is required: "<Kind> <namespace>/<name>" as the report prints it; * matches any run of characters'),
        message: z.string().min(1).optional(),
        stacks: z.array(z.enum(STACK_NAMES)).min(1).optional(),
        reason: z
            .string({ message: "reason is required: why this finding is not a defect" })
            .trim()
            .min(20, "reason must explain why the finding is not a defect (at least 20 characters)")
            .refine((r) => !/^(todo|tbd|fixme)\b/i.test(r), "reason must not be a placeholder"),
    })
    .strict();

export type Waiver = z.infer<typeof waiverSchema>;

const waiverFileSchema = z.object({ waivers: z.array(waiverSchema).nullish() }).strict();

export class WaiverFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "WaiverFileError";
    }
}

/** Validates the parsed waiver file; errors name the entry and the field. */
export function parseWaivers(doc: unknown): Waiver[] {
    const r = waiverFileSchema.safeParse(doc ?? { waivers: [] });
    if (!r.success) {
        const lines = r.error.issues.map((i) => {
            const [top, index, ...field] = i.path;
            const where = top === "waivers" && typeof index === "number" ? `waivers[${index}]${field.length ? "." + field.join(".") : ""}` : i.path.join(".") || "(file)";
            return `validation-waivers.yaml ${where}: ${i.message}`;
        });
        throw new WaiverFileError(lines.join("\n"));
    }
    return r.data.waivers ?? [];
}

function globToRegExp(glob: string): RegExp {
    return new RegExp("^" + glob.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$");
}

/** A waiver covers a finding when tool, code, object (glob), stack and message (substring) all match. */
export function waiverMatches(w: Waiver, f: Finding, stack: string): boolean {
    if (w.tool !== f.tool || w.code !== f.code) return false;
    if (w.stacks && !(w.stacks as string[]).includes(stack)) return false;
    if (!globToRegExp(w.object).test(f.object)) return false;
    if (w.message && !f.message.includes(w.message)) return false;
    return true;
}

export interface Verdict {
    /** Errors and warnings no waiver covers: each one fails the run. */
    unwaived: Finding[];
    waived: { finding: Finding; waiver: Waiver }[];
    /** Info messages: printed, never failing. */
    info: Finding[];
    /** Waivers for this stack that matched nothing: likely stale, worth deleting. */
    unusedWaivers: Waiver[];
    exitCode: 0 | 1;
}

export function decide(findings: Finding[], waivers: Waiver[], stack: string): Verdict {
    const unwaived: Finding[] = [];
    const waived: Verdict["waived"] = [];
    const info: Finding[] = [];
    const used = new Set<Waiver>();
    for (const f of findings) {
        if (f.level === "Info") {
            info.push(f);
            continue;
        }
        const w = waivers.find((x) => waiverMatches(x, f, stack));
        if (w) {
            used.add(w);
            waived.push({ finding: f, waiver: w });
        } else unwaived.push(f);
    }
    const unusedWaivers = waivers.filter((w) => !used.has(w) && (!w.stacks || (w.stacks as string[]).includes(stack)));
    return { unwaived, waived, info, unusedWaivers, exitCode: unwaived.length > 0 ? 1 : 0 };
}

// ---- report ----------------------------------------------------------------------------------

export interface ToolRun {
    tool: ToolName;
    version: string;
    /** What was given to the tool, e.g. "41 objects (27 built-in, 14 Istio)". */
    input: string;
    /** Objects not given to this tool, by kind, with why. */
    skipped: { kind: string; count: number; why: string }[];
}

function line(f: Finding): string {
    return `  ${f.level.padEnd(7)} [${f.code}] ${f.object ? `(${f.object}) ` : ""}${f.message}`;
}

export function formatReport(stack: string, runs: ToolRun[], verdict: Verdict): string {
    const out: string[] = [`validate ${stack}:`];
    for (const r of runs) {
        out.push(`  ${r.tool} ${r.version}: ${r.input}`);
        for (const s of r.skipped) out.push(`    skipped ${s.count} ${s.kind}: ${s.why}`);
    }
    if (verdict.unwaived.length > 0) {
        out.push(`${verdict.unwaived.length} unwaived finding(s):`);
        for (const f of verdict.unwaived) out.push(`${line(f)}   <- ${f.tool}`);
    }
    if (verdict.waived.length > 0) {
        out.push(`${verdict.waived.length} waived finding(s) (validation-waivers.yaml):`);
        for (const { finding } of verdict.waived) out.push(`${line(finding)}   <- ${finding.tool}`);
    }
    if (verdict.info.length > 0) {
        out.push(`${verdict.info.length} info message(s):`);
        for (const f of verdict.info) out.push(`${line(f)}   <- ${f.tool}`);
    }
    for (const w of verdict.unusedWaivers) out.push(`  note: waiver ${w.tool} ${w.code} "${w.object}" matched nothing in ${stack}; delete it if the finding is gone`);
    out.push(verdict.exitCode === 0 ? `validate ${stack}: OK (0 unwaived findings)` : `validate ${stack}: FAILED (${verdict.unwaived.length} unwaived finding(s))`);
    return out.join("\n");
}

// ---- self-check ------------------------------------------------------------------------------

/** A finding a tool must report on test/validate/fixtures/known-bad.yaml. */
export interface Expected {
    tool: ToolName;
    object: string;
    code?: string;
    messageIncludes?: string;
}

/** One per defect in the fixture; see the comments there. */
export const SELF_CHECK: readonly Expected[] = [
    { tool: "istioctl", code: "IST0101", object: "VirtualService validate-self-check/routes-to-missing-gateway" },
    { tool: "kubectl-validate", code: "FieldValueTypeInvalid", object: "Deployment validate-self-check/replicas-not-a-number" },
    { tool: "kubectl-validate", code: "FieldValueNotSupported", object: "AuthorizationPolicy validate-self-check/action-not-in-enum" },
    { tool: "kubectl-validate", object: "DestinationRule validate-self-check/misspelt-field", messageIncludes: "unknown field" },
];

/**
 * Problems when a tool failed to report a defect it must see: a clean report from a tool that
 * cannot find known defects is worthless, so validation stops instead.
 */
export function selfCheckProblems(findings: Finding[], expected: readonly Expected[] = SELF_CHECK): string[] {
    return expected
        .filter(
            (e) =>
                !findings.some(
                    (f) =>
                        f.tool === e.tool &&
                        f.object === e.object &&
                        (e.code === undefined || f.code === e.code) &&
                        (e.messageIncludes === undefined || f.message.includes(e.messageIncludes)),
                ),
        )
        .map((e) => `${e.tool} did not report ${e.code ?? `"${e.messageIncludes}"`} on ${e.object} in test/validate/fixtures/known-bad.yaml`);
}
