// The payments SLOs as Prometheus Operator rules: client-side SLI recording rules over the windows
// of the SRE workbook's multiwindow, multi-burn-rate alerts (sre.google/workbook/alerting-on-slos,
// "Recommended parameters for a 99.9% SLO": page at 14.4x over 1h/5m and 6x over 6h/30m, ticket
// at 1x over 3d/6h, for a 30-day budget), plus the outage guards the ratios cannot see.
import { KubeObject } from "../k8s";
import { BACKEND, PAYMENTS_NAMESPACE } from "../payments/names";
import { prometheusRule, PromRule } from "./monitors";
import { API_ATTEMPTS_SELECTOR, BACKEND_CLIENT_SELECTOR, ERROR_CODES, leSelector, SUCCESS_CODES, VERSION_LABEL, withVersion } from "./sli";

export interface PaymentsSloInput {
    /** Availability objective over 30 days, percent (99.9). */
    availabilityPercent: number;
    /** Latency threshold in ms: an Istio histogram bucket boundary. */
    latencyThresholdMs: number;
    /** Share of requests that must be faster than the threshold, percent (99). */
    latencyPercent: number;
    /** Canary guard: v2's ratio may exceed v1's by this many percentage points. */
    canaryMarginPercent: number;
    /** Page when no /api request at the gateway (an API route matched) succeeded for this long. */
    noTrafficMinutes: number;
    /** Low-traffic guard: each window of a burn-rate pair must hold at least this many requests. */
    minRequests: number;
}

export interface BurnWindow {
    long: string;
    short: string;
    /** Multiple of the budget-exhausting rate. */
    factor: number;
    severity: "critical" | "warning";
}

/** The workbook's table 5-8 (30-day window): two pages and a ticket. */
export const BURN_WINDOWS: readonly BurnWindow[] = [
    { long: "1h", short: "5m", factor: 14.4, severity: "critical" },
    { long: "6h", short: "30m", factor: 6, severity: "critical" },
    { long: "3d", short: "6h", factor: 1, severity: "warning" },
];

/** Windows evaluated every 30 s; the long ones move slowly and cost more, so every 2 minutes. */
export const SHORT_WINDOWS = ["5m", "30m", "1h"] as const;
export const LONG_WINDOWS = ["6h", "3d"] as const;
export type SliWindow = (typeof SHORT_WINDOWS)[number] | (typeof LONG_WINDOWS)[number];

/** A canary alert needs this many failed (or slow) v2 requests in 5 minutes: evidence, whatever v2's share. */
export const CANARY_MIN_BAD_REQUESTS = 3;

/**
 * No-successful-traffic needs this many payment attempts in its window: with ~99.9% normally
 * succeeding, three failures in a row are no accident, yet a 1-request-a-minute night still pages
 * on a full outage (the burn-rate guard keeps the ratio alerts quiet there).
 */
export const NO_TRAFFIC_MIN_ATTEMPTS = 3;

export const WINDOW_SECONDS: Record<SliWindow, number> = { "5m": 300, "30m": 1800, "1h": 3600, "6h": 21600, "3d": 259200 };

/** Labels every payments alert carries: Alertmanager groups and inhibits on them. */
export const PAYMENTS_ALERT_LABELS = { namespace: PAYMENTS_NAMESPACE, service: BACKEND.service } as const;

/** Recorded series names, so alerts, dashboards and tests use one spelling. */
export const SERIES = {
    requests: (w: SliWindow) => `payments_backend_version:requests:rate${w}`,
    errors: (w: SliWindow) => `payments_backend_version:request_errors:rate${w}`,
    observed: (w: SliWindow) => `payments_backend_version:latency_observations:rate${w}`,
    fast: (w: SliWindow) => `payments_backend_version:requests_within_latency_threshold:rate${w}`,
    errorRatio: (w: SliWindow) => `payments_backend:request_error_ratio:rate${w}`,
    slowRatio: (w: SliWindow) => `payments_backend:slow_request_ratio:rate${w}`,
    versionErrorRatio: "payments_backend_version:request_error_ratio:rate5m",
    versionSlowRatio: "payments_backend_version:slow_request_ratio:rate5m",
} as const;

export function round(n: number): string {
    return String(Math.round(n * 1e9) / 1e9);
}

type Rule = PromRule;

function byVersion(metric: string, extra: string, w: SliWindow): string {
    return `sum by (${VERSION_LABEL}) (${withVersion(`rate(${metric}{${BACKEND_CLIENT_SELECTOR}${extra}}[${w}])`)})`;
}

function windowRules(w: SliWindow, latencyThresholdMs: number): Rule[] {
    return [
        { record: SERIES.requests(w), expr: byVersion("istio_requests_total", "", w) },
        { record: SERIES.errors(w), expr: byVersion("istio_requests_total", `, response_code=~"${ERROR_CODES}"`, w) },
        { record: SERIES.observed(w), expr: byVersion("istio_request_duration_milliseconds_count", "", w) },
        { record: SERIES.fast(w), expr: byVersion("istio_request_duration_milliseconds_bucket", `, ${leSelector(latencyThresholdMs)}`, w) },
        // No requests: 0/0 is NaN, which no comparison passes (the no-traffic alert covers silence).
        { record: SERIES.errorRatio(w), expr: `sum(${SERIES.errors(w)}) / sum(${SERIES.requests(w)})` },
        { record: SERIES.slowRatio(w), expr: `1 - sum(${SERIES.fast(w)}) / sum(${SERIES.observed(w)})` },
    ];
}

/** The SLIs per window, split by version (the route's subset), and their all-version ratios. */
export function paymentsSliRules(input: Pick<PaymentsSloInput, "latencyThresholdMs">): KubeObject {
    const perVersion: Rule[] = [
        { record: SERIES.versionErrorRatio, expr: `${SERIES.errors("5m")} / ${SERIES.requests("5m")}` },
        { record: SERIES.versionSlowRatio, expr: `1 - ${SERIES.fast("5m")} / ${SERIES.observed("5m")}` },
    ];
    // Rules of a group run in order at one timestamp: the ratios read the rates just recorded.
    return prometheusRule("payments-backend-sli", [
        { name: "payments.backend.sli", interval: "30s", rules: [...SHORT_WINDOWS.flatMap((w) => windowRules(w, input.latencyThresholdMs)), ...perVersion] },
        { name: "payments.backend.sli.long", interval: "2m", rules: LONG_WINDOWS.flatMap((w) => windowRules(w, input.latencyThresholdMs)) },
    ]);
}

/**
 * Each window pair of the workbook, both windows over the threshold and each holding at least
 * `minRequests` requests. The workbook's "Low-traffic services and error budget alerting": at 10
 * requests an hour one failure is a 1,000x burn of a 99.9% budget; a ratio over a handful of
 * requests is noise, so below the minimum the pair stays quiet (no-successful-traffic still
 * catches a full outage, the slow-burn ticket a lasting partial one).
 */
export function burnExpr(ratio: (w: SliWindow) => string, volume: (w: SliWindow) => string, budget: number, windows: readonly BurnWindow[], minRequests: number): string {
    const over = (w: SliWindow, threshold: string) => `${ratio(w)} > ${threshold} and ${volume(w)} * ${WINDOW_SECONDS[w]} >= ${minRequests}`;
    return windows
        .map((b) => {
            const threshold = round(b.factor * budget);
            return `(${over(b.long as SliWindow, threshold)} and ${over(b.short as SliWindow, threshold)})`;
        })
        .join(" or ");
}

function burnAlerts(kind: "Error" | "Latency", series: (w: SliWindow) => string, volume: (w: SliWindow) => string, budget: number, objective: string, minRequests: number): Rule[] {
    const what = kind === "Error" ? "availability" : "latency";
    const page = BURN_WINDOWS.filter((b) => b.severity === "critical");
    const ticket = BURN_WINDOWS.filter((b) => b.severity === "warning");
    const labels = (severity: string) => ({ severity, slo: what, ...PAYMENTS_ALERT_LABELS });
    return [
        {
            alert: `PaymentsBackend${kind}BudgetFastBurn`,
            expr: burnExpr(series, volume, budget, page, minRequests),
            for: "2m",
            labels: labels("critical"),
            annotations: {
                summary: `Payments ${what} SLO (${objective}) is burning its 30-day error budget fast`,
                description: `${kind === "Error" ? "Backend requests are failing (5xx, counted at the gateway and the frontend, their proxies' own 503s included)" : "Backend requests are slower than the threshold"} at a rate that spends the month's budget in days. Grafana: Payments (SLO, burn rate, canary v1 vs v2); then the backend's endpoints and the canary.`,
            },
        },
        {
            alert: `PaymentsBackend${kind}BudgetSlowBurn`,
            expr: burnExpr(series, volume, budget, ticket, minRequests),
            for: "15m",
            labels: labels("warning"),
            annotations: {
                summary: `Payments ${what} SLO (${objective}) has used more than a tenth of its error budget in 3 days`,
                description: "A slow, steady burn over the last 3 days and 6 hours. Not urgent: plan the fix this week (Grafana: Payments, burn rate).",
            },
        },
    ];
}

/** Compares v2 with v1 (v1 absent or idle counts as 0) and requires a few bad v2 requests. */
function canaryExpr(ratio: string, bad: string, margin: number): string {
    const v = (version: string) => `{${VERSION_LABEL}="${version}"}`;
    // `>= 0` drops v1's NaN (no v1 requests): NaN - anything would hide a failing v2.
    return (
        `(${ratio}${v("v2")} - ignoring(${VERSION_LABEL}) (${ratio}${v("v1")} >= 0 or on() vector(0))) > ${round(margin)}` +
        ` and ignoring(${VERSION_LABEL}) (${bad}) * 300 >= ${CANARY_MIN_BAD_REQUESTS}`
    );
}

/**
 * Multiwindow burn-rate alerts, the outage guards and the canary guard. Annotations are plain
 * text (no $value): the numbers are on the Payments dashboard, and promtool's tests compare
 * annotations exactly.
 */
export function paymentsSloAlerts(input: PaymentsSloInput): KubeObject {
    const errorBudget = 1 - input.availabilityPercent / 100;
    const latencyBudget = 1 - input.latencyPercent / 100;
    const margin = input.canaryMarginPercent / 100;
    const v2 = `{${VERSION_LABEL}="v2"}`;
    const backendSlices = `kube_endpointslice_labels{namespace="${PAYMENTS_NAMESPACE}", label_kubernetes_io_service_name="${BACKEND.service}"}`;
    const rules: Rule[] = [
        ...burnAlerts("Error", SERIES.errorRatio, (w) => `sum(${SERIES.requests(w)})`, errorBudget, `${input.availabilityPercent}% of requests succeed`, input.minRequests),
        ...burnAlerts("Latency", SERIES.slowRatio, (w) => `sum(${SERIES.observed(w)})`, latencyBudget, `${input.latencyPercent}% under ${input.latencyThresholdMs} ms`, input.minRequests),
        {
            // EndpointSlices (kube-state-metrics >= 2.x; the slice names the Service in its
            // kubernetes.io/service-name label, allow-listed in prometheusStackValues). A Service
            // with no ready pod keeps an empty slice, so the left side exists exactly when KSM sees it.
            // `max by` on the joined side: two kube-state-metrics replicas (or shards overlapping
            // during a rollout) export every slice twice, and a many-to-many match is an
            // evaluation error, which silences the alert exactly when it is needed.
            alert: "PaymentsBackendNoReadyEndpoints",
            expr:
                `sum by (namespace) (${backendSlices}) unless on(namespace) ` +
                `sum by (namespace) (kube_endpointslice_endpoints{namespace="${PAYMENTS_NAMESPACE}", ready="true"} * on(namespace, endpointslice) group_left() max by (namespace, endpointslice) (${backendSlices}))`,
            for: "1m",
            labels: { severity: "critical", ...PAYMENTS_ALERT_LABELS },
            annotations: {
                summary: "The payments backend has no ready endpoint",
                description: `Every request to ${BACKEND.service} is answered 503 (no healthy upstream) by the callers' proxies. kubectl -n ${PAYMENTS_NAMESPACE} get pods -l app=${BACKEND.app}; kubectl -n ${PAYMENTS_NAMESPACE} describe endpointslices -l kubernetes.io/service-name=${BACKEND.service}.`,
            },
        },
        {
            // Silence is not success: customers call /api at the gateway (an API route matched) and
            // nothing succeeds, whatever the codes (5xx, the mesh's 503s, the edge's 401/403).
            // Page loads and quiet nights are no attempts.
            alert: "PaymentsNoSuccessfulTraffic",
            expr:
                `(sum(increase(istio_requests_total{${API_ATTEMPTS_SELECTOR}}[${input.noTrafficMinutes}m])) >= ${NO_TRAFFIC_MIN_ATTEMPTS})` +
                ` unless on() (sum(increase(istio_requests_total{${API_ATTEMPTS_SELECTOR}, response_code=~"${SUCCESS_CODES}"}[${input.noTrafficMinutes}m])) > 0)`,
            for: "1m",
            labels: { severity: "critical", ...PAYMENTS_ALERT_LABELS },
            annotations: {
                summary: `No payment attempt succeeded for ${input.noTrafficMinutes} minutes`,
                description: "Clients keep calling /api through the ingress gateway, but nothing returned 2xx/3xx: 5xx, the mesh's own 503s, or the edge refusing every token (401/403). Check the backend's endpoints and database, the edge's RequestAuthentication (JWKS) and AuthorizationPolicy, and routes (istioctl analyze -n dodo-payments).",
            },
        },
        {
            alert: "PaymentsCanaryErrorRatio",
            expr: canaryExpr(SERIES.versionErrorRatio, `${SERIES.errors("5m")}${v2}`, margin),
            for: "5m",
            labels: { severity: "critical", version: "v2", ...PAYMENTS_ALERT_LABELS },
            annotations: {
                summary: `Backend v2 (canary) fails more than v1 by over ${input.canaryMarginPercent} percentage points`,
                description: "v2's 5xx ratio over 5 minutes, counted at its callers (their proxies' 503s when v2 has no ready pod included), exceeds v1's. Roll back: set payments.canary.weight to 0 and run pulumi up.",
            },
        },
        {
            alert: "PaymentsCanaryLatencyRegression",
            expr: canaryExpr(SERIES.versionSlowRatio, `${SERIES.observed("5m")}${v2} - ${SERIES.fast("5m")}${v2}`, margin),
            for: "10m",
            labels: { severity: "warning", version: "v2", ...PAYMENTS_ALERT_LABELS },
            annotations: {
                summary: `Backend v2 (canary) answers slower than ${input.latencyThresholdMs} ms more often than v1`,
                description: "v2's share of requests over the latency threshold exceeds v1's. Compare p95/p99 per version on the Payments dashboard before promoting.",
            },
        },
    ];
    return prometheusRule("payments-backend-slo", [{ name: "payments.backend.slo", rules }]);
}
