// Istio's charts run at each revision's release, not at one pin, so a local chart path
// (charts.sources.<key>) is checked against the releases the stack's revisions need.
import { ChartSources, localChartProblem, sourceKind } from "../charts/settings";
import { CHARTS } from "../versions";
import { baseChartVersion, controlPlanes } from "./control-planes";
import { MeshRevisions, RevisionProblem, releaseOfRevision, revisionNameProblem } from "./revisions";

export const ISTIO_CHART_KEYS = ["istioBase", "istiod", "istioGateway"] as const;

/** The releases each Istio chart is installed at. */
export function istioChartReleases(m: MeshRevisions): Record<(typeof ISTIO_CHART_KEYS)[number], string[]> {
    return {
        istioBase: [baseChartVersion(m)],
        istiod: [...new Set(controlPlanes(m).map((p) => p.version))],
        istioGateway: [releaseOfRevision(m.gatewayRevision)],
    };
}

export function istioChartSourceProblems(m: MeshRevisions, charts: ChartSources): RevisionProblem[] {
    // Revision names are reported by revisionProblems; their releases are unknown until fixed.
    if ([...m.revisions, m.gatewayRevision, m.baseRevision].some((r) => !r || revisionNameProblem(r))) return [];
    const releases = istioChartReleases(m);
    const problems: RevisionProblem[] = [];
    for (const key of ISTIO_CHART_KEYS) {
        const source = charts.sources[key];
        if (source === undefined || sourceKind(source) !== "path") continue;
        const wanted = releases[key];
        const problem =
            wanted.length > 1
                ? `a local chart holds one release, but mesh.revisions runs ${wanted.join(" and ")}: during an upgrade take the istiod chart from a repository, charts.mirror or charts.localDir`
                : localChartProblem(source, wanted[0], CHARTS[key].chart);
        if (problem) problems.push({ key: `charts.sources.${key}`, message: problem });
    }
    return problems;
}
