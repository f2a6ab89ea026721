// Counters as Prometheus really holds them through restarts: the gateway's proxies restarting
// (every counter drops to 0, which rate() and increase() take as a reset) and Prometheus itself
// missing a few minutes of scrapes (no samples, no staleness markers). Neither may page on a
// healthy day, and neither may hide an outage.
import { EDGE_ALERTS } from "../../../components/observability/edge-alerts";
import { expectPage, pageIf, quiet, Scenario, StackObjectives } from "./expect";
import { DOWN, HEALTHY, Period } from "./traffic";

/** Three minutes: the last sample before the gap stays within the 5-minute lookback throughout. */
const GAP_MINUTES = 3;

const healthy = (minutes: number, clients: Period["clients"] = ["gateway", "frontend"]): Period => ({ minutes, canaryWeight: 20, v1: HEALTHY, v2: HEALTHY, clients });

function healthyThroughRestarts(): Scenario {
    const restart = 60;
    const gap = 90;
    return {
        name: `a healthy day through restarts: the gateway's proxies restart at minute ${restart} (their counters reset), Prometheus misses ${GAP_MINUTES} minutes of scrapes at minute ${gap}: nothing fires`,
        periods: [healthy(restart), { ...healthy(60), gatewayRestart: true }],
        scrapeGap: { fromMinute: gap, minutes: GAP_MINUTES },
        alerts: [restart - 1, restart + 1, restart + 5, gap + 1, gap + GAP_MINUTES, gap + 10, 119].flatMap((m) => quiet(m)),
    };
}

function outageThroughRestarts(o: StackObjectives): Scenario {
    const history = 120;
    const restartAfter = 5;
    const outage = o.alerts.noTrafficMinutes + 10;
    const gap = history + 8;
    return {
        name: `full backend outage through restarts: the gateway's proxies restart ${restartAfter} minutes in (the 503 UH counters reset) and Prometheus misses ${GAP_MINUTES} minutes of scrapes: every page still fires`,
        periods: [healthy(history, ["gateway"]), { ...healthy(restartAfter, ["gateway"]), v1: DOWN, v2: DOWN }, { ...healthy(outage - restartAfter, ["gateway"]), v1: DOWN, v2: DOWN, gatewayRestart: true }],
        scrapeGap: { fromMinute: gap, minutes: GAP_MINUTES },
        alerts: [
            ...quiet(history - 10),
            ...pageIf(history + 15, "PaymentsBackendErrorBudgetFastBurn", expectPage(1, 1 - o.slo.availabilityPercent / 100, history, 15)),
            { atMinute: history + 15, alert: "PaymentsBackendNoReadyEndpoints", firing: true },
            { atMinute: history + o.alerts.noTrafficMinutes + 4, alert: "PaymentsNoSuccessfulTraffic", firing: true },
            // The gap is no gateway outage: its last sample stays within the lookback.
            ...[gap + 1, gap + GAP_MINUTES, history + 15].flatMap((m) => quiet(m, [EDGE_ALERTS.gatewayDown, EDGE_ALERTS.noRequests])),
        ],
    };
}

export function restartScenarios(o: StackObjectives): Scenario[] {
    return [healthyThroughRestarts(), outageThroughRestarts(o)];
}
