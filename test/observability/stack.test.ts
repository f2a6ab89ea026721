import { strict as assert } from "assert";
import { TRACING_PROVIDER } from "../../components/tracing";
import { jaegerServiceName } from "../../components/observability/jaeger";
import { footprint } from "../../scripts/lib/footprint";
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
            assert.deepEqual(rules, ["istio-recording-rules", "istiod-config-rejects", "payments-backend-slo"], stack);
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
