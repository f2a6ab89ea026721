// The chart arguments of a helm.v3.Release, from the pinned chart and the configured source.
import * as path from "path";
import { CHARTS, HelmChartPin } from "../versions";
import { ChartKey, ChartSources, sourceKind } from "./settings";

export { ChartKey, ChartSources, chartsSection } from "./settings";

export interface ReleaseChart {
    chart: string;
    version?: string;
    repositoryOpts?: { repo: string };
}

/** Upstream: every chart from its own repository. */
export const UPSTREAM: ChartSources = { sources: {} };

/**
 * `version` defaults to the pin (the istiod of the previous Istio revision asks for its own). A
 * local chart is passed as a path, without version: Helm uses an existing path as is
 * (pkg/action/install.go, ChartPathOptions.LocateChart), so the config check compares a chart
 * directory's Chart.yaml with the pin.
 */
export function releaseChart(key: ChartKey, sources: ChartSources, version: string = CHARTS[key].version): ReleaseChart {
    const pin: HelmChartPin = CHARTS[key];
    const source = sources.sources[key] ?? (sources.mirror ? `${sources.mirror}/${pin.chart}` : sources.localDir ? path.join(sources.localDir, `${pin.chart}-${version}.tgz`) : undefined);
    if (source === undefined) {
        // An OCI registry is not a chart repository: Helm takes `oci://<registry>/<chart>` as the chart.
        if (sourceKind(pin.repository) === "oci") return { chart: `${pin.repository}/${pin.chart}`, version };
        return { chart: pin.chart, version, repositoryOpts: { repo: pin.repository } };
    }
    switch (sourceKind(source)) {
        case "oci":
            return { chart: source, version };
        case "repository":
            return { chart: pin.chart, version, repositoryOpts: { repo: source } };
        default:
            return { chart: source };
    }
}
