// The pull-request comment for one stack's `pulumi preview --policy-pack policy`: verdict,
// the policy section lifted to the top, then the whole preview folded. It is posted (and on the
// next run edited, never duplicated) whether the preview passed or a mandatory policy failed it,
// since a failed preview is when reviewers most need to see why.
//
// With --plan (the plan job's saved plan), it also lists what the pack could not judge at preview
// (scripts/lib/plan-unknowns.ts).
//
// node -r ts-node/register/transpile-only scripts/lib/diff-preview.ts --stack <s> --exit-code <n> --output <preview.txt> [--plan <plan.json>] [--run-url <url>]
import * as fs from "fs";
import { parseArgs, UsageError } from "./args";
import { Unjudged, unjudgedAtPreview, unjudgedSection } from "./plan-unknowns";

/** GitHub rejects comments over 65,536 characters; leave room for the frame. */
export const MAX_OUTPUT = 60_000;

/** Hidden marker the comment is found by (one per stack); the sticky-comment step uses it too. */
export function previewMarker(stack: string): string {
    return `pulumi-preview-${stack}`;
}

export function stripAnsi(s: string): string {
    // eslint-disable-next-line no-control-regex
    return s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
}

/** The `Policies:` block of Pulumi's preview output (up to the next unindented line), or "". */
export function policySection(output: string): string {
    const lines = stripAnsi(output).split(/\r?\n/);
    const start = lines.findIndex((l) => /^Policies:\s*$/.test(l));
    if (start === -1) return "";
    let end = start + 1;
    while (end < lines.length && (lines[end] === "" || /^\s/.test(lines[end]))) end++;
    return lines.slice(start, end).join("\n").trimEnd();
}

export interface PreviewCommentInput {
    stack: string;
    /** Exit code of `pulumi preview` (non-zero: an error or a mandatory policy violation). */
    exitCode: number;
    output: string;
    runUrl?: string;
    /** From the saved plan: resources with inputs unknown at preview, and their rules. */
    unjudged?: readonly Unjudged[];
}

function fenced(s: string): string {
    const fence = s.includes("```") ? "~~~~" : "```";
    return `${fence}\n${s}\n${fence}`;
}

export function previewComment(input: PreviewCommentInput): string {
    const clean = stripAnsi(input.output).trimEnd();
    const policies = policySection(clean);
    const mandatory = /\[mandatory\]/.test(policies);
    const verdict = input.exitCode === 0
        ? "preview succeeded"
        : mandatory
          ? "preview **failed**: a mandatory policy is violated"
          : `preview **failed** (exit code ${input.exitCode})`;
    const body = clean.length > MAX_OUTPUT ? `…(first ${clean.length - MAX_OUTPUT} characters cut)\n${clean.slice(-MAX_OUTPUT)}` : clean;
    const out = [
        `### \`pulumi preview\` of \`${input.stack}\` with the policy pack: ${verdict}`,
        "",
        policies ? fenced(policies) : "No policy violations reported.",
        "",
        ...(input.unjudged?.length ? [unjudgedSection(input.unjudged)] : []),
        "<details><summary>Full preview output</summary>",
        "",
        fenced(body || "(no output)"),
        "",
        "</details>",
    ];
    if (input.runUrl) out.push("", `[Workflow run](${input.runUrl})`);
    return out.join("\n") + "\n";
}

if (require.main === module) {
    const usage = "usage: diff-preview.ts --stack <s> --exit-code <n> --output <preview.txt> [--plan <plan.json>] [--run-url <url>]";
    try {
        const args = parseArgs(process.argv.slice(2), { stack: "string", "exit-code": "string", output: "string", plan: "string", "run-url": "string" }, usage);
        const code = Number(args["exit-code"]);
        if (!args.stack || !args.output || !Number.isInteger(code)) throw new UsageError(usage);
        // A failed preview saves no plan: nothing to list then.
        const unjudged = args.plan && fs.existsSync(args.plan) ? unjudgedAtPreview(JSON.parse(fs.readFileSync(args.plan, "utf8"))) : undefined;
        process.stdout.write(previewComment({ stack: args.stack, exitCode: code, output: fs.readFileSync(args.output, "utf8"), runUrl: args["run-url"], unjudged }));
    } catch (e) {
        console.error((e as Error).message);
        process.exit(2);
    }
}
