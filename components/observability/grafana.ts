// Grafana's Helm values (grafana chart, CHARTS.grafana): datasources, the dashboard sidecar and a
// start that needs no egress. The chart renders an init container that downloads dashboards only
// when `dashboards` is non-empty, and installs plugins from grafana.com only when `plugins` is
// (charts/grafana/templates/_pod.tpl at grafana-12.11.1): both stay empty; dashboards come from
// ConfigMaps (dashboards/index.ts). Grafana itself fetches too, unless told not to (GRAFANA_NO_FETCH).
import { Environment } from "../settings";
import { DASHBOARD_SIDECAR } from "./dashboards";
import { DATASOURCE_UIDS, GRAFANA_ADMIN_SECRET, PORT_FORWARD, URLS } from "./names";
import { OBSERVABILITY_SIZING } from "./sizing";

/** The gp3 StorageClass the Cluster component creates; an existing cluster names its own. */
export const GRAFANA_STORAGE_CLASS = "gp3";

export interface GrafanaInput {
    environment: Environment;
    /** Default: gp3. */
    storageClass?: string;
}

/** Provisioned datasources. The Jaeger datasource links a span to the proxy's access-log lines. */
export function grafanaDatasources(): Record<string, unknown>[] {
    return [
        {
            name: "Prometheus",
            uid: DATASOURCE_UIDS.prometheus,
            type: "prometheus",
            access: "proxy",
            url: URLS.prometheus,
            isDefault: true,
            editable: false,
            jsonData: { timeInterval: "30s" },
        },
        {
            name: "Alertmanager",
            uid: DATASOURCE_UIDS.alertmanager,
            type: "alertmanager",
            access: "proxy",
            url: URLS.alertmanager,
            editable: false,
            jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
        },
        {
            name: "Loki",
            uid: DATASOURCE_UIDS.loki,
            type: "loki",
            access: "proxy",
            url: URLS.loki,
            editable: false,
            jsonData: { maxLines: 1000 },
        },
        {
            name: "Jaeger",
            uid: DATASOURCE_UIDS.jaeger,
            type: "jaeger",
            access: "proxy",
            url: URLS.jaegerQuery,
            editable: false,
            jsonData: {
                tracesToLogsV2: {
                    datasourceUid: DATASOURCE_UIDS.loki,
                    spanStartTimeShift: "-5m",
                    spanEndTimeShift: "5m",
                    filterByTraceID: false,
                    filterBySpanID: false,
                    customQuery: true,
                    // Envoy tags every span with the request id it also writes into its access log.
                    query: '{namespace="${__span.tags["istio.namespace"]}", log_type="access"} | request_id="${__span.tags["guid:x-request-id"]}"',
                },
                tracesToMetrics: { datasourceUid: DATASOURCE_UIDS.prometheus },
                nodeGraph: { enabled: true },
            },
        },
    ];
}

/**
 * grafana.ini keys that stop Grafana 13 (chart appVersion 13.2.0) from calling grafana.com at run
 * time, each read by pkg/setting: the background installer preinstalls and auto-updates a default
 * plugin list (Drilldown apps, and the datasources shipped as bundled plugins: prometheus, loki,
 * jaeger...) unless preinstall_disabled (setting_plugins.go; the image's bundled copies then
 * stay as shipped); plugin signing keys are refreshed from grafana.com unless
 * public_key_retrieval_disabled (the built-in key is used); the admin catalog installs on demand
 * unless plugin_admin_enabled is false; the news feed. Plus the analytics section's update checks.
 */
export const GRAFANA_NO_FETCH = {
    plugins: { preinstall_disabled: true, public_key_retrieval_disabled: true, plugin_admin_enabled: false },
    analytics: { check_for_updates: false, check_for_plugin_updates: false, reporting_enabled: false, feedback_links_enabled: false },
    news: { news_feed_enabled: false },
} as const;

export function grafanaValues(input: GrafanaInput): Record<string, unknown> {
    const size = OBSERVABILITY_SIZING[input.environment];
    const persistent = input.environment !== "dev";
    return {
        replicas: 1,
        // A single pod on a ReadWriteOnce volume: the old pod must release it before the new one starts.
        deploymentStrategy: { type: persistent ? "Recreate" : "RollingUpdate" },
        admin: { existingSecret: GRAFANA_ADMIN_SECRET.name, userKey: GRAFANA_ADMIN_SECRET.userKey, passwordKey: GRAFANA_ADMIN_SECRET.passwordKey },
        resources: size.grafana,
        persistence: persistent ? { enabled: true, type: "pvc", storageClassName: input.storageClass ?? GRAFANA_STORAGE_CLASS, accessModes: ["ReadWriteOnce"], size: "10Gi" } : { enabled: false },
        testFramework: { enabled: false },
        // Nothing fetched at start: no dashboard downloads, no plugin installs (GF_INSTALL_PLUGINS).
        dashboards: {},
        plugins: [],
        "grafana.ini": {
            server: { root_url: `http://localhost:${PORT_FORWARD.grafana.local}` },
            // No calls home: plugin installs and updates, update checks, usage reports, the news
            // feed, the external snapshot service.
            plugins: { ...GRAFANA_NO_FETCH.plugins },
            analytics: { ...GRAFANA_NO_FETCH.analytics },
            news: { ...GRAFANA_NO_FETCH.news },
            snapshots: { external_enabled: false },
            "auth.anonymous": { enabled: false },
            "auth.basic": { enabled: true },
            users: { allow_sign_up: false, allow_org_create: false },
            security: { disable_gravatar: true, cookie_samesite: "strict", disable_initial_admin_creation: false },
        },
        datasources: { "datasources.yaml": { apiVersion: 1, datasources: grafanaDatasources() } },
        sidecar: {
            resources: size.grafanaSidecar,
            // Dashboards as ConfigMaps labelled grafana_dashboard=1 in any namespace: ours
            // (Istio, Payments) and kube-prometheus-stack's Kubernetes dashboards.
            dashboards: {
                enabled: true,
                label: DASHBOARD_SIDECAR.label,
                labelValue: DASHBOARD_SIDECAR.labelValue,
                searchNamespace: "ALL",
                folderAnnotation: DASHBOARD_SIDECAR.folderAnnotation,
                provider: { foldersFromFilesStructure: true },
            },
        },
    };
}
