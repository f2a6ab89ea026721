import { strict as assert } from "assert";
import { KubeObject } from "../../components/k8s";
import { CLIENT_METRIC_LABELS, LABELLED_METRICS, PORT_LABEL, ROUTE_LABEL, UPSTREAM_CLUSTER_LABEL } from "../../components/mesh-metrics";
import { meshTelemetry } from "../../components/mesh/builders";
import { API_ATTEMPTS_SELECTOR, BACKEND_CLIENT_SELECTOR, leSelector, withVersion } from "../../components/observability/sli";
import { PromRule } from "../../components/observability/monitors";
import { BURN_WINDOWS, LONG_WINDOWS, paymentsSliRules, paymentsSloAlerts, SERIES, SHORT_WINDOWS } from "../../components/observability/slo";
import { at } from "./fixtures";

type Rule = PromRule;

const PROD = { availabilityPercent: 99.9, latencyThresholdMs: 500, latencyPercent: 99, canaryMarginPercent: 1, noTrafficMinutes: 10, minRequests: 50 };

function rules(obj: KubeObject): Rule[] {
    return (at(obj, "spec.groups") as { rules: Rule[] }[]).flatMap((g) => g.rules);
}

function alert(name: string, input = PROD): Rule {
    const found = rules(paymentsSloAlerts(input)).find((r) => r.alert === name);
    assert.ok(found, `no alert ${name}`);
    return found;
}

/** The string value of a PromQL double-quoted literal, as Prometheus unescapes it. */
function promqlString(literal: string): string {
    return JSON.parse(literal) as string;
}

/** The regex of `label_replace(..., "<dst>", "<repl>", "<src>", "<regex>")`, fully anchored as Prometheus does. */
function labelReplaceRegex(expr: string): RegExp {
    const m = /"\$1", "[a-z_]+", ("(?:[^"\\]|\\.)*")\)$/.exec(expr);
    assert.ok(m, `no label_replace regex in ${expr}`);
    return new RegExp(`^(?:${promqlString(m[1])})$`);
}

describe("payments SLOs", () => {
    describe("SLIs", () => {
        it("count every request at the clients (gateway, frontend) by the backend Service's host, which Istio keeps even for 503 UH", () => {
            assert.equal(BACKEND_CLIENT_SELECTOR, 'reporter="source", destination_service="backend-service.dodo-payments.svc.cluster.local"');
            // destination_app / destination_workload_namespace / destination_version are "unknown" when no host answered.
            assert.doesNotMatch(BACKEND_CLIENT_SELECTOR, /destination_(app|version|workload|service_namespace)=/);
        });

        it("take the version from the routed subset, so v2's own 503 UH (destination_version unknown) count for v2", () => {
            const re = labelReplaceRegex(withVersion("x"));
            assert.equal("outbound|3000|v2|backend-service.dodo-payments.svc.cluster.local".replace(re, "$1"), "v2");
            assert.equal("outbound|3000|v1|backend-service.dodo-payments.svc.cluster.local".replace(re, "$1"), "v1");
            // No subset, or no route ("unknown"): no match, so Istio's own destination_version stays.
            assert.doesNotMatch("outbound|3000||backend-service.dodo-payments.svc.cluster.local", re);
            assert.doesNotMatch("unknown", re);
            assert.match(withVersion("x"), new RegExp(`"destination_version", "\\$1", "${UPSTREAM_CLUSTER_LABEL}"`));
        });

        it("count fast requests at the threshold bucket as Prometheus 3 stores it (500.0) and as Prometheus 2 did (500)", () => {
            const m = /^le=~("(?:[^"\\]|\\.)*")$/.exec(leSelector(500));
            assert.ok(m);
            const re = new RegExp(`^(?:${promqlString(m[1])})$`);
            assert.match("500.0", re);
            assert.match("500", re);
            assert.doesNotMatch("5000.0", re);
            assert.doesNotMatch("2500", re);
        });

        it("records requests, errors and latency per version for every burn window, short ones every 30 s, long ones every 2 minutes", () => {
            const groups = at(paymentsSliRules(PROD), "spec.groups") as { name: string; interval: string; rules: Rule[] }[];
            assert.deepEqual(groups.map((g) => [g.name, g.interval]), [["payments.backend.sli", "30s"], ["payments.backend.sli.long", "2m"]]);
            const recorded = groups.flatMap((g) => g.rules.map((r) => r.record));
            const windows = [...new Set(BURN_WINDOWS.flatMap((b) => [b.long, b.short]))].sort();
            assert.deepEqual([...SHORT_WINDOWS, ...LONG_WINDOWS].sort(), windows);
            for (const w of windows) {
                for (const series of [SERIES.requests, SERIES.errors, SERIES.observed, SERIES.fast, SERIES.errorRatio, SERIES.slowRatio]) assert.ok(recorded.includes(series(w as never)), `${series(w as never)}`);
            }
            const errors = groups[0].rules.find((r) => r.record === SERIES.errors("5m"))!;
            assert.equal(errors.expr, `sum by (destination_version) (${withVersion(`rate(istio_requests_total{${BACKEND_CLIENT_SELECTOR}, response_code=~"5.."}[5m])`)})`);
            const fast = groups[0].rules.find((r) => r.record === SERIES.fast("1h"))!;
            assert.ok(fast.expr.includes(`istio_request_duration_milliseconds_bucket{${BACKEND_CLIENT_SELECTOR}, ${leSelector(500)}}[1h]`), fast.expr);
        });

        it("is written by the mesh: client-side request count and duration carry the routed cluster and route", () => {
            const metrics = meshTelemetry(1).spec.metrics!;
            const tags = {
                [UPSTREAM_CLUSTER_LABEL]: { operation: "UPSERT", value: "xds.cluster_name" },
                [ROUTE_LABEL]: { operation: "UPSERT", value: "xds.route_name" },
                [PORT_LABEL]: { operation: "UPSERT", value: "string(destination.port)" },
            };
            assert.deepEqual(metrics, [{ providers: [{ name: "prometheus" }], overrides: LABELLED_METRICS.map((metric) => ({ match: { metric, mode: "CLIENT" }, tagOverrides: tags })) }]);
            assert.deepEqual([...LABELLED_METRICS], ["REQUEST_COUNT", "REQUEST_DURATION"]);
            assert.deepEqual(Object.keys(CLIENT_METRIC_LABELS).sort(), [PORT_LABEL, ROUTE_LABEL, UPSTREAM_CLUSTER_LABEL].sort());
        });
    });

    describe("burn-rate alerts", () => {
        it("page at 14.4x over 1h and 5m or 6x over 6h and 30m; ticket at 1x over 3d and 6h (SRE workbook, 30-day budget); each window holding minRequests", () => {
            const page = alert("PaymentsBackendErrorBudgetFastBurn");
            const w = (window: string, seconds: number, threshold: string) =>
                `payments_backend:request_error_ratio:rate${window} > ${threshold} and sum(payments_backend_version:requests:rate${window}) * ${seconds} >= 50`;
            assert.equal(page.expr, `(${w("1h", 3600, "0.0144")} and ${w("5m", 300, "0.0144")}) or (${w("6h", 21600, "0.006")} and ${w("30m", 1800, "0.006")})`);
            assert.equal(page.labels!.severity, "critical");
            const ticket = alert("PaymentsBackendErrorBudgetSlowBurn");
            assert.equal(ticket.expr, `(${w("3d", 259200, "0.001")} and ${w("6h", 21600, "0.001")})`);
            assert.equal(ticket.labels!.severity, "warning");
        });

        it("moves with the environment's objective", () => {
            const dev = { ...PROD, availabilityPercent: 99, latencyPercent: 95 };
            assert.match(alert("PaymentsBackendErrorBudgetFastBurn", dev).expr, /rate1h > 0\.144 and/);
            assert.match(alert("PaymentsBackendLatencyBudgetFastBurn", dev).expr, /slow_request_ratio:rate1h > 0\.72 and/);
            assert.match(alert("PaymentsBackendLatencyBudgetFastBurn").expr, /slow_request_ratio:rate1h > 0\.144 and/);
        });
    });

    describe("outage and canary guards", () => {
        it("page when the backend Service has no ready endpoint, from kube-state-metrics' EndpointSlices", () => {
            const rule = alert("PaymentsBackendNoReadyEndpoints");
            assert.match(rule.expr, /^sum by \(namespace\) \(kube_endpointslice_labels\{namespace="dodo-payments", label_kubernetes_io_service_name="backend-service"\}\) unless on\(namespace\) /);
            assert.match(rule.expr, /kube_endpointslice_endpoints\{namespace="dodo-payments", ready="true"\} \* on\(namespace, endpointslice\) group_left\(\)/);
            // One label series per slice on the joined side, however many kube-state-metrics replicas
            // export it: max, not sum (which would count each replica) and not the raw series (a
            // many-to-many match, an evaluation error that silences the alert).
            assert.match(rule.expr, /group_left\(\) max by \(namespace, endpointslice\) \(kube_endpointslice_labels\{/);
            assert.doesNotMatch(rule.expr, /group_left\(\) sum/);
        });

        it("keep quiet on a handful of requests: the guard counts the latency pairs' observations too, and follows minRequests", () => {
            assert.match(alert("PaymentsBackendLatencyBudgetFastBurn").expr, /slow_request_ratio:rate5m > 0\.144 and sum\(payments_backend_version:latency_observations:rate5m\) \* 300 >= 50\)/);
            assert.match(alert("PaymentsBackendErrorBudgetFastBurn", { ...PROD, minRequests: 10 }).expr, /rate5m\) \* 300 >= 10\)/);
        });

        it("page when no /api request at the gateway succeeded for N minutes, while at least 3 were made", () => {
            const rule = alert("PaymentsNoSuccessfulTraffic");
            assert.equal(API_ATTEMPTS_SELECTOR, 'reporter="source", source_workload="istio-ingressgateway", source_workload_namespace="istio-ingress", destination_port!="80", route_name=~"api-.*"');
            assert.equal(
                rule.expr,
                `(sum(increase(istio_requests_total{${API_ATTEMPTS_SELECTOR}}[10m])) >= 3) unless on() (sum(increase(istio_requests_total{${API_ATTEMPTS_SELECTOR}, response_code=~"2..|3.."}[10m])) > 0)`,
            );
            assert.match(alert("PaymentsNoSuccessfulTraffic", { ...PROD, noTrafficMinutes: 30 }).expr, /\[30m\]\)\) > 0\)$/);
        });

        it("compare v2 with v1 at the clients and need only a few failed v2 requests, not a share of traffic", () => {
            const rule = alert("PaymentsCanaryErrorRatio");
            assert.equal(
                rule.expr,
                '(payments_backend_version:request_error_ratio:rate5m{destination_version="v2"} - ignoring(destination_version) (payments_backend_version:request_error_ratio:rate5m{destination_version="v1"} >= 0 or on() vector(0))) > 0.01' +
                    ' and ignoring(destination_version) (payments_backend_version:request_errors:rate5m{destination_version="v2"}) * 300 >= 3',
            );
            assert.doesNotMatch(rule.expr, /requests:rate5m/, "no minimum request rate: a crash-looping canary at any weight fires");
            assert.deepEqual(rule.labels, { severity: "critical", version: "v2", namespace: "dodo-payments", service: "backend-service" });
            assert.match(alert("PaymentsCanaryLatencyRegression").expr, /slow_request_ratio:rate5m\{destination_version="v2"\}/);
        });

        it("label every payments alert with the namespace and service Alertmanager groups and inhibits on", () => {
            for (const r of rules(paymentsSloAlerts(PROD))) {
                assert.equal(r.labels!.namespace, "dodo-payments", r.alert);
                assert.equal(r.labels!.service, "backend-service", r.alert);
                assert.ok(["critical", "warning"].includes(r.labels!.severity), r.alert);
                for (const text of Object.values(r.annotations ?? {})) assert.doesNotMatch(text, /\{\{/, `${r.alert}: static annotations (promtool compares them exactly)`);
            }
        });
    });
});
