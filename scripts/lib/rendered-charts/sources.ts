// Where the rendered-chart check gets each Release's chart. Offline by default: a chart directory
// or archive the user names, the Release's own local chart (charts.localDir / charts.sources), or
// Istio's charts from the pinned istio.io/istio module; with --fetch, Helm pulls the Release's own
// reference (repository or OCI) at its pinned version.
import * as path from "path";
import { localChartProblem } from "../../../components/charts/settings";
import { moduleDir, TOOLS_DIR } from "../validate-tools";
import { chartName, ChartRelease, isLocalChart } from "./releases";

/** Istio's charts in the istio.io/istio module the validators build istioctl from (tools/istioctl/go.mod). */
export function istioModuleCharts(): { base: string; istiod: string; gateway: string; module: string } {
    const { dir, version } = moduleDir(path.join(TOOLS_DIR, "istioctl"), "istio.io/istio");
    const charts = path.join(dir, "manifests", "charts");
    return { base: path.join(charts, "base"), istiod: path.join(charts, "istio-control", "istio-discovery"), gateway: path.join(charts, "gateway"), module: `istio.io/istio@${version}` };
}

/** The chart names of Istio's releases (components/versions.ts CHARTS). */
export const ISTIO_CHARTS = ["base", "istiod", "gateway"] as const;

export type ChartSource =
    | { kind: "local"; chartRef: string; from: string }
    | { kind: "remote"; chartRef: string; from: string }
    | { kind: "unavailable"; why: string };

export interface SourceOptions {
    /** Chart name -> local chart directory or archive (`--chart alloy=./charts/alloy-1.11.1.tgz`). */
    overrides: ReadonlyMap<string, string>;
    /** Istio's module charts, when the module is at hand (CI: always). */
    istio?: { base: string; istiod: string; gateway: string; module: string };
    /** Let Helm pull charts from their repositories (needs chart access). */
    fetch: boolean;
}

/** Decides where one Release's chart comes from; never touches the network itself. */
export function chartSource(release: ChartRelease, o: SourceOptions): ChartSource {
    const name = chartName(release);
    const override = o.overrides.get(name);
    if (override !== undefined) {
        const problem = release.version ? localChartProblem(override, release.version) : undefined;
        if (problem) return { kind: "unavailable", why: `--chart ${name}: ${problem}` };
        return { kind: "local", chartRef: override, from: `--chart ${name}=${override}` };
    }
    if (isLocalChart(release.chart)) return { kind: "local", chartRef: release.chart, from: "the Release's local chart" };
    if (o.istio && (ISTIO_CHARTS as readonly string[]).includes(name) && release.version) {
        const dir = o.istio[name as (typeof ISTIO_CHARTS)[number]];
        // Only when the module is the commit of the Release's own Istio release (tools/istio-releases.json),
        // as for charts.sources; another release's chart is not what the Release installs.
        const problem = localChartProblem(dir, release.version);
        if (!problem) return { kind: "local", chartRef: dir, from: o.istio.module };
        if (!o.fetch) return { kind: "unavailable", why: `${release.repo ?? release.chart} ${release.version}: not in the module at hand (${problem})` };
    }
    if (o.fetch) return { kind: "remote", chartRef: release.chart, from: release.repo ?? release.chart };
    return { kind: "unavailable", why: `needs chart access: ${release.repo ?? release.chart} ${release.version ?? ""} (--fetch, or --chart ${name}=<dir|tgz>)`.trimEnd() };
}
