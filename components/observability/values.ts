// Helm values of the observability releases, as pure functions of the environment's settings
// (Grafana's in grafana.ts, Kiali's in kiali.ts).
// Every key was checked against the pinned chart's values.yaml (see CHARTS in versions.ts); keys
// under free-form maps (grafana.ini, datasources, Loki's config sections, Jaeger's userconfig,
// Kiali's CR-shaped config) follow the application's own configuration reference.
import { Environment } from "../settings";
import { alertmanagerConfig, ALERTMANAGER_RECEIVERS_SECRET, needsReceiversSecret } from "./alertmanager";
import { ReceiversConfig } from "./alert-settings";
import { alloyConfig, NODE_NAME_ENV } from "./alloy";
import { jaegerConfig } from "./jaeger";
import { JAEGER_BADGER_CLAIM, JAEGER_BADGER_MOUNT, LOKI_SERVICE_ACCOUNT, PROMETHEUS_STACK_FULLNAME, URLS } from "./names";
import { ObservabilityConfig } from "./settings";
import { OBSERVABILITY_SIZING } from "./sizing";
import { JAEGER_COLLECTOR } from "../tracing";

export { grafanaDatasources, grafanaValues, GrafanaInput } from "./grafana";
export { kialiValues, KialiInput } from "./kiali";

/** The gp3 StorageClass the Cluster component creates (encrypted, WaitForFirstConsumer); an existing cluster names its own. */
export const STORAGE_CLASS = "gp3";

function pvcSpec(sizeGiB: number, storageClass = STORAGE_CLASS): Record<string, unknown> {
    return { storageClassName: storageClass, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${sizeGiB}Gi` } } };
}

// ---------------------------------------------------------------- kube-prometheus-stack

export interface PrometheusStackInput {
    environment: Environment;
    /** Cluster name, added as the `cluster` external label. */
    cluster: string;
    config: ObservabilityConfig["prometheus"];
    /** Where Alertmanager sends alerts (none: it keeps them in its UI). */
    receivers?: ReceiversConfig;
    /** Default: gp3. */
    storageClass?: string;
}

/** The EndpointSlice label kube-state-metrics exports, so alerts can find a Service's endpoints. */
export const KSM_LABELS_ALLOWLIST = ["endpointslices=[kubernetes.io/service-name]"];

export function prometheusStackValues(input: PrometheusStackInput): Record<string, unknown> {
    const size = OBSERVABILITY_SIZING[input.environment];
    const { retentionDays, storageGiB, replicas } = input.config;
    const receivers = input.receivers ?? {};
    return {
        fullnameOverride: PROMETHEUS_STACK_FULLNAME,
        crds: { enabled: true },
        // Grafana is its own release (grafana chart); the stack still ships its Kubernetes
        // dashboards as ConfigMaps, which that Grafana's sidecar loads.
        grafana: { enabled: false, forceDeployDashboards: true, forceDeployDatasources: false },
        // EKS runs etcd, the scheduler and the controller manager out of reach; kube-proxy binds
        // its metrics to 127.0.0.1. Scraping them would only produce TargetDown alerts.
        kubeEtcd: { enabled: false },
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeProxy: { enabled: false },
        prometheusOperator: {
            resources: size.prometheusOperator,
            prometheusConfigReloader: { resources: size.configReloader },
        },
        // kube_endpointslice_labels{label_kubernetes_io_service_name=...} (PaymentsBackendNoReadyEndpoints).
        "kube-state-metrics": { resources: size.kubeStateMetrics, metricLabelsAllowlist: KSM_LABELS_ALLOWLIST },
        "prometheus-node-exporter": { resources: size.nodeExporter },
        alertmanager: {
            enabled: true,
            config: alertmanagerConfig(receivers, input.cluster),
            alertmanagerSpec: {
                replicas: size.alertmanagerReplicas,
                retention: "120h",
                resources: size.alertmanager,
                storage: { volumeClaimTemplate: { spec: pvcSpec(2, input.storageClass) } },
                // The receivers' credentials, written by External Secrets Operator (credentials.ts).
                ...(needsReceiversSecret(receivers) ? { secrets: [ALERTMANAGER_RECEIVERS_SECRET.name] } : {}),
            },
        },
        prometheus: {
            prometheusSpec: {
                // Select every ServiceMonitor, PodMonitor, Probe and PrometheusRule in every
                // namespace, not only those carrying this release's label.
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                serviceMonitorNamespaceSelector: {},
                podMonitorNamespaceSelector: {},
                ruleNamespaceSelector: {},
                probeNamespaceSelector: {},
                replicas,
                retention: `${retentionDays}d`,
                // Leave headroom on the volume for the WAL and compaction.
                retentionSize: `${Math.floor(storageGiB * 0.85)}GB`,
                resources: size.prometheus,
                externalLabels: { cluster: input.cluster },
                storageSpec: { volumeClaimTemplate: { spec: pvcSpec(storageGiB, input.storageClass) } },
            },
            // Each replica scrapes on its own, so their samples differ slightly; ClientIP affinity
            // keeps Grafana's and Kiali's (single-pod) queries on one replica, so graphs do not
            // flap between them. Kube-proxy honours it: both clients are outside the mesh.
            service: { sessionAffinity: "ClientIP" },
        },
    };
}

// ---------------------------------------------------------------- loki

export interface LokiInput {
    environment: Environment;
    config: ObservabilityConfig["loki"];
    region: string;
    /** S3 storage only. */
    bucket?: string;
    /** S3 storage only: the IRSA role Loki's ServiceAccount assumes. */
    roleArn?: string;
    /** Default: gp3. */
    storageClass?: string;
}

export function lokiValues(input: LokiInput): Record<string, unknown> {
    const size = OBSERVABILITY_SIZING[input.environment];
    const s3 = input.config.storage === "s3";
    if (s3 && (!input.bucket || !input.roleArn)) throw new Error("lokiValues: s3 storage needs the bucket and the IRSA role ARN");
    // One bucket: chunks live under the tenant's prefix, index under index/, (unused) rules under rules/.
    // No `admin` bucket: the chart reads it only for Grafana Enterprise Logs (enterprise.adminApi), not run here.
    const storage = s3
        ? { type: "s3", bucketNames: { chunks: input.bucket, ruler: input.bucket }, s3: { region: input.region } }
        : { type: "filesystem" };
    return {
        deploymentMode: "Monolithic",
        loki: {
            // One tenant: the platform's own logs. Multi-tenancy would need X-Scope-OrgID everywhere.
            auth_enabled: false,
            commonConfig: { replication_factor: 1 },
            schemaConfig: {
                configs: [
                    { from: "2024-04-01", store: "tsdb", object_store: s3 ? "s3" : "filesystem", schema: "v13", index: { prefix: "loki_index_", period: "24h" } },
                ],
            },
            storage,
            limits_config: { retention_period: `${input.config.retentionDays * 24}h`, allow_structured_metadata: true },
            // Loki reports anonymous usage statistics to stats.grafana.org by default (Loki's
            // configuration reference, analytics.reporting_enabled; chart value loki.analytics).
            analytics: { reporting_enabled: false },
            compactor: {
                retention_enabled: true,
                delete_request_store: s3 ? "s3" : "filesystem",
                working_directory: "/var/loki/compactor",
            },
        },
        serviceAccount: {
            create: true,
            name: LOKI_SERVICE_ACCOUNT,
            annotations: s3 ? { "eks.amazonaws.com/role-arn": input.roleArn } : {},
        },
        singleBinary: {
            replicas: 1,
            resources: size.loki,
            // Loki's own rules sidecar is not used (alerts live in PrometheusRules).
            sidecar: false,
            persistence: { enabled: true, size: `${input.config.storageGiB}Gi`, storageClass: input.storageClass ?? STORAGE_CLASS },
        },
        // Monolithic mode: the single binary's Service takes pushes and queries directly.
        gateway: { enabled: false },
        backend: { replicas: 0 },
        read: { replicas: 0 },
        write: { replicas: 0 },
        // The memcached caches size for large clusters (GBs each); one Loki does not need them.
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        lokiCanary: { enabled: false },
        test: { enabled: false },
        minio: { enabled: false },
    };
}

// ---------------------------------------------------------------- alloy

export interface AlloyInput {
    environment: Environment;
    cluster: string;
}

export function alloyValues(input: AlloyInput): Record<string, unknown> {
    const size = OBSERVABILITY_SIZING[input.environment];
    return {
        alloy: {
            configMap: { create: true, content: alloyConfig({ lokiPushUrl: URLS.lokiPush, cluster: input.cluster }) },
            // Pod logs are files under /var/log/pods on each node.
            mounts: { varlog: true },
            extraEnv: [{ name: NODE_NAME_ENV, valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
            enableReporting: false,
            resources: size.alloy,
            // Root reads the kubelet's 0640 root-owned log files; nothing else is granted.
            securityContext: {
                runAsUser: 0,
                runAsGroup: 0,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            },
        },
        configReloader: { resources: size.alloyConfigReloader },
        controller: {
            type: "daemonset",
            // Every node's logs, tainted nodes included.
            tolerations: [{ operator: "Exists" }],
        },
        // The PodLogs CRD is not used: discovery comes from the config above.
        crds: { create: false },
    };
}

// ---------------------------------------------------------------- jaeger

export interface JaegerInput {
    environment: Environment;
    config: ObservabilityConfig["jaeger"];
}

export function jaegerValues(input: JaegerInput): Record<string, unknown> {
    const size = OBSERVABILITY_SIZING[input.environment];
    const badger = input.config.storage === "badger";
    return {
        // The Service is named exactly as JAEGER_COLLECTOR, the address istiod's tracing
        // extension provider sends spans to (components/tracing.ts).
        fullnameOverride: JAEGER_COLLECTOR.service,
        jaeger: {
            replicas: 1,
            resources: size.jaeger,
            extraVolumes: badger ? [{ name: "badger-data", persistentVolumeClaim: { claimName: JAEGER_BADGER_CLAIM } }] : [],
            extraVolumeMounts: badger ? [{ name: "badger-data", mountPath: JAEGER_BADGER_MOUNT }] : [],
        },
        userconfig: jaegerConfig({
            storage: input.config.storage,
            retentionDays: input.config.retentionDays,
            dataPath: JAEGER_BADGER_MOUNT,
            maxTraces: input.environment === "dev" ? 20_000 : 100_000,
        }),
    };
}
