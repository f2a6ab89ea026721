// The Istio dashboards Grafana loads: the JSON files Istio ships in its repository
// (manifests/addons/dashboards), fetched at the exact release tag the mesh runs, so the dashboards
// always match the proxies' and istiod's metrics and move with ISTIO_VERSION.
//
// Why not grafana.com's copies (gnetId 7639, 7636, 7630, 7645, 11829)? Istio's release tooling
// uploads a new revision of each on every release, release candidates included, and which revision
// number belongs to which release can only be read from grafana.com's revision list (each
// revision's description names the release). That list could not be read when this was written,
// so no revision could be verified; a tag of Istio's own repository can be. The five file names
// below were checked in istio/istio at 1.30.0 and 1.30.3 and on release-1.30 (identical content).
//
// A wrong URL fails loudly: with `url` and no `datasource`/`title`, the chart's download script
// writes curl's output straight to the file under `set -e`, so a 404 (curl -f) fails the init
// container and Grafana does not start (docs/observability.md, "Dashboards").
import { ISTIO_VERSION } from "../versions";

export interface GrafanaDashboardPin {
    /** Key in the chart's `dashboards.<provider>` map; becomes the JSON file name. */
    name: string;
    /** The dashboard's title inside the JSON (Kiali links to dashboards by title). */
    title: string;
    /** File under manifests/addons/dashboards in istio/istio. */
    file: string;
    /** The same dashboard's grafana.com id, which Istio's release tooling publishes this file as. */
    gnetId: number;
}

export const ISTIO_DASHBOARDS: readonly GrafanaDashboardPin[] = [
    { name: "istio-mesh", title: "Istio Mesh Dashboard", file: "istio-mesh-dashboard.gen.json", gnetId: 7639 },
    { name: "istio-service", title: "Istio Service Dashboard", file: "istio-service-dashboard.json", gnetId: 7636 },
    { name: "istio-workload", title: "Istio Workload Dashboard", file: "istio-workload-dashboard.json", gnetId: 7630 },
    { name: "istio-control-plane", title: "Istio Control Plane Dashboard", file: "pilot-dashboard.gen.json", gnetId: 7645 },
    { name: "istio-performance", title: "Istio Performance Dashboard", file: "istio-performance-dashboard.json", gnetId: 11829 },
];

/** Where a dashboard is downloaded from: Istio's repository at the release tag (tags are `1.30.4`, no `v`). */
export function dashboardUrl(dashboard: GrafanaDashboardPin, istioVersion: string = ISTIO_VERSION): string {
    return `https://raw.githubusercontent.com/istio/istio/${istioVersion}/manifests/addons/dashboards/${dashboard.file}`;
}

/**
 * curl options of the chart's download script: silent but showing errors, fail on HTTP errors,
 * follow redirects, and verify TLS (the chart's default `-skf` would not).
 */
export const DASHBOARD_CURL_OPTIONS = "-sSfL";
