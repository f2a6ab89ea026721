// Istio's five dashboards (Mesh, Service, Workload, Control Plane, Performance), generated here
// instead of copied from istio/istio's manifests/addons/dashboards: same titles (Kiali links to
// dashboards by title) and the variables Kiali passes (var-namespace, var-service, var-workload,
// var-datasource), over Istio's standard metrics, istiod's and the kubelet's (cAdvisor).
// docs/observability.md, "Dashboards", explains the choice.
import { DashboardSpec, row, stat, timeseries } from "./grafana";

const RATE = "[$__rate_interval]";
const q = (metric: string, selector: string) => `${metric}{${selector}}${RATE}`;
const sumRate = (metric: string, selector: string, by = "") => `sum${by ? ` by (${by})` : ""} (rate(${q(metric, selector)}))`;
const successRatio = (selector: string, by = "") => `${sumRate("istio_requests_total", `${selector}, response_code!~"5.."`, by)} / ${sumRate("istio_requests_total", selector, by)}`;
const quantile = (p: number, selector: string, by = "") =>
    `histogram_quantile(${p}, sum by (le${by ? `, ${by}` : ""}) (rate(${q("istio_request_duration_milliseconds_bucket", selector)})))`;
const latencies = (selector: string, by = "", legendPrefix = "") =>
    [0.5, 0.9, 0.99].map((p) => ({ expr: quantile(p, selector, by), legend: `${legendPrefix}p${p * 100}` }));

/** Requests as the clients (and waypoints) count them: a proxy's own 503s included. */
const CLIENT = 'reporter=~"source|waypoint"';

function mesh(): DashboardSpec {
    return {
        uid: "istio-mesh",
        title: "Istio Mesh Dashboard",
        tags: ["istio"],
        description: "Every service of the mesh as its clients see it (reporter source): volume, success, latency, TCP traffic.",
        panels: [
            row("Global traffic"),
            stat("Traffic volume", { expr: `round(${sumRate("istio_requests_total", CLIENT)}, 0.01)` }, { unit: "reqps" }),
            stat("Success rate (non-5xx)", { expr: successRatio(CLIENT) }, { unit: "percentunit", thresholds: [{ value: null, color: "red" }, { value: 0.95, color: "orange" }, { value: 0.99, color: "green" }] }),
            stat("4xx", { expr: `round(${sumRate("istio_requests_total", `${CLIENT}, response_code=~"4.."`)}, 0.01) or vector(0)` }, { unit: "reqps" }),
            stat("5xx", { expr: `round(${sumRate("istio_requests_total", `${CLIENT}, response_code=~"5.."`)}, 0.01) or vector(0)` }, { unit: "reqps" }),
            row("HTTP/gRPC services"),
            timeseries("Requests by destination service", [{ expr: sumRate("istio_requests_total", CLIENT, "destination_service"), legend: "{{destination_service}}" }], { unit: "reqps" }),
            timeseries("Success rate by destination service", [{ expr: successRatio(CLIENT, "destination_service"), legend: "{{destination_service}}" }], { unit: "percentunit", max: 1 }),
            timeseries("p90 duration by destination service", [{ expr: quantile(0.9, CLIENT, "destination_service"), legend: "{{destination_service}}" }], { unit: "ms" }),
            timeseries("TCP bytes by destination service", [
                { expr: sumRate("istio_tcp_sent_bytes_total", CLIENT, "destination_service"), legend: "sent {{destination_service}}" },
                { expr: sumRate("istio_tcp_received_bytes_total", CLIENT, "destination_service"), legend: "received {{destination_service}}" },
            ], { unit: "Bps" }),
            row("Istio component versions"),
            timeseries("Istio component versions", [{ expr: "sum by (component, tag) (istio_build)", legend: "{{component}} {{tag}}" }], { width: 24 }),
        ],
    };
}

const REPORTERS = ["source", "destination"] as const;

function service(): DashboardSpec {
    const svc = 'destination_service=~"$service"';
    const client = `reporter=~"$qrep", ${svc}`;
    const server = `reporter="destination", ${svc}`;
    return {
        uid: "istio-service",
        title: "Istio Service Dashboard",
        tags: ["istio"],
        description: "One service: what its clients see (reporter $qrep) and what its own sidecars serve (reporter destination).",
        variables: [
            { name: "namespace", label: "Namespace", query: "label_values(istio_requests_total, destination_service_namespace)" },
            { name: "service", label: "Service", query: 'label_values(istio_requests_total{destination_service_namespace=~"$namespace"}, destination_service)' },
            { name: "qrep", label: "Client reporter", query: REPORTERS },
        ],
        panels: [
            row("General"),
            stat("Client request volume", { expr: sumRate("istio_requests_total", client) }, { unit: "reqps" }),
            stat("Client success rate (non-5xx)", { expr: successRatio(client) }, { unit: "percentunit" }),
            stat("Server request volume", { expr: sumRate("istio_requests_total", server) }, { unit: "reqps" }),
            stat("Server success rate (non-5xx)", { expr: successRatio(server) }, { unit: "percentunit" }),
            timeseries("Client request duration", latencies(client), { unit: "ms" }),
            timeseries("Server request duration", latencies(server), { unit: "ms" }),
            row("Client workloads"),
            timeseries("Incoming requests by source and response code", [{ expr: sumRate("istio_requests_total", client, "source_workload, source_workload_namespace, response_code"), legend: "{{source_workload}}.{{source_workload_namespace}} {{response_code}}" }], { unit: "reqps" }),
            timeseries("Incoming success rate by source", [{ expr: successRatio(client, "source_workload, source_workload_namespace"), legend: "{{source_workload}}.{{source_workload_namespace}}" }], { unit: "percentunit", max: 1 }),
            timeseries("Incoming p90 duration by source", [{ expr: quantile(0.9, client, "source_workload, source_workload_namespace"), legend: "{{source_workload}}.{{source_workload_namespace}}" }], { unit: "ms" }),
            timeseries("TCP bytes", [
                { expr: sumRate("istio_tcp_received_bytes_total", client), legend: "received" },
                { expr: sumRate("istio_tcp_sent_bytes_total", client), legend: "sent" },
            ], { unit: "Bps" }),
            row("Service workloads"),
            timeseries("Requests by destination workload and response code", [{ expr: sumRate("istio_requests_total", server, "destination_workload, response_code"), legend: "{{destination_workload}} {{response_code}}" }], { unit: "reqps" }),
            timeseries("p90 duration by destination workload", [{ expr: quantile(0.9, server, "destination_workload"), legend: "{{destination_workload}}" }], { unit: "ms" }),
        ],
    };
}

function workload(): DashboardSpec {
    const inbound = 'reporter=~"$qrep", destination_workload_namespace=~"$namespace", destination_workload=~"$workload"';
    const outbound = 'reporter="source", source_workload_namespace=~"$namespace", source_workload=~"$workload"';
    return {
        uid: "istio-workload",
        title: "Istio Workload Dashboard",
        tags: ["istio"],
        description: "One workload: requests it serves (inbound) and requests it makes (outbound).",
        variables: [
            { name: "namespace", label: "Namespace", query: "label_values(istio_requests_total, destination_workload_namespace)" },
            { name: "workload", label: "Workload", query: 'label_values(istio_requests_total{destination_workload_namespace=~"$namespace"}, destination_workload)' },
            { name: "qrep", label: "Reporter", query: ["destination", "source"] },
        ],
        panels: [
            row("General"),
            stat("Incoming request volume", { expr: sumRate("istio_requests_total", inbound) }, { unit: "reqps" }),
            stat("Incoming success rate (non-5xx)", { expr: successRatio(inbound) }, { unit: "percentunit" }),
            stat("Outgoing request volume", { expr: sumRate("istio_requests_total", outbound) }, { unit: "reqps" }),
            stat("Outgoing success rate (non-5xx)", { expr: successRatio(outbound) }, { unit: "percentunit" }),
            timeseries("Incoming request duration", latencies(inbound), { unit: "ms", width: 24 }),
            row("Inbound workloads"),
            timeseries("Incoming requests by source and response code", [{ expr: sumRate("istio_requests_total", inbound, "source_workload, source_workload_namespace, response_code"), legend: "{{source_workload}}.{{source_workload_namespace}} {{response_code}}" }], { unit: "reqps" }),
            timeseries("Incoming success rate by source", [{ expr: successRatio(inbound, "source_workload, source_workload_namespace"), legend: "{{source_workload}}.{{source_workload_namespace}}" }], { unit: "percentunit", max: 1 }),
            row("Outbound services"),
            timeseries("Outgoing requests by destination and response code", [{ expr: sumRate("istio_requests_total", outbound, "destination_service, response_code"), legend: "{{destination_service}} {{response_code}}" }], { unit: "reqps" }),
            timeseries("Outgoing success rate by destination", [{ expr: successRatio(outbound, "destination_service"), legend: "{{destination_service}}" }], { unit: "percentunit", max: 1 }),
            timeseries("Outgoing p90 duration by destination", [{ expr: quantile(0.9, outbound, "destination_service"), legend: "{{destination_service}}" }], { unit: "ms" }),
            timeseries("Outgoing TCP bytes", [
                { expr: sumRate("istio_tcp_sent_bytes_total", outbound, "destination_service"), legend: "sent {{destination_service}}" },
                { expr: sumRate("istio_tcp_received_bytes_total", outbound, "destination_service"), legend: "received {{destination_service}}" },
            ], { unit: "Bps" }),
        ],
    };
}

function controlPlane(): DashboardSpec {
    const istiod = 'app="istiod"';
    return {
        uid: "istio-control-plane",
        title: "Istio Control Plane Dashboard",
        tags: ["istio"],
        description: "istiod: versions, resources, xDS pushes and their errors, webhooks.",
        panels: [
            row("Deployed versions"),
            timeseries("Pilot versions", [{ expr: 'sum by (tag) (istio_build{component="pilot"})', legend: "{{tag}}" }], { width: 24 }),
            row("Resource usage"),
            timeseries("Memory", [{ expr: 'sum by (pod) (container_memory_working_set_bytes{container="discovery", pod=~"istiod-.*"})', legend: "{{pod}}" }], { unit: "bytes", width: 8 }),
            timeseries("CPU", [{ expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{container="discovery", pod=~"istiod-.*"}${RATE}))`, legend: "{{pod}}" }], { unit: "none", width: 8 }),
            timeseries("Goroutines", [{ expr: `sum by (pod) (go_goroutines{${istiod}})`, legend: "{{pod}}" }], { width: 8 }),
            row("Push information"),
            timeseries("xDS pushes", [{ expr: `sum by (type) (rate(pilot_xds_pushes${RATE}))`, legend: "{{type}}" }], { unit: "cps" }),
            timeseries("Connected proxies", [{ expr: "sum(pilot_xds)", legend: "xDS connections" }]),
            timeseries("Push errors", [
                { expr: `sum by (type) (increase(pilot_total_xds_rejects${RATE}))`, legend: "rejected {{type}}" },
                { expr: `sum(increase(pilot_total_xds_internal_errors${RATE}))`, legend: "internal errors" },
            ]),
            timeseries("Push time", [0.5, 0.99].map((p) => ({ expr: `histogram_quantile(${p}, sum by (le) (rate(pilot_xds_push_time_bucket${RATE})))`, legend: `p${p * 100}` })), { unit: "s" }),
            row("Webhooks"),
            timeseries("Config validation", [
                { expr: `sum(rate(galley_validation_passed${RATE}))`, legend: "passed" },
                { expr: `sum(rate(galley_validation_failed${RATE}))`, legend: "failed" },
            ], { unit: "cps" }),
            timeseries("Sidecar injection", [
                { expr: `sum(rate(sidecar_injection_success_total${RATE}))`, legend: "success" },
                { expr: `sum(rate(sidecar_injection_failure_total${RATE}))`, legend: "failure" },
            ], { unit: "cps" }),
        ],
    };
}

function performance(): DashboardSpec {
    const proxy = 'container="istio-proxy"';
    const gateway = 'pod=~"istio-ingressgateway-.*", container="istio-proxy"';
    const cpu = (sel: string) => `sum(rate(container_cpu_usage_seconds_total{${sel}}${RATE}))`;
    return {
        uid: "istio-performance",
        title: "Istio Performance Dashboard",
        tags: ["istio"],
        description: "What the data plane costs: proxy CPU and memory per request, bytes moved, istiod's resources.",
        panels: [
            row("vCPU"),
            timeseries("vCPU per 1k rps", [
                { expr: `${cpu(gateway)} / (round(${sumRate("istio_requests_total", 'source_workload="istio-ingressgateway", reporter="source"')}, 0.001) / 1000)`, legend: "ingress gateway" },
                { expr: `${cpu(`namespace!~"istio-system|istio-ingress", ${proxy}`)} / (round(${sumRate("istio_requests_total", "")}, 0.001) / 1000)`, legend: "sidecars" },
            ], { unit: "none" }),
            timeseries("vCPU", [
                { expr: cpu(gateway), legend: "ingress gateway" },
                { expr: cpu(`namespace!~"istio-system|istio-ingress", ${proxy}`), legend: "sidecars" },
            ], { unit: "none" }),
            row("Memory and data rates"),
            timeseries("Memory per proxy", [
                { expr: `sum(container_memory_working_set_bytes{${gateway}}) / count(container_memory_working_set_bytes{${gateway}})`, legend: "ingress gateway" },
                { expr: `sum(container_memory_working_set_bytes{${proxy}}) / count(container_memory_working_set_bytes{${proxy}})`, legend: "all proxies" },
            ], { unit: "bytes" }),
            timeseries("Bytes transferred", [
                { expr: sumRate("istio_response_bytes_sum", 'source_workload="istio-ingressgateway", reporter="source"'), legend: "ingress gateway" },
                { expr: `${sumRate("istio_response_bytes_sum", 'reporter="source"')} + ${sumRate("istio_request_bytes_sum", 'reporter="source"')}`, legend: "sidecars" },
            ], { unit: "Bps" }),
            row("istiod"),
            timeseries("istiod memory", [{ expr: 'process_resident_memory_bytes{app="istiod"}', legend: "{{pod}}" }], { unit: "bytes", width: 8 }),
            timeseries("istiod vCPU", [{ expr: cpu('container="discovery", pod=~"istiod-.*"'), legend: "discovery" }], { width: 8 }),
            timeseries("istiod goroutines", [{ expr: 'go_goroutines{app="istiod"}', legend: "{{pod}}" }], { width: 8 }),
        ],
    };
}

/** The five, in the order Grafana's Istio folder lists them. */
export function istioDashboards(): DashboardSpec[] {
    return [mesh(), service(), workload(), controlPlane(), performance()];
}
