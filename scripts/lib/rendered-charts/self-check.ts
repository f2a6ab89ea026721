// Before its silence on the real charts means anything, the check renders a chart written for it
// (test/rendered-charts/fixture-chart) with the real helm and must judge every template's objects
// and catch the privileged container planted through the Release's values.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { REPO_ROOT } from "../render";
import type { KubeObject } from "../../../policy/rules/types";
import { apiVersionsFor } from "./capabilities";
import { ChartVerdict, judgeCharts, ReleaseRender } from "./judge";
import { ChartRelease } from "./releases";
import { renderRelease } from "./render";

export const FIXTURE_DIR = path.join(REPO_ROOT, "test", "rendered-charts");
export const FIXTURE_CHART = path.join(FIXTURE_DIR, "fixture-chart");

/** The planted violation: the agent DaemonSet's container runs privileged. */
export const PLANTED = { rule: "k8s-no-privileged", kind: "DaemonSet", namespace: "fixture-app", name: "fixture-agent" } as const;

/** The fixture's Release, as a program would register it: a local chart and the values it passes. */
export function fixtureRelease(): ChartRelease {
    const values = YAML.parse(fs.readFileSync(path.join(FIXTURE_DIR, "release-values.yaml"), "utf8")) as Record<string, unknown>;
    return { resource: "fixture", name: "fixture", namespace: PLANTED.namespace, chart: FIXTURE_CHART, values, skipCrds: false, disableHooks: false };
}

/**
 * Capabilities.APIVersions for the fixture, derived as for a stack's Release: the built-in APIs
 * and the CRDs of a Release installed before it (earlier-crds.yaml: the ServiceMonitor CRD its
 * gated template needs).
 */
export function fixtureApiVersions(): string[] {
    const earlier = YAML.parseAllDocuments(fs.readFileSync(path.join(FIXTURE_DIR, "earlier-crds.yaml"), "utf8")).map((d) => d.toJS() as KubeObject);
    return apiVersionsFor([], [earlier]);
}

/** Templates that render objects (helpers, notes and test hooks do not), as `# Source:` names them. */
export function objectTemplates(chartDir: string): string[] {
    const chart = (YAML.parse(fs.readFileSync(path.join(chartDir, "Chart.yaml"), "utf8")) as { name: string }).name;
    const list = (sub: string) => (fs.existsSync(path.join(chartDir, sub)) ? fs.readdirSync(path.join(chartDir, sub)).filter((f) => /\.ya?ml$/.test(f)).map((f) => `${chart}/${sub}/${f}`) : []);
    return [...list("crds"), ...list("templates")].sort();
}

/** What is wrong with the fixture's verdict; empty when the check did its job. */
export function selfCheckProblems(render: ReleaseRender, verdict: ChartVerdict, templates: readonly string[]): string[] {
    const problems: string[] = [];
    const judged = new Set(verdict.templates.filter((t) => t.objects > 0).map((t) => t.template));
    for (const t of templates) if (!judged.has(t)) problems.push(`${t} rendered no judged object`);
    for (const t of judged) if (!templates.includes(t)) problems.push(`${t} rendered, but it is not an object template of the chart (a test hook?)`);
    const planted = verdict.failures.filter(({ finding: f }) => f.rule === PLANTED.rule && f.kind === PLANTED.kind && f.namespace === PLANTED.namespace && f.name === PLANTED.name);
    if (planted.length === 0) problems.push(`the planted privileged container (${PLANTED.kind} ${PLANTED.namespace}/${PLANTED.name}) was not reported by ${PLANTED.rule}`);
    for (const { finding: f, origin } of verdict.failures) {
        if (f.kind !== PLANTED.kind || f.name !== PLANTED.name) problems.push(`unexpected finding ${f.rule} on ${f.kind} ${f.namespace}/${f.name} (${origin}): ${f.message}`);
    }
    if (render.objects.length === 0) problems.push("helm rendered nothing");
    return problems;
}

/** Renders the fixture with `helm` and judges it with the built-in defaults (prod, no exemptions). */
export function runFixtureSelfCheck(helm: string, outDir: string): { render: ReleaseRender; verdict: ChartVerdict; problems: string[] } {
    const release = fixtureRelease();
    const r = renderRelease({ helm, release, source: { kind: "local", chartRef: FIXTURE_CHART, from: "test/rendered-charts/fixture-chart" }, kubeVersion: "1.35.0", apiVersions: fixtureApiVersions(), outFile: path.join(outDir, "fixture.yaml") });
    const render: ReleaseRender = { release: release.name, chart: "fixture-app 0.3.0", from: "test/rendered-charts/fixture-chart", objects: r.objects, duplicateKeys: r.duplicateKeys, seconds: r.seconds };
    const verdict = judgeCharts([], [render], [], "prod", {});
    return { render, verdict, problems: selfCheckProblems(render, verdict, objectTemplates(FIXTURE_CHART)) };
}
