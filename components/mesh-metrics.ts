// What the mesh adds to Istio's standard metrics, read by the payments SLO rules and dashboard
// (components/observability/sli.ts, dashboards/payments.ts): one definition for the Telemetry
// that writes the labels and the PromQL that reads them.

/**
 * Client-side label on istio_requests_total and istio_request_duration_milliseconds: the Envoy
 * cluster the request was routed to, e.g. `outbound|3000|v2|backend-service.dodo-payments.svc.cluster.local`.
 * It carries the DestinationRule subset even when no upstream host answered (503 UH), where
 * Istio reports destination_version="unknown".
 */
export const UPSTREAM_CLUSTER_LABEL = "upstream_cluster";

/**
 * Client-side label: the name of the VirtualService HTTP route that matched (`api-read`,
 * `frontend`, ...; Istio names the Envoy route after it: pilot/pkg/networking/core/route/route.go).
 */
export const ROUTE_LABEL = "route_name";

/**
 * Client-side label: the port the downstream connection arrived on (Envoy's `destination.port`,
 * "downstream connection local port"), as in Istio's "Customizing Istio Metrics" task. At the
 * ingress gateway it tells the HTTPS listener (443) from the redirect-only port 80, where
 * internet scanners naming other hosts get 404 NR: the edge alert must not count those.
 */
export const PORT_LABEL = "destination_port";

/**
 * The labels and the Envoy CEL attributes they come from (Envoy attributes reference:
 * xds.cluster_name, xds.route_name, destination.port; usable in Istio Telemetry expressions since
 * 1.16.2). An expression that cannot be evaluated (no route matched) yields "unknown" (istio/proxy
 * istio_stats.cc, StreamOverrides::evaluate). All are bounded by the config, not by traffic.
 */
export const CLIENT_METRIC_LABELS: Readonly<Record<string, string>> = {
    [UPSTREAM_CLUSTER_LABEL]: "xds.cluster_name",
    [ROUTE_LABEL]: "xds.route_name",
    [PORT_LABEL]: "string(destination.port)",
};

/**
 * Istio's names of the two standard metrics the labels are added to (Telemetry MetricSelector),
 * in CLIENT mode: sidecars' outbound listeners and gateways (pilot/pkg/model/telemetry.go,
 * workloadMode: a gateway's listeners are CLIENT), the proxies that report reporter="source".
 */
export const LABELLED_METRICS = ["REQUEST_COUNT", "REQUEST_DURATION"] as const;
