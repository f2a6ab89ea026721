// The outages the payments alerts exist for, each as traffic over time and what must (not) fire.
// Expectations depend on the stack's objectives only where the SRE workbook's arithmetic says so
// (a 20% error rate pages at a 99% objective, not at 95%): `expectPage` does that arithmetic.
// The gateway's outages are in edge-scenarios.ts, quiet nights in low-traffic.ts.
import { EDGE_ALERTS } from "../../../components/observability/edge-alerts";
import { BACKGROUND, DOWN, HEALTHY, RATES, VersionBehaviour } from "./traffic";
import { expectPage, pageIf, ppm, quiet, Scenario, StackObjectives } from "./expect";
import { edgeScenarios } from "./edge-scenarios";
import { lowTrafficScenarios } from "./low-traffic";
import { restartScenarios } from "./restarts";

export { Expectation, ExprExpectation, expectPage, PAYMENTS_ALERTS, Scenario, StackObjectives } from "./expect";

function healthyDay(): Scenario {
    return {
        name: `a healthy day: steady traffic with a canary at weight 20, background errors and slow requests inside every budget, and internet scanners getting 404 NR on port 80 (${RATES.scanners} a minute)`,
        evaluationMinutes: 5,
        periods: [{ minutes: 1440, canaryWeight: 20, v1: HEALTHY, v2: HEALTHY, clients: ["gateway", "frontend"] }],
        alerts: [60, 360, 720, 1080, 1439].flatMap((m) => quiet(m)),
    };
}

function fullOutage(o: StackObjectives): Scenario {
    const history = 120;
    const outage = o.alerts.noTrafficMinutes + 10;
    const page = expectPage(1, 1 - o.slo.availabilityPercent / 100, history, 15);
    // The gateway's API requests fail; its page loads still succeed.
    const edge = expectPage(RATES.gatewayApi / (RATES.gatewayApi + RATES.pages), 1 - o.slo.availabilityPercent / 100, history, 15, 3);
    return {
        name: "full backend outage seen only at the gateway: every backend pod gone, the gateway's proxy answers 503 UH, the backend's sidecars report nothing",
        periods: [
            { minutes: history, canaryWeight: 20, v1: HEALTHY, v2: HEALTHY, clients: ["gateway"] },
            { minutes: outage, canaryWeight: 20, v1: DOWN, v2: DOWN, clients: ["gateway"] },
        ],
        alerts: [
            ...quiet(history - 10),
            ...pageIf(history + 15, "PaymentsBackendErrorBudgetFastBurn", page),
            // The edge fails the API's share too; Alertmanager lets no-ready-endpoints page alone.
            ...pageIf(history + 15, EDGE_ALERTS.fastBurn, edge),
            { atMinute: history + 15, alert: "PaymentsBackendNoReadyEndpoints", firing: true },
            { atMinute: history + 15, alert: EDGE_ALERTS.gatewayDown, firing: false },
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
            ...pageIf(history + 75, "PaymentsBackendErrorBudgetFastBurn", page),
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
            ...pageIf(history + 75, "PaymentsBackendLatencyBudgetFastBurn", page),
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

/**
 * Twice each budget, for hours: the workbook's slow burn (1x over 3d and 6h) tickets, and nothing
 * pages. The 3-day window holds only the scenario's hours here, which the ratio does not mind.
 */
function lastingDegradation(o: StackObjectives): Scenario {
    const errorFraction = 2 * (1 - o.slo.availabilityPercent / 100);
    const slowFraction = 2 * (1 - o.slo.latencyPercent / 100);
    const degraded: VersionBehaviour = { answer: "healthy", errorFraction, slowFraction };
    const pages = ["PaymentsBackendErrorBudgetFastBurn", "PaymentsBackendLatencyBudgetFastBurn", "PaymentsCanaryErrorRatio", "PaymentsCanaryLatencyRegression", "PaymentsNoSuccessfulTraffic", "PaymentsBackendNoReadyEndpoints", EDGE_ALERTS.fastBurn];
    const tickets = (atMinute: number) => ["PaymentsBackendErrorBudgetSlowBurn", "PaymentsBackendLatencyBudgetSlowBurn"].map((alert) => ({ atMinute, alert, firing: true }));
    return {
        name: `a lasting partial degradation: ${+(errorFraction * 100).toFixed(3)}% of requests fail and ${+(slowFraction * 100).toFixed(3)}% are slow (twice each budget) on both versions for 7 hours: the slow-burn tickets, no page`,
        evaluationMinutes: 5,
        periods: [
            { minutes: 30, canaryWeight: 20, v1: HEALTHY, v2: HEALTHY, clients: ["gateway", "frontend"] },
            { minutes: 420, canaryWeight: 20, v1: degraded, v2: degraded, clients: ["gateway", "frontend"] },
        ],
        alerts: [...quiet(25), ...quiet(45, ["PaymentsBackendErrorBudgetSlowBurn", "PaymentsBackendLatencyBudgetSlowBurn"]), ...tickets(120), ...quiet(120, pages), ...tickets(445), ...quiet(445, pages)],
    };
}

/** Every scenario for a stack's objectives. */
export function scenarios(o: StackObjectives): Scenario[] {
    return [healthyDay(), fullOutage(o), canaryCrash(o, 20), canaryCrash(o, 1), latencyRegression(o), slowForEveryone(o), lastingDegradation(o), ...edgeScenarios(o), ...lowTrafficScenarios(o), ...restartScenarios(o)];
}
