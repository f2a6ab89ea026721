// What a scenario asserts, and the SRE workbook's arithmetic that decides whether a burn must page.
import { AlertsConfig, SloConfig } from "../../../components/observability/alert-settings";
import { EDGE_ALERTS } from "../../../components/observability/edge-alerts";
import { BURN_WINDOWS } from "../../../components/observability/slo";
import { Period } from "./traffic";

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
    /** kube-state-metrics replicas, each exporting every series (default 1). */
    kubeStateMetricsReplicas?: number;
    /** Prometheus missed every scrape for `minutes` from `fromMinute` on (say, its pod restarting). */
    scrapeGap?: { fromMinute: number; minutes: number };
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
    EDGE_ALERTS.gatewayDown,
    EDGE_ALERTS.noRequests,
    EDGE_ALERTS.fastBurn,
] as const;

const WINDOW_MINUTES: Record<string, number> = { "5m": 5, "30m": 30, "1h": 60, "6h": 360, "3d": 4320 };

/** Steady requests a minute, and the burn alerts' low-traffic guard (observability.slo.minRequests). */
export interface Volume {
    perMinute: number;
    minRequests: number;
}

/**
 * Whether a page must be firing `elapsed` minutes into an incident where `fraction` of requests
 * are bad, after `history` healthy minutes: some page window pair over factor x budget (each
 * window holding `volume.minRequests` requests, when given), now and `forMinutes` + 1 minutes
 * earlier (the rule's `for`). Undefined when it only just crossed: not asserted.
 */
export function expectPage(fraction: number, budget: number, history: number, elapsed: number, forMinutes = 2, volume?: Volume): boolean | undefined {
    const span = (window: string, at: number) => Math.min(history + at, WINDOW_MINUTES[window]);
    const ratio = (window: string, at: number) => (fraction * Math.min(at, WINDOW_MINUTES[window])) / span(window, at);
    const enough = (window: string, at: number) => volume === undefined || volume.perMinute * span(window, at) >= volume.minRequests;
    const over = (window: string, at: number, threshold: number) => ratio(window, at) > threshold && enough(window, at);
    const pages = (at: number) => BURN_WINDOWS.filter((b) => b.severity === "critical").some((b) => over(b.long, at, b.factor * budget) && over(b.short, at, b.factor * budget));
    const now = pages(elapsed);
    if (now !== pages(elapsed - forMinutes - 1)) return undefined;
    return now;
}

/** Every expectation for `alert` where the arithmetic decides (none where it is undefined). */
export function pageIf(atMinute: number, alert: string, firing: boolean | undefined): Expectation[] {
    return firing === undefined ? [] : [{ atMinute, alert, firing }];
}

/** A ratio in parts per million, rounded: exact, where promtool's fuzzy compare allows one ULP. */
export function ppm(atMinute: number, series: string, byVersion: Record<string, number>): ExprExpectation {
    return {
        atMinute,
        expr: `round(${series} * 1000000)`,
        samples: Object.entries(byVersion).map(([version, ratio]) => ({ labels: `{destination_version="${version}"}`, value: Math.round(ratio * 1e6) })),
    };
}

export const quiet = (atMinute: number, alerts: readonly string[] = PAYMENTS_ALERTS): Expectation[] => alerts.map((alert) => ({ atMinute, alert, firing: false }));
