// The full upgrade walk over whole-program renders: each step's render through `npm run validate`
// (istioctl and kubectl-validate built from pinned modules) and the policy pack, its restarts
// against what the step says, and its undo rendered again and diffed against the step before.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import type { Environment } from "../../../policy/rules/types";
import { diffMarkdown, diffRenders, hasChanges } from "../diff";
import { REPO_ROOT } from "../render";
import { writeFiles } from "../synth-output";
import { allSynthFiles } from "../synth-sections";
import { applyCommands } from "./commands";
import { planUpgrade, PlannedStep } from "./plan";
import { meshObjectAt, RenderedState, renderWithMesh, stackMesh } from "./render";
import { notRendered, partitionUnrendered, unrenderedChanges } from "./unrendered";
import { ConfigCommand } from "../../../components/mesh/upgrade-steps";

export interface StepCheck {
    step: string;
    problems: string[];
    /** Releases it changes that validate could not render, covered by an allowance: not verified. */
    unverified: string[];
    seconds: number;
}

export interface Validation {
    ok: boolean;
    /** The unwaived findings and failed checks, one line each (empty when ok). */
    findings: string[];
    tail: string;
    /** Helm releases its rendered-chart check could not render offline, and why. */
    unrendered: Map<string, string>;
}

/** `npm run validate -- --no-synth` over a render written as the synth writes it. */
function validate(stack: string, rendered: RenderedState, dir: string): Validation {
    writeFiles(allSynthFiles(rendered.render), dir);
    const r = spawnSync(process.execPath, ["-r", path.join(REPO_ROOT, "scripts", "lib", "register-ts.js"), path.join(REPO_ROOT, "scripts", "validate.ts"), "--stack", stack, "--out", dir, "--no-synth"], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const lines = (r.stdout + r.stderr).split("\n");
    const findings: string[] = [];
    const at = lines.findIndex((l) => /unwaived finding\(s\):$/.test(l));
    if (at >= 0) for (let j = at + 1; j < lines.length && lines[j].startsWith("  "); j++) findings.push(lines[j].trim());
    findings.push(...lines.filter((l) => /^rendered-chart check \S+: FAILED/.test(l)));
    if (r.status !== 0 && findings.length === 0) findings.push(`exit ${r.status}`);
    return { ok: r.status === 0, findings, tail: lines.slice(-15).join("\n"), unrendered: notRendered(r.stdout + r.stderr) };
}

/** What the step says restarts, as the diff names it. */
function expectedRestarts(p: PlannedStep): string[] {
    const deployments = p.rendered.render.manifests
        .filter((o) => o.kind === "Deployment" && p.step.restarts.namespaces.includes(o.metadata.namespace ?? ""))
        .map((o) => `Deployment ${o.metadata.namespace}/${o.metadata.name}`);
    return [...deployments, ...p.step.restarts.statefulSets.map((s) => `StatefulSet ${s}`), ...(p.step.restarts.gateway ? ["Helm release mesh-ingressgateway"] : [])].sort();
}

/** What rolling back by `undo` from the config `mesh` leaves different from `previous`'s render. */
async function rollbackProblems(stack: string, env: Environment, mesh: Record<string, unknown>, undo: readonly ConfigCommand[], previous: RenderedState): Promise<string[]> {
    const back = await renderWithMesh(stack, applyCommands(mesh, undo), env);
    const report = diffRenders(previous.snapshot, back.snapshot);
    return hasChanges(report) ? [`rolling back does not return to the previous render:\n${diffMarkdown(report, { stack, base: "the step before", head: "the rollback" })}`] : [];
}

/**
 * `allowUnrendered` (`<chart>@<version>`) names charts this machine cannot render (the module
 * proxy serves Istio's charts only up to the validator's release): a step changing such a release
 * is reported as not verified instead of failing; `usedAllowances` collects those that applied.
 */
export async function walkStack(stack: string, release: string, log: (line: string) => void, allowUnrendered: readonly string[] = [], usedAllowances: Set<string> = new Set()): Promise<StepCheck[]> {
    const env = stackMesh(stack).environment;
    const plan = await planUpgrade(stack, release);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `dodo-walk-${stack}-`));
    const checks: StepCheck[] = [];
    try {
        let before = plan.start;
        let beforeMesh = meshObjectAt(stack, plan.startRevisions);
        // What the stack's render fails before any step is not the upgrade's doing: a step may
        // only not add to it.
        const baseline = validate(stack, plan.start, path.join(work, "start"));
        if (!baseline.ok) log(`note ${stack}: its current render already fails validation (not the upgrade's doing): ${baseline.findings.join("; ")}`);
        for (const [i, p] of plan.steps.entries()) {
            const t0 = Date.now();
            const problems: string[] = [];
            const name = `${stack} step ${plan.done.length + i + 1}: ${p.step.title}`;
            const mesh = meshObjectAt(stack, p.step.state);
            // The printed commands, applied as the CLI applies them, give this step's config.
            if (!isDeepStrictEqual(applyCommands(beforeMesh, p.step.commands), mesh)) problems.push("its commands do not produce the step's config");
            const v = validate(stack, p.rendered, path.join(work, `step-${i + 1}`));
            const added = v.findings.filter((f) => !baseline.findings.includes(f));
            if (!v.ok && added.length > 0) problems.push(`npm run validate finds what the current render does not: ${added.join("; ")}\n${v.tail}`);
            const helmNames = new Map(p.rendered.render.resources.map((r) => [r.name, String((r.props as { name?: unknown }).name ?? r.name)]));
            const unrendered = partitionUnrendered(unrenderedChanges(p.report, (n) => helmNames.get(n), v.unrendered), allowUnrendered, usedAllowances);
            problems.push(...unrendered.failing);
            const mandatory = p.rendered.snapshot.findings.filter((f) => f.enforcement === "mandatory");
            if (mandatory.length > 0) problems.push(`mandatory policy findings: ${mandatory.map((f) => `${f.rule} ${f.kind} ${f.namespace ?? ""}/${f.name}`).join(", ")}`);
            const expected = expectedRestarts(p);
            if (!isDeepStrictEqual(p.effects.restarts, expected)) problems.push(`restarts ${JSON.stringify(p.effects.restarts)}, the step says ${JSON.stringify(expected)}`);
            // Rollback: the undo commands applied to this step's config, rendered, diffed against
            // the step before's render: no change. The first step also proves the check can fail.
            problems.push(...(await rollbackProblems(stack, env, mesh, p.step.undo, before)));
            if (i === 0 && p.step.undo.length > 0 && (await rollbackProblems(stack, env, mesh, p.step.undo.slice(0, -1), before)).length === 0) {
                problems.push("self-check: an undo missing its last command was not caught by the rollback check");
            }
            const seconds = (Date.now() - t0) / 1000;
            log(`${problems.length > 0 ? "FAIL" : unrendered.allowed.length > 0 ? "ok? " : "ok  "} ${name} (${seconds.toFixed(1)} s; restarts: ${p.effects.restarts.join(", ") || "nothing"})`);
            for (const problem of problems) log(`       ${problem.replace(/\n/g, "\n       ")}`);
            for (const line of unrendered.allowed) log(`       NOT VERIFIED (--allow-unrendered): ${line}`);
            for (const lagging of p.onRecreate) log(`       moves only when recreated: ${lagging}`);
            checks.push({ step: name, problems, unverified: unrendered.allowed, seconds });
            before = p.rendered;
            beforeMesh = mesh;
        }
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
    return checks;
}
