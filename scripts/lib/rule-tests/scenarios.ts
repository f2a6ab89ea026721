// The outages the payments alerts exist for, each as traffic over time and what must (not) fire.
// Expectations depend on the stack's objectives only where the SRE workbook's arithmetic says so
// (a 20% error rate pages at a 99% objective, not at 95%): `expectBurn` does that arithmetic.
import { BURN_WINDOWS } from "../../../components/observability/slo";
import { AlertsConfig, SloConfig } from "../../../components/observability/alert-settings";
import { DOWN, HEALTHY, Period, BACKGROUND } from "./traffic";

export interface Expectation {
    atMinute: number;
    alert: string;
    firing: boolean;
}

export interface ExprExpectation {
    atMinute: number;
    expr: string;
    samples: { labels: string; value: number }[];
}

export interface Scenario {
    name: string;
    /**
     * Minutes between rule evaluations (default 1). A day of quiet needs no minute-by-minute
     * evaluation of 3-day windows: every 5 minutes keeps the test quick.
     */
    evaluationMinutes?: number;
    periods: Period[];
    alerts: Expectation[];
    exprs?: ExprExpectation[];
}

export interface StackObjectives {
    slo: SloConfig;
    alerts: Pick<AlertsConfig, "canaryMarginPercent" | "noTrafficMinutes">;
}

export const PAYMENTS_ALERTS = [
    "PaymentsBackendErrorBudgetFastBurn",
    "PaymentsBackendErrorBudgetSlowBurn",
    "PaymentsBackendLatencyBudgetFastBurn",
    "PaymentsBackendLatencyBudgetSlowBurn",
    "PaymentsBackendNoReadyEndpoints",
    "PaymentsNoSuccessfulTraffic",
    "PaymentsCanaryErrorRatio",
    "PaymentsCanaryLatencyRegression",
] as const;

const WINDOW_MINUTES: Record<string, number> = { "5m": 5, "30m": 30, "1h": 60, "6h": 360, "3d": 4320 };

/**
 * Whether a page must be firing `elapsed` minutes into an incident where `fraction` of requests
 * are bad, after `history` healthy minutes: some page window pair over factor x budget, now and
 * 3 minutes earlier (the rule's `for: 2m`). Undefined when it only just crossed: not asserted.
 */
export function expectPage(fraction: number, budget: number, history: number, elapsed: number): boolean | undefined {
    const ratio = (window: string, at: number) => (fraction * Math.min(at, WINDOW_MINUTES[window])) / Math.min(history + at, WINDOW_MINUTES[window]);
    const pages = (at: number) =>
        BURN_WINDOWS.filter((b) => b.severity === "critical").some((b) => ratio(b.long, at) > b.factor * budget && ratio(b.short, at) > b.factor * budget);
    const now = pages(elapsed);
    if (now !== pages(elapsed - 3)) return undefined;
    return now;
}

/** A ratio in parts per million, rounded: exact, where promtool's fuzzy compare allows one ULP. */
function ppm(atMinute: number, series: string, byVersion: Record<string, number>): ExprExpectation {
    return {
        atMinute,
        expr: `round(${series} * 1000000)`,
        samples: Object.entries(byVersion).map(([version, ratio]) => ({ labels: `{destination_version="${version}"}`, value: Math.round(ratio * 1e6) })),
    };
}

const quiet = (atMinute: number, alerts: readonly string[] = PAYMENTS_ALERTS): Expectation[] => alerts.map((alert) => ({ atMinute, alert, firing: false }));

function healthyDay(): Scenario {
    return {
        name: "a healthy day: steady traffic with a canary at weight 20, background errors and slow requests inside every budget",
        evaluationMinutes: 5,
        periods: [{ minutes: 1440, canaryWeight: 20, v1: HEALTHY, v2: HEALTHY, clients: ["gateway", "frontend"] }],
        alerts: [60, 360, 720, 1080, 1439].flatMap((m) => quiet(m)),
    };
}

function fullOutage(o: StackObjectives): Scenario {
    const history = 120;
    const outage = o.alerts.noTrafficMinutes + 10;
    const page = expectPage(1, 1 - o.slo.availabilityPercent / 100, history, 15);
    return {
        name: "full backend outage seen only at the gateway: every backend pod gone, the gateway's proxy answers 503 UH, the backend's sidecars report nothing",
        periods: [
            { minutes: history, canaryWeight: 20, v1: HEALTHY, v2: HEALTHY, clients: ["gateway"] },
            { minutes: outage, canaryWeight: 20, v1: DOWN, v2: DOWN, clients: ["gateway"] },
        ],
        alerts: [
            ...quiet(history - 10),
            ...(page === undefined ? [] : [{ atMinute: history + 15, alert: "PaymentsBackendErrorBudgetFastBurn", firing: page }]),
            { atMinute: history + 15, alert: "PaymentsBackendNoReadyEndpoints", firing: true },
            // Both versions fail alike: the canary is not to blame.
            ...quiet(history + 15, ["PaymentsCanaryErrorRatio", "PaymentsCanaryLatencyRegression"]),
            { atMinute: history + o.alerts.noTrafficMinutes - 2, alert: "PaymentsNoSuccessfulTraffic", firing: false },
            { atMinute: history + o.alerts.noTrafficMinutes + 4, alert: "PaymentsNoSuccessfulTraffic", firing: true },
        ],
        exprs: [{ atMinute: history + 15, expr: "payments_backend:request_error_ratio:rate5m", samples: [{ labels: "payments_backend:request_error_ratio:rate5m", value: 1 }] }],
    };
}

function canaryCrash(o: StackObjectives, weight: number): Scenario {
    const history = 60;
    const fraction = weight / 100;
    const page = expectPage(fraction, 1 - o.slo.availabilityPercent / 100, history, 75);
    return {
        name: `v2 crash-looping at weight ${weight}: no ready v2 pod, so the gateway's and the frontend's proxies answer 503 UH for v2's share (destination_version "unknown")`,
        periods: [
            { minutes: history, canaryWeight: weight, v1: HEALTHY, v2: HEALTHY, clients: ["gateway", "frontend"] },
            { minutes: 90, canaryWeight: weight, v1: HEALTHY, v2: DOWN, clients: ["gateway", "frontend"] },
        ],
        alerts: [
            ...quiet(history - 5),
            { atMinute: history + 12, alert: "PaymentsCanaryErrorRatio", firing: true },
            ...quiet(history + 12, ["PaymentsBackendNoReadyEndpoints", "PaymentsNoSuccessfulTraffic", "PaymentsCanaryLatencyRegression"]),
            ...(page === undefined ? [] : [{ atMinute: history + 75, alert: "PaymentsBackendErrorBudgetFastBurn", firing: page }]),
        ],
        // v2's own 503 UH count for v2 (the route's subset), not for "unknown".
        exprs: [ppm(history + 12, "payments_backend_version:request_error_ratio:rate5m", { v1: BACKGROUND.errorFraction, v2: 1 })],
    };
}

function latencyRegression(o: StackObjectives): Scenario {
    const history = 60;
    const weight = 20;
    const page = expectPage(weight / 100, 1 - o.slo.latencyPercent / 100, history, 75);
    return {
        name: `latency regression on v2 only: every v2 request slower than ${o.slo.latencyThresholdMs} ms, no errors`,
        periods: [
            { minutes: history, canaryWeight: weight, v1: HEALTHY, v2: HEALTHY, clients: ["gateway", "frontend"] },
            { minutes: 90, canaryWeight: weight, v1: HEALTHY, v2: { answer: "healthy", slowFraction: 1 }, clients: ["gateway", "frontend"] },
        ],
        alerts: [
            ...quiet(history - 5),
            { atMinute: history + 25, alert: "PaymentsCanaryLatencyRegression", firing: true },
            ...quiet(history + 25, ["PaymentsCanaryErrorRatio", "PaymentsBackendErrorBudgetFastBurn", "PaymentsBackendNoReadyEndpoints", "PaymentsNoSuccessfulTraffic"]),
            ...(page === undefined ? [] : [{ atMinute: history + 75, alert: "PaymentsBackendLatencyBudgetFastBurn", firing: page }]),
        ],
        exprs: [ppm(history + 25, "payments_backend_version:slow_request_ratio:rate5m", { v1: BACKGROUND.slowFraction, v2: 1 })],
    };
}

function slowForEveryone(o: StackObjectives): Scenario {
    const history = 60;
    const slow = { answer: "healthy" as const, slowFraction: 1 };
    return {
        name: `backend slow for everyone (say, its database): every request slower than ${o.slo.latencyThresholdMs} ms on both versions`,
        periods: [
            { minutes: history, canaryWeight: 20, v1: HEALTHY, v2: HEALTHY, clients: ["gateway", "frontend"] },
            { minutes: 60, canaryWeight: 20, v1: slow, v2: slow, clients: ["gateway", "frontend"] },
        ],
        alerts: [
            ...(expectPage(1, 1 - o.slo.latencyPercent / 100, history, 50) ? [{ atMinute: history + 50, alert: "PaymentsBackendLatencyBudgetFastBurn", firing: true }] : []),
            // Both versions alike: not the canary's fault; no errors either.
            ...quiet(history + 50, ["PaymentsCanaryLatencyRegression", "PaymentsCanaryErrorRatio", "PaymentsBackendErrorBudgetFastBurn"]),
        ],
    };
}

/** Every scenario for a stack's objectives. */
export function scenarios(o: StackObjectives): Scenario[] {
    return [healthyDay(), fullOutage(o), canaryCrash(o, 20), canaryCrash(o, 1), latencyRegression(o), slowForEveryone(o)];
}
