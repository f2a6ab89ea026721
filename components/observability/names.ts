// Names and in-cluster addresses of the observability stack. Each release's Service name is
// pinned by a fullnameOverride (or by the chart's naming rule for the release name), so the
// URLs here are the ones the charts really create.
import { JAEGER_COLLECTOR, OBSERVABILITY_NAMESPACE } from "../tracing";

export { OBSERVABILITY_NAMESPACE };

export const CLUSTER_DOMAIN = "cluster.local";

function svc(name: string, port: number, scheme = "http"): string {
    return `${scheme}://${name}.${OBSERVABILITY_NAMESPACE}.svc.${CLUSTER_DOMAIN}:${port}`;
}

/** Helm release names (`helm list -n observability`). */
export const RELEASES = {
    prometheusStack: "kube-prometheus-stack",
    grafana: "grafana",
    loki: "loki",
    alloy: "alloy",
    jaeger: "jaeger",
    kiali: "kiali",
} as const;

/** kube-prometheus-stack's fullnameOverride: objects are named `kps-prometheus`, `kps-alertmanager`, `kps-operator`. */
export const PROMETHEUS_STACK_FULLNAME = "kps";

export const SERVICES = {
    prometheus: { name: `${PROMETHEUS_STACK_FULLNAME}-prometheus`, port: 9090 },
    alertmanager: { name: `${PROMETHEUS_STACK_FULLNAME}-alertmanager`, port: 9093 },
    // The grafana chart names everything after the release when it equals the chart name.
    grafana: { name: "grafana", port: 80 },
    // Monolithic Loki without its nginx gateway: the single binary's Service is the release name.
    loki: { name: "loki", port: 3100 },
    // Jaeger v2 all-in-one: one Service named after JAEGER_COLLECTOR serves OTLP and the query API.
    jaegerQuery: { name: JAEGER_COLLECTOR.service, port: 16686 },
    jaegerQueryGrpc: { name: JAEGER_COLLECTOR.service, port: 16685 },
    kiali: { name: "kiali", port: 20001 },
} as const;

export const URLS = {
    prometheus: svc(SERVICES.prometheus.name, SERVICES.prometheus.port),
    alertmanager: svc(SERVICES.alertmanager.name, SERVICES.alertmanager.port),
    grafana: svc(SERVICES.grafana.name, SERVICES.grafana.port),
    loki: svc(SERVICES.loki.name, SERVICES.loki.port),
    lokiPush: `${svc(SERVICES.loki.name, SERVICES.loki.port)}/loki/api/v1/push`,
    jaegerQuery: svc(SERVICES.jaegerQuery.name, SERVICES.jaegerQuery.port),
    jaegerQueryGrpc: svc(SERVICES.jaegerQueryGrpc.name, SERVICES.jaegerQueryGrpc.port),
} as const;

/** Local ports the UIs are reached on through `kubectl port-forward` (docs/observability.md). */
export const PORT_FORWARD = {
    grafana: { service: SERVICES.grafana.name, local: 3000, remote: SERVICES.grafana.port },
    kiali: { service: SERVICES.kiali.name, local: 20001, remote: SERVICES.kiali.port },
    jaeger: { service: SERVICES.jaegerQuery.name, local: 16686, remote: SERVICES.jaegerQuery.port },
    prometheus: { service: SERVICES.prometheus.name, local: 9090, remote: SERVICES.prometheus.port },
    alertmanager: { service: SERVICES.alertmanager.name, local: 9093, remote: SERVICES.alertmanager.port },
} as const;

export function portForwardCommand(ui: keyof typeof PORT_FORWARD): string {
    const p = PORT_FORWARD[ui];
    return `kubectl -n ${OBSERVABILITY_NAMESPACE} port-forward svc/${p.service} ${p.local}:${p.remote}`;
}

/** Grafana datasource uids: stable, so links between datasources and from Kiali survive restarts. */
export const DATASOURCE_UIDS = { prometheus: "prometheus", loki: "loki", jaeger: "jaeger", alertmanager: "alertmanager" } as const;

/** The Secret holding Grafana's admin credentials (the chart reads it through admin.existingSecret). */
export const GRAFANA_ADMIN_SECRET = { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password", user: "admin" } as const;

/** Loki's ServiceAccount: the IRSA role for the S3 bucket trusts exactly this one. */
export const LOKI_SERVICE_ACCOUNT = "loki";

/** The PersistentVolumeClaim Jaeger's badger store lives on (staging, prod). */
export const JAEGER_BADGER_CLAIM = "jaeger-badger";
export const JAEGER_BADGER_MOUNT = "/badger";
