// Outages the backend's series cannot show: the gateway gone, unreachable or unable to route, a pod the proxies
// ejected while Kubernetes still calls it Ready, and kube-state-metrics exporting everything twice.
import { EDGE_ALERTS } from "../../../components/observability/edge-alerts";
import { expectPage, pageIf, ppm, quiet, Scenario, StackObjectives } from "./expect";
import { BACKGROUND, DOWN, EJECTED, HEALTHY, Period, RATES } from "./traffic";

const HISTORY = 60;
const healthy = (minutes: number): Period => ({ minutes, canaryWeight: 20, v1: HEALTHY, v2: HEALTHY, clients: ["gateway", "frontend"] });
/** The payments alerts that read only the gateway's and the frontend's series. */
const BLIND = ["PaymentsBackendErrorBudgetFastBurn", "PaymentsNoSuccessfulTraffic", "PaymentsBackendNoReadyEndpoints", "PaymentsCanaryErrorRatio"] as const;

function gatewayGone(): Scenario {
    return {
        name: "gateway gone: every ingress gateway pod deleted (or never scheduled); no request reaches the mesh, so no payments series moves",
        periods: [healthy(HISTORY), { ...healthy(30), edge: "down" }],
        alerts: [
            ...quiet(HISTORY - 5),
            { atMinute: HISTORY + 5, alert: EDGE_ALERTS.gatewayDown, firing: true },
            // Silence: nothing fails, because nothing arrives. Only the gateway alert can tell.
            ...quiet(HISTORY + 20, [...BLIND, EDGE_ALERTS.fastBurn, EDGE_ALERTS.noRequests]),
            { atMinute: HISTORY + 20, alert: EDGE_ALERTS.gatewayDown, firing: true },
        ],
    };
}

function gatewayCrashLooping(): Scenario {
    return {
        name: "gateway crash-looping: its pods exist but their proxies restart (scrapes fail, up 0), while kube-state-metrics still counts one available between restarts",
        periods: [healthy(HISTORY), { ...healthy(30), edge: "crash-looping" }],
        alerts: [...quiet(HISTORY - 5), { atMinute: HISTORY + 8, alert: EDGE_ALERTS.gatewayDown, firing: true }, ...quiet(HISTORY + 8, BLIND)],
    };
}

function gatewayUnreachable(): Scenario {
    return {
        name: "the NLB delivers nothing (its target group or security group broken): the gateway's pods are up, ready and scraped, but no request reaches them",
        periods: [healthy(HISTORY), { ...healthy(30), edge: "unreachable" }],
        alerts: [
            ...quiet(HISTORY - 5),
            // The 15-minute window still holds the last requests, then the rule's 5 minutes run.
            { atMinute: HISTORY + 10, alert: EDGE_ALERTS.noRequests, firing: false },
            { atMinute: HISTORY + 25, alert: EDGE_ALERTS.noRequests, firing: true },
            // Nothing fails and no pod is missing: only the missing requests tell.
            ...quiet(HISTORY + 25, [...BLIND, EDGE_ALERTS.gatewayDown, EDGE_ALERTS.fastBurn]),
        ],
    };
}

function virtualServiceDeleted(o: StackObjectives): Scenario {
    const budget = 1 - o.slo.availabilityPercent / 100;
    return {
        name: "edge VirtualService deleted: the gateway answers every request on 443 with 404 NR, destination_service \"unknown\", no route: no backend series moves and no API route matches",
        periods: [healthy(HISTORY), { ...healthy(o.alerts.noTrafficMinutes + 20), edge: "no-route" }],
        alerts: [
            ...quiet(HISTORY - 5),
            ...pageIf(HISTORY + 15, EDGE_ALERTS.fastBurn, expectPage(1, budget, HISTORY, 15, 3)),
            // No API route matched: no payment attempt, no backend failure. The edge alone pages.
            ...quiet(HISTORY + o.alerts.noTrafficMinutes + 10, BLIND),
            { atMinute: HISTORY + o.alerts.noTrafficMinutes + 10, alert: EDGE_ALERTS.gatewayDown, firing: false },
        ],
    };
}

function onlyCanaryPodEjected(o: StackObjectives): Scenario {
    const weight = 20;
    return {
        name: `outlier detection ejects v2's only pod at weight ${weight} (it returns 500s and stays Ready): the callers answer 503 UH for v2 while it is ejected, the pod's own 500s between ejections`,
        periods: [healthy(HISTORY), { ...healthy(90), v2: EJECTED }],
        alerts: [
            ...quiet(HISTORY - 5),
            { atMinute: HISTORY + 12, alert: "PaymentsCanaryErrorRatio", firing: true },
            // Kubernetes sees a Ready pod: only the client side knows.
            ...quiet(HISTORY + 12, ["PaymentsBackendNoReadyEndpoints", "PaymentsNoSuccessfulTraffic", EDGE_ALERTS.gatewayDown]),
            ...pageIf(HISTORY + 75, "PaymentsBackendErrorBudgetFastBurn", expectPage(weight / 100, 1 - o.slo.availabilityPercent / 100, HISTORY, 75)),
        ],
        exprs: [ppm(HISTORY + 12, "payments_backend_version:request_error_ratio:rate5m", { v1: BACKGROUND.errorFraction, v2: 1 })],
    };
}

function duplicateKubeStateMetrics(): Scenario {
    return {
        name: "kube-state-metrics runs two replicas (every EndpointSlice and Deployment series twice): the backend loses every pod",
        kubeStateMetricsReplicas: 2,
        periods: [healthy(HISTORY), { ...healthy(20), v1: DOWN, v2: DOWN }],
        alerts: [
            ...quiet(HISTORY - 5),
            { atMinute: HISTORY + 5, alert: "PaymentsBackendNoReadyEndpoints", firing: true },
            { atMinute: HISTORY + 5, alert: EDGE_ALERTS.gatewayDown, firing: false },
        ],
    };
}

/** The edge's outages; page loads and scanners keep the gateway busy in all of them (RATES). */
export function edgeScenarios(o: StackObjectives): Scenario[] {
    if (RATES.pages <= 0 || RATES.scanners <= 0) throw new Error("the edge scenarios need page loads and scanners in the background");
    return [gatewayGone(), gatewayCrashLooping(), gatewayUnreachable(), virtualServiceDeleted(o), onlyCanaryPodEjected(o), duplicateKubeStateMetrics()];
}
