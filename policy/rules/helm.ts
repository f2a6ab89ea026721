// Helm rules over Pulumi's Helm resources: Release (helm.sh/v3) and Chart (helm.sh/v4).
import type { PulumiResource, ResourceRule } from "./types";
import { obj, str, violation } from "./util";

export const HELM_TYPES = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart"] as const;

/** Exact semver (no ranges, no x, no ^/~), optionally v-prefixed, with pre-release/build parts. */
const EXACT_VERSION = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

function isLocalChart(chart: string): boolean {
    return chart.startsWith("./") || chart.startsWith("../") || chart.startsWith("/") || chart.startsWith("file://");
}

/** A chart given as a packaged archive URL carries its version in the file name. */
function isArchiveUrl(chart: string): boolean {
    return /^https?:\/\//.test(chart) && /\.tgz$/.test(chart);
}

export const helmChartPinned: ResourceRule = {
    id: "helm-chart-pinned",
    description: "Every Helm release or chart pins an exact chart version.",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: HELM_TYPES,
    check(r: PulumiResource) {
        const chart = str(r.props.chart) ?? "";
        if (isLocalChart(chart) || isArchiveUrl(chart)) return []; // versioned with this repository / in the URL
        const version = str(r.props.version);
        if (!version) return [violation(r, `chart ${chart || "(unnamed)"} has no version; helm would install whatever is newest`)];
        return EXACT_VERSION.test(version) ? [] : [violation(r, `chart ${chart} version "${version}" is a range, not an exact version`)];
    },
};

function normalizeRepo(url: string): string {
    return url.trim().replace(/\/+$/, "");
}

/** Where a chart comes from: repositoryOpts.repo, or the registry path of an oci:// or https:// chart. */
export function chartRepository(props: Record<string, unknown>): string | undefined {
    const chart = str(props.chart) ?? "";
    const repo = str(obj(props.repositoryOpts).repo);
    if (repo) return normalizeRepo(repo);
    if (chart.startsWith("oci://") || /^https?:\/\//.test(chart)) return normalizeRepo(chart.slice(0, chart.lastIndexOf("/")));
    return undefined;
}

export const helmTrustedRepository: ResourceRule = {
    id: "helm-trusted-repository",
    description: "Helm charts come from repositories on the pack's allow-list.",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: HELM_TYPES,
    check(r, ctx) {
        const chart = str(r.props.chart) ?? "";
        if (isLocalChart(chart)) return [];
        const repo = chartRepository(r.props);
        const trusted = ctx.config.trustedRepositories.map(normalizeRepo);
        if (!repo) return [violation(r, `chart ${chart} names no repository (repositoryOpts.repo or an oci:// reference); its source cannot be verified`)];
        return trusted.includes(repo) ? [] : [violation(r, `chart ${chart} comes from ${repo}, which is not on the trusted repository list`)];
    },
};

export const helmRules = [helmChartPinned, helmTrustedRepository] as const;
