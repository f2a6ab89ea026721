// Requests and limits of every observability workload per environment. dev must fit beside the
// mesh and payments on its nodes (test/footprint checks every stack against its node group); prod
// is sized for a few hundred requests per second. Every container has a CPU and a memory limit.
// CPU limits are generous (several times the request): a limit throttles a scrape or a query even
// on an idle node, so it is there to stop one runaway pod from starving its neighbours, not to
// shape normal load; the request is what reserves each workload's share.
import { Environment } from "../settings";

export interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

function r(cpu: string, memory: string, limitMemory: string, limitCpu: string): Resources {
    return { requests: { cpu, memory }, limits: { cpu: limitCpu, memory: limitMemory } };
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
        prometheus: r("200m", "1Gi", "2Gi", "1"),
        alertmanager: r("10m", "64Mi", "128Mi", "100m"),
        alertmanagerReplicas: 1,
        prometheusOperator: r("50m", "128Mi", "256Mi", "200m"),
        configReloader: r("10m", "32Mi", "64Mi", "100m"),
        kubeStateMetrics: r("20m", "64Mi", "256Mi", "200m"),
        nodeExporter: r("20m", "32Mi", "64Mi", "200m"),
        grafana: r("50m", "192Mi", "512Mi", "500m"),
        grafanaSidecar: r("10m", "64Mi", "128Mi", "100m"),
        loki: r("100m", "256Mi", "1Gi", "1"),
        alloy: r("50m", "128Mi", "384Mi", "500m"),
        alloyConfigReloader: r("10m", "32Mi", "64Mi", "50m"),
        jaeger: r("50m", "128Mi", "512Mi", "500m"),
        kiali: r("20m", "128Mi", "512Mi", "500m"),
    },
    staging: {
        prometheus: r("500m", "2Gi", "4Gi", "2"),
        alertmanager: r("20m", "64Mi", "128Mi", "200m"),
        alertmanagerReplicas: 1,
        prometheusOperator: r("100m", "128Mi", "256Mi", "500m"),
        configReloader: r("10m", "32Mi", "64Mi", "100m"),
        kubeStateMetrics: r("50m", "128Mi", "256Mi", "500m"),
        nodeExporter: r("50m", "32Mi", "64Mi", "250m"),
        grafana: r("100m", "256Mi", "1Gi", "1"),
        grafanaSidecar: r("10m", "64Mi", "128Mi", "100m"),
        loki: r("500m", "1Gi", "2Gi", "2"),
        alloy: r("100m", "192Mi", "512Mi", "1"),
        alloyConfigReloader: r("10m", "32Mi", "64Mi", "50m"),
        jaeger: r("100m", "256Mi", "1Gi", "1"),
        kiali: r("50m", "256Mi", "1Gi", "1"),
    },
    prod: {
        prometheus: r("1", "4Gi", "8Gi", "4"),
        alertmanager: r("50m", "128Mi", "256Mi", "250m"),
        alertmanagerReplicas: 2,
        prometheusOperator: r("100m", "256Mi", "512Mi", "500m"),
        configReloader: r("10m", "32Mi", "64Mi", "100m"),
        kubeStateMetrics: r("100m", "256Mi", "512Mi", "1"),
        nodeExporter: r("50m", "64Mi", "128Mi", "250m"),
        grafana: r("250m", "512Mi", "1Gi", "2"),
        grafanaSidecar: r("20m", "64Mi", "128Mi", "200m"),
        loki: r("1", "2Gi", "4Gi", "4"),
        alloy: r("200m", "256Mi", "1Gi", "1"),
        alloyConfigReloader: r("10m", "32Mi", "64Mi", "50m"),
        jaeger: r("250m", "512Mi", "2Gi", "2"),
        kiali: r("100m", "256Mi", "1Gi", "1"),
    },
};
