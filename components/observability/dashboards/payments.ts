// The Payments dashboard: the SLOs and their burn rates from the recorded SLIs (slo.ts), the
// canary's v1 vs v2 comparison, latency percentiles and 4xx/5xx by route, all counted at the
// clients (gateway, frontend) like the alerts, so what pages is what the graphs show.
import { ROUTE_LABEL } from "../../mesh-metrics";
import { PAYMENTS_NAMESPACE } from "../../payments/names";
import { BACKEND_CLIENT_SELECTOR, VERSION_LABEL, withVersion } from "../sli";
import { BURN_WINDOWS, PaymentsSloInput, round, SERIES } from "../slo";
import { DashboardSpec, row, stat, timeseries } from "./grafana";

const RATE = "[$__rate_interval]";
/** Client-side requests into any payments Service (the edge's and the frontend's routes). */
const PAYMENTS_CLIENT = `reporter="source", destination_service=~"[^.]+\\\\.${PAYMENTS_NAMESPACE}\\\\.svc\\\\..+"`;

function latency(p: number, by = ""): string {
    const inner = `rate(istio_request_duration_milliseconds_bucket{${BACKEND_CLIENT_SELECTOR}}${RATE})`;
    return `histogram_quantile(${p}, sum by (le${by ? `, ${by}` : ""}) (${by === VERSION_LABEL ? withVersion(inner) : inner}))`;
}

/** Reference lines at the page and ticket thresholds, as the burn-rate alerts use them. */
function burnLines(): { expr: string; legend: string }[] {
    return BURN_WINDOWS.map((b) => ({ expr: `vector(${b.factor})`, legend: `${b.severity === "critical" ? "page" : "ticket"} at ${b.factor}x (${b.long}/${b.short})` }));
}

export function paymentsDashboard(slo: Pick<PaymentsSloInput, "availabilityPercent" | "latencyPercent" | "latencyThresholdMs">): DashboardSpec {
    const errorBudget = 1 - slo.availabilityPercent / 100;
    const latencyBudget = 1 - slo.latencyPercent / 100;
    const good = (target: number) => [{ value: null, color: "red" }, { value: target, color: "green" }];
    return {
        uid: "payments",
        title: "Payments",
        tags: ["payments", "slo"],
        description: `Payments backend SLOs (availability ${slo.availabilityPercent}%, ${slo.latencyPercent}% under ${slo.latencyThresholdMs} ms, 30 days), burn rates, canary v1 vs v2, latency and errors by route. Counted at the clients: their proxies' own 503s included.`,
        range: "6h",
        panels: [
            row(`SLO: availability ${slo.availabilityPercent}%, latency ${slo.latencyPercent}% under ${slo.latencyThresholdMs} ms`),
            stat("Availability, last hour", { expr: `1 - ${SERIES.errorRatio("1h")}` }, { unit: "percentunit", thresholds: good(slo.availabilityPercent / 100) }),
            stat("Availability, last 3 days", { expr: `1 - ${SERIES.errorRatio("3d")}` }, { unit: "percentunit", thresholds: good(slo.availabilityPercent / 100) }),
            stat(`Under ${slo.latencyThresholdMs} ms, last hour`, { expr: `1 - ${SERIES.slowRatio("1h")}` }, { unit: "percentunit", thresholds: good(slo.latencyPercent / 100) }),
            stat("30-day error budget spent in 3 days", { expr: `${SERIES.errorRatio("3d")} * 3 / 30 / ${round(errorBudget)}` }, { unit: "percentunit", description: "Share of the month's availability budget the last 3 days used." }),
            timeseries("Availability burn rate", [
                ...(["5m", "1h", "6h"] as const).map((w) => ({ expr: `${SERIES.errorRatio(w)} / ${round(errorBudget)}`, legend: `burn ${w}` })),
                ...burnLines(),
            ], { description: "1 spends the budget in exactly 30 days; the alerts page at 14.4 (1h and 5m) and 6 (6h and 30m)." }),
            timeseries("Latency burn rate", [
                ...(["5m", "1h", "6h"] as const).map((w) => ({ expr: `${SERIES.slowRatio(w)} / ${round(latencyBudget)}`, legend: `burn ${w}` })),
                ...burnLines(),
            ]),
            row("Canary: v1 vs v2 (counted at the callers)"),
            timeseries("Requests by version", [{ expr: SERIES.requests("5m"), legend: `{{${VERSION_LABEL}}}` }], { unit: "reqps", stacked: true }),
            timeseries("5xx ratio by version", [{ expr: SERIES.versionErrorRatio, legend: `{{${VERSION_LABEL}}}` }], { unit: "percentunit" }),
            timeseries(`Share over ${slo.latencyThresholdMs} ms by version`, [{ expr: SERIES.versionSlowRatio, legend: `{{${VERSION_LABEL}}}` }], { unit: "percentunit" }),
            timeseries("p95 by version", [{ expr: latency(0.95, VERSION_LABEL), legend: `{{${VERSION_LABEL}}}` }], { unit: "ms" }),
            row("Latency"),
            timeseries("Backend request duration (p50, p95, p99)", [0.5, 0.95, 0.99].map((p) => ({ expr: latency(p), legend: `p${p * 100}` })), { unit: "ms", width: 24 }),
            row("Errors by route"),
            timeseries("4xx by route", [{ expr: `sum by (${ROUTE_LABEL}, response_code) (rate(istio_requests_total{${PAYMENTS_CLIENT}, response_code=~"4.."}${RATE}))`, legend: `{{${ROUTE_LABEL}}} {{response_code}}` }], { unit: "reqps" }),
            timeseries("5xx by route", [{ expr: `sum by (${ROUTE_LABEL}, response_code, response_flags) (rate(istio_requests_total{${PAYMENTS_CLIENT}, response_code=~"5.."}${RATE}))`, legend: `{{${ROUTE_LABEL}}} {{response_code}} {{response_flags}}` }], { unit: "reqps" }),
        ],
    };
}
