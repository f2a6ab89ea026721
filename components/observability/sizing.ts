// Requests and limits of every observability workload per environment. dev must fit beside the
// mesh and payments on two t3.large nodes; prod is sized for a few hundred requests per second.
// CPU limits are left off the latency-sensitive servers (throttling a scrape or a query only makes
// it slower, and requests already reserve their share); memory limits are always set.
import { Environment } from "../settings";

export interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu?: string; memory: string };
}

function r(cpu: string, memory: string, limitMemory: string, limitCpu?: string): Resources {
    return { requests: { cpu, memory }, limits: limitCpu ? { cpu: limitCpu, memory: limitMemory } : { memory: limitMemory } };
}

export interface ObservabilitySizing {
    prometheus: Resources;
    alertmanager: Resources;
    alertmanagerReplicas: number;
    prometheusOperator: Resources;
    configReloader: Resources;
    kubeStateMetrics: Resources;
    nodeExporter: Resources;
    grafana: Resources;
    grafanaSidecar: Resources;
    loki: Resources;
    alloy: Resources;
    alloyConfigReloader: Resources;
    jaeger: Resources;
    kiali: Resources;
}

export const OBSERVABILITY_SIZING: Record<Environment, ObservabilitySizing> = {
    dev: {
        prometheus: r("200m", "1Gi", "2Gi"),
        alertmanager: r("10m", "64Mi", "128Mi"),
        alertmanagerReplicas: 1,
        prometheusOperator: r("50m", "128Mi", "256Mi"),
        configReloader: r("10m", "32Mi", "64Mi", "100m"),
        kubeStateMetrics: r("20m", "64Mi", "256Mi"),
        nodeExporter: r("20m", "32Mi", "64Mi", "200m"),
        grafana: r("50m", "192Mi", "512Mi"),
        grafanaSidecar: r("10m", "64Mi", "128Mi", "100m"),
        loki: r("100m", "256Mi", "1Gi"),
        alloy: r("50m", "128Mi", "384Mi", "500m"),
        alloyConfigReloader: r("10m", "32Mi", "64Mi", "50m"),
        jaeger: r("50m", "128Mi", "512Mi"),
        kiali: r("20m", "128Mi", "512Mi"),
    },
    staging: {
        prometheus: r("500m", "2Gi", "4Gi"),
        alertmanager: r("20m", "64Mi", "128Mi"),
        alertmanagerReplicas: 1,
        prometheusOperator: r("100m", "128Mi", "256Mi"),
        configReloader: r("10m", "32Mi", "64Mi", "100m"),
        kubeStateMetrics: r("50m", "128Mi", "256Mi"),
        nodeExporter: r("50m", "32Mi", "64Mi", "250m"),
        grafana: r("100m", "256Mi", "1Gi"),
        grafanaSidecar: r("10m", "64Mi", "128Mi", "100m"),
        loki: r("500m", "1Gi", "2Gi"),
        alloy: r("100m", "192Mi", "512Mi", "1"),
        alloyConfigReloader: r("10m", "32Mi", "64Mi", "50m"),
        jaeger: r("100m", "256Mi", "1Gi"),
        kiali: r("50m", "256Mi", "1Gi"),
    },
    prod: {
        prometheus: r("1", "4Gi", "8Gi"),
        alertmanager: r("50m", "128Mi", "256Mi"),
        alertmanagerReplicas: 2,
        prometheusOperator: r("100m", "256Mi", "512Mi"),
        configReloader: r("10m", "32Mi", "64Mi", "100m"),
        kubeStateMetrics: r("100m", "256Mi", "512Mi"),
        nodeExporter: r("50m", "64Mi", "128Mi", "250m"),
        grafana: r("250m", "512Mi", "1Gi"),
        grafanaSidecar: r("20m", "64Mi", "128Mi", "200m"),
        loki: r("1", "2Gi", "4Gi"),
        alloy: r("200m", "256Mi", "1Gi", "1"),
        alloyConfigReloader: r("10m", "32Mi", "64Mi", "50m"),
        jaeger: r("250m", "512Mi", "2Gi"),
        kiali: r("100m", "256Mi", "1Gi"),
    },
};
