// NetworkPolicies of the observability namespace: deny all ingress, then allow only who needs each
// port (egress stays open: Prometheus scrapes the whole cluster, Alertmanager calls Slack and
// PagerDuty). Enforced by the VPC CNI network policy agent (cluster/vpc-cni.ts, vpcCniConfiguration).
//
// Not subject to these policies, by Kubernetes' and the agent's rules: `kubectl port-forward`
// (the kubelet connects inside the pod's network namespace: how operators reach the UIs),
// traffic from the pod's own node (kubelet probes; aws-network-policy-agent allows the node IP),
// and hostNetwork pods (node-exporter).
//
// Pods are selected by the labels the charts give them (verified in each pinned chart's templates
// or, for Prometheus and Alertmanager, by the operator: app.kubernetes.io/name).
import { KubeObject, standardLabels } from "../k8s";
import { JAEGER_PORTS } from "./jaeger";
import { OBSERVABILITY_NAMESPACE, SERVICES } from "./names";

export type Selector = Record<string, string>;

export const POD_SELECTORS = {
    prometheus: { "app.kubernetes.io/name": "prometheus" },
    alertmanager: { "app.kubernetes.io/name": "alertmanager" },
    // kube-prometheus-stack templates/prometheus-operator/_prometheus-operator.tpl
    operator: { app: "kube-prometheus-stack-operator" },
    kubeStateMetrics: { "app.kubernetes.io/name": "kube-state-metrics" },
    grafana: { "app.kubernetes.io/name": "grafana" },
    loki: { "app.kubernetes.io/name": "loki" },
    alloy: { "app.kubernetes.io/name": "alloy" },
    // jaeger chart templates/jaeger/jaeger-deploy.yaml (name is the chart's, not fullnameOverride)
    jaeger: { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/component": "all-in-one" },
    kiali: { "app.kubernetes.io/name": "kiali" },
} as const satisfies Record<string, Selector>;

export type Component = keyof typeof POD_SELECTORS;

/** Ports the pods listen on (container ports, which NetworkPolicies match). */
export const PORTS = {
    prometheusWeb: SERVICES.prometheus.port,
    configReloader: 8080,
    alertmanagerWeb: SERVICES.alertmanager.port,
    alertmanagerCluster: 9094,
    operatorWebhook: 10250,
    ksmHttp: 8080,
    ksmTelemetry: 8081,
    grafana: 3000,
    lokiHttp: SERVICES.loki.port,
    lokiGrpc: 9095,
    lokiMemberlist: 7946,
    otlpGrpc: JAEGER_PORTS.otlpGrpc,
    otlpHttp: JAEGER_PORTS.otlpHttp,
    jaegerQuery: SERVICES.jaegerQuery.port,
    jaegerQueryGrpc: SERVICES.jaegerQueryGrpc.port,
} as const;

export interface Port {
    port: number;
    protocol: "TCP" | "UDP";
}

export interface Peer {
    podSelector?: { matchLabels?: Selector; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
    namespaceSelector?: { matchLabels?: Selector; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
}

export interface IngressRule {
    /** Absent: from anywhere. */
    from?: Peer[];
    ports: Port[];
}

const tcp = (...ports: number[]): Port[] => ports.map((port) => ({ port, protocol: "TCP" }));
const pods = (...components: Component[]): Peer[] => components.map((c) => ({ podSelector: { matchLabels: { ...POD_SELECTORS[c] } } }));

/**
 * Namespaces in the mesh: either injection label (components/mesh/topology.ts injectionLabels),
 * whatever the revision. Two peers, ORed: a namespace selector's expressions are ANDed.
 */
export const MESHED_NAMESPACES: Peer[] = [
    { namespaceSelector: { matchExpressions: [{ key: "istio.io/rev", operator: "Exists" }] } },
    { namespaceSelector: { matchLabels: { "istio-injection": "enabled" } } },
];

function policy(name: string, podSelector: Selector, ingress: IngressRule[]): KubeObject {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, namespace: OBSERVABILITY_NAMESPACE, labels: standardLabels(name) },
        spec: { podSelector: Object.keys(podSelector).length > 0 ? { matchLabels: { ...podSelector } } : {}, policyTypes: ["Ingress"], ingress },
    };
}

/** Every policy of the namespace, named after what it allows. */
export function observabilityNetworkPolicies(): KubeObject[] {
    const s = POD_SELECTORS;
    return [
        // No rules: every pod the others do not open is closed to the network.
        policy("default-deny-ingress", {}, []),
        policy("allow-queries-to-prometheus", s.prometheus, [
            { from: pods("grafana", "kiali", "prometheus"), ports: tcp(PORTS.prometheusWeb) },
            // Its own ServiceMonitor scrapes the config reloader.
            { from: pods("prometheus"), ports: tcp(PORTS.configReloader) },
        ]),
        policy("allow-alerts-to-alertmanager", s.alertmanager, [
            { from: pods("prometheus", "grafana"), ports: tcp(PORTS.alertmanagerWeb) },
            { from: pods("prometheus"), ports: tcp(PORTS.configReloader) },
            // Replicas gossip silences and notification state (prod runs two).
            { from: pods("alertmanager"), ports: [{ port: PORTS.alertmanagerCluster, protocol: "TCP" }, { port: PORTS.alertmanagerCluster, protocol: "UDP" }] },
        ]),
        // The API server calls the operator's admission webhook from the control plane's network
        // interfaces, not from a pod: this port stays open, like the chart's own policy for it.
        policy("allow-webhook-to-prometheus-operator", s.operator, [{ ports: tcp(PORTS.operatorWebhook) }]),
        policy("allow-scrapes-to-kube-state-metrics", s.kubeStateMetrics, [{ from: pods("prometheus"), ports: tcp(PORTS.ksmHttp, PORTS.ksmTelemetry) }]),
        policy("allow-kiali-to-grafana", s.grafana, [{ from: pods("kiali"), ports: tcp(PORTS.grafana) }]),
        policy("allow-logs-to-loki", s.loki, [
            { from: pods("alloy", "grafana"), ports: tcp(PORTS.lokiHttp) },
            { from: pods("loki"), ports: tcp(PORTS.lokiGrpc, PORTS.lokiMemberlist) },
        ]),
        policy("allow-mesh-spans-to-jaeger", s.jaeger, [{ from: MESHED_NAMESPACES, ports: tcp(PORTS.otlpGrpc, PORTS.otlpHttp) }]),
        policy("allow-queries-to-jaeger", s.jaeger, [
            { from: pods("grafana"), ports: tcp(PORTS.jaegerQuery) },
            { from: pods("kiali"), ports: tcp(PORTS.jaegerQueryGrpc) },
        ]),
    ];
}
