import { strict as assert } from "assert";
import { KubeObject } from "../../components/k8s";
import { observabilityNetworkPolicies } from "../../components/observability/network-policies";
import { manifests, renderCached } from "../harness";

/** A pod as NetworkPolicies see it: its namespace's labels and its own. */
interface Pod {
    namespace: string;
    namespaceLabels: Record<string, string>;
    labels: Record<string, string>;
}

type LabelSelector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
    if (!selector) return true;
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const byExpressions = (selector.matchExpressions ?? []).every((e) => {
        switch (e.operator) {
            case "Exists":
                return k(labels, e.key);
            case "DoesNotExist":
                return !k(labels, e.key);
            case "In":
                return e.values!.includes(labels[e.key]);
            case "NotIn":
                return !e.values!.includes(labels[e.key]);
            default:
                throw new Error(`unknown operator ${e.operator}`);
        }
    });
    return byLabels && byExpressions;
}

function k(labels: Record<string, string>, key: string): boolean {
    return Object.prototype.hasOwnProperty.call(labels, key);
}

type Peer = { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: unknown };

/** networking.k8s.io/v1 semantics for a peer (a source outside the pod network matches only `from`-less rules). */
function peerMatches(peer: Peer, policyNamespace: string, source: Pod | "outside"): boolean {
    if (source === "outside" || peer.ipBlock) return false;
    if (peer.namespaceSelector) return selects(peer.namespaceSelector, source.namespaceLabels) && selects(peer.podSelector, source.labels);
    return source.namespace === policyNamespace && selects(peer.podSelector, source.labels);
}

/**
 * Whether `source` may open `port` on `target`: a pod no Ingress policy selects accepts all; a
 * selected pod accepts what any selecting policy's rule allows (rules and peers are ORed; a rule
 * without `from` allows every source, one without `ports` every port).
 */
function allowed(policies: KubeObject[], source: Pod | "outside", target: Pod, port: number, protocol = "TCP"): boolean {
    const selecting = policies.filter((p) => p.metadata.namespace === target.namespace && selects((p.spec as { podSelector: LabelSelector }).podSelector, target.labels));
    if (selecting.length === 0) return true;
    return selecting.some((p) =>
        ((p.spec as { ingress?: { from?: Peer[]; ports?: { port: number; protocol?: string }[] }[] }).ingress ?? []).some(
            (rule) =>
                (rule.from === undefined || rule.from.some((peer) => peerMatches(peer, p.metadata.namespace!, source))) &&
                (rule.ports === undefined || rule.ports.some((rp) => rp.port === port && (rp.protocol ?? "TCP") === protocol)),
        ),
    );
}

// The pods, with the labels their charts give them, written out here from the charts' templates
// (and the Prometheus Operator for Prometheus and Alertmanager), not from the code under test.
const OBS = { "kubernetes.io/metadata.name": "observability", "istio-injection": "disabled" };
const obs = (labels: Record<string, string>): Pod => ({ namespace: "observability", namespaceLabels: OBS, labels });
const PODS = {
    prometheus: obs({ "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "kps-prometheus", prometheus: "kps-prometheus", "app.kubernetes.io/managed-by": "prometheus-operator" }),
    alertmanager: obs({ "app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/instance": "kps-alertmanager", alertmanager: "kps-alertmanager" }),
    operator: obs({ app: "kube-prometheus-stack-operator", release: "kube-prometheus-stack", "app.kubernetes.io/name": "kube-prometheus-stack-prometheus-operator", "app.kubernetes.io/component": "prometheus-operator" }),
    kubeStateMetrics: obs({ "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": "kube-prometheus-stack" }),
    grafana: obs({ "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "grafana" }),
    loki: obs({ "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "loki", "app.kubernetes.io/component": "single-binary" }),
    alloy: obs({ "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": "alloy" }),
    jaeger: obs({ "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/instance": "jaeger", "app.kubernetes.io/component": "all-in-one" }),
    kiali: obs({ "app.kubernetes.io/name": "kiali", "app.kubernetes.io/instance": "kiali", app: "kiali" }),
    // Meshed namespaces: the default revision's label, or a revision's.
    paymentsBackend: { namespace: "dodo-payments", namespaceLabels: { "kubernetes.io/metadata.name": "dodo-payments", "istio-injection": "enabled" }, labels: { app: "backend", version: "v1" } },
    ingressGateway: { namespace: "istio-ingress", namespaceLabels: { "kubernetes.io/metadata.name": "istio-ingress", "istio.io/rev": "1-30-4" }, labels: { app: "istio-ingressgateway", istio: "ingressgateway" } },
    // Not in the mesh: kube-system, and an ordinary namespace.
    coredns: { namespace: "kube-system", namespaceLabels: { "kubernetes.io/metadata.name": "kube-system" }, labels: { "k8s-app": "kube-dns" } },
    stranger: { namespace: "default", namespaceLabels: { "kubernetes.io/metadata.name": "default" }, labels: { app: "debug" } },
} satisfies Record<string, Pod>;

type Source = keyof typeof PODS | "outside";
const SOURCES = [...Object.keys(PODS), "outside"] as Source[];

/** Who reaches which observability port; every source not listed must be refused. */
const MATRIX: { target: keyof typeof PODS; port: number; protocol?: "UDP"; what: string; from: Source[] }[] = [
    { target: "prometheus", port: 9090, what: "Prometheus queries", from: ["grafana", "kiali", "prometheus"] },
    { target: "prometheus", port: 8080, what: "Prometheus config reloader", from: ["prometheus"] },
    { target: "alertmanager", port: 9093, what: "Alertmanager API (alerts, silences)", from: ["prometheus", "grafana"] },
    { target: "alertmanager", port: 9094, what: "Alertmanager cluster (TCP)", from: ["alertmanager"] },
    { target: "alertmanager", port: 9094, protocol: "UDP", what: "Alertmanager cluster (UDP)", from: ["alertmanager"] },
    { target: "operator", port: 10250, what: "operator webhook (API server)", from: SOURCES },
    { target: "kubeStateMetrics", port: 8080, what: "kube-state-metrics", from: ["prometheus"] },
    { target: "grafana", port: 3000, what: "Grafana (operators use port-forward)", from: ["kiali"] },
    { target: "loki", port: 3100, what: "Loki push and query", from: ["alloy", "grafana"] },
    { target: "loki", port: 7946, what: "Loki memberlist", from: ["loki"] },
    { target: "jaeger", port: 4317, what: "Jaeger OTLP/gRPC", from: ["paymentsBackend", "ingressGateway"] },
    { target: "jaeger", port: 4318, what: "Jaeger OTLP/HTTP", from: ["paymentsBackend", "ingressGateway"] },
    { target: "jaeger", port: 16686, what: "Jaeger query UI/API", from: ["grafana"] },
    { target: "jaeger", port: 16685, what: "Jaeger query gRPC", from: ["kiali"] },
    { target: "kiali", port: 20001, what: "Kiali (operators use port-forward)", from: [] },
    { target: "alloy", port: 12345, what: "Alloy's UI", from: [] },
];

function check(policies: KubeObject[]): void {
    for (const row of MATRIX) {
        for (const source of SOURCES) {
            const src = source === "outside" ? "outside" : PODS[source];
            const expected = row.from.includes(source);
            assert.equal(allowed(policies, src, PODS[row.target], row.port, row.protocol), expected, `${source} -> ${row.what} (${row.target}:${row.port}${row.protocol ? `/${row.protocol}` : ""}) should be ${expected ? "allowed" : "refused"}`);
        }
    }
}

describe("observability NetworkPolicies", () => {
    const policies = observabilityNetworkPolicies();

    it("match who reaches which observability port, and refuse everyone else", () => {
        check(policies);
    });

    it("deny by default: a pod no allow policy names (a new chart component) is closed", () => {
        const unnamed = obs({ "app.kubernetes.io/name": "something-new" });
        for (const source of SOURCES) assert.equal(allowed(policies, source === "outside" ? "outside" : PODS[source], unnamed, 8080), false, source);
        const deny = policies.find((p) => p.metadata.name === "default-deny-ingress")!;
        assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress"], ingress: [] });
    });

    it("are the ones every stack with observability renders", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const rendered = manifests(await renderCached(stack), "NetworkPolicy", "observability");
            assert.deepEqual(rendered.map((p) => p.metadata.name).sort(), policies.map((p) => p.metadata.name).sort(), stack);
            check(rendered);
        }
    });

    it("evaluates NetworkPolicy semantics as Kubernetes does (the matrix's own checks)", () => {
        const target = obs({ app: "t" });
        const only = (ingress: unknown[]): KubeObject[] => [{ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "p", namespace: "observability" }, spec: { podSelector: {}, policyTypes: ["Ingress"], ingress } }];
        assert.equal(allowed([], PODS.stranger, target, 1), true, "no policy: open");
        assert.equal(allowed(only([]), PODS.grafana, target, 1), false, "selected, no rule: closed");
        assert.equal(allowed(only([{ ports: [{ port: 1 }] }]), "outside", target, 1), true, "no from: anyone");
        assert.equal(allowed(only([{ from: [{ podSelector: { matchLabels: { app: "debug" } } }], ports: [{ port: 1 }] }]), PODS.stranger, target, 1), false, "a pod selector alone: the policy's namespace only");
        assert.equal(allowed(only([{ from: [{ namespaceSelector: {} , podSelector: { matchLabels: { app: "debug" } } }], ports: [{ port: 1 }] }]), PODS.stranger, target, 1), true, "both: any namespace's pods");
        assert.equal(allowed(only([{ from: [{ namespaceSelector: {} }] }]), PODS.stranger, target, 2), true, "no ports: every port");
    });
});
