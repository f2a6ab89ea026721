// Label sets of the input series, shaped like what Prometheus really stores from the mesh:
// Istio's client-side (reporter="source") and server-side request metrics as the pilot-agent
// merged endpoint exposes them, with the mesh Telemetry's labels (components/mesh-metrics.ts) and
// the ones the envoy-stats PodMonitor adds; kube-state-metrics' EndpointSlice and Deployment
// series; the gateway pods' scrape health (`up`).
import { PORT_LABEL, ROUTE_LABEL, UPSTREAM_CLUSTER_LABEL } from "../../../components/mesh-metrics";
import { INGRESS_GATEWAY_NAME, INGRESS_NAMESPACE } from "../../../components/mesh/topology";
import { BACKEND, FRONTEND, PAYMENTS_NAMESPACE, serviceHost } from "../../../components/payments/names";

export type Client = "gateway" | "frontend";
export type Version = "v1" | "v2";

export const GATEWAY_POD = `${INGRESS_GATEWAY_NAME}-6f7d9c5b8-x2k4p`;

const CLIENTS: Record<Client, { workload: string; namespace: string; app: string; pod: string; ip: string; port: string }> = {
    // The gateway's clients come in on 443 (port 80 only redirects).
    gateway: { workload: INGRESS_GATEWAY_NAME, namespace: INGRESS_NAMESPACE, app: INGRESS_GATEWAY_NAME, pod: GATEWAY_POD, ip: "10.0.11.20", port: "443" },
    // The frontend's outbound calls: the backend Service's port.
    frontend: { workload: FRONTEND.app, namespace: PAYMENTS_NAMESPACE, app: FRONTEND.app, pod: `${FRONTEND.app}-7c9f8d6b5-q8w2e`, ip: "10.0.12.31", port: String(BACKEND.port) },
};

/** The VirtualService route the API requests match (components/payments/traffic.ts backendRoutes). */
export const API_ROUTE = "api-read";
export const PAGE_ROUTE = "frontend-read";

/** What answered: the backend itself, or the client's proxy with no upstream host (503 UH). */
export type Answer = { code: string; by: "backend" } | { code: "503"; by: "proxy-no-healthy-upstream" };

function scrape(c: { namespace: string; pod: string; ip: string }): Record<string, string> {
    // Added by the envoy-stats PodMonitor's target.
    return { namespace: c.namespace, pod: c.pod, instance: `${c.ip}:15020`, job: "envoy-stats" };
}

/**
 * A client-side request series to the backend. With no upstream host the client proxy has no
 * peer metadata: destination_version and friends are "unknown", destination_canonical_revision
 * "latest"; destination_service(_name) and the routed cluster stay (istio_stats.cc, populatePeerInfo).
 */
export function clientLabels(client: Client, version: Version, answer: Answer): Record<string, string> {
    const c = CLIENTS[client];
    const known = answer.by === "backend";
    const peer = (v: string) => (known ? v : "unknown");
    return {
        reporter: "source",
        source_workload: c.workload,
        source_workload_namespace: c.namespace,
        source_app: c.app,
        destination_service: serviceHost(BACKEND.service),
        destination_service_name: BACKEND.service,
        destination_service_namespace: peer(PAYMENTS_NAMESPACE),
        destination_workload: peer(`${BACKEND.app}-${version}`),
        destination_workload_namespace: peer(PAYMENTS_NAMESPACE),
        destination_app: peer(BACKEND.app),
        destination_version: peer(version),
        destination_canonical_revision: known ? version : "latest",
        request_protocol: "http",
        response_code: answer.code,
        response_flags: known ? "-" : "UH",
        [UPSTREAM_CLUSTER_LABEL]: `outbound|${BACKEND.port}|${version}|${serviceHost(BACKEND.service)}`,
        [ROUTE_LABEL]: API_ROUTE,
        [PORT_LABEL]: c.port,
        ...scrape(c),
    };
}

/** The backend sidecar's own view of the same requests (reporter="destination"); absent when no pod runs. */
export function serverLabels(client: Client, version: Version, code: string): Record<string, string> {
    const c = CLIENTS[client];
    return {
        reporter: "destination",
        source_workload: c.workload,
        source_workload_namespace: c.namespace,
        destination_service: serviceHost(BACKEND.service),
        destination_service_name: BACKEND.service,
        destination_service_namespace: PAYMENTS_NAMESPACE,
        destination_workload: `${BACKEND.app}-${version}`,
        destination_workload_namespace: PAYMENTS_NAMESPACE,
        destination_app: BACKEND.app,
        destination_version: version,
        request_protocol: "http",
        response_code: code,
        response_flags: "-",
        ...scrape({ namespace: PAYMENTS_NAMESPACE, pod: `${BACKEND.app}-${version}-5d8c7b9f6-m3n7k`, ip: `10.0.13.4${version === "v1" ? 1 : 2}` }),
    };
}

/** The gateway's requests to the frontend (page loads): the gateway serves traffic, but no payment attempt. */
export function gatewayToFrontendLabels(code: string): Record<string, string> {
    const c = CLIENTS.gateway;
    return {
        reporter: "source",
        source_workload: c.workload,
        source_workload_namespace: c.namespace,
        destination_service: serviceHost(FRONTEND.service),
        destination_service_name: FRONTEND.service,
        destination_service_namespace: PAYMENTS_NAMESPACE,
        destination_workload: FRONTEND.app,
        destination_version: FRONTEND.version,
        response_code: code,
        response_flags: "-",
        [UPSTREAM_CLUSTER_LABEL]: `outbound|${FRONTEND.port}||${serviceHost(FRONTEND.service)}`,
        [ROUTE_LABEL]: PAGE_ROUTE,
        [PORT_LABEL]: c.port,
        ...scrape(c),
    };
}

/**
 * A request the gateway could not route: 404 NR, and nothing known about a destination (a gateway
 * has no host-header fallback: destination_service "unknown"); no route or cluster either, so the
 * Telemetry's expressions yield "unknown". On 443: our VirtualService is gone. On 80: a scanner
 * naming a host the Gateway does not serve.
 */
export function gatewayNoRouteLabels(port: "443" | "80"): Record<string, string> {
    const c = CLIENTS.gateway;
    return {
        reporter: "source",
        source_workload: c.workload,
        source_workload_namespace: c.namespace,
        source_app: c.app,
        destination_service: "unknown",
        destination_service_name: "unknown",
        destination_service_namespace: "unknown",
        destination_workload: "unknown",
        destination_version: "unknown",
        request_protocol: "http",
        response_code: "404",
        response_flags: "NR",
        [UPSTREAM_CLUSTER_LABEL]: "unknown",
        [ROUTE_LABEL]: "unknown",
        [PORT_LABEL]: port,
        ...scrape(c),
    };
}

/** The gateway pod's scrape target (the PodMonitor adds container and endpoint). */
export function gatewayUpLabels(): Record<string, string> {
    return { ...scrape(CLIENTS.gateway), container: "istio-proxy", endpoint: "http-envoy-prom" };
}

/** kube-state-metrics' instance `replica` (a second replica exports every series again). */
function ksm(replica: number): Record<string, string> {
    return { job: "kube-state-metrics", instance: `10.0.10.${5 + replica}:8080` };
}

export function gatewayDeploymentLabels(replica: number): Record<string, string> {
    return { ...ksm(replica), namespace: INGRESS_NAMESPACE, deployment: INGRESS_GATEWAY_NAME };
}

/** kube-state-metrics' EndpointSlice series of a Service (one slice) and its endpoints. */
export function endpointSliceLabels(service: string, slice: string, replica = 0): Record<string, string> {
    return { ...ksm(replica), namespace: PAYMENTS_NAMESPACE, endpointslice: slice, label_kubernetes_io_service_name: service };
}

export function endpointLabels(slice: string, pod: string, address: string, ready: boolean, replica = 0): Record<string, string> {
    return {
        ...ksm(replica),
        namespace: PAYMENTS_NAMESPACE,
        endpointslice: slice,
        ready: String(ready),
        serving: String(ready),
        terminating: "false",
        targetref_kind: "Pod",
        targetref_name: pod,
        targetref_namespace: PAYMENTS_NAMESPACE,
        address,
    };
}

/** Bucket labels the way Prometheus 3 stores them (`le` normalised to a float: "500.0"). */
export function leValue(boundaryMs: number | "+Inf"): string {
    return boundaryMs === "+Inf" ? "+Inf" : Number.isInteger(boundaryMs) ? `${boundaryMs}.0` : String(boundaryMs);
}
