// Helm values of the six observability releases, as pure functions of the environment's settings.
// Every key was checked against the pinned chart's values.yaml (see CHARTS in versions.ts); keys
// under free-form maps (grafana.ini, datasources, Loki's config sections, Jaeger's userconfig,
// Kiali's CR-shaped config) follow the application's own configuration reference.
import { INGRESS_GATEWAY_NAME, INGRESS_NAMESPACE } from "../mesh/topology";
import { Environment } from "../settings";
import { alloyConfig, NODE_NAME_ENV } from "./alloy";
import { DASHBOARD_CURL_OPTIONS, dashboardUrl, ISTIO_DASHBOARDS } from "./dashboards";
import { jaegerConfig } from "./jaeger";
import {
    DATASOURCE_UIDS,
    GRAFANA_ADMIN_SECRET,
    JAEGER_BADGER_CLAIM,
    JAEGER_BADGER_MOUNT,
    LOKI_SERVICE_ACCOUNT,
    PORT_FORWARD,
    PROMETHEUS_STACK_FULLNAME,
    SERVICES,
    URLS,
} from "./names";
import { ObservabilityConfig } from "./settings";
import { OBSERVABILITY_SIZING } from "./sizing";
import { JAEGER_COLLECTOR } from "../tracing";

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
    /** Default: gp3. */
    storageClass?: string;
}

export function prometheusStackValues(input: PrometheusStackInput): Record<string, unknown> {
    const size = OBSERVABILITY_SIZING[input.environment];
    const { retentionDays, storageGiB, replicas } = input.config;
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
        "kube-state-metrics": { resources: size.kubeStateMetrics },
        "prometheus-node-exporter": { resources: size.nodeExporter },
        alertmanager: {
            enabled: true,
            alertmanagerSpec: {
                replicas: size.alertmanagerReplicas,
                retention: "120h",
                resources: size.alertmanager,
                storage: { volumeClaimTemplate: { spec: pvcSpec(2, input.storageClass) } },
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
        },
    };
}

// ---------------------------------------------------------------- grafana

export interface GrafanaInput {
    environment: Environment;
    /** Default: gp3. */
    storageClass?: string;
}

/** Provisioned datasources. The Jaeger datasource links a span to the proxy's access-log lines. */
export function grafanaDatasources(): Record<string, unknown>[] {
    return [
        {
            name: "Prometheus",
            uid: DATASOURCE_UIDS.prometheus,
            type: "prometheus",
            access: "proxy",
            url: URLS.prometheus,
            isDefault: true,
            editable: false,
            jsonData: { timeInterval: "30s" },
        },
        {
            name: "Alertmanager",
            uid: DATASOURCE_UIDS.alertmanager,
            type: "alertmanager",
            access: "proxy",
            url: URLS.alertmanager,
            editable: false,
            jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
        },
        {
            name: "Loki",
            uid: DATASOURCE_UIDS.loki,
            type: "loki",
            access: "proxy",
            url: URLS.loki,
            editable: false,
            jsonData: { maxLines: 1000 },
        },
        {
            name: "Jaeger",
            uid: DATASOURCE_UIDS.jaeger,
            type: "jaeger",
            access: "proxy",
            url: URLS.jaegerQuery,
            editable: false,
            jsonData: {
                tracesToLogsV2: {
                    datasourceUid: DATASOURCE_UIDS.loki,
                    spanStartTimeShift: "-5m",
                    spanEndTimeShift: "5m",
                    filterByTraceID: false,
                    filterBySpanID: false,
                    customQuery: true,
                    // Envoy tags every span with the request id it also writes into its access log.
                    query: '{namespace="${__span.tags["istio.namespace"]}", log_type="access"} | request_id="${__span.tags["guid:x-request-id"]}"',
                },
                tracesToMetrics: { datasourceUid: DATASOURCE_UIDS.prometheus },
                nodeGraph: { enabled: true },
            },
        },
    ];
}

export function grafanaValues(input: GrafanaInput): Record<string, unknown> {
    const size = OBSERVABILITY_SIZING[input.environment];
    const persistent = input.environment !== "dev";
    return {
        replicas: 1,
        // A single pod on a ReadWriteOnce volume: the old pod must release it before the new one starts.
        deploymentStrategy: { type: persistent ? "Recreate" : "RollingUpdate" },
        admin: { existingSecret: GRAFANA_ADMIN_SECRET.name, userKey: GRAFANA_ADMIN_SECRET.userKey, passwordKey: GRAFANA_ADMIN_SECRET.passwordKey },
        resources: size.grafana,
        persistence: persistent ? { enabled: true, type: "pvc", storageClassName: input.storageClass ?? STORAGE_CLASS, accessModes: ["ReadWriteOnce"], size: "10Gi" } : { enabled: false },
        testFramework: { enabled: false },
        "grafana.ini": {
            server: { root_url: `http://localhost:${PORT_FORWARD.grafana.local}` },
            analytics: { check_for_updates: false, check_for_plugin_updates: false, reporting_enabled: false },
            "auth.anonymous": { enabled: false },
            "auth.basic": { enabled: true },
            users: { allow_sign_up: false, allow_org_create: false },
            security: { disable_gravatar: true, cookie_samesite: "strict", disable_initial_admin_creation: false },
        },
        datasources: { "datasources.yaml": { apiVersion: 1, datasources: grafanaDatasources() } },
        dashboardProviders: {
            "dashboardproviders.yaml": {
                apiVersion: 1,
                providers: [
                    {
                        name: "istio",
                        orgId: 1,
                        folder: "Istio",
                        type: "file",
                        disableDeletion: true,
                        editable: false,
                        options: { path: "/var/lib/grafana/dashboards/istio" },
                    },
                ],
            },
        },
        dashboards: {
            // No `datasource`: Istio's dashboards pick their Prometheus through a `datasource`
            // template variable (ours is the default), and the chart's sed rewrite would only
            // mangle their datasource objects and hide a failed download behind a pipe.
            istio: Object.fromEntries(ISTIO_DASHBOARDS.map((d) => [d.name, { url: dashboardUrl(d), curlOptions: DASHBOARD_CURL_OPTIONS }])),
        },
        downloadDashboards: { resources: size.grafanaSidecar },
        sidecar: {
            resources: size.grafanaSidecar,
            // Dashboards as ConfigMaps labelled grafana_dashboard=1 in any namespace (the
            // kube-prometheus-stack ships its Kubernetes dashboards this way).
            dashboards: {
                enabled: true,
                label: "grafana_dashboard",
                labelValue: "1",
                searchNamespace: "ALL",
                folderAnnotation: "grafana_folder",
                provider: { foldersFromFilesStructure: true },
            },
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
    const storage = s3
        ? { type: "s3", bucketNames: { chunks: input.bucket, ruler: input.bucket, admin: input.bucket }, s3: { region: input.region } }
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

// ---------------------------------------------------------------- kiali

export interface KialiInput {
    environment: Environment;
    config: ObservabilityConfig["kiali"];
}

export function kialiValues(input: KialiInput): Record<string, unknown> {
    const size = OBSERVABILITY_SIZING[input.environment];
    return {
        auth: { strategy: input.config.authStrategy },
        deployment: {
            replicas: 1,
            resources: size.kiali,
            cluster_wide_access: true,
            // Anonymous users (dev) only look: anyone with a port-forward would otherwise edit Istio
            // config with Kiali's own service account. `token`/`openid` users edit with their own RBAC.
            view_only_mode: input.config.authStrategy === "anonymous",
        },
        external_services: {
            prometheus: { url: URLS.prometheus },
            grafana: {
                enabled: true,
                internal_url: URLS.grafana,
                external_url: `http://localhost:${PORT_FORWARD.grafana.local}`,
                datasource_uid: DATASOURCE_UIDS.prometheus,
                // "secret:<name>:<key>": the chart mounts the Secret and Kiali reads the password from it.
                auth: {
                    type: "basic",
                    username: GRAFANA_ADMIN_SECRET.user,
                    password: `secret:${GRAFANA_ADMIN_SECRET.name}:${GRAFANA_ADMIN_SECRET.passwordKey}`,
                },
                dashboards: [
                    { name: "Istio Service Dashboard", variables: { namespace: "var-namespace", service: "var-service", datasource: "var-datasource" } },
                    { name: "Istio Workload Dashboard", variables: { namespace: "var-namespace", workload: "var-workload", datasource: "var-datasource" } },
                    { name: "Istio Mesh Dashboard" },
                    { name: "Istio Control Plane Dashboard" },
                    { name: "Istio Performance Dashboard" },
                ],
            },
            tracing: {
                enabled: true,
                provider: "jaeger",
                use_grpc: true,
                internal_url: URLS.jaegerQueryGrpc,
                external_url: `http://localhost:${PORT_FORWARD.jaeger.local}`,
            },
            // Kiali 2.x finds istiod (every revision) and its ConfigMaps by itself; of its `istio`
            // settings only the component health list is ours to give.
            istio: {
                component_status: {
                    enabled: true,
                    components: [
                        { app_label: "istiod", is_core: true },
                        { app_label: INGRESS_GATEWAY_NAME, namespace: INGRESS_NAMESPACE, is_core: true, is_proxy: true },
                    ],
                },
            },
        },
        server: { port: SERVICES.kiali.port },
    };
}
