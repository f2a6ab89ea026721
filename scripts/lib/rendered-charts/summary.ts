// The synth's account of the charts: which Releases' objects the policy rules can judge offline
// (the rendered-chart check), and which need chart access. Pure: decided from the Release alone.
import * as fs from "fs";
import * as path from "path";
import type { Render } from "../render";
import { goModRequires, TOOLS_DIR } from "../validate-tools";
import { chartName, isLocalChart, releasesOf } from "./releases";
import { ISTIO_CHARTS } from "./sources";

/** Istio releases whose charts the istio.io/istio module pinned in tools/istioctl/go.mod holds (tools/istio-releases.json). */
function moduleIstioReleases(): string[] {
    const pinned = goModRequires(fs.readFileSync(path.join(TOOLS_DIR, "istioctl", "go.mod"), "utf8")).get("istio.io/istio");
    const releases = JSON.parse(fs.readFileSync(path.join(TOOLS_DIR, "istio-releases.json"), "utf8")) as Record<string, { version?: string }>;
    return Object.entries(releases).filter(([, r]) => r.version === pinned).map(([k]) => k);
}

/** `## Chart objects` for summary.md: each Release and where its objects are judged. */
export function chartObjectsSection(render: Render): string {
    const istio = moduleIstioReleases();
    const rows = releasesOf(render.resources as never).map((r) => {
        const name = chartName(r);
        const offline = isLocalChart(r.chart)
            ? "offline (local chart)"
            : (ISTIO_CHARTS as readonly string[]).includes(name) && r.version && istio.includes(r.version)
              ? "offline (istio.io/istio module), in CI"
              : "needs chart access (`--fetch` or `--chart`)";
        return `| ${r.name} | ${r.namespace} | ${name} | ${r.version ?? ""} | ${offline} |`;
    });
    return [
        "## Chart objects",
        "",
        `CrossGuard and the policy checks above see each Release, not the objects its chart installs. \`npm run charts:check -- --stack ${render.stack}\` renders each chart with these values and judges its objects with the same rules and exemptions (policy/README.md, "Chart objects").`,
        "",
        "| release | namespace | chart | version | rendered-chart check |",
        "| --- | --- | --- | --- | --- |",
        ...rows,
        "",
    ].join("\n");
}
