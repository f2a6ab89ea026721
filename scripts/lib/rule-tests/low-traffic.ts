// Nights: a request a minute, where a ratio over a handful of requests is noise (the burn-rate
// alerts' low-traffic guard, observability.slo.minRequests), yet a full outage must still page.
import { EDGE_ALERTS } from "../../../components/observability/edge-alerts";
import { BURN_WINDOWS } from "../../../components/observability/slo";
import { Expectation, expectPage, pageIf, PAYMENTS_ALERTS, quiet, Scenario, StackObjectives } from "./expect";
import { DOWN, HEALTHY, Period, Rates } from "./traffic";

/** One API request a minute at the gateway, two page loads, the scanners as always; canary off. */
export const NIGHT: Partial<Rates> = { gatewayApi: 1, frontendApi: 0, pages: 2 };
const night = (minutes: number, errorFraction = 0): Period => ({
    minutes,
    canaryWeight: 0,
    v1: { ...HEALTHY, errorFraction },
    v2: HEALTHY,
    clients: ["gateway"],
    rates: NIGHT,
});

/**
 * The fewest 500s in an hour of one request a minute that push the 1h ratio over the fast burn's
 * threshold (14.4x the budget): one in prod (99.9%), five in staging, nine in dev. Without the
 * guard they page; with it they must not.
 */
export function nightErrors(availabilityPercent: number): number {
    const fast = BURN_WINDOWS[0];
    return Math.floor(fast.factor * (1 - availabilityPercent / 100) * 60) + 1;
}

/**
 * The night's periods: an evening (one 500 creates the 500 series: its first count is invisible,
 * as for a real Envoy counter), then `errors` single 500s over the next hour, the last one four
 * minutes before `at` (so the 5-minute window holds it and the rule's `for` has run), then a lull
 * with page loads only.
 */
export function quietNightPeriods(errors: number, lullMinutes: number): { periods: Period[]; at: number } {
    const evening = 240;
    const periods: Period[] = [night(evening / 2), night(1, 1), night(evening / 2 - 1)];
    const gap = errors > 1 ? Math.floor(45 / (errors - 1)) : 0;
    let minute = evening;
    for (let i = 0; i < errors; i++) {
        const lead = i === 0 ? 5 : gap - 1;
        periods.push(night(lead), night(1, 1));
        minute += lead + 1;
    }
    const at = minute - 1 + 4;
    periods.push(night(6), { ...night(lullMinutes), rates: { gatewayApi: 0, frontendApi: 0, pages: 1 } });
    return { periods, at };
}

/**
 * Everything but the slow-burn tickets, whose 3-day window would hold days of traffic in reality
 * but holds these few hours here (so 1 error in 300 requests looks like a lasting 0.3%).
 */
const PAGES_AND_GUARDS = PAYMENTS_ALERTS.filter((a) => !a.endsWith("SlowBurn"));

function quietNight(o: StackObjectives): Scenario {
    const errors = nightErrors(o.slo.availabilityPercent);
    const lull = o.alerts.noTrafficMinutes + 15;
    const { periods, at } = quietNightPeriods(errors, lull);
    const end = periods.reduce((m, p) => m + p.minutes, 0) - 1;
    return {
        name: `a quiet night: one API request a minute and ${errors} single 500s in an hour (over the fast burn's 1h threshold, on a handful of requests), then an hour of page loads and no API call: nothing pages`,
        periods,
        alerts: [...quiet(at - 60, PAGES_AND_GUARDS), ...quiet(at, PAGES_AND_GUARDS), ...quiet(end, PAGES_AND_GUARDS)],
        // The evening's 500 created its series: Prometheus never saw it counted (series.ts).
        exprs: [{ atMinute: 150, expr: 'sum(increase(istio_requests_total{reporter="source", response_code="500"}[1h]))', samples: [{ labels: "{}", value: 0 }] }],
    };
}

function quietNightOutage(o: StackObjectives): Scenario {
    const history = 60;
    const outage = o.alerts.noTrafficMinutes + 10;
    const expect = (atMinute: number, alert: string, firing: boolean): Expectation => ({ atMinute, alert, firing });
    return {
        name: `a quiet night's outage: one API request a minute, every backend pod gone: no-ready-endpoints and no-successful-traffic page; the burn-rate page only where ${o.slo.minRequests} requests fill its windows`,
        periods: [night(history), { ...night(outage), v1: DOWN, v2: DOWN }],
        alerts: [
            ...quiet(history - 5),
            expect(history + 5, "PaymentsBackendNoReadyEndpoints", true),
            // Prod's guard (50 requests a window) keeps every pair quiet at a request a minute; dev's and
            // staging's let the 6h/30m pair page (30 requests in 30 minutes).
            ...pageIf(history + 15, "PaymentsBackendErrorBudgetFastBurn", expectPage(1, 1 - o.slo.availabilityPercent / 100, history, 15, 2, { perMinute: NIGHT.gatewayApi!, minRequests: o.slo.minRequests })),
            expect(history + o.alerts.noTrafficMinutes - 2, "PaymentsNoSuccessfulTraffic", false),
            expect(history + o.alerts.noTrafficMinutes + 5, "PaymentsNoSuccessfulTraffic", true),
            expect(history + o.alerts.noTrafficMinutes + 5, EDGE_ALERTS.gatewayDown, false),
        ],
    };
}

export function lowTrafficScenarios(o: StackObjectives): Scenario[] {
    return [quietNight(o), quietNightOutage(o)];
}
