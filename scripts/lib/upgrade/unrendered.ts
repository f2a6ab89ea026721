// A step's Helm release changes that `npm run validate` could not check: its rendered-chart check
// renders each Release with helm from a chart it has offline (the pinned istio.io/istio module's
// charts, charts.sources) and lists the others as "not rendered". A step that adds or changes such
// a release was not validated where it matters most, so the walk fails it instead of passing.
import type { DiffReport } from "../diff";

const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
/** formatChartVerdict's line for a skipped release (scripts/lib/rendered-charts/judge.ts). */
const SKIPPED = /^ {2}(\S+): chart (.+?) not rendered: (.*)$/;

/** Helm release name -> why validate did not render it, from its printed report. */
export function notRendered(validateOutput: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const line of validateOutput.split("\n")) {
        const m = SKIPPED.exec(line);
        if (m) out.set(m[1], `chart ${m[2]}: ${m[3]}`);
    }
    return out;
}

/**
 * The releases a step adds or changes (beyond ordering) that validate did not render, one line
 * each. `helmName` maps a resource name to its Helm release name in the step's render.
 */
export function unrenderedChanges(report: DiffReport, helmName: (resource: string) => string | undefined, skipped: ReadonlyMap<string, string>): string[] {
    const touched = [
        ...report.resources.added.filter((r) => r.type === RELEASE_TYPE).map((r) => ({ name: r.name, what: "adds" })),
        ...report.resources.changed
            .filter((r) => r.type === RELEASE_TYPE && r.fields.some((f) => !f.path.startsWith("dependsOn")))
            .map((r) => ({ name: r.name, what: `changes (${r.fields.filter((f) => !f.path.startsWith("dependsOn")).map((f) => f.path.replace(/^props\./, "")).join(", ")})` })),
    ];
    return touched.flatMap(({ name, what }) => {
        const why = skipped.get(helmName(name) ?? name);
        return why === undefined ? [] : [`${what} Helm release ${name}, which npm run validate did not render (${why}): nothing checked what it installs`];
    });
}

/**
 * `<chart>@<version>` as the walk's --allow-unrendered names it, to the words validate prints
 * for such a release ("chart istiod 1.31.4:"); undefined when malformed.
 */
export function allowanceMarker(allowance: string): string | undefined {
    const m = /^([a-z0-9][a-z0-9-]*)@(\d+\.\d+\.\d+\S*)$/.exec(allowance);
    return m ? `(chart ${m[1]} ${m[2]}:` : undefined;
}

/**
 * Splits a step's unrendered changes into those an allowance covers (named by the CI machine
 * that has no access to that chart: the walk says so on every such step) and those that fail.
 * `used` collects the allowances that covered something, so a stale one can be reported.
 */
export function partitionUnrendered(lines: readonly string[], allowances: readonly string[], used: Set<string>): { allowed: string[]; failing: string[] } {
    const allowed: string[] = [];
    const failing: string[] = [];
    for (const line of lines) {
        const hit = allowances.find((a) => line.includes(allowanceMarker(a) ?? "\0"));
        if (hit === undefined) failing.push(line);
        else {
            used.add(hit);
            allowed.push(line);
        }
    }
    return { allowed, failing };
}
