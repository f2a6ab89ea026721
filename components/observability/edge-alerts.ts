// The edge: what the payments alerts cannot see because they read series the ingress gateway's
// and the frontend's proxies emit. Gateway pods gone (or crash-looping) emit nothing at all; a
// gateway that answers but cannot route writes destination_service="unknown" (sli.ts). So: a page
// when no gateway pod is there to answer, a ticket when its pods are up but no request reaches them
// (the NLB, its target group or a security group broken), and the availability SLO's fast burn
// over every request the gateway answers on its HTTPS listener, whatever the destination: its own
// 503s (UH, UF: connection failures upstream, UO), 404 NR, and 5xx from behind it.
import { KubeObject } from "../k8s";
import { INGRESS_GATEWAY_NAME, INGRESS_NAMESPACE } from "../mesh/topology";
import { PAYMENTS_NAMESPACE } from "../payments/names";
import { prometheusRule, PromRule } from "./monitors";
import { EDGE_SELECTOR, ERROR_CODES, GATEWAY_REQUESTS_SELECTOR, NO_ROUTE_FLAGS } from "./sli";
import { BURN_WINDOWS, burnExpr, SliWindow } from "./slo";

export interface EdgeAlertsInput {
    /** The availability objective, percent: the edge spends the same budget as the backend. */
    availabilityPercent: number;
    /** Low-traffic guard of each burn window (observability.slo.minRequests). */
    minRequests: number;
}

/** The page windows only: a slow edge burn is a backend or frontend burn, which tickets already. */
const EDGE_WINDOWS = BURN_WINDOWS.filter((b) => b.severity === "critical");
export const EDGE_SHORT_WINDOWS = ["5m", "30m", "1h"] as const;
export const EDGE_LONG_WINDOWS = ["6h"] as const;

export const EDGE_SERIES = {
    requests: (w: SliWindow) => `payments_edge:requests:rate${w}`,
    errors: (w: SliWindow) => `payments_edge:request_errors:rate${w}`,
    errorRatio: (w: SliWindow) => `payments_edge:request_error_ratio:rate${w}`,
} as const;

export const EDGE_ALERTS = { gatewayDown: "PaymentsIngressGatewayDown", noRequests: "PaymentsIngressGatewayNoRequests", fastBurn: "PaymentsEdgeErrorBudgetFastBurn" } as const;

/** Minutes without a single request at the gateway, its pods up, before the ticket. */
export const NO_REQUESTS_MINUTES = 15;

/**
 * Labels of the edge's burn alert: the payments namespace (its VirtualService and workloads, and
 * what Alertmanager inhibits on), the gateway's Service as what answers.
 */
export const EDGE_ALERT_LABELS = { namespace: PAYMENTS_NAMESPACE, service: INGRESS_GATEWAY_NAME } as const;
export const GATEWAY_ALERT_LABELS = { namespace: INGRESS_NAMESPACE, service: INGRESS_GATEWAY_NAME } as const;

function windowRules(w: SliWindow): PromRule[] {
    const rate = (extra: string) => `rate(istio_requests_total{${EDGE_SELECTOR}${extra}}[${w}])`;
    return [
        { record: EDGE_SERIES.requests(w), expr: `sum(${rate("")})` },
        // 5xx (the gateway's own 503 UH/UF/UO included) or no route (404 NR). `or` unions the two
        // selections (a series in both counts once); no failure at all is 0, not an empty ratio.
        { record: EDGE_SERIES.errors(w), expr: `sum(${rate(`, response_code=~"${ERROR_CODES}"`)} or ${rate(`, ${NO_ROUTE_FLAGS}`)}) or on() vector(0)` },
        { record: EDGE_SERIES.errorRatio(w), expr: `${EDGE_SERIES.errors(w)} / ${EDGE_SERIES.requests(w)}` },
    ];
}

/** The ingress gateway's Deployment, its pods' proxies as the envoy-stats PodMonitor scrapes them. */
const GATEWAY_DEPLOYMENT = `namespace="${INGRESS_NAMESPACE}", deployment="${INGRESS_GATEWAY_NAME}"`;
const GATEWAY_PODS = `namespace="${INGRESS_NAMESPACE}", pod=~"${INGRESS_GATEWAY_NAME}-.+"`;

/**
 * No gateway pod available (kube-state-metrics; `max` over duplicate exporters), no gateway pod
 * scraped most of the last 5 minutes (crash-looping: up flaps), or none scraped at all (pods gone,
 * pending, Deployment deleted). Averages over 5 minutes, so a crash loop's brief ready moments do
 * not reset the alert's `for`.
 */
export function gatewayDownExpr(): string {
    return (
        `max(avg_over_time(kube_deployment_status_replicas_available{${GATEWAY_DEPLOYMENT}}[5m])) < 0.5` +
        ` or on() max(avg_over_time(up{${GATEWAY_PODS}}[5m])) < 0.5` +
        ` or on() absent(up{${GATEWAY_PODS}})`
    );
}

/**
 * Gateway pods up and scraped, yet not one request in NO_REQUESTS_MINUTES: not even the port-80
 * scanners every internet-facing NLB draws. `or on() vector(0)`: a pod that never served has no
 * istio_requests_total at all (Envoy creates the counter on its first request).
 */
export function gatewayNoRequestsExpr(): string {
    return (
        `(sum(increase(istio_requests_total{${GATEWAY_REQUESTS_SELECTOR}}[${NO_REQUESTS_MINUTES}m])) or on() vector(0)) == 0` +
        ` and on() max(up{${GATEWAY_PODS}}) == 1`
    );
}

export function paymentsEdgeRules(input: EdgeAlertsInput): KubeObject {
    const budget = 1 - input.availabilityPercent / 100;
    const alerts: PromRule[] = [
        {
            alert: EDGE_ALERTS.gatewayDown,
            expr: gatewayDownExpr(),
            for: "2m",
            labels: { severity: "critical", ...GATEWAY_ALERT_LABELS },
            annotations: {
                summary: "No ingress gateway pod is serving: the payments host is unreachable",
                description: `Nothing answers on the NLB, so no payments metric moves and the other payments alerts stay silent. kubectl -n ${INGRESS_NAMESPACE} get deploy,pods -l app=${INGRESS_GATEWAY_NAME}; kubectl -n ${INGRESS_NAMESPACE} describe pods; istioctl proxy-status.`,
            },
        },
        {
            // A ticket, not a page: an NLB limited to a few source ranges (mesh.gateway.loadBalancerSourceRanges) can be idle.
            alert: EDGE_ALERTS.noRequests,
            expr: gatewayNoRequestsExpr(),
            for: "5m",
            labels: { severity: "warning", ...GATEWAY_ALERT_LABELS },
            annotations: {
                summary: `The ingress gateway's pods are up but no request reached them for ${NO_REQUESTS_MINUTES} minutes`,
                description: `Nothing arrives through the NLB: its target group (targets healthy?), the Service's security group or source ranges, or DNS for the payments host. kubectl -n ${INGRESS_NAMESPACE} get svc ${INGRESS_GATEWAY_NAME}; aws elbv2 describe-target-health.`,
            },
        },
        {
            // for 3m: a backend outage also fails at the edge, and the backend's own page (for 2m)
            // comes first and inhibits this one (alertmanager.ts).
            alert: EDGE_ALERTS.fastBurn,
            expr: burnExpr(EDGE_SERIES.errorRatio, EDGE_SERIES.requests, budget, EDGE_WINDOWS, input.minRequests),
            for: "3m",
            labels: { severity: "critical", slo: "availability", ...EDGE_ALERT_LABELS },
            annotations: {
                summary: `The payments edge fails requests fast enough to spend the ${input.availabilityPercent}% availability budget in days`,
                description: `The ingress gateway answers 5xx or 404 NR (no route) on HTTPS, whatever the destination: a deleted or broken VirtualService (payments-edge), the frontend down, or the backend down. istioctl analyze -n ${PAYMENTS_NAMESPACE}; kubectl -n ${PAYMENTS_NAMESPACE} get virtualservices; Grafana: Payments.`,
            },
        },
    ];
    return prometheusRule("payments-edge", [
        { name: "payments.edge.sli", interval: "30s", rules: EDGE_SHORT_WINDOWS.flatMap(windowRules) },
        { name: "payments.edge.sli.long", interval: "2m", rules: EDGE_LONG_WINDOWS.flatMap(windowRules) },
        { name: "payments.edge", rules: alerts },
    ]);
}
