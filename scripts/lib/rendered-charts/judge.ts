// Judges what the charts render together with the program's own objects: the same rules, the same
// shipped pack config (exemptions included) as CrossGuard, policy:check and the conformance run.
// Pure: objects in, verdict out.
import { judgeObjects, Judgement } from "../../../policy/check";
import { describeExemption, RuleExemption, whyStale } from "../../../policy/exemptions";
import type { Environment, Finding, KubeObject, PolicyConfig } from "../../../policy/rules/types";
import type { DuplicateKey, RenderedObject } from "./render";

export interface ReleaseRender {
    release: string;
    chart: string;
    /** Where the chart came from (a module, a path, a repository). */
    from: string;
    objects: RenderedObject[];
    /** Keys the chart writes twice in one mapping (Helm keeps the last): reported, not failed. */
    duplicateKeys: DuplicateKey[];
    seconds: number;
}

export interface SkippedRelease {
    release: string;
    chart: string;
    why: string;
}

export interface ChartVerdict {
    /** Objects judged: the program's and every rendered chart's. */
    judged: number;
    /** Rendered objects per release and template: each template's objects are all judged. */
    templates: { release: string; template: string; objects: number }[];
    judgement: Judgement;
    /** Mandatory findings no exemption covers, each with where it came from. */
    failures: { finding: Finding; origin: string }[];
    /** Every Release's chart was rendered: an exemption whose object is absent is stale too. */
    complete: boolean;
    /**
     * Exemptions that fail the check: stale ones, and, when every chart was rendered, unseen ones
     * in a namespace the stack deploys to (one list serves every stack; the local stack has no
     * observability namespace, so its entries are not stale there).
     */
    staleExemptions: RuleExemption[];
    skipped: SkippedRelease[];
}

/** Runs the rules over the program's objects and the rendered charts, with `config` for `env`. */
export function judgeCharts(program: readonly KubeObject[], renders: readonly ReleaseRender[], skipped: readonly SkippedRelease[], env: Environment, config: PolicyConfig): ChartVerdict {
    const rendered = renders.flatMap((r) => r.objects);
    const objects = [...program, ...rendered.map((r) => r.object)];
    const judgement = judgeObjects(objects, { env, config });
    const origin = (f: Finding): string => {
        if (f.index === undefined) return "the stack as a whole";
        if (f.index < program.length) return "the program";
        const r = rendered[f.index - program.length] as RenderedObject;
        return `${r.release}: ${r.template} (${r.object.kind} at line ${r.line})`;
    };
    const counts = new Map<string, { release: string; template: string; objects: number }>();
    for (const r of rendered) {
        const key = `${r.release}\u0000${r.template}`;
        const c = counts.get(key) ?? { release: r.release, template: r.template, objects: 0 };
        c.objects++;
        counts.set(key, c);
    }
    const complete = skipped.length === 0;
    const namespaces = new Set(objects.map((o) => o.metadata?.namespace ?? (o.kind === "Namespace" ? o.metadata?.name : undefined)).filter((n): n is string => !!n));
    const absent = complete ? judgement.unseen.filter((e) => namespaces.has(e.namespace)) : [];
    return {
        judged: objects.length,
        templates: [...counts.values()],
        judgement,
        failures: judgement.findings.filter((f) => f.enforcement === "mandatory").map((finding) => ({ finding, origin: origin(finding) })),
        complete,
        staleExemptions: [...judgement.stale, ...absent],
        skipped: [...skipped],
    };
}

/** Whether the check passes: no unexempted mandatory finding and no stale exemption. */
export function passes(v: ChartVerdict): boolean {
    return v.failures.length === 0 && v.staleExemptions.length === 0;
}

/** The report `npm run charts:check` prints for one stack. */
export function formatChartVerdict(stack: string, renders: readonly ReleaseRender[], v: ChartVerdict): string {
    const lines = [`rendered-chart check ${stack}: ${renders.length} chart(s) rendered, ${v.judged} objects judged (the program's and the charts')`];
    for (const r of renders) lines.push(`  ${r.release}: chart ${r.chart} from ${r.from}: ${r.objects.length} objects in ${r.seconds.toFixed(2)} s`);
    for (const s of v.skipped) lines.push(`  ${s.release}: chart ${s.chart} not rendered: ${s.why}`);
    for (const r of renders) {
        for (const key of [...new Set(r.duplicateKeys.map((d) => d.key))]) {
            const where = r.duplicateKeys.filter((d) => d.key === key);
            lines.push(`  warning: ${r.release}: "${key}" is written twice in ${where.length} object(s) (${[...new Set(where.map((d) => d.template))].join(", ")}); Helm keeps the last value`);
        }
    }
    const advisory = v.judgement.findings.filter((f) => f.enforcement !== "mandatory");
    lines.push(`findings: ${v.failures.length} mandatory, ${advisory.length} advisory; ${v.judgement.exempted.length} covered by ${v.judgement.used.length} exemption(s)`);
    for (const { finding: f, origin } of v.failures) lines.push(`  FAIL ${f.rule}: ${f.kind} ${f.namespace}/${f.name} (${origin}): ${f.message}`);
    for (const f of advisory) lines.push(`  advisory ${f.rule}: ${f.kind} ${f.namespace}/${f.name}: ${f.message}`);
    for (const e of v.judgement.used) lines.push(`  exempt ${describeExemption(e)}`);
    for (const e of v.judgement.stale) lines.push(`  STALE exemption ${describeExemption(e)}: ${whyStale(e, v.judgement)}`);
    for (const e of v.judgement.unseen) {
        lines.push(v.staleExemptions.includes(e) ? `  STALE exemption ${describeExemption(e)}: every chart is rendered and none has that object; remove or correct it` : `  not judged here: exemption ${describeExemption(e)} (its object is not in the charts rendered)`);
    }
    lines.push(passes(v) ? `rendered-chart check ${stack}: passed` : `rendered-chart check ${stack}: FAILED`);
    return lines.join("\n") + "\n";
}
