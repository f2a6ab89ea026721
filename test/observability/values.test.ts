import { strict as assert } from "assert";
import * as YAML from "yaml";
import { ISTIO_DASHBOARDS } from "../../components/observability/dashboards";
import { jaegerConfig, jaegerServiceName } from "../../components/observability/jaeger";
import { GRAFANA_ADMIN_SECRET, portForwardCommand, RELEASES, SERVICES, URLS } from "../../components/observability/names";
import {
    alloyValues,
    grafanaDatasources,
    grafanaValues,
    jaegerValues,
    kialiValues,
    lokiValues,
    prometheusStackValues,
} from "../../components/observability/values";
import { alloyConfig, ACCESS_LOG_SELECTOR } from "../../components/observability/alloy";
import { OBSERVABILITY_SIZING } from "../../components/observability/sizing";
import { collectorHost, JAEGER_COLLECTOR, OBSERVABILITY_NAMESPACE } from "../../components/tracing";
import { ISTIO_VERSION } from "../../components/versions";
import { parseCpu, parseMemory } from "../../scripts/lib/footprint";
import { gatewaySelector, istiodSelector, meshNamespaces } from "../../components/mesh/builders";
import { at, observabilityConfig } from "./fixtures";

const ENVS = ["dev", "staging", "prod"] as const;

describe("observability chart values", () => {
    describe("kube-prometheus-stack", () => {
        const values = (env: (typeof ENVS)[number]) => prometheusStackValues({ environment: env, cluster: `dodo-${env}`, config: observabilityConfig(env).prometheus });

        it("selects monitors, pod monitors, probes and rules from every namespace, not only its release's", () => {
            const spec = at(values("dev"), "prometheus.prometheusSpec") as Record<string, unknown>;
            for (const key of ["serviceMonitorSelectorNilUsesHelmValues", "podMonitorSelectorNilUsesHelmValues", "ruleSelectorNilUsesHelmValues", "probeSelectorNilUsesHelmValues"]) {
                assert.equal(spec[key], false, key);
            }
            for (const key of ["serviceMonitorNamespaceSelector", "podMonitorNamespaceSelector", "ruleNamespaceSelector"]) assert.deepEqual(spec[key], {}, key);
        });

        it("keeps metrics on a gp3 volume sized and retained per environment", () => {
            for (const env of ENVS) {
                const c = observabilityConfig(env).prometheus;
                const spec = at(values(env), "prometheus.prometheusSpec") as Record<string, unknown>;
                assert.equal(spec.retention, `${c.retentionDays}d`);
                assert.equal(at(spec, "storageSpec.volumeClaimTemplate.spec.storageClassName"), "gp3");
                assert.equal(at(spec, "storageSpec.volumeClaimTemplate.spec.resources.requests.storage"), `${c.storageGiB}Gi`);
                assert.ok(parseInt(String(spec.retentionSize), 10) < c.storageGiB, "retentionSize leaves headroom on the volume");
                assert.equal(spec.replicas, c.replicas);
                assert.deepEqual(spec.resources, OBSERVABILITY_SIZING[env].prometheus);
            }
        });

        it("runs Alertmanager, and two of them in prod", () => {
            assert.equal(at(values("dev"), "alertmanager.enabled"), true);
            assert.equal(at(values("prod"), "alertmanager.alertmanagerSpec.replicas"), 2);
        });

        it("does not scrape what EKS keeps out of reach, and leaves Grafana to its own release", () => {
            const v = values("prod");
            for (const c of ["kubeEtcd", "kubeControllerManager", "kubeScheduler", "kubeProxy"]) assert.equal(at(v, `${c}.enabled`), false, c);
            assert.equal(at(v, "grafana.enabled"), false);
            assert.equal(at(v, "grafana.forceDeployDashboards"), true);
        });

        it("names its Services so the in-cluster URLs are right", () => {
            assert.equal(at(values("dev"), "fullnameOverride"), "kps");
            assert.equal(URLS.prometheus, "http://kps-prometheus.observability.svc.cluster.local:9090");
        });
    });

    describe("grafana", () => {
        it("reads the admin credentials from a Secret and never takes a password as a value", () => {
            const v = grafanaValues({ environment: "prod" });
            assert.deepEqual(v.admin, { existingSecret: GRAFANA_ADMIN_SECRET.name, userKey: "admin-user", passwordKey: "admin-password" });
            assert.equal(v.adminPassword, undefined);
            assert.doesNotMatch(JSON.stringify(v), /correct-horse/);
        });

        it("turns anonymous access and sign-up off", () => {
            const ini = grafanaValues({ environment: "dev" })["grafana.ini"] as Record<string, Record<string, unknown>>;
            assert.equal(ini["auth.anonymous"].enabled, false);
            assert.equal(ini.users.allow_sign_up, false);
        });

        it("provisions Prometheus, Loki and Jaeger by their in-cluster URLs, with traces linking to logs", () => {
            const ds = grafanaDatasources();
            const byType = Object.fromEntries(ds.map((d) => [d.type as string, d]));
            assert.equal(byType.prometheus.url, URLS.prometheus);
            assert.equal(byType.prometheus.isDefault, true);
            assert.equal(byType.loki.url, "http://loki.observability.svc.cluster.local:3100");
            assert.equal(byType.jaeger.url, `http://${JAEGER_COLLECTOR.service}.${OBSERVABILITY_NAMESPACE}.svc.cluster.local:16686`);
            assert.equal(at(byType.jaeger, "jsonData.tracesToLogsV2.datasourceUid"), byType.loki.uid);
            assert.match(String(at(byType.jaeger, "jsonData.tracesToLogsV2.query")), /log_type="access".*request_id=.*guid:x-request-id/);
        });

        it("loads Istio's five dashboards from Istio's repository at the mesh's exact release", () => {
            const dashboards = at(grafanaValues({ environment: "dev" }), "dashboards.istio") as Record<string, Record<string, string>>;
            assert.deepEqual(Object.keys(dashboards).sort(), ["istio-control-plane", "istio-mesh", "istio-performance", "istio-service", "istio-workload"]);
            // File names as they are in istio/istio manifests/addons/dashboards on the 1.30 line.
            const files = Object.values(dashboards).map((d) => d.url.split("/").pop()).sort();
            assert.deepEqual(files, ["istio-mesh-dashboard.gen.json", "istio-performance-dashboard.json", "istio-service-dashboard.json", "istio-workload-dashboard.json", "pilot-dashboard.gen.json"]);
            for (const d of Object.values(dashboards)) {
                assert.equal(d.url.split("/").slice(0, 6).join("/"), `https://raw.githubusercontent.com/istio/istio/${ISTIO_VERSION}`);
                assert.deepEqual(Object.keys(d).sort(), ["curlOptions", "url"], "no datasource or title: the download script must not pipe curl into sed");
                assert.match(d.curlOptions, /f/, "curl fails on HTTP errors");
                assert.doesNotMatch(d.curlOptions, /k/, "and verifies TLS");
            }
        });

        it("names the dashboards Kiali links to by the titles Istio's files carry", () => {
            const kiali = (at(kialiValues({ environment: "prod", config: { authStrategy: "token" } }), "external_services.grafana.dashboards") as { name: string }[]).map((d) => d.name);
            assert.deepEqual([...kiali].sort(), ISTIO_DASHBOARDS.map((d) => d.title).sort());
        });

        it("keeps its database on a volume outside dev, replacing the pod rather than rolling it", () => {
            assert.equal(at(grafanaValues({ environment: "dev" }), "persistence.enabled"), false);
            const prod = grafanaValues({ environment: "prod" });
            assert.equal(at(prod, "persistence.enabled"), true);
            assert.equal(at(prod, "persistence.storageClassName"), "gp3");
            assert.equal(at(prod, "deploymentStrategy.type"), "Recreate");
        });
    });

    describe("loki", () => {
        it("runs monolithic on a filesystem volume in dev, with nothing else scheduled", () => {
            const v = lokiValues({ environment: "dev", config: observabilityConfig("dev").loki, region: "ap-south-1" });
            assert.equal(v.deploymentMode, "Monolithic");
            assert.equal(at(v, "loki.storage.type"), "filesystem");
            assert.equal((at(v, "loki.schemaConfig.configs") as { object_store: string }[])[0].object_store, "filesystem");
            assert.equal(at(v, "singleBinary.replicas"), 1);
            assert.equal(at(v, "singleBinary.persistence.storageClass"), "gp3");
            for (const off of ["gateway.enabled", "chunksCache.enabled", "resultsCache.enabled", "lokiCanary.enabled", "test.enabled", "minio.enabled"]) assert.equal(at(v, off), false, off);
            for (const zero of ["backend.replicas", "read.replicas", "write.replicas"]) assert.equal(at(v, zero), 0, zero);
            assert.deepEqual(at(v, "serviceAccount.annotations"), {});
        });

        it("uses the S3 bucket through its IRSA role in staging and prod", () => {
            const v = lokiValues({ environment: "prod", config: observabilityConfig("prod").loki, region: "ap-south-1", bucket: "dodo-prod-loki-abc", roleArn: "arn:aws:iam::123456789012:role/loki" });
            assert.equal(at(v, "loki.storage.type"), "s3");
            assert.deepEqual(at(v, "loki.storage.bucketNames"), { chunks: "dodo-prod-loki-abc", ruler: "dodo-prod-loki-abc", admin: "dodo-prod-loki-abc" });
            assert.equal(at(v, "loki.storage.s3.region"), "ap-south-1");
            assert.equal(at(v, "loki.storage.s3.accessKeyId"), undefined, "no static keys: the web identity token is the credential");
            assert.deepEqual(at(v, "serviceAccount.annotations"), { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/loki" });
            assert.equal(at(v, "serviceAccount.name"), "loki");
            assert.equal((at(v, "loki.schemaConfig.configs") as { object_store: string }[])[0].object_store, "s3");
            assert.equal(at(v, "loki.compactor.delete_request_store"), "s3");
        });

        it("enforces retention per environment in the compactor", () => {
            const v = lokiValues({ environment: "prod", config: observabilityConfig("prod").loki, region: "ap-south-1", bucket: "b", roleArn: "r" });
            assert.equal(at(v, "loki.limits_config.retention_period"), `${90 * 24}h`);
            assert.equal(at(v, "loki.compactor.retention_enabled"), true);
        });

        it("refuses S3 storage without a bucket", () => {
            assert.throws(() => lokiValues({ environment: "prod", config: observabilityConfig("prod").loki, region: "ap-south-1" }), /needs the bucket/);
        });
    });

    describe("alloy", () => {
        it("runs as a DaemonSet on every node, reading /var/log/pods", () => {
            const v = alloyValues({ environment: "dev", cluster: "dodo-dev" });
            assert.equal(at(v, "controller.type"), "daemonset");
            assert.deepEqual(at(v, "controller.tolerations"), [{ operator: "Exists" }]);
            assert.equal(at(v, "alloy.mounts.varlog"), true);
            assert.deepEqual(at(v, "alloy.extraEnv"), [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }]);
        });

        it("ships each node's pod logs, sidecar access logs tagged, to Loki's push API", () => {
            const config = alloyConfig({ lokiPushUrl: URLS.lokiPush, cluster: "dodo-dev" });
            assert.match(config, /field = "spec.nodeName=" \+ sys.env\("NODE_NAME"\)/);
            assert.match(config, /loki\.source\.file "pod_logs"/);
            assert.match(config, /stage\.cri \{\}/);
            assert.ok(config.includes(`url = "http://loki.observability.svc.cluster.local:3100/loki/api/v1/push"`));
            assert.ok(config.includes(`selector = ${JSON.stringify(ACCESS_LOG_SELECTOR)}`));
            assert.equal(ACCESS_LOG_SELECTOR, '{container="istio-proxy"} |= "\\"response_code\\""');
            assert.match(config, /log_type = "access"/);
            assert.equal(at(alloyValues({ environment: "dev", cluster: "dodo-dev" }), "alloy.configMap.content"), config);
        });

        it("balances braces in the generated config", () => {
            const config = alloyConfig({ lokiPushUrl: URLS.lokiPush, cluster: "c" }).replace(/"(?:[^"\\]|\\.)*"/g, '""');
            assert.equal((config.match(/\{/g) ?? []).length, (config.match(/\}/g) ?? []).length);
        });
    });

    describe("jaeger", () => {
        it("names the chart's Service after the collector the mesh's tracing provider points to, receiving OTLP on 4317", () => {
            const v = jaegerValues({ environment: "dev", config: observabilityConfig("dev").jaeger }) as { fullnameOverride?: string };
            assert.equal(collectorHost(JAEGER_COLLECTOR), `${jaegerServiceName(RELEASES.jaeger, v)}.${OBSERVABILITY_NAMESPACE}.svc.cluster.local`);
            assert.equal(at(v, "userconfig.receivers.otlp.protocols.grpc.endpoint"), `0.0.0.0:${JAEGER_COLLECTOR.port}`);
            assert.equal(JAEGER_COLLECTOR.port, 4317);
        });

        it("models the chart's naming rule: override, release containing the chart name, or release-chart", () => {
            assert.equal(jaegerServiceName("tracing", { fullnameOverride: "jaeger-collector" }), "jaeger-collector");
            assert.equal(jaegerServiceName("jaeger", {}), "jaeger");
            assert.equal(jaegerServiceName("my-jaeger", {}), "my-jaeger");
            assert.equal(jaegerServiceName("tracing", {}), "tracing-jaeger");
            assert.equal(jaegerServiceName("x".repeat(70), { fullnameOverride: `${"a".repeat(62)}-b` }), `${"a".repeat(62)}`);
        });

        it("keeps traces in memory in dev and in badger on the claimed volume in staging and prod", () => {
            const dev = jaegerValues({ environment: "dev", config: observabilityConfig("dev").jaeger });
            assert.ok(at(dev, "userconfig.extensions.jaeger_storage.backends.primary_store.memory"));
            assert.deepEqual(at(dev, "jaeger.extraVolumes"), []);

            const prod = jaegerValues({ environment: "prod", config: observabilityConfig("prod").jaeger });
            const badger = at(prod, "userconfig.extensions.jaeger_storage.backends.primary_store.badger") as Record<string, unknown>;
            assert.equal(badger.ephemeral, false);
            assert.deepEqual(badger.directories, { keys: "/badger/keys", values: "/badger/values" });
            assert.deepEqual(badger.ttl, { spans: "168h" });
            assert.deepEqual(at(prod, "jaeger.extraVolumes"), [{ name: "badger-data", persistentVolumeClaim: { claimName: "jaeger-badger" } }]);
            assert.deepEqual(at(prod, "jaeger.extraVolumeMounts"), [{ name: "badger-data", mountPath: "/badger" }]);
        });

        it("wires the pipeline to the store the query extension reads", () => {
            const c = jaegerConfig({ storage: "memory", retentionDays: 1, dataPath: "/badger", maxTraces: 10 });
            assert.deepEqual(at(c, "service.pipelines.traces.receivers"), ["otlp"]);
            assert.equal(at(c, "exporters.jaeger_storage_exporter.trace_storage"), at(c, "extensions.jaeger_query.storage.traces"));
            assert.equal(at(c, "extensions.healthcheckv2.http.endpoint"), "0.0.0.0:13133");
            assert.doesNotThrow(() => YAML.stringify(c));
        });
    });

    describe("kiali", () => {
        it("reaches Prometheus, Grafana and Jaeger by their in-cluster URLs", () => {
            const v = kialiValues({ environment: "prod", config: { authStrategy: "token" } });
            assert.equal(at(v, "external_services.prometheus.url"), URLS.prometheus);
            assert.equal(at(v, "external_services.grafana.internal_url"), "http://grafana.observability.svc.cluster.local:80");
            assert.equal(at(v, "external_services.tracing.internal_url"), `http://${JAEGER_COLLECTOR.service}.observability.svc.cluster.local:16685`);
            assert.equal(at(v, "external_services.tracing.use_grpc"), true);
            assert.equal(at(v, "external_services.tracing.provider"), "jaeger");
        });

        it("logs into Grafana with the admin Secret, not a literal password", () => {
            const v = kialiValues({ environment: "prod", config: { authStrategy: "token" } });
            assert.equal(at(v, "external_services.grafana.auth.password"), "secret:grafana-admin:admin-password");
        });

        it("takes the authentication strategy from config", () => {
            assert.equal(at(kialiValues({ environment: "prod", config: { authStrategy: "token" } }), "auth.strategy"), "token");
            assert.equal(at(kialiValues({ environment: "dev", config: { authStrategy: "anonymous" } }), "auth.strategy"), "anonymous");
        });

        it("lets anonymous (dev) users look but not edit; authenticated users edit with their own RBAC", () => {
            assert.equal(at(kialiValues({ environment: "dev", config: { authStrategy: "anonymous" } }), "deployment.view_only_mode"), true);
            assert.equal(at(kialiValues({ environment: "prod", config: { authStrategy: "token" } }), "deployment.view_only_mode"), false);
        });

        it("reports the health of istiod and the ingress gateway by the labels their pods really carry", () => {
            const v = kialiValues({ environment: "prod", config: { authStrategy: "token" } });
            const components = at(v, "external_services.istio.component_status.components") as { app_label: string; namespace?: string; is_core: boolean }[];
            assert.equal(at(v, "external_services.istio.component_status.enabled"), true);
            const istiod = components.find((c) => c.app_label === istiodSelector().app);
            assert.ok(istiod?.is_core, "istiod is a core component");
            assert.equal(istiod.namespace, undefined, "Kiali looks in the root namespace by default, where istiod runs");
            const gateway = components.find((c) => c.app_label === gatewaySelector().app);
            assert.ok(gateway?.is_core, "the ingress gateway is a core component");
            assert.equal(gateway.namespace, meshNamespaces()[1].metadata.name);
            // Kiali 2.x discovers istiod and its ConfigMaps itself; names it would ignore are not set.
            assert.deepEqual(Object.keys(at(v, "external_services.istio") as object), ["component_status"]);
        });
    });

    it("documents port-forwards for the three UIs against the real Service names and ports", () => {
        assert.equal(portForwardCommand("grafana"), "kubectl -n observability port-forward svc/grafana 3000:80");
        assert.equal(portForwardCommand("kiali"), "kubectl -n observability port-forward svc/kiali 20001:20001");
        assert.equal(portForwardCommand("jaeger"), `kubectl -n observability port-forward svc/${SERVICES.jaegerQuery.name} 16686:16686`);
    });

    it("sets requests and CPU and memory limits at or above them on every sized container in every environment", () => {
        for (const env of ENVS) {
            for (const [what, r] of Object.entries(OBSERVABILITY_SIZING[env])) {
                if (typeof r === "number") continue;
                assert.ok(parseCpu(r.limits.cpu) >= parseCpu(r.requests.cpu) && parseCpu(r.requests.cpu) > 0, `${env} ${what} CPU ${r.requests.cpu} / ${r.limits.cpu}`);
                assert.ok(parseMemory(r.limits.memory) >= parseMemory(r.requests.memory) && parseMemory(r.requests.memory) > 0, `${env} ${what} memory`);
            }
        }
    });
});

describe("Istio dashboards", () => {
    it("are the five the platform promises: Mesh 7639, Service 7636, Workload 7630, Control Plane 7645, Performance 11829", () => {
        assert.deepEqual(ISTIO_DASHBOARDS.map((d) => d.gnetId).sort((a, b) => a - b), [7630, 7636, 7639, 7645, 11829]);
    });
});
