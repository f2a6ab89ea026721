// What each helm.v3.Release of a synth asks Helm to install, read from out/<stack>/resources.json,
// and the `helm template` command that renders the same objects. Pure: no files, no Helm.
import type { ResourceRecord } from "../../../policy/check";

export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** One Release as the program registers it: the chart, where from, and the values passed. */
export interface ChartRelease {
    /** Pulumi resource name, e.g. mesh-istiod. */
    resource: string;
    /** Helm release name (.Release.Name). */
    name: string;
    namespace: string;
    /** A chart name (with `repo`), an oci:// reference or a local path, as the Release has it. */
    chart: string;
    version?: string;
    repo?: string;
    values: Record<string, unknown>;
    /** Release.skipCrds: CRDs in the chart's crds/ folder are not installed. */
    skipCrds: boolean;
    /** Release.disableWebhooks (despite the name: helm install's DisableHooks). */
    disableHooks: boolean;
}

/**
 * Release inputs that change what Helm installs in ways `helm template` over the values cannot
 * reproduce; a Release using one is refused rather than judged wrongly.
 */
const UNREPRODUCIBLE = ["postrender", "valueYamlFiles", "allowNullValues"] as const;

/** The Releases of a synth's resources, in order; throws naming a Release the check cannot reproduce. */
export function releasesOf(resources: readonly ResourceRecord[]): ChartRelease[] {
    return resources
        .filter((r) => r.type === RELEASE_TYPE)
        .map((r) => {
            const p = r.props as Record<string, unknown>;
            for (const k of UNREPRODUCIBLE) {
                if (p[k] !== undefined && p[k] !== false && !(Array.isArray(p[k]) && (p[k] as unknown[]).length === 0)) {
                    throw new Error(`${r.name}: Release.${k} is set; the rendered-chart check cannot reproduce it`);
                }
            }
            const str = (k: string) => (typeof p[k] === "string" && p[k] !== "" ? (p[k] as string) : undefined);
            const chart = str("chart");
            if (!chart) throw new Error(`${r.name}: Release has no chart`);
            const repo = (p.repositoryOpts as { repo?: unknown } | undefined)?.repo;
            const values = p.values;
            return {
                resource: r.name,
                name: str("name") ?? r.name,
                namespace: str("namespace") ?? "default",
                chart,
                ...(str("version") ? { version: str("version") } : {}),
                ...(typeof repo === "string" && repo !== "" ? { repo } : {}),
                values: values && typeof values === "object" && !Array.isArray(values) ? (values as Record<string, unknown>) : {},
                skipCrds: p.skipCrds === true,
                disableHooks: p.disableWebhooks === true,
            };
        });
}

/** Whether the Release's chart is a local path (charts.localDir or charts.sources), usable offline. */
export function isLocalChart(chart: string): boolean {
    return chart.startsWith("/") || chart.startsWith("./") || chart.startsWith("../");
}

/** Chart name without repository, registry or archive suffix: `oci://r/p/alloy` and `/c/alloy-1.11.1.tgz` -> alloy. */
export function chartName(release: Pick<ChartRelease, "chart" | "version">): string {
    const last = release.chart.replace(/\/+$/, "").split("/").pop() ?? release.chart;
    const version = release.version?.replace(/^v/, "");
    return last.replace(/\.tgz$/, "").replace(version ? new RegExp(`-v?${version.replace(/\./g, "\\.")}$`) : /$^/, "");
}

export interface TemplateOptions {
    /** The chart to render: a local directory or archive, or the Release's own reference. */
    chartRef: string;
    /** JSON file holding the Release's values (JSON is YAML). */
    valuesFile: string;
    /** Capabilities.KubeVersion: the cluster's Kubernetes version (cluster.kubernetesVersion). */
    kubeVersion: string;
    /** Capabilities.APIVersions beyond Helm's built-in set (the custom APIs the cluster serves). */
    apiVersions: readonly string[];
    /** The Release's version and repository are passed only when Helm resolves the chart itself. */
    remote: boolean;
}

/**
 * `helm template` arguments that render what `helm install` would for this Release. Hooks are
 * kept (helm install runs them; `helm template` prints them unless --no-hooks), test hooks
 * are left out (only `helm test` runs those; a Release never does), CRDs are included as the
 * Release installs them. helm.sh/helm/v4 pkg/cmd/template.go: the flags below.
 */
export function helmTemplateArgs(release: ChartRelease, o: TemplateOptions): string[] {
    const args = ["template", release.name, o.chartRef, "--namespace", release.namespace, "--values", o.valuesFile, "--kube-version", o.kubeVersion, "--skip-tests"];
    if (!release.skipCrds) args.push("--include-crds");
    if (release.disableHooks) args.push("--no-hooks");
    if (o.apiVersions.length > 0) args.push("--api-versions", [...o.apiVersions].sort().join(","));
    if (o.remote) {
        if (release.version) args.push("--version", release.version);
        if (release.repo) args.push("--repo", release.repo);
    }
    return args;
}
