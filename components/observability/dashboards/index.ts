// Grafana's dashboards as ConfigMaps the program creates: Grafana's dashboard sidecar (on in
// grafanaValues) loads every ConfigMap labelled grafana_dashboard=1 into the folder its
// grafana_folder annotation names. Nothing is downloaded when Grafana starts.
import { KubeObject, standardLabels } from "../../k8s";
import { OBSERVABILITY_NAMESPACE } from "../names";
import { PaymentsSloInput } from "../slo";
import { dashboard, DashboardSpec } from "./grafana";
import { istioDashboards } from "./istio";
import { paymentsDashboard } from "./payments";

/** The sidecar's selector and folder annotation (grafanaValues sidecar.dashboards). */
export const DASHBOARD_SIDECAR = { label: "grafana_dashboard", labelValue: "1", folderAnnotation: "grafana_folder" } as const;

export interface ProvisionedDashboard {
    folder: string;
    spec: DashboardSpec;
}

export function platformDashboards(slo: Pick<PaymentsSloInput, "availabilityPercent" | "latencyPercent" | "latencyThresholdMs">): ProvisionedDashboard[] {
    return [...istioDashboards().map((spec) => ({ folder: "Istio", spec })), { folder: "Payments", spec: paymentsDashboard(slo) }];
}

/** One ConfigMap per dashboard, named `dashboard-<uid>`, holding `<uid>.json`. */
export function dashboardConfigMap(d: ProvisionedDashboard): KubeObject {
    const name = `dashboard-${d.spec.uid}`;
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
            name,
            namespace: OBSERVABILITY_NAMESPACE,
            labels: { ...standardLabels(name), [DASHBOARD_SIDECAR.label]: DASHBOARD_SIDECAR.labelValue },
            annotations: { [DASHBOARD_SIDECAR.folderAnnotation]: d.folder },
        },
        data: { [`${d.spec.uid}.json`]: JSON.stringify(dashboard(d.spec)) },
    };
}

/** Titles of the Istio dashboards, which Kiali links to by title. */
export function istioDashboardTitles(): string[] {
    return istioDashboards().map((d) => d.title);
}
