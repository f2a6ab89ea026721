// What Prometheus scrapes in the mesh and what it records and alerts on, as Prometheus Operator
// objects (monitoring.coreos.com/v1). The Prometheus of kube-prometheus-stack selects them in every
// namespace (its *SelectorNilUsesHelmValues are false), so no release label is needed.
import { KubeObject, standardLabels } from "../k8s";
import { ISTIO_ROOT_NAMESPACE } from "../mesh/topology";
import { OBSERVABILITY_NAMESPACE } from "./names";
import { withRunbook } from "./runbooks";

const API = "monitoring.coreos.com/v1";

/** Port of pilot-agent's merged metrics (Envoy's stats plus the application's, if it exposes any). */
export const ENVOY_MERGED_METRICS_PORT = 15020;
export const ENVOY_METRICS_PATH = "/stats/prometheus";
/** istiod's monitoring port, named in its Service. */
export const ISTIOD_MONITORING_PORT_NAME = "http-monitoring";
export const SCRAPE_INTERVAL = "15s";

/**
 * Every Envoy in the mesh: sidecars and gateways. The pod role yields one target per declared
 * container port; keeping only the istio-proxy container's `http-envoy-prom` port leaves one
 * target per pod, whose address is then pointed at the merged-metrics port 15020.
 */
export function envoyPodMonitor(): KubeObject {
    return {
        apiVersion: API,
        kind: "PodMonitor",
        metadata: { name: "envoy-stats", namespace: OBSERVABILITY_NAMESPACE, labels: standardLabels("envoy-stats") },
        spec: {
            namespaceSelector: { any: true },
            // Pods can opt out, as with Istio's own sample monitor.
            selector: { matchExpressions: [{ key: "istio-prometheus-ignore", operator: "DoesNotExist" }] },
            jobLabel: "envoy-stats",
            podMetricsEndpoints: [
                {
                    path: ENVOY_METRICS_PATH,
                    interval: SCRAPE_INTERVAL,
                    relabelings: [
                        { action: "keep", sourceLabels: ["__meta_kubernetes_pod_container_name"], regex: "istio-proxy" },
                        { action: "keep", sourceLabels: ["__meta_kubernetes_pod_container_port_name"], regex: "http-envoy-prom" },
                        // IPv6 pod addresses need brackets before the port.
                        { action: "replace", sourceLabels: ["__meta_kubernetes_pod_ip"], regex: "(.+:.+)", replacement: `[$1]:${ENVOY_MERGED_METRICS_PORT}`, targetLabel: "__address__" },
                        { action: "replace", sourceLabels: ["__meta_kubernetes_pod_ip"], regex: "([^:]+)", replacement: `$1:${ENVOY_MERGED_METRICS_PORT}`, targetLabel: "__address__" },
                    ],
                },
            ],
        },
    };
}

/** istiod's own metrics (xDS pushes, rejects, webhook validations) on its `http-monitoring` port. */
export function istiodServiceMonitor(): KubeObject {
    return {
        apiVersion: API,
        kind: "ServiceMonitor",
        metadata: { name: "istiod", namespace: OBSERVABILITY_NAMESPACE, labels: standardLabels("istiod-monitor") },
        spec: {
            jobLabel: "istio",
            // The control-plane dashboard filters on app="istiod".
            targetLabels: ["app"],
            // Every revision's istiod Service carries istio=pilot, and so does each revision tag's
            // Service (istiod chart, revision-tags-svc.yaml; components/mesh/tags.ts) for the same
            // pods: without the DoesNotExist, an istiod behind two tags is scraped three times.
            selector: { matchLabels: { istio: "pilot" }, matchExpressions: [{ key: "istio.io/tag", operator: "DoesNotExist" }] },
            namespaceSelector: { matchNames: [ISTIO_ROOT_NAMESPACE] },
            endpoints: [{ port: ISTIOD_MONITORING_PORT_NAME, interval: SCRAPE_INTERVAL }],
        },
    };
}

/**
 * Istio's standard metrics (https://istio.io/latest/docs/reference/config/metrics/) the workload
 * recording rules aggregate: counters and the series of each histogram. The tests check the names
 * against a copy of that reference kept in the test.
 */
export const ISTIO_STANDARD_METRICS = [
    "istio_requests_total",
    "istio_request_duration_milliseconds_bucket",
    "istio_request_duration_milliseconds_sum",
    "istio_request_duration_milliseconds_count",
    "istio_request_bytes_bucket",
    "istio_request_bytes_sum",
    "istio_request_bytes_count",
    "istio_response_bytes_bucket",
    "istio_response_bytes_sum",
    "istio_response_bytes_count",
    "istio_tcp_sent_bytes_total",
    "istio_tcp_received_bytes_total",
    "istio_tcp_connections_opened_total",
    "istio_tcp_connections_closed_total",
] as const;

/** A rule of a PrometheusRule group (prometheus-operator monitoring.coreos.com/v1 Rule). */
export interface PromRule {
    record?: string;
    alert?: string;
    expr: string;
    for?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}

export interface PromRuleGroup {
    name: string;
    /** Evaluation interval; Prometheus's global one (30 s in kube-prometheus-stack) when unset. */
    interval?: string;
    rules: PromRule[];
}

/** A PrometheusRule in the observability namespace, labelled after its name. */
/** A PrometheusRule; every alert in it gets its runbook link (runbooks.ts). */
export function prometheusRule(name: string, groups: PromRuleGroup[]): KubeObject {
    const linked = groups.map((g) => ({ ...g, rules: g.rules.map(withRunbook) }));
    return { apiVersion: API, kind: "PrometheusRule", metadata: { name, namespace: OBSERVABILITY_NAMESPACE, labels: standardLabels(name) }, spec: { groups: linked } };
}

/** Labels the PodMonitor's targets add; the per-pod ones are aggregated away by the workload rules. */
const PER_POD_LABELS = ["instance", "pod"];

/**
 * Istio's recommended recording rules for production-scale monitoring: the standard metrics summed
 * over pods, so dashboards and alerts over long ranges read one series per workload pair.
 */
export function istioRecordingRules(): KubeObject {
    const aggregate = (metric: string) => ({
        record: `workload:${metric}`,
        expr: `sum without(${PER_POD_LABELS.join(", ")}) (${metric})`,
    });
    return prometheusRule("istio-recording-rules", [{ name: "istio.workload.recording-rules", interval: "15s", rules: ISTIO_STANDARD_METRICS.map(aggregate) }]);
}

/** Envoy rejecting configuration istiod pushed: a broken VirtualService, DestinationRule, filter... */
export function istiodAlerts(): KubeObject {
    return prometheusRule("istiod-config-rejects", [
        {
            name: "istio.control-plane",
            rules: [
                {
                    alert: "IstiodConfigRejected",
                    expr: "sum by (type) (increase(pilot_total_xds_rejects[10m])) > 0",
                    for: "5m",
                    labels: { severity: "warning", namespace: ISTIO_ROOT_NAMESPACE },
                    annotations: {
                        summary: "Proxies reject configuration pushed by istiod ({{ $labels.type }})",
                        description:
                            "Envoy rejected {{ $value }} {{ $labels.type }} pushes in 10 minutes: proxies keep their last good config. Find the culprit with `istioctl proxy-status` and `istioctl analyze -A`.",
                    },
                },
            ],
        },
    ]);
}
