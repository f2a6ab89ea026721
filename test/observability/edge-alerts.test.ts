import { strict as assert } from "assert";
import { readFileSync } from "fs";
import { join } from "path";
import { KubeObject } from "../../components/k8s";
import { EDGE_ALERTS, gatewayDownExpr, gatewayNoRequestsExpr, paymentsEdgeRules } from "../../components/observability/edge-alerts";
import { istiodAlerts, PromRule } from "../../components/observability/monitors";
import { RUNBOOK_DOC, runbookUrl } from "../../components/observability/runbooks";
import { EDGE_SELECTOR, GATEWAY_REDIRECT_PORT } from "../../components/observability/sli";
import { paymentsSliRules, paymentsSloAlerts } from "../../components/observability/slo";

const SLO = { availabilityPercent: 99.9, latencyThresholdMs: 500, latencyPercent: 99, canaryMarginPercent: 1, noTrafficMinutes: 10, minRequests: 50 };

function rules(obj: KubeObject): PromRule[] {
    return (obj.spec as { groups: { rules: PromRule[] }[] }).groups.flatMap((g) => g.rules);
}

function alert(name: string): PromRule {
    const found = rules(paymentsEdgeRules(SLO)).find((r) => r.alert === name);
    assert.ok(found, name);
    return found;
}

describe("the payments edge alerts", () => {
    it("page when no gateway pod is available, scraped, or there at all; max over duplicate kube-state-metrics series", () => {
        const down = alert(EDGE_ALERTS.gatewayDown);
        assert.equal(down.expr, gatewayDownExpr());
        assert.match(down.expr, /^max\(avg_over_time\(kube_deployment_status_replicas_available\{namespace="istio-ingress", deployment="istio-ingressgateway"\}\[5m\]\)\) < 0\.5/);
        assert.match(down.expr, / or on\(\) absent\(up\{namespace="istio-ingress", pod=~"istio-ingressgateway-\.\+"\}\)$/);
        assert.doesNotMatch(down.expr, /sum\(/);
        assert.deepEqual(down.labels, { severity: "critical", namespace: "istio-ingress", service: "istio-ingressgateway" });
    });

    it("ticket when the gateway's pods are up but not one request reached them in 15 minutes", () => {
        const none = alert(EDGE_ALERTS.noRequests);
        assert.equal(none.expr, gatewayNoRequestsExpr());
        assert.equal(
            none.expr,
            '(sum(increase(istio_requests_total{reporter="source", source_workload="istio-ingressgateway", source_workload_namespace="istio-ingress"}[15m])) or on() vector(0)) == 0 and on() max(up{namespace="istio-ingress", pod=~"istio-ingressgateway-.+"}) == 1',
        );
        assert.equal(none.labels!.severity, "warning");
    });

    it("burn the availability budget on the gateway's own 503s, 404 NR and 5xx on HTTPS, whatever the destination, with the low-traffic guard", () => {
        assert.equal(GATEWAY_REDIRECT_PORT, "80");
        assert.match(EDGE_SELECTOR, /destination_port!="80"$/);
        assert.doesNotMatch(EDGE_SELECTOR, /destination_service/);
        const recorded = rules(paymentsEdgeRules(SLO)).find((r) => r.record === "payments_edge:request_errors:rate5m")!;
        assert.equal(recorded.expr, `sum(rate(istio_requests_total{${EDGE_SELECTOR}, response_code=~"5.."}[5m]) or rate(istio_requests_total{${EDGE_SELECTOR}, response_flags=~"(.*,)?NR(,.*)?"}[5m])) or on() vector(0)`);
        const burn = alert(EDGE_ALERTS.fastBurn);
        assert.match(burn.expr, /^\(payments_edge:request_error_ratio:rate1h > 0\.0144 and payments_edge:requests:rate1h \* 3600 >= 50 and /);
        assert.equal(burn.labels!.severity, "critical");
    });
});

describe("runbooks", () => {
    const doc = readFileSync(join(__dirname, "..", "..", RUNBOOK_DOC), "utf8");
    const anchors = new Set([...doc.matchAll(/^### (\w+)$/gm)].map((m) => m[1].toLowerCase()));

    it("link every alert to its own section of docs/observability.md, and no recording rule", () => {
        const objects = [paymentsSloAlerts(SLO), paymentsEdgeRules(SLO), istiodAlerts()];
        const alerts = objects.flatMap(rules).filter((r) => r.alert);
        assert.ok(alerts.length >= 12);
        for (const a of alerts) {
            assert.equal(a.annotations!.runbook_url, runbookUrl(a.alert!));
            assert.ok(anchors.has(a.alert!.toLowerCase()), `${RUNBOOK_DOC} has no "### ${a.alert}" section`);
        }
        for (const r of rules(paymentsSliRules(SLO))) assert.equal(r.annotations, undefined, r.record);
        assert.equal(runbookUrl("PaymentsIngressGatewayDown"), "docs/observability.md#paymentsingressgatewaydown");
    });
});
