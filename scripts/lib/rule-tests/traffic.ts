// A small traffic model for the rule tests: steady payments traffic split between v1 and v2 by
// the canary weight, then an incident that changes who answers, how fast, and which pods exist.
// Each flow becomes the counter and histogram series Prometheus would hold for it.
import { BACKEND, FRONTEND } from "../../../components/payments/names";
import { Answer, clientLabels, Client, counterValues, endpointLabels, endpointSliceLabels, gatewayToFrontendLabels, gaugeValues, InputSeries, leValue, Phase, seriesName, serverLabels, Version } from "./series";

/** Requests per minute: /api through the gateway, the frontend's server-side calls, and page loads. */
export const RATES = { gatewayApi: 120, frontendApi: 60, pages: 90 } as const;
/** Healthy background: a few 500s and slow requests, well inside every stack's budget. */
export const BACKGROUND = { errorFraction: 0.00005, slowFraction: 0.0005 } as const;

export interface VersionBehaviour {
    /** Who answers and with what: the backend (2xx/5xx) or the client proxy itself (503 UH). */
    answer: "healthy" | "no-healthy-upstream";
    /** Share of requests slower than the latency threshold. */
    slowFraction: number;
}

export interface Period {
    minutes: number;
    /** Percent of API requests routed to v2. */
    canaryWeight: number;
    v1: VersionBehaviour;
    v2: VersionBehaviour;
    /** Clients calling the backend (the gateway for /api, the frontend for its server-side calls). */
    clients: readonly Client[];
}

export const HEALTHY: VersionBehaviour = { answer: "healthy", slowFraction: BACKGROUND.slowFraction };
export const DOWN: VersionBehaviour = { answer: "no-healthy-upstream", slowFraction: 0 };

interface Flow {
    labels: Record<string, string>;
    /** Per-minute increase in each period. */
    perMinute: number[];
    /** Fast share per period (histogram buckets at the threshold). */
    fast: number[];
    /** Whether the series exists in each period (a backend sidecar without pods reports nothing). */
    present: boolean[];
}

function clientRate(client: Client): number {
    return client === "gateway" ? RATES.gatewayApi : RATES.frontendApi;
}

function share(period: Period, version: Version): number {
    return (version === "v2" ? period.canaryWeight : 100 - period.canaryWeight) / 100;
}

function answers(b: VersionBehaviour): { answer: Answer; fraction: number }[] {
    if (b.answer === "no-healthy-upstream") return [{ answer: { code: "503", by: "proxy-no-healthy-upstream" }, fraction: 1 }];
    return [
        { answer: { code: "200", by: "backend" }, fraction: 1 - BACKGROUND.errorFraction },
        { answer: { code: "500", by: "backend" }, fraction: BACKGROUND.errorFraction },
    ];
}

/** The client-side and server-side flows of every (client, version, answer) over the periods. */
function flows(periods: readonly Period[]): Flow[] {
    const byKey = new Map<string, Flow>();
    const add = (labels: Record<string, string>, index: number, perMinute: number, fast: number) => {
        const key = JSON.stringify(labels);
        const flow = byKey.get(key) ?? { labels, perMinute: periods.map(() => 0), fast: periods.map(() => 1), present: periods.map(() => false) };
        flow.perMinute[index] += perMinute;
        flow.fast[index] = fast;
        flow.present[index] = true;
        byKey.set(key, flow);
    };
    periods.forEach((period, i) => {
        for (const client of period.clients) {
            for (const version of ["v1", "v2"] as const) {
                const rate = clientRate(client) * share(period, version);
                if (rate === 0) continue;
                const behaviour = period[version];
                for (const { answer, fraction } of answers(behaviour)) {
                    add(clientLabels(client, version, answer), i, rate * fraction, 1 - behaviour.slowFraction);
                    if (answer.by === "backend") add(serverLabels(client, version, answer.code), i, rate * fraction, 1 - behaviour.slowFraction);
                }
            }
        }
    });
    // A client's counter, once seen, stays (flat when unused); a backend sidecar's series exists
    // only while its pods serve, and goes stale with them.
    for (const flow of byKey.values()) {
        const first = flow.present.indexOf(true);
        flow.present = flow.present.map((p, i) => (flow.labels.reporter === "destination" ? p : i >= first));
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
        out.push({ minutes: periods[i].minutes, perMinute: rate(i) });
    }
    return { start, phases: out };
}

/** Counters and histograms (bucket at the threshold, +Inf, _count) for every flow. */
export function requestSeries(periods: readonly Period[], thresholdMs: number): InputSeries[] {
    const out: InputSeries[] = [];
    for (const flow of flows(periods)) {
        const counter = (metric: string, labels: Record<string, string>, rate: (i: number) => number) => {
            const { start, phases: p } = phases(flow, periods, rate);
            out.push({ series: seriesName(metric, labels), values: counterValues(p, start) });
        };
        counter("istio_requests_total", flow.labels, (i) => flow.perMinute[i]);
        counter("istio_request_duration_milliseconds_count", flow.labels, (i) => flow.perMinute[i]);
        counter("istio_request_duration_milliseconds_bucket", { ...flow.labels, le: leValue(thresholdMs) }, (i) => flow.perMinute[i] * flow.fast[i]);
        counter("istio_request_duration_milliseconds_bucket", { ...flow.labels, le: leValue("+Inf") }, (i) => flow.perMinute[i]);
    }
    const pages = gatewayToFrontendLabels("200");
    out.push({ series: seriesName("istio_requests_total", pages), values: counterValues([{ minutes: totalMinutes(periods), perMinute: RATES.pages }]) });
    return out;
}

export function totalMinutes(periods: readonly Period[]): number {
    return periods.reduce((m, p) => m + p.minutes, 0);
}

/**
 * kube-state-metrics' view: the backend Service's slice with one endpoint per version, ready
 * unless that version is down; the frontend's slice, always ready (it must not count for the backend).
 */
export function endpointSeries(periods: readonly Period[]): InputSeries[] {
    const total = totalMinutes(periods);
    const backendSlice = `${BACKEND.service}-x7k2p`;
    const frontendSlice = `${FRONTEND.service}-b4m9z`;
    const out: InputSeries[] = [
        { series: seriesName("kube_endpointslice_labels", endpointSliceLabels(BACKEND.service, backendSlice)), values: gaugeValues(1, total) },
        { series: seriesName("kube_endpointslice_labels", endpointSliceLabels(FRONTEND.service, frontendSlice)), values: gaugeValues(1, total) },
        { series: seriesName("kube_endpointslice_endpoints", endpointLabels(frontendSlice, `${FRONTEND.app}-7c9f8d6b5-q8w2e`, "10.0.12.31", true)), values: gaugeValues(1, total) },
    ];
    for (const version of ["v1", "v2"] as const) {
        const pod = `${BACKEND.app}-${version}-5d8c7b9f6-m3n7k`;
        const address = `10.0.13.4${version === "v1" ? 1 : 2}`;
        // Ready and not-ready are different series: a flip ends one (stale) and starts the other.
        let minute = 0;
        for (const period of periods) {
            const ready = period[version].answer === "healthy";
            out.push({ series: seriesName("kube_endpointslice_endpoints", endpointLabels(backendSlice, pod, address, ready)), values: gaugeValues(1, period.minutes - 1, true, minute) });
            minute += period.minutes;
        }
    }
    return mergeSameSeries(out);
}

/** A series split over several periods becomes one line: promtool wants each series once. */
function mergeSameSeries(series: InputSeries[]): InputSeries[] {
    const merged = new Map<string, string[]>();
    for (const s of series) merged.set(s.series, [...(merged.get(s.series) ?? []), s.values]);
    return [...merged.entries()].map(([name, parts]) => ({ series: name, values: parts.length === 1 ? parts[0] : joinGaps(parts) }));
}

/** Joins `_xN value+0xM stale` pieces written against absolute minutes into one sequence. */
function joinGaps(parts: string[]): string {
    const samples: string[] = [];
    for (const part of parts) {
        const tokens = expand(part);
        tokens.forEach((t, i) => {
            if (t !== "_") samples[i] = t;
            else if (samples[i] === undefined) samples[i] = "_";
        });
    }
    return compress(samples.map((s) => s ?? "_"));
}

/** Runs of one value back into `a+0xN` (N+1 samples) and of gaps into `_xN`. */
function compress(tokens: string[]): string {
    const out: string[] = [];
    for (let i = 0; i < tokens.length; ) {
        let j = i;
        while (j + 1 < tokens.length && tokens[j + 1] === tokens[i]) j++;
        const run = j - i + 1;
        if (tokens[i] === "_") out.push(`_x${run}`);
        else if (tokens[i] === "stale" || run === 1) out.push(...Array<string>(run).fill(tokens[i]));
        else out.push(`${tokens[i]}+0x${run - 1}`);
        i = j + 1;
    }
    return out.join(" ");
}

/** Expands the notation this module writes (`_xN`, `a+0xM`, `stale`) into one token per sample. */
function expand(values: string): string[] {
    const out: string[] = [];
    for (const token of values.split(" ")) {
        const gap = /^_x(\d+)$/.exec(token);
        const flat = /^(-?[\d.]+)\+0x(\d+)$/.exec(token);
        if (gap) out.push(...Array<string>(Number(gap[1])).fill("_"));
        else if (flat) out.push(...Array<string>(Number(flat[2]) + 1).fill(flat[1]));
        else out.push(token);
    }
    return out;
}
