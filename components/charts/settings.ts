// Where Helm charts come from: upstream by default, or a mirror the deployer controls (an OCI
// registry such as ECR, or a directory of chart archives), or a source per chart.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { z } from "zod";
import { ConfigReader, ConfigSection, defineKey } from "../settings";
import { CHARTS } from "../versions";

export type ChartKey = keyof typeof CHARTS;
export const CHART_KEYS = Object.keys(CHARTS) as ChartKey[];

export interface ChartSources {
    /** `oci://<registry>/<path>`: every chart as `<mirror>/<chart>` at its pinned version. */
    mirror?: string;
    /** A directory holding `<chart>-<version>.tgz` for every chart. */
    localDir?: string;
    /** Per chart (by its key in CHARTS): an `oci://` reference, an `https://` repository or a local chart directory/archive. */
    sources: Partial<Record<ChartKey, string>>;
}

const OCI = /^oci:\/\/[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+$/;
const HTTPS = /^https:\/\/\S+$/;
const PATH = /^(\/|\.\.?\/)\S*$/;

/** What a chart source string is, or undefined when it is none of the accepted forms. */
export function sourceKind(source: string): "oci" | "repository" | "path" | undefined {
    if (OCI.test(source)) return "oci";
    if (HTTPS.test(source)) return "repository";
    if (PATH.test(source)) return "path";
    return undefined;
}

export const chartKeys = {
    mirror: defineKey({
        key: "charts.mirror",
        type: "string",
        description: "OCI registry path holding every chart (e.g. oci://111122223333.dkr.ecr.ap-south-1.amazonaws.com/helm-charts): each chart is pulled as <mirror>/<chart> at its pinned version. Unset: each chart's upstream repository.",
        schema: z.string().regex(OCI, { message: "expected an oci:// reference such as oci://111122223333.dkr.ecr.ap-south-1.amazonaws.com/helm-charts" }),
        optional: true,
    }),
    localDir: defineKey({
        key: "charts.localDir",
        type: "string",
        description: "Absolute path of a directory holding every chart as <chart>-<version>.tgz (helm pull output), for air-gapped installs. Unset: each chart's upstream repository.",
        schema: z.string().regex(/^\/\S*$/, { message: "expected an absolute directory path" }),
        optional: true,
    }),
    sources: defineKey({
        key: "charts.sources",
        type: "map",
        description: `A source per chart, overriding mirror and localDir: an oci:// reference, an https:// repository, or the path of a chart directory or archive at the pinned version. Chart keys: ${CHART_KEYS.join(", ")}.`,
        schema: z.record(z.string(), z.string()).superRefine((entries, ctx) => {
            for (const [key, source] of Object.entries(entries)) {
                if (!(CHART_KEYS as string[]).includes(key)) ctx.addIssue({ code: "custom", path: [key], message: `unknown chart; expected one of ${CHART_KEYS.join(", ")}` });
                else if (!sourceKind(source)) ctx.addIssue({ code: "custom", path: [key], message: "expected an oci:// reference, an https:// repository or an absolute or ./ path" });
            }
        }),
        default: {},
    }),
} as const;

export const chartsSection: ConfigSection<ChartSources> = {
    keys: Object.values(chartKeys),
    read(reader: ConfigReader): ChartSources {
        const config: ChartSources = {
            mirror: reader.get(chartKeys.mirror, "optional"),
            localDir: reader.get(chartKeys.localDir, "optional"),
            sources: reader.get(chartKeys.sources) as Partial<Record<ChartKey, string>>,
        };
        if (config.mirror && config.localDir) reader.fail(chartKeys.localDir.key, "set either charts.mirror or charts.localDir, not both");
        if (config.localDir && !fs.existsSync(config.localDir)) reader.fail(chartKeys.localDir.key, `${config.localDir} does not exist on this machine`);
        else if (config.localDir && !fs.statSync(config.localDir).isDirectory()) reader.fail(chartKeys.localDir.key, `${config.localDir} is not a directory (expected one holding <chart>-<version>.tgz archives)`);
        for (const [key, source] of Object.entries(config.sources) as [ChartKey, string][]) {
            // Istio's charts run at each revision's release: checked with the mesh (mesh/chart-sources.ts).
            if (key === "istioBase" || key === "istiod" || key === "istioGateway") continue;
            const problem = sourceKind(source) === "path" ? localChartProblem(source, CHARTS[key].version, CHARTS[key].chart) : undefined;
            if (problem) reader.fail(`${chartKeys.sources.key}.${key}`, problem);
        }
        return config;
    },
};

/**
 * A local chart must exist and be the chart the key names, and a chart directory must hold the
 * pinned version: Helm uses a path as is, whatever name and version were asked for. (An archive's
 * name and version are in its file name, `<chart>-<version>.tgz`.)
 */
export function localChartProblem(source: string, version: string, chart?: string): string | undefined {
    if (!fs.existsSync(source)) return `${source} does not exist on this machine`;
    const chartYaml = path.join(source, "Chart.yaml");
    const versions = [version, version.replace(/^v/, "")];
    if (!fs.statSync(source).isDirectory()) {
        const names = versions.map((v) => `${chart ?? ""}-${v}.tgz`);
        if (chart ? names.includes(path.basename(source)) : names.some((n) => source.endsWith(n))) return undefined;
        return `${source} is not ${chart ?? "the chart"} at the pinned version ${version} (expected ${chart ?? "<chart>"}-${version}.tgz)`;
    }
    if (!fs.existsSync(chartYaml)) return `${source} has no Chart.yaml`;
    const meta = chartYamlMetadata(fs.readFileSync(chartYaml, "utf8"));
    if ("problem" in meta) return `${chartYaml} ${meta.problem}`;
    if (chart !== undefined && meta.name !== chart) return `${chartYaml} is chart ${meta.name}, not ${chart}`;
    const found = meta.version;
    if (versions.includes(found)) return undefined;
    // Istio's charts in its source tree say 1.0.0 (the release process stamps the version), so a
    // directory of the istio.io/istio module counts when the module is the pinned release's commit.
    const istio = /\/istio\.io\/istio@(v[^/]+)\/manifests\/charts\//.exec(path.resolve(source));
    if (istio && found === "1.0.0") {
        const release = istioReleaseOfModule(istio[1]);
        return release === version ? undefined : `${source} is the istio.io/istio module ${istio[1]} (${release ?? "no release in tools/istio-releases.json"}), but Istio ${version} is pinned`;
    }
    return `${source} holds chart version ${found}, but ${version} is pinned (components/versions.ts)`;
}

/** Chart.yaml's name and version, or why it has none (Helm refuses such a chart: pkg/chart/v2 Metadata.Validate). */
export function chartYamlMetadata(text: string): { name: string; version: string } | { problem: string } {
    let doc: unknown;
    try {
        doc = YAML.parse(text);
    } catch (err) {
        return { problem: `is not valid YAML (${(err as Error).message.split("\n")[0]})` };
    }
    const meta = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as { name?: unknown; version?: unknown }) : {};
    // An unquoted 1.2 is the number 1.2 in YAML; Helm reads it as a string, so accept it as such.
    const version = typeof meta.version === "number" ? String(meta.version) : meta.version;
    if (typeof version !== "string" || version === "") return { problem: "has no version (expected a chart's Chart.yaml with name and version)" };
    if (typeof meta.name !== "string" || meta.name === "") return { problem: "has no name (expected a chart's Chart.yaml with name and version)" };
    return { name: meta.name, version };
}

/** The Istio release whose commit is this istio.io/istio module version (tools/istio-releases.json). */
function istioReleaseOfModule(moduleVersion: string): string | undefined {
    const file = path.join(__dirname, "..", "..", "tools", "istio-releases.json");
    const releases = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, { version?: string }>;
    return Object.entries(releases).find(([, r]) => r.version === moduleVersion)?.[0];
}
