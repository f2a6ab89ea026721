// The payments SLIs, counted where the user's request is answered: on the client side of every
// request to the backend Service (reporter="source": the ingress gateway for /api, the frontend
// for its server-side calls). A proxy that answers 503 itself (no healthy upstream UH, connect
// failure UF, circuit breaker overflow UO) reports the request only there; the backend's own
// sidecar never sees it. Istio's metrics reference: "reporter ... source if report is from a
// client Istio proxy or a gateway" (https://istio.io/latest/docs/reference/config/metrics/).
import { BACKEND, PAYMENTS_NAMESPACE, serviceHost } from "../payments/names";
import { INGRESS_GATEWAY_NAME, INGRESS_NAMESPACE } from "../mesh/topology";
import { UPSTREAM_CLUSTER_LABEL } from "../mesh-metrics";

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

/** Requests the ingress gateway forwarded anywhere in the payments namespace (it serves the edge). */
export const GATEWAY_SELECTOR = `reporter="source", source_workload="${INGRESS_GATEWAY_NAME}", source_workload_namespace="${INGRESS_NAMESPACE}", destination_service=~"[^.]+\\\\.${PAYMENTS_NAMESPACE}\\\\.svc\\\\..+"`;

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
