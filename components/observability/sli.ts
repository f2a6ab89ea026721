// The payments SLIs, counted where the user's request is answered: on the client side of every
// request to the backend Service (reporter="source": the ingress gateway for /api, the frontend
// for its server-side calls). A proxy that answers 503 itself (no healthy upstream UH, connect
// failure UF, circuit breaker overflow UO) reports the request only there; the backend's own
// sidecar never sees it. Istio's metrics reference: "reporter ... source if report is from a
// client Istio proxy or a gateway" (https://istio.io/latest/docs/reference/config/metrics/).
import { BACKEND, serviceHost } from "../payments/names";
import { INGRESS_GATEWAY_NAME, INGRESS_NAMESPACE } from "../mesh/topology";
import { GATEWAY_PORTS } from "../mesh/builders";
import { PORT_LABEL, ROUTE_LABEL, UPSTREAM_CLUSTER_LABEL } from "../mesh-metrics";

export { UPSTREAM_CLUSTER_LABEL };

/*
 * Why the route's subset and not destination_version: with no upstream host (UH) the client
 * proxy knows nothing about the peer, so Istio's stats filter reports destination_version="unknown"
 * and destination_service_namespace="unknown"; only destination_service and
 * destination_service_name come from the cluster's metadata (istio/proxy
 * source/extensions/filters/http/istio_stats/istio_stats.cc, populatePeerInfo). With an endpoint
 * but no metadata exchange (UF) the endpoint metadata has no app or version either
 * (extensions/common/metadata_object.cc, convertEndpointMetadata). The cluster name the mesh adds
 * as UPSTREAM_CLUSTER_LABEL still carries the subset, so a crash-looping canary's 503s stay v2's.
 */

/** The backend Service's host, as the client-side destination_service label carries it. */
export const BACKEND_HOST = serviceHost(BACKEND.service);

/** Label of the recorded series: the DestinationRule subset (v1, v2), Istio's destination_version where unknown. */
export const VERSION_LABEL = "destination_version";

/** Every client-side request to the backend Service, whatever answered it. */
export const BACKEND_CLIENT_SELECTOR = `reporter="source", destination_service="${BACKEND_HOST}"`;

/** Server errors; 0 (client went away before a response) is not the backend's failure. */
export const ERROR_CODES = "5..";
/** Answers that count as a successful payment request for the no-traffic guard. */
export const SUCCESS_CODES = "2..|3..";

/**
 * Every request the ingress gateway answered, routed or not. No destination filter: when it cannot
 * route (404 NR after a broken VirtualService) or refuses before routing (edge-jwt's 401, the edge
 * policy's 403), destination_service is "unknown" at a gateway, whose host-header fallback Istio
 * turns off (pilot/pkg/model/telemetry.go; istio/proxy istio_stats.cc writes "unknown").
 */
export const GATEWAY_REQUESTS_SELECTOR = `reporter="source", source_workload="${INGRESS_GATEWAY_NAME}", source_workload_namespace="${INGRESS_NAMESPACE}"`;

/**
 * The HTTP listener's port, as the pod sees it (destination.port is the downstream connection's
 * local port: the Service's targetPort): it only redirects to HTTPS, and answers 404 NR to hosts
 * it does not serve.
 */
export const GATEWAY_REDIRECT_PORT = String(GATEWAY_PORTS.find((p) => p.name === "http2")!.targetPort);

/**
 * The edge: the gateway's requests off the redirect port. Internet scanners reach port 80 with any
 * Host and get 404 NR; on 443 a client without the host's SNI never gets past TLS. So NR there
 * means our routing is broken, not that a bot knocked. Matching "not 80" (rather than "443") keeps
 * the alert alive if the label is ever missing.
 */
export const EDGE_SELECTOR = `${GATEWAY_REQUESTS_SELECTOR}, ${PORT_LABEL}!="${GATEWAY_REDIRECT_PORT}"`;

/** Envoy's "no route" flag (NR) in Istio's comma-separated response_flags. */
export const NO_ROUTE_FLAGS = `response_flags=~"(.*,)?NR(,.*)?"`;

/**
 * The payments API's VirtualService routes (`api-read`, `api-write`, `api-canary-*`, components/
 * payments/traffic.ts backendRoutes) as the ingress gateway matched them: a customer's /api call,
 * a payment attempt. Page loads (`frontend*`) are not, nor requests no route matched ("unknown");
 * the frontend's own calls are left to the burn rates (counting them too would double a page load's
 * API call).
 */
export const API_ROUTE_PATTERN = "api-.*";
export const API_ATTEMPTS_SELECTOR = `${EDGE_SELECTOR}, ${ROUTE_LABEL}=~"${API_ROUTE_PATTERN}"`;

/**
 * Copies the subset out of the upstream cluster name into destination_version. Only a non-empty
 * subset matches: label_replace leaves the series as it is otherwise (and an empty replacement
 * would delete the label), so a cluster without subsets keeps Istio's own destination_version.
 */
export function withVersion(expr: string): string {
    return `label_replace(${expr}, "${VERSION_LABEL}", "$1", "${UPSTREAM_CLUSTER_LABEL}", "outbound\\\\|[0-9]+\\\\|([^|]+)\\\\|.+")`;
}

/**
 * Bucket selector for an Istio histogram boundary. Prometheus 3 normalises `le` on ingestion
 * ("500" is stored as "500.0"; prometheus/docs migration guide, "le and quantile label values"),
 * Prometheus 2 kept the exposition's text: match both.
 */
export function leSelector(boundaryMs: number): string {
    const text = String(boundaryMs);
    return Number.isInteger(boundaryMs) ? `le=~"${text}(\\\\.0)?"` : `le="${text}"`;
}

/**
 * Envoy's default histogram buckets, which istio_request_duration_milliseconds uses unless a pod
 * sets sidecar.istio.io/statsHistogramBuckets (envoy source/common/stats/histogram_impl.cc,
 * HistogramSettingsImpl::defaultBuckets). A latency objective's threshold must be one of them,
 * or "requests faster than the threshold" cannot be counted.
 */
export const ISTIO_DURATION_BUCKETS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000] as const;
