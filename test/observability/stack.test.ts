import { strict as assert } from "assert";
import { TRACING_PROVIDER } from "../../components/tracing";
import { jaegerServiceName } from "../../components/observability/jaeger";
import { footprint } from "../../scripts/lib/footprint";
import { parsePlatformConfig } from "../../components/config";
import { readStackConfig } from "../../scripts/lib/render";
import { get, manifests, props, renderCached } from "../harness";
import { at } from "./fixtures";

const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("observability in the whole stack", () => {
    it("istiod's tracing provider sends spans to the Service the Jaeger release creates, on 4317", async () => {
        const render = await renderCached("dev");
        const istiod = render.resources.find((r) => r.type === RELEASE && (r.props as { chart?: string }).chart === "istiod");
        assert.ok(istiod, "no istiod release");
        const providers = at(istiod.props, "values.meshConfig.extensionProviders") as { name: string; opentelemetry?: { service: string; port: number } }[];
        const otel = providers.find((p) => p.name === TRACING_PROVIDER)?.opentelemetry;
        assert.ok(otel, `no ${TRACING_PROVIDER} provider`);

        // The Service the chart renders for this release and values (its naming rule, modelled).
        const jaeger = props<{ name: string; namespace: string; chart: string; values: Record<string, string> }>(get(render.resources, RELEASE, "observability-jaeger"));
        assert.equal(jaeger.chart, "jaeger");
        assert.equal(otel.service, `${jaegerServiceName(jaeger.name, jaeger.values)}.${jaeger.namespace}.svc.cluster.local`);
        assert.equal(otel.port, 4317);
        assert.equal(at(jaeger, "values.userconfig.receivers.otlp.protocols.grpc.endpoint"), `0.0.0.0:${otel.port}`);
    });

    it("staging renders the S3-backed Loki; dev the filesystem one", async () => {
        const staging = await renderCached("staging");
        const loki = props(get(staging.resources, RELEASE, "observability-loki"));
        assert.equal(at(loki, "values.loki.storage.type"), "s3");
        assert.ok(staging.resources.some((r) => r.type === "aws:s3/bucket:Bucket" && r.name === "observability-loki"));
        const dev = await renderCached("dev");
        assert.equal(at(props(get(dev.resources, RELEASE, "observability-loki")), "values.loki.storage.type"), "filesystem");
    });

    it("renders the PodMonitor, the ServiceMonitor and the SLO alerts in every stack", async () => {
        for (const stack of ["dev", "staging", "prod"] as const) {
            const render = await renderCached(stack);
            assert.deepEqual(manifests(render, "PodMonitor", "observability").map((m) => m.metadata.name), ["envoy-stats"], stack);
            assert.deepEqual(manifests(render, "ServiceMonitor", "observability").map((m) => m.metadata.name), ["istiod"], stack);
            const rules = manifests(render, "PrometheusRule", "observability").map((m) => m.metadata.name).sort();
            assert.deepEqual(rules, ["istio-recording-rules", "istiod-config-rejects", "payments-backend-sli", "payments-backend-slo", "payments-edge"], stack);
        }
    });

    it("starts Grafana with no download: no dashboard URL, no plugin, no extra container; every URL it is given is in-cluster", async () => {
        for (const stack of ["dev", "staging", "prod"] as const) {
            const values = props<{ values: Record<string, unknown> }>(get((await renderCached(stack)).resources, RELEASE, "observability-grafana")).values;
            // grafana chart 12.11.1 templates/_pod.tpl: the download-dashboards init container exists
            // iff `dashboards` is non-empty; GF_INSTALL_PLUGINS iff `plugins` is; and what users add.
            assert.deepEqual(values.dashboards, {}, stack);
            assert.deepEqual(values.plugins, [], stack);
            for (const key of ["extraInitContainers", "extraContainers", "dashboardProviders", "downloadDashboards"]) assert.equal(values[key], undefined, `${stack}: ${key}`);
            assert.notEqual(at(values, "imageRenderer.enabled"), true, stack);
            assert.notEqual(at(values, "sidecar.plugins.enabled"), true, stack);
            const urls = JSON.stringify(values).match(/https?:\/\/[^"\s]+/g) ?? [];
            assert.ok(urls.length > 0);
            for (const url of urls) assert.match(url, /^http:\/\/([a-z0-9-]+\.observability\.svc\.cluster\.local|localhost)(:\d+)?(\/|$)/, `${stack}: ${url}`);
        }
    });

    it("fails a staging or prod stack that sends alerts nowhere, naming the key", () => {
        for (const stack of ["staging", "prod"] as const) {
            // The stack file as committed, with its receivers taken out (what `pulumi config rm` would leave).
            const none = { "dodo-platform:observability.alerts.pagerduty.routingKeySecret": undefined, "dodo-platform:observability.alerts.slack.webhookSecret": undefined };
            const config = readStackConfig(stack, undefined, none);
            assert.throws(() => parsePlatformConfig({ stack, values: config.values, secretKeys: config.secretKeys }), (err: Error) => {
                assert.match(err.message, new RegExp(`dodo-platform:observability\\.alerts\\.pagerduty\\.routingKeySecret: ${stack} must send alerts to a person`));
                return true;
            });
            // ...and passes as committed.
            const committed = readStackConfig(stack);
            assert.doesNotThrow(() => parsePlatformConfig({ stack, values: committed.values, secretKeys: committed.secretKeys }));
        }
    });

    it("gives every observability and mesh container a CPU and a memory limit in every stack", async () => {
        for (const stack of ["dev", "staging", "prod"] as const) {
            const report = footprint(await renderCached(stack));
            const ours = report.items.filter((i) => ["observability", "istio-system", "istio-ingress"].includes(i.namespace));
            assert.ok(ours.length >= 10, `${stack}: only ${ours.length} workloads`);
            const unlimited = ours.filter((i) => i.unlimited.cpu > 0 || i.unlimited.memory > 0).map((i) => i.component);
            assert.deepEqual(unlimited, [], stack);
            // Every injected pod's sidecar too (global.proxy.resources).
            for (const i of report.items.filter((i) => i.sidecar)) assert.ok(i.sidecar!.limits.cpu > 0 && i.sidecar!.limits.memory > 0, `${stack}: ${i.component} sidecar`);
        }
    });

    it("alerts watch the namespace and app label the payments backend really runs with", async () => {
        const render = await renderCached("dev");
        const backends = manifests(render, "Deployment").filter((d) => /backend/.test(d.metadata.name));
        assert.ok(backends.length > 0, "no backend Deployment rendered");
        const labels = backends.map((d) => at(d, "spec.template.metadata.labels") as Record<string, string>);
        assert.ok(labels.every((l) => l.app === "backend"), JSON.stringify(labels));
        assert.deepEqual(labels.map((l) => l.version).sort(), ["v1", "v2"].slice(0, labels.length));
        assert.ok(backends.every((d) => d.metadata.namespace === "dodo-payments"));
    });
});
