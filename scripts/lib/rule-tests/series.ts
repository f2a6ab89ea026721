// Input series for promtool rule tests, shaped like what Prometheus really stores from the mesh:
// Istio's client-side (reporter="source") and server-side request metrics as the pilot-agent
// merged endpoint exposes them (plus the labels the envoy-stats PodMonitor adds), and
// kube-state-metrics' EndpointSlice series. Values use promtool's expanding notation
// (`a+bxn`: n+1 samples from a, step b; `_` no sample; `stale` a staleness marker).
import { UPSTREAM_CLUSTER_LABEL } from "../../../components/mesh-metrics";
import { INGRESS_GATEWAY_NAME, INGRESS_NAMESPACE } from "../../../components/mesh/topology";
import { BACKEND, FRONTEND, PAYMENTS_NAMESPACE, serviceHost } from "../../../components/payments/names";

/** Minutes between input samples (the PodMonitor scrapes every 15 s; a minute keeps files short). */
export const SAMPLE_MINUTES = 1;

/** A stretch of time with a constant per-minute increase; `stale` ends the series. */
export type Phase = { minutes: number; perMinute: number } | "stale";

export interface InputSeries {
    series: string;
    values: string;
}

function num(n: number): string {
    return String(Math.round(n * 1e6) / 1e6);
}

/** promtool values of a counter that starts at 0 after `startMinute` missing samples. */
export function counterValues(phases: readonly Phase[], startMinute = 0): string {
    const out: string[] = startMinute > 0 ? [`_x${startMinute}`] : [];
    let value = 0;
    let first = true;
    for (const phase of phases) {
        if (phase === "stale") {
            out.push("stale");
            break;
        }
        if (first) {
            out.push(`${num(value)}+${num(phase.perMinute)}x${phase.minutes}`);
            first = false;
        } else if (phase.minutes > 0) {
            // The next sample follows the previous phase's last one by one step.
            out.push(phase.minutes === 1 ? num(value + phase.perMinute) : `${num(value + phase.perMinute)}+${num(phase.perMinute)}x${phase.minutes - 1}`);
        }
        value += phase.perMinute * phase.minutes;
    }
    return out.join(" ");
}

/** promtool values of a gauge holding `value` for `minutes`, then going stale if asked. */
export function gaugeValues(value: number, minutes: number, thenStale = false, startMinute = 0): string {
    return [startMinute > 0 ? `_x${startMinute}` : "", `${num(value)}+0x${minutes}`, thenStale ? "stale" : ""].filter(Boolean).join(" ");
}

export function seriesName(metric: string, labels: Readonly<Record<string, string>>): string {
    const body = Object.entries(labels)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(", ");
    return `${metric}{${body}}`;
}

export type Client = "gateway" | "frontend";
export type Version = "v1" | "v2";

const CLIENTS: Record<Client, { workload: string; namespace: string; app: string; pod: string; ip: string }> = {
    gateway: { workload: INGRESS_GATEWAY_NAME, namespace: INGRESS_NAMESPACE, app: INGRESS_GATEWAY_NAME, pod: `${INGRESS_GATEWAY_NAME}-6f7d9c5b8-x2k4p`, ip: "10.0.11.20" },
    frontend: { workload: FRONTEND.app, namespace: PAYMENTS_NAMESPACE, app: FRONTEND.app, pod: `${FRONTEND.app}-7c9f8d6b5-q8w2e`, ip: "10.0.12.31" },
};

/** What answered: the backend itself, or the client's proxy with no upstream host (503 UH). */
export type Answer = { code: string; by: "backend" } | { code: "503"; by: "proxy-no-healthy-upstream" };

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
        // Added by the envoy-stats PodMonitor's target.
        namespace: c.namespace,
        pod: c.pod,
        instance: `${c.ip}:15020`,
        job: "envoy-stats",
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
        namespace: PAYMENTS_NAMESPACE,
        pod: `${BACKEND.app}-${version}-5d8c7b9f6-m3n7k`,
        instance: `10.0.13.4${version === "v1" ? 1 : 2}:15020`,
        job: "envoy-stats",
    };
}

/** The gateway's requests to the frontend (page loads): the gateway is serving traffic. */
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
        namespace: c.namespace,
        pod: c.pod,
        instance: `${c.ip}:15020`,
        job: "envoy-stats",
    };
}

/** Bucket labels the way Prometheus 3 stores them (`le` normalised to a float: "500.0"). */
export function leValue(boundaryMs: number | "+Inf"): string {
    return boundaryMs === "+Inf" ? "+Inf" : Number.isInteger(boundaryMs) ? `${boundaryMs}.0` : String(boundaryMs);
}

const KSM = { job: "kube-state-metrics", instance: "10.0.10.5:8080" } as const;

/** kube-state-metrics' EndpointSlice series of a Service (one slice) and its endpoints. */
export function endpointSliceLabels(service: string, slice: string): Record<string, string> {
    return { ...KSM, namespace: PAYMENTS_NAMESPACE, endpointslice: slice, label_kubernetes_io_service_name: service };
}

export function endpointLabels(slice: string, pod: string, address: string, ready: boolean): Record<string, string> {
    return {
        ...KSM,
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
