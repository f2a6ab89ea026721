// What Prometheus scrapes in the mesh and what it records and alerts on, as Prometheus Operator
// objects (monitoring.coreos.com/v1). The Prometheus of kube-prometheus-stack selects them in every
// namespace (its *SelectorNilUsesHelmValues are false), so no release label is needed.
import { KubeObject, standardLabels } from "../k8s";
import { ISTIO_ROOT_NAMESPACE } from "../mesh/topology";
import { BACKEND, PAYMENTS_NAMESPACE } from "../payments/names";
import { OBSERVABILITY_NAMESPACE } from "./names";
import { AlertThresholds } from "./settings";

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
            // Every revision's istiod Service carries istio=pilot.
            selector: { matchLabels: { istio: "pilot" } },
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
    return {
        apiVersion: API,
        kind: "PrometheusRule",
        metadata: { name: "istio-recording-rules", namespace: OBSERVABILITY_NAMESPACE, labels: standardLabels("istio-recording-rules") },
        spec: {
            groups: [
                {
                    name: "istio.workload.recording-rules",
                    interval: "15s",
                    rules: ISTIO_STANDARD_METRICS.map(aggregate),
                },
            ],
        },
    };
}

/** Selector of the backend's server-side request metrics (reported by the backend's own sidecar). */
function backendSelector(extra: Record<string, string> = {}): string {
    const labels: Record<string, string> = {
        reporter: "destination",
        destination_workload_namespace: PAYMENTS_NAMESPACE,
        destination_app: BACKEND.app,
        ...extra,
    };
    return Object.entries(labels)
        .map(([k, v]) => (k === "response_code" ? `${k}=~"${v}"` : `${k}="${v}"`))
        .join(", ");
}

const WINDOW = "5m";

function rate(metric: string, selector: string): string {
    return `sum(rate(${metric}{${selector}}[${WINDOW}]))`;
}

/** 5xx ratio (0-1) of backend requests, optionally of one version. */
export function backend5xxRatio(version?: string): string {
    const v: Record<string, string> = version ? { destination_version: version } : {};
    return `${rate("istio_requests_total", backendSelector({ ...v, response_code: "5.." }))} / ${rate("istio_requests_total", backendSelector(v))}`;
}

/** p99 of backend request duration in milliseconds. */
export function backendP99LatencyMs(): string {
    return `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${backendSelector()}}[${WINDOW}])))`;
}

/** Minimum request rate (req/s) on v2 before the canary guard compares error ratios. */
export const CANARY_MIN_RPS = 0.1;

function round(n: number): string {
    return String(Math.round(n * 1e6) / 1e6);
}

/** Alerts on the payments backend from Istio's standard metrics, with per-environment thresholds. */
export function paymentsAlerts(thresholds: AlertThresholds): KubeObject {
    const errorRatio = thresholds.backend5xxPercent / 100;
    const margin = thresholds.canaryMarginPercent / 100;
    const labels = { namespace: PAYMENTS_NAMESPACE, service: BACKEND.service };
    return {
        apiVersion: API,
        kind: "PrometheusRule",
        metadata: { name: "payments-backend-slo", namespace: OBSERVABILITY_NAMESPACE, labels: standardLabels("payments-backend-slo") },
        spec: {
            groups: [
                {
                    name: "payments.backend",
                    rules: [
                        {
                            alert: "BackendHigh5xxRatio",
                            expr: `(${backend5xxRatio()}) > ${round(errorRatio)}`,
                            for: "5m",
                            labels: { severity: "critical", ...labels },
                            annotations: {
                                summary: `More than ${thresholds.backend5xxPercent}% of payments backend requests fail with 5xx`,
                                description: "{{ $value | humanizePercentage }} of requests to the backend returned 5xx over the last 5 minutes (reported by the backend's sidecars).",
                            },
                        },
                        {
                            alert: "BackendHighP99Latency",
                            expr: `${backendP99LatencyMs()} > ${thresholds.backendP99LatencyMs}`,
                            for: "10m",
                            labels: { severity: "warning", ...labels },
                            annotations: {
                                summary: `Payments backend p99 latency is above ${thresholds.backendP99LatencyMs}ms`,
                                description: "The backend's p99 request duration is {{ $value | humanize }}ms over the last 5 minutes.",
                            },
                        },
                        {
                            // Compares v2 with v1 rather than with a fixed threshold, so a platform-wide
                            // problem (both failing) does not blame the canary. With no v1 traffic v2 is
                            // compared with 0.
                            alert: "BackendCanaryErrorRatio",
                            expr:
                                `(${backend5xxRatio("v2")}) - on() ((${backend5xxRatio("v1")}) or on() vector(0)) > ${round(margin)}` +
                                ` and on() ${rate("istio_requests_total", backendSelector({ destination_version: "v2" }))} > ${CANARY_MIN_RPS}`,
                            for: "5m",
                            labels: { severity: "critical", ...labels, version: "v2" },
                            annotations: {
                                summary: `Backend v2 (canary) fails more than v1 by over ${thresholds.canaryMarginPercent} percentage points`,
                                description:
                                    "v2's 5xx ratio exceeds v1's by {{ $value | humanizePercentage }}. Roll back: set payments.canary.weight to 0 and run pulumi up.",
                            },
                        },
                    ],
                },
            ],
        },
    };
}

/** Envoy rejecting configuration istiod pushed: a broken VirtualService, DestinationRule, filter... */
export function istiodAlerts(): KubeObject {
    return {
        apiVersion: API,
        kind: "PrometheusRule",
        metadata: { name: "istiod-config-rejects", namespace: OBSERVABILITY_NAMESPACE, labels: standardLabels("istiod-config-rejects") },
        spec: {
            groups: [
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
            ],
        },
    };
}
