// A small traffic model for the rule tests: payments traffic split between v1 and v2 by the canary
// weight, page loads and internet scanners at the gateway, then an incident that changes who
// answers, how fast, which pods exist, or whether the gateway can route at all. Each flow becomes
// the counter and histogram series Prometheus would hold for it (series.ts, labels.ts).
import { INGRESS_NAMESPACE } from "../../../components/mesh/topology";
import { BACKEND, FRONTEND } from "../../../components/payments/names";
import {
    Answer,
    Client,
    clientLabels,
    endpointLabels,
    endpointSliceLabels,
    gatewayDeploymentLabels,
    gatewayNoRouteLabels,
    gatewayToFrontendLabels,
    gatewayUpLabels,
    leValue,
    serverLabels,
    Version,
} from "./labels";
import { counterValues, gaugeValues, InputSeries, mergeSameSeries, Phase, seriesName } from "./series";

export { Client };

/** Requests per minute: /api through the gateway, the frontend's server-side calls, page loads, and bots on port 80. */
export interface Rates {
    gatewayApi: number;
    frontendApi: number;
    pages: number;
    scanners: number;
}
export const RATES: Rates = { gatewayApi: 120, frontendApi: 60, pages: 90, scanners: 40 };
/** Healthy background: a few 500s and slow requests, well inside every stack's budget. */
export const BACKGROUND = { errorFraction: 0.00005, slowFraction: 0.0005 } as const;

export interface VersionBehaviour {
    /**
     * Who answers: the backend (2xx, and 500 for `errorFraction`); the client proxy itself (503 UH:
     * no ready pod); or, `ejected`, mostly the client proxy (outlier detection ejected the only pod,
     * which stays Ready) and a tenth the pod's own 500s between ejections.
     */
    answer: "healthy" | "no-healthy-upstream" | "ejected";
    /** Share of requests slower than the latency threshold. */
    slowFraction: number;
    /** Share the backend answers 500 (default BACKGROUND.errorFraction). */
    errorFraction?: number;
}

/**
 * The ingress gateway: routing; answering 404 NR to everything (its VirtualService gone); gone (no
 * pod); crash-looping (pods exist, their proxies restart: scrapes fail, nothing is served); or
 * unreachable (pods up and scraped, but the NLB delivers nothing).
 */
export type Edge = "routing" | "no-route" | "down" | "crash-looping" | "unreachable";

/** Whether the gateway's proxies are gone (their series go stale). */
const silent = (edge: Edge | undefined) => edge === "down" || edge === "crash-looping";
/** Whether no request reaches the gateway (its counters, if alive, stay flat). */
const noRequests = (edge: Edge | undefined) => silent(edge) || edge === "unreachable";

export interface Period {
    minutes: number;
    /** Percent of API requests routed to v2. */
    canaryWeight: number;
    v1: VersionBehaviour;
    v2: VersionBehaviour;
    /** Clients calling the backend (the gateway for /api, the frontend for its server-side calls). */
    clients: readonly Client[];
    /** Requests per minute (default RATES). */
    rates?: Partial<Rates>;
    /** Default routing. */
    edge?: Edge;
    /** The gateway's proxies restarted as the period began: their counters start again from 0. */
    gatewayRestart?: boolean;
}

export const HEALTHY: VersionBehaviour = { answer: "healthy", slowFraction: BACKGROUND.slowFraction };
export const DOWN: VersionBehaviour = { answer: "no-healthy-upstream", slowFraction: 0 };
export const EJECTED: VersionBehaviour = { answer: "ejected", slowFraction: 0 };

interface Flow {
    labels: Record<string, string>;
    /** Per-minute increase in each period. */
    perMinute: number[];
    /** Fast share per period (histogram buckets at the threshold). */
    fast: number[];
    /** Whether the series exists in each period. */
    present: boolean[];
    /** Whether its proxy is a gateway pod (gone while the edge is down). */
    gateway: boolean;
}

function rates(period: Period): Rates {
    return { ...RATES, ...period.rates };
}

function share(period: Period, version: Version): number {
    return (version === "v2" ? period.canaryWeight : 100 - period.canaryWeight) / 100;
}

function answers(b: VersionBehaviour): { answer: Answer; fraction: number }[] {
    const uh = { code: "503", by: "proxy-no-healthy-upstream" } as const;
    if (b.answer === "no-healthy-upstream") return [{ answer: uh, fraction: 1 }];
    if (b.answer === "ejected") return [{ answer: uh, fraction: 0.9 }, { answer: { code: "500", by: "backend" }, fraction: 0.1 }];
    const errors = b.errorFraction ?? BACKGROUND.errorFraction;
    return [
        { answer: { code: "200", by: "backend" }, fraction: 1 - errors },
        { answer: { code: "500", by: "backend" }, fraction: errors },
    ];
}

/** The flows of every (client, version, answer), the gateway's page loads and unroutable requests, over the periods. */
function flows(periods: readonly Period[]): Flow[] {
    const byKey = new Map<string, Flow>();
    const add = (labels: Record<string, string>, index: number, perMinute: number, fast = 1) => {
        // A counter exists once something was counted (Envoy creates it on its first increment).
        if (perMinute <= 0) return;
        const key = JSON.stringify(labels);
        const gateway = labels.source_workload_namespace === INGRESS_NAMESPACE && labels.reporter === "source";
        const flow = byKey.get(key) ?? { labels, perMinute: periods.map(() => 0), fast: periods.map(() => 1), present: periods.map(() => false), gateway };
        flow.perMinute[index] += perMinute;
        flow.fast[index] = fast;
        flow.present[index] = true;
        byKey.set(key, flow);
    };
    periods.forEach((period, i) => {
        const r = rates(period);
        const edge = period.edge ?? "routing";
        if (noRequests(edge)) return;
        add(gatewayNoRouteLabels("80"), i, r.scanners);
        if (edge === "no-route") {
            // Nothing is routed: every request on 443 is a 404 NR, and the frontend gets no page to serve.
            add(gatewayNoRouteLabels("443"), i, (period.clients.includes("gateway") ? r.gatewayApi : 0) + r.pages);
            return;
        }
        add(gatewayToFrontendLabels("200"), i, r.pages);
        for (const client of period.clients) {
            for (const version of ["v1", "v2"] as const) {
                const rate = (client === "gateway" ? r.gatewayApi : r.frontendApi) * share(period, version);
                const behaviour = period[version];
                for (const { answer, fraction } of answers(behaviour)) {
                    add(clientLabels(client, version, answer), i, rate * fraction, 1 - behaviour.slowFraction);
                    if (answer.by === "backend") add(serverLabels(client, version, answer.code), i, rate * fraction, 1 - behaviour.slowFraction);
                }
            }
        }
    });
    // A client's counter, once created, stays (flat when unused) while its proxy lives; a backend
    // sidecar's series exists only while its pods serve, and goes stale with them.
    for (const flow of byKey.values()) {
        const first = flow.present.indexOf(true);
        flow.present = flow.present.map((p, i) => {
            if (flow.labels.reporter === "destination") return p;
            return i >= first && !(flow.gateway && silent(periods[i].edge));
        });
    }
    return [...byKey.values()];
}

function phases(flow: Flow, periods: readonly Period[], rate: (i: number) => number): { start: number; phases: Phase[] } {
    const first = flow.present.indexOf(true);
    const start = periods.slice(0, first).reduce((m, p) => m + p.minutes, 0);
    const out: Phase[] = [];
    for (let i = first; i < periods.length; i++) {
        if (!flow.present[i]) {
            out.push("stale");
            break;
        }
        out.push({ minutes: periods[i].minutes, perMinute: rate(i), reset: flow.gateway && periods[i].gatewayRestart === true });
    }
    return { start, phases: out };
}

/** Counters and histograms (bucket at the threshold, +Inf, _count) for every flow. */
export function requestSeries(periods: readonly Period[], thresholdMs: number): InputSeries[] {
    const out: InputSeries[] = [];
    for (const flow of flows(periods)) {
        // Running before the scenario began, or created by its first request during it.
        const existing = flow.present[0];
        const counter = (metric: string, labels: Record<string, string>, rate: (i: number) => number) => {
            const { start, phases: p } = phases(flow, periods, rate);
            out.push({ series: seriesName(metric, labels), values: counterValues(p, start, existing) });
        };
        counter("istio_requests_total", flow.labels, (i) => flow.perMinute[i]);
        counter("istio_request_duration_milliseconds_count", flow.labels, (i) => flow.perMinute[i]);
        counter("istio_request_duration_milliseconds_bucket", { ...flow.labels, le: leValue(thresholdMs) }, (i) => flow.perMinute[i] * flow.fast[i]);
        counter("istio_request_duration_milliseconds_bucket", { ...flow.labels, le: leValue("+Inf") }, (i) => flow.perMinute[i]);
    }
    return out;
}

export function totalMinutes(periods: readonly Period[]): number {
    return periods.reduce((m, p) => m + p.minutes, 0);
}

/** One gauge per period (a flip ends one series and starts another), merged into one line per series. */
function perPeriod(periods: readonly Period[], gauge: (p: Period) => { labels: string; value: number } | undefined): InputSeries[] {
    const out: InputSeries[] = [];
    let minute = 0;
    for (const period of periods) {
        const g = gauge(period);
        if (g) out.push({ series: g.labels, values: gaugeValues(g.value, period.minutes - 1, true, minute) });
        minute += period.minutes;
    }
    return out;
}

/**
 * kube-state-metrics' view (`ksmReplicas` exporters, each exporting everything): the backend
 * Service's slice with one endpoint per version, ready unless that version has no ready pod (an
 * ejected pod stays Ready: ejection is the proxies' view); the frontend's slice, always ready (it
 * must not count for the backend); the gateway Deployment's available replicas.
 */
export function endpointSeries(periods: readonly Period[], ksmReplicas = 1): InputSeries[] {
    const total = totalMinutes(periods);
    const backendSlice = `${BACKEND.service}-x7k2p`;
    const frontendSlice = `${FRONTEND.service}-b4m9z`;
    const out: InputSeries[] = [];
    for (let k = 0; k < ksmReplicas; k++) {
        out.push(
            { series: seriesName("kube_endpointslice_labels", endpointSliceLabels(BACKEND.service, backendSlice, k)), values: gaugeValues(1, total) },
            { series: seriesName("kube_endpointslice_labels", endpointSliceLabels(FRONTEND.service, frontendSlice, k)), values: gaugeValues(1, total) },
            { series: seriesName("kube_endpointslice_endpoints", endpointLabels(frontendSlice, `${FRONTEND.app}-7c9f8d6b5-q8w2e`, "10.0.12.31", true, k)), values: gaugeValues(1, total) },
        );
        for (const version of ["v1", "v2"] as const) {
            const pod = `${BACKEND.app}-${version}-5d8c7b9f6-m3n7k`;
            const address = `10.0.13.4${version === "v1" ? 1 : 2}`;
            out.push(...perPeriod(periods, (p) => ({ labels: seriesName("kube_endpointslice_endpoints", endpointLabels(backendSlice, pod, address, p[version].answer !== "no-healthy-upstream", k)), value: 1 })));
        }
        out.push(...perPeriod(periods, (p) => ({ labels: seriesName("kube_deployment_status_replicas_available", gatewayDeploymentLabels(k)), value: p.edge === "down" ? 0 : p.edge === "crash-looping" ? 1 : 2 })));
    }
    return mergeSameSeries(out);
}

/** The gateway pod's scrape health: up while it runs, 0 while its proxy restarts, gone (stale) with the pod. */
export function gatewayUpSeries(periods: readonly Period[]): InputSeries[] {
    return mergeSameSeries(perPeriod(periods, (p) => (p.edge === "down" ? undefined : { labels: seriesName("up", gatewayUpLabels()), value: p.edge === "crash-looping" ? 0 : 1 })));
}
