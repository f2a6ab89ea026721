import { strict as assert } from "assert";
import { envoyPodMonitor, ISTIO_STANDARD_METRICS, istioRecordingRules, istiodAlerts, istiodServiceMonitor, PromRule } from "../../components/observability/monitors";
import { paymentsSliRules, paymentsSloAlerts } from "../../components/observability/slo";
import { CLIENT_METRIC_LABELS } from "../../components/mesh-metrics";
import { KubeObject } from "../../components/k8s";
import { at } from "./fixtures";
import { revisionTagObjects } from "../../components/mesh/tags";

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

/** A Kubernetes label selector (In, NotIn, Exists, DoesNotExist), as Prometheus Operator applies it. */
function selects(s: Selector, labels: Record<string, string>): boolean {
    const equal = Object.entries(s.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    return equal && (s.matchExpressions ?? []).every((e) => {
        const has = e.key in labels;
        if (e.operator === "Exists") return has;
        if (e.operator === "DoesNotExist") return !has;
        if (e.operator === "In") return has && (e.values ?? []).includes(labels[e.key]);
        return !has || !(e.values ?? []).includes(labels[e.key]);
    });
}

type Rule = PromRule;

function rules(obj: KubeObject): Rule[] {
    return (at(obj, "spec.groups") as { rules: Rule[] }[]).flatMap((g) => g.rules);
}

function alert(obj: KubeObject, name: string): Rule {
    const found = rules(obj).find((r) => r.alert === name);
    assert.ok(found, `no alert ${name}`);
    return found;
}

/** Metric selectors `name{label="v", ...}` in a PromQL expression. */
function selectors(expr: string): { metric: string; labels: string[] }[] {
    return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)].map((m) => ({
        metric: m[1],
        labels: [...m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((l) => l[1]),
    }));
}

/**
 * Istio's metrics reference (https://istio.io/latest/docs/reference/config/metrics/), written out
 * here independently of the code: the standard metrics (histograms as their _bucket/_sum/_count
 * series) and the labels they carry, plus istiod's pilot_total_xds_rejects.
 */
const ISTIO_REFERENCE = {
    counters: ["istio_requests_total", "istio_tcp_sent_bytes_total", "istio_tcp_received_bytes_total", "istio_tcp_connections_opened_total", "istio_tcp_connections_closed_total"],
    histograms: ["istio_request_duration_milliseconds", "istio_request_bytes", "istio_response_bytes"],
    istiod: ["pilot_total_xds_rejects"],
    labels: [
        "reporter",
        "source_workload",
        "source_workload_namespace",
        "source_principal",
        "source_app",
        "source_version",
        "destination_workload",
        "destination_workload_namespace",
        "destination_principal",
        "destination_app",
        "destination_version",
        "destination_service",
        "destination_service_name",
        "destination_service_namespace",
        "request_protocol",
        "response_code",
        "grpc_response_status",
        "response_flags",
        "connection_security_policy",
        "source_canonical_service",
        "destination_canonical_service",
        "source_canonical_revision",
        "destination_canonical_revision",
        "source_cluster",
        "destination_cluster",
    ],
};
const REFERENCE_PROXY_SERIES = [...ISTIO_REFERENCE.counters, ...ISTIO_REFERENCE.histograms.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`])];
/** Histogram buckets add Prometheus's `le`; the mesh Telemetry adds the routed cluster (components/mesh-metrics.ts). */
const REFERENCE_LABELS = new Set([...ISTIO_REFERENCE.labels, "le", ...Object.keys(CLIENT_METRIC_LABELS)]);

type Series = { labels: Record<string, string>; value: number };

/** Evaluates `sum without(l1, l2) (metric)` over samples, as Prometheus would. */
function evalSumWithout(expr: string, samples: Record<string, Series[]>): Series[] {
    const m = /^sum without\s*\(([^)]*)\)\s*\(([a-zA-Z_:][a-zA-Z0-9_:]*)\)$/.exec(expr);
    assert.ok(m, `not a sum without(...) over one metric: ${expr}`);
    const dropped = m[1].split(",").map((l) => l.trim());
    const groups = new Map<string, Series>();
    for (const s of samples[m[2]] ?? []) {
        const kept = Object.fromEntries(Object.entries(s.labels).filter(([k]) => !dropped.includes(k)).sort());
        const key = JSON.stringify(kept);
        const g = groups.get(key) ?? { labels: kept, value: 0 };
        g.value += s.value;
        groups.set(key, g);
    }
    return [...groups.values()];
}

const SLO = { availabilityPercent: 99.9, latencyThresholdMs: 500, latencyPercent: 99, canaryMarginPercent: 2, noTrafficMinutes: 10, minRequests: 50 };

describe("Istio scraping, recording rules and alerts", () => {
    it("scrapes every Envoy (sidecars and gateways) on the merged-metrics port 15020 at /stats/prometheus", () => {
        const pm = envoyPodMonitor();
        assert.equal(pm.apiVersion, "monitoring.coreos.com/v1");
        assert.equal(pm.kind, "PodMonitor");
        assert.deepEqual(at(pm, "spec.namespaceSelector"), { any: true });
        const endpoint = (at(pm, "spec.podMetricsEndpoints") as Record<string, unknown>[])[0];
        assert.equal(endpoint.path, "/stats/prometheus");
        const relabel = endpoint.relabelings as Record<string, unknown>[];
        assert.deepEqual(relabel[0], { action: "keep", sourceLabels: ["__meta_kubernetes_pod_container_name"], regex: "istio-proxy" });
        const addresses = relabel.filter((r) => r.targetLabel === "__address__").map((r) => r.replacement);
        assert.deepEqual(addresses, ["[$1]:15020", "$1:15020"]);
    });

    it("scrapes istiod's http-monitoring port (15014) in istio-system, whatever its revision", () => {
        const sm = istiodServiceMonitor();
        assert.equal(sm.kind, "ServiceMonitor");
        assert.deepEqual(at(sm, "spec.selector"), { matchLabels: { istio: "pilot" }, matchExpressions: [{ key: "istio.io/tag", operator: "DoesNotExist" }] });
        assert.deepEqual(at(sm, "spec.namespaceSelector"), { matchNames: ["istio-system"] });
        assert.deepEqual(at(sm, "spec.endpoints"), [{ port: "http-monitoring", interval: "15s" }]);
        assert.deepEqual(at(sm, "spec.targetLabels"), ["app"]);
    });

    it("scrapes each istiod once mid-upgrade, though both tags' Services select its pods too", () => {
        const selector = at(istiodServiceMonitor(), "spec.selector") as Selector;
        // The istiod chart's Services (service.yaml: istio.io/rev, app, istio) beside the tags'.
        const chartService = (revision: string): KubeObject => ({ apiVersion: "v1", kind: "Service", metadata: { name: revision === "default" ? "istiod" : `istiod-${revision}`, labels: { "istio.io/rev": revision, app: "istiod", istio: "pilot" } } });
        const services = [chartService("default"), chartService("1-31-4"), ...revisionTagObjects({ "prod-stable": "1-31-4", "prod-canary": "1-31-4" }, "1-31-4").filter((o) => o.kind === "Service")];
        assert.equal(services.length, 5, "istiod, istiod-1-31-4 and the tags prod-stable, prod-canary and default");
        const scraped = services.filter((s) => selects(selector, s.metadata.labels ?? {})).map((s) => s.metadata.name);
        assert.deepEqual(scraped, ["istiod", "istiod-1-31-4"]);
    });

    it("records every standard request and TCP metric of Istio's reference as a workload: aggregate", () => {
        const recorded = rules(istioRecordingRules()).map((r) => r.record);
        assert.deepEqual([...recorded].sort(), REFERENCE_PROXY_SERIES.map((m) => `workload:${m}`).sort());
        assert.deepEqual([...ISTIO_STANDARD_METRICS].sort(), [...REFERENCE_PROXY_SERIES].sort());
    });

    it("aggregates away only the per-pod labels: two pods of one workload become one series with their sum", () => {
        const pair = { reporter: "destination", source_workload: "frontend", destination_workload: "backend-v1", response_code: "200" };
        const samples: Record<string, Series[]> = {
            istio_requests_total: [
                { labels: { ...pair, pod: "backend-v1-a", instance: "10.0.1.5:15020" }, value: 30 },
                { labels: { ...pair, pod: "backend-v1-b", instance: "10.0.2.7:15020" }, value: 12 },
                { labels: { ...pair, response_code: "503", pod: "backend-v1-b", instance: "10.0.2.7:15020" }, value: 1 },
            ],
        };
        const rule = rules(istioRecordingRules()).find((r) => r.record === "workload:istio_requests_total")!;
        const out = evalSumWithout(rule.expr, samples);
        assert.deepEqual(out.find((s) => s.labels.response_code === "200"), { labels: Object.fromEntries(Object.entries(pair).sort()), value: 42 });
        assert.equal(out.length, 2, "response codes stay apart");
        // Every recorded series is the aggregate of the metric it is named after.
        for (const r of rules(istioRecordingRules())) {
            const metric = r.record!.slice("workload:".length);
            assert.deepEqual(evalSumWithout(r.expr, { [metric]: [{ labels: { pod: "p", instance: "i", reporter: "source" }, value: 1 }] }), [{ labels: { reporter: "source" }, value: 1 }], r.record);
        }
    });

    it("alerts when proxies reject configuration pushed by istiod", () => {
        const rule = alert(istiodAlerts(), "IstiodConfigRejected");
        assert.equal(rule.expr, "sum by (type) (increase(pilot_total_xds_rejects[10m])) > 0");
    });

    it("uses only metric and label names of Istio's reference in every rule", () => {
        const all = [...rules(paymentsSliRules(SLO)), ...rules(paymentsSloAlerts(SLO)), ...rules(istiodAlerts()), ...rules(istioRecordingRules())];
        const metrics = new Set<string>([...REFERENCE_PROXY_SERIES, ...ISTIO_REFERENCE.istiod]);
        const recorded = new Set(all.map((r) => r.record).filter((r): r is string => r !== undefined));
        const labels = REFERENCE_LABELS;
        let checked = 0;
        for (const r of all) {
            for (const s of selectors(r.expr)) {
                // Recorded series and kube-state-metrics' are checked elsewhere (slo.test.ts).
                if (recorded.has(s.metric) || s.metric.startsWith("kube_")) continue;
                assert.ok(metrics.has(s.metric), `${r.alert ?? r.record}: unknown metric ${s.metric}`);
                for (const l of s.labels) assert.ok(labels.has(l), `${r.alert ?? r.record}: ${s.metric} has no label ${l}`);
                checked++;
            }
            for (const m of r.expr.matchAll(/\b(istio_[a-z_]+|pilot_[a-z_]+)\b/g)) assert.ok(metrics.has(m[1]), `${r.alert ?? r.record}: unknown metric ${m[1]}`);
        }
        assert.ok(checked >= 8, `only ${checked} selectors checked`);
    });

    it("puts every monitor and rule in the observability namespace with readable names", () => {
        const objs = [envoyPodMonitor(), istiodServiceMonitor(), istioRecordingRules(), paymentsSliRules(SLO), paymentsSloAlerts(SLO), istiodAlerts()];
        assert.deepEqual(objs.map((o) => o.metadata.name), ["envoy-stats", "istiod", "istio-recording-rules", "payments-backend-sli", "payments-backend-slo", "istiod-config-rejects"]);
        for (const o of objs) {
            assert.equal(o.metadata.namespace, "observability");
            assert.equal(o.metadata.labels!["app.kubernetes.io/part-of"], "dodo-payments");
        }
    });
});
