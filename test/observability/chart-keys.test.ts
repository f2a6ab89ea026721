// Helm ignores a misspelt values key: every key the observability releases set must exist in its
// pinned chart. The lists are written down from each chart's values.yaml at the pinned version (or,
// where a key is read by a template without a default, from that template), as for cert-manager.
// `x.*` marks a map the chart passes through whole (resources, securityContext, annotations) or
// an application's own configuration (grafana.ini, Loki's config, Jaeger's userconfig, Kiali's
// CR-shaped config, Alertmanager's config). `[a.b]` is one key containing a dot.
import { strict as assert } from "assert";
import { alloyValues, jaegerValues, lokiValues, prometheusStackValues } from "../../components/observability/values";
import { grafanaValues } from "../../components/observability/grafana";
import { kialiValues } from "../../components/observability/kiali";
import { ObservabilityConfig } from "../../components/observability/settings";
import { Environment } from "../../components/settings";
import { CHARTS } from "../../components/versions";
import { observabilityConfig } from "./fixtures";

const RESOURCES = (prefix: string) => [`${prefix}.resources.*`];

const CHART_KEYS: Record<"kubePrometheusStack" | "grafana" | "loki" | "alloy" | "jaeger" | "kialiServer", { version: string; keys: string[] }> = {
    kubePrometheusStack: {
        version: "88.5.3",
        keys: [
            "fullnameOverride", "crds.enabled", "grafana.enabled", "grafana.forceDeployDashboards", "grafana.forceDeployDatasources",
            "kubeEtcd.enabled", "kubeControllerManager.enabled", "kubeScheduler.enabled", "kubeProxy.enabled",
            ...RESOURCES("prometheusOperator"), ...RESOURCES("prometheusOperator.prometheusConfigReloader"),
            // Subcharts: kube-state-metrics 8.4.0 (metricLabelsAllowlist, resources), prometheus-node-exporter 4.56.1 (resources).
            "kube-state-metrics.metricLabelsAllowlist", ...RESOURCES("kube-state-metrics"), ...RESOURCES("prometheus-node-exporter"),
            "alertmanager.enabled", "alertmanager.config.*", "alertmanager.alertmanagerSpec.replicas", "alertmanager.alertmanagerSpec.retention",
            ...RESOURCES("alertmanager.alertmanagerSpec"), "alertmanager.alertmanagerSpec.storage.*", "alertmanager.alertmanagerSpec.secrets",
            ...["serviceMonitor", "podMonitor", "rule", "probe"].flatMap((k) => [`prometheus.prometheusSpec.${k}SelectorNilUsesHelmValues`, `prometheus.prometheusSpec.${k}NamespaceSelector`]),
            "prometheus.prometheusSpec.replicas", "prometheus.prometheusSpec.retention", "prometheus.prometheusSpec.retentionSize",
            ...RESOURCES("prometheus.prometheusSpec"), "prometheus.prometheusSpec.externalLabels.*", "prometheus.prometheusSpec.storageSpec.*",
            "prometheus.service.sessionAffinity",
        ],
    },
    grafana: {
        version: "12.11.1",
        keys: [
            "replicas", "deploymentStrategy.type", "admin.existingSecret", "admin.userKey", "admin.passwordKey", ...RESOURCES(""),
            // persistence.storageClassName is documented commented out in values.yaml.
            "persistence.enabled", "persistence.type", "persistence.storageClassName", "persistence.accessModes", "persistence.size",
            "testFramework.enabled", "dashboards", "plugins", "[grafana.ini].*", "datasources.*",
            "sidecar.resources.*", "sidecar.dashboards.enabled", "sidecar.dashboards.label", "sidecar.dashboards.labelValue",
            "sidecar.dashboards.searchNamespace", "sidecar.dashboards.folderAnnotation", "sidecar.dashboards.provider.foldersFromFilesStructure",
        ],
    },
    loki: {
        version: "18.11.0",
        keys: [
            "deploymentMode", "loki.auth_enabled", "loki.commonConfig.replication_factor", "loki.schemaConfig.*", "loki.storage.type",
            // bucketNames is documented commented out; chunks and ruler are what the chart reads.
            "loki.storage.bucketNames.chunks", "loki.storage.bucketNames.ruler", "loki.storage.s3.region", "loki.limits_config.*", "loki.compactor.*", "loki.analytics.*",
            "serviceAccount.create", "serviceAccount.name", "serviceAccount.annotations.*",
            "singleBinary.replicas", ...RESOURCES("singleBinary"), "singleBinary.sidecar", "singleBinary.persistence.enabled", "singleBinary.persistence.size", "singleBinary.persistence.storageClass",
            "gateway.enabled", "backend.replicas", "read.replicas", "write.replicas", "chunksCache.enabled", "resultsCache.enabled", "lokiCanary.enabled", "test.enabled", "minio.enabled",
        ],
    },
    alloy: {
        version: "1.11.1",
        keys: ["alloy.configMap.create", "alloy.configMap.content", "alloy.mounts.varlog", "alloy.extraEnv", "alloy.enableReporting", ...RESOURCES("alloy"), "alloy.securityContext.*", ...RESOURCES("configReloader"), "controller.type", "controller.tolerations", "crds.create"],
    },
    jaeger: {
        // jaeger.resources is read by templates/jaeger/jaeger-deploy.yaml (no default in values.yaml).
        version: "4.11.1",
        keys: ["fullnameOverride", "jaeger.replicas", ...RESOURCES("jaeger"), "jaeger.extraVolumes", "jaeger.extraVolumeMounts", "userconfig.*"],
    },
    kialiServer: {
        version: "2.29.0",
        keys: ["auth.strategy", "auth.openid.*", ...["replicas", "cluster_wide_access", "view_only_mode", "secret_name"].map((k) => `deployment.${k}`), ...RESOURCES("deployment"), "external_services.*", "server.port"],
    },
};

/** Leaf paths of a values object, keys with a dot bracketed. */
function leaves(v: unknown, at = ""): string[] {
    if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0) {
        return Object.entries(v).flatMap(([k, x]) => leaves(x, `${at ? `${at}.` : ""}${k.includes(".") ? `[${k}]` : k}`));
    }
    return [at];
}

function allowedBy(keys: readonly string[], path: string): boolean {
    return keys.some((k) => {
        const bare = k.replace(/^\./, "");
        // `x.*` also covers x itself, set to an empty map.
        return bare === path || (bare.endsWith(".*") && (path.startsWith(bare.slice(0, -1)) || path === bare.slice(0, -2)));
    });
}

const ENVS: Environment[] = ["dev", "staging", "prod"];
const openid: ObservabilityConfig["kiali"] = {
    authStrategy: "openid",
    grafanaTokenSecret: "t",
    openid: { issuerUri: "https://idp.example.com", clientId: "kiali", clientSecretSecret: "s", usernameClaim: "email", kubernetesRbac: false },
};

/** Every variant of each chart's values the program can produce. */
const VALUES: Record<keyof typeof CHART_KEYS, () => Record<string, unknown>[]> = {
    kubePrometheusStack: () => ENVS.map((e) => prometheusStackValues({ environment: e, cluster: "c", config: observabilityConfig(e).prometheus, receivers: { slackWebhookSecret: "a", pagerdutyRoutingKeySecret: "b" } })),
    grafana: () => ENVS.map((e) => grafanaValues({ environment: e })),
    loki: () => [lokiValues({ environment: "dev", config: observabilityConfig("dev").loki, region: "r" }), lokiValues({ environment: "prod", config: observabilityConfig("prod").loki, region: "r", bucket: "b", roleArn: "a" })],
    alloy: () => ENVS.map((e) => alloyValues({ environment: e, cluster: "c" })),
    jaeger: () => ENVS.map((e) => jaegerValues({ environment: e, config: observabilityConfig(e).jaeger })),
    kialiServer: () => [...ENVS.map((e) => kialiValues({ environment: e, config: observabilityConfig(e).kiali })), kialiValues({ environment: "prod", config: openid })],
};

describe("observability chart values keys", () => {
    for (const [chart, pin] of Object.entries(CHART_KEYS) as [keyof typeof CHART_KEYS, (typeof CHART_KEYS)[keyof typeof CHART_KEYS]][]) {
        it(`${chart}: sets only keys of the ${pin.version} chart (Helm ignores a misspelt key)`, () => {
            assert.equal(CHARTS[chart].version, pin.version, `the ${chart} pin moved: recheck this list against that release's values.yaml`);
            const unknown = [...new Set(VALUES[chart]().flatMap((v) => leaves(v)))].filter((p) => !allowedBy(pin.keys, p));
            assert.deepEqual(unknown, []);
        });
    }

    it("notices a key the list does not know", () => {
        assert.equal(allowedBy(CHART_KEYS.grafana.keys, "dashboardProviders.x"), false);
        assert.equal(allowedBy(CHART_KEYS.grafana.keys, "[grafana.ini].server.root_url"), true);
        assert.deepEqual(leaves({ "grafana.ini": { a: 1 }, b: { c: [1] } }), ["[grafana.ini].a", "b.c"]);
    });
});
