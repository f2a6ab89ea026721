import { strict as assert } from "assert";
import * as YAML from "yaml";
import { jaegerConfig, jaegerServiceName } from "../../components/observability/jaeger";
import { portForwardCommand, RELEASES, SERVICES, URLS } from "../../components/observability/names";
import {
    alloyValues,
    jaegerValues,
    lokiValues,
    prometheusStackValues,
} from "../../components/observability/values";
import { alloyConfig, ACCESS_LOG_SELECTOR } from "../../components/observability/alloy";
import { OBSERVABILITY_SIZING } from "../../components/observability/sizing";
import { collectorHost, JAEGER_COLLECTOR, OBSERVABILITY_NAMESPACE } from "../../components/tracing";
import { parseCpu, parseMemory } from "../../scripts/lib/footprint";
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

        it("keeps Grafana's and Kiali's queries on one Prometheus replica (ClientIP affinity on the Service)", () => {
            assert.equal(at(values("prod"), "prometheus.service.sessionAffinity"), "ClientIP");
            assert.equal(at(values("prod"), "prometheus.prometheusSpec.replicas"), 2);
        });

        it("exports the EndpointSlice's service-name label, which the no-ready-endpoints alert joins on", () => {
            assert.deepEqual(at(values("dev"), "kube-state-metrics.metricLabelsAllowlist"), ["endpointslices=[kubernetes.io/service-name]"]);
        });

        it("mounts the receivers' Secret into Alertmanager only when the stack has receivers", () => {
            const withReceivers = prometheusStackValues({ environment: "prod", cluster: "dodo-prod", config: observabilityConfig("prod").prometheus, receivers: observabilityConfig("prod").alerts.receivers });
            assert.deepEqual(at(withReceivers, "alertmanager.alertmanagerSpec.secrets"), ["alertmanager-receivers"]);
            assert.equal(at(values("dev"), "alertmanager.alertmanagerSpec.secrets"), undefined);
            const heartbeatOnly = prometheusStackValues({ environment: "dev", cluster: "dodo-dev", config: observabilityConfig("dev").prometheus, receivers: { heartbeatUrlSecret: "dodo-dev/alertmanager/heartbeat" } });
            assert.deepEqual(at(heartbeatOnly, "alertmanager.alertmanagerSpec.secrets"), ["alertmanager-receivers"], "the heartbeat's URL is a file of that Secret too");
            assert.doesNotMatch(JSON.stringify(withReceivers), /hooks\.slack\.com|routing_key"/, "no credential in the values");
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

        it("sends no usage report to stats.grafana.org (chart value loki.analytics, rendered as Loki's analytics block)", () => {
            for (const v of [lokiValues({ environment: "dev", config: observabilityConfig("dev").loki, region: "r" }), lokiValues({ environment: "prod", config: observabilityConfig("prod").loki, region: "r", bucket: "b", roleArn: "a" })]) {
                assert.deepEqual(at(v, "loki.analytics"), { reporting_enabled: false });
            }
        });

        it("uses the S3 bucket through its IRSA role in staging and prod", () => {
            const v = lokiValues({ environment: "prod", config: observabilityConfig("prod").loki, region: "ap-south-1", bucket: "dodo-prod-loki-abc", roleArn: "arn:aws:iam::123456789012:role/loki" });
            assert.equal(at(v, "loki.storage.type"), "s3");
            // Only the keys chart 18.11.0 reads: it has no `admin` bucket (the key did nothing).
            assert.deepEqual(at(v, "loki.storage.bucketNames"), { chunks: "dodo-prod-loki-abc", ruler: "dodo-prod-loki-abc" });
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
