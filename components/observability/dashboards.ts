// The Istio dashboards Grafana downloads from grafana.com, pinned to the revisions Istio's release
// tooling published for the 1.30 line.
//
// Istio's release-builder uploads every dashboard listed in prow/release-commit.sh (mesh 7639,
// service 7636, workload 7630, control plane 7645, performance 11829) to grafana.com on each
// release, so each Istio release adds one revision. The published pairs 1.28.1 -> 280 and
// 1.29.2 -> 300 match the count of Istio release tags between them one for one; counting on from
// 1.29.2 gives 317 for 1.30.3, the last 1.30 patch the revision could be matched to. The dashboard
// sources (manifests/addons/dashboards) are byte-identical on every 1.30 tag and on the
// release-1.30 branch that 1.30.4 is cut from, so revision 317 carries exactly the 1.30.4
// dashboards. On an Istio minor upgrade, pick the revision published with the new release
// (https://grafana.com/api/dashboards/<id>/revisions) and bump it here.
import { ISTIO_VERSION } from "../versions";

export interface GrafanaDashboardPin {
    /** Key in the chart's `dashboards.<provider>` map; becomes the JSON file name. */
    name: string;
    title: string;
    gnetId: number;
    revision: number;
}

/** The Istio minor release the revisions below were published for. */
export const ISTIO_DASHBOARDS_RELEASE = "1.30";
const ISTIO_1_30_REVISION = 317;

export const ISTIO_DASHBOARDS: readonly GrafanaDashboardPin[] = [
    { name: "istio-mesh", title: "Istio Mesh Dashboard", gnetId: 7639, revision: ISTIO_1_30_REVISION },
    { name: "istio-service", title: "Istio Service Dashboard", gnetId: 7636, revision: ISTIO_1_30_REVISION },
    { name: "istio-workload", title: "Istio Workload Dashboard", gnetId: 7630, revision: ISTIO_1_30_REVISION },
    { name: "istio-control-plane", title: "Istio Control Plane Dashboard", gnetId: 7645, revision: ISTIO_1_30_REVISION },
    { name: "istio-performance", title: "Istio Performance Dashboard", gnetId: 11829, revision: ISTIO_1_30_REVISION },
];

/** True when the pinned dashboards were published for the Istio minor release the mesh runs. */
export function dashboardsMatchIstio(istioVersion: string = ISTIO_VERSION): boolean {
    return istioVersion.split(".").slice(0, 2).join(".") === ISTIO_DASHBOARDS_RELEASE;
}
