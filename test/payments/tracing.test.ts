// The tracing contract on the workloads (docs/payments.md, "Tracing contract"): an app built with
// a standard OpenTelemetry SDK joins the traces the mesh starts.
import { strict as assert } from "assert";
import { collectorHost, JAEGER_COLLECTOR, otelSdkEnv } from "../../components/tracing";
import { manifestsFor } from "./fixtures";

type Env = { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } };

function envOf(environment: "dev" | "prod", deployment: string): Env[] {
    const m = manifestsFor(environment);
    const d = m.workloads.find((o) => o.kind === "Deployment" && o.metadata.name === deployment) as { spec: { template: { spec: { containers: { env: Env[] }[] } } } } | undefined;
    assert.ok(d, deployment);
    return d.spec.template.spec.containers[0].env;
}

function value(env: Env[], name: string): string | undefined {
    return env.find((e) => e.name === name)?.value;
}

describe("payments tracing contract", () => {
    it("names each workload's service, version and environment in the OpenTelemetry resource", () => {
        for (const [deployment, service, version] of [["frontend", "frontend", "v1"], ["backend-v1", "backend", "v1"], ["backend-v2", "backend", "v2"]] as const) {
            const env = envOf("prod", deployment);
            assert.equal(value(env, "OTEL_SERVICE_NAME"), service, deployment);
            const attributes = Object.fromEntries(value(env, "OTEL_RESOURCE_ATTRIBUTES")!.split(",").map((kv) => kv.split("=")));
            assert.equal(attributes["service.version"], version, deployment);
            assert.equal(attributes["deployment.environment.name"], "prod", deployment);
            assert.equal(attributes["k8s.namespace.name"], "dodo-payments");
        }
    });

    it("propagates W3C trace context, follows the mesh's sampling and exports spans to the collector's OTLP port", () => {
        const env = envOf("dev", "backend-v1");
        assert.equal(value(env, "OTEL_PROPAGATORS"), "tracecontext,baggage");
        assert.equal(value(env, "OTEL_TRACES_SAMPLER"), "parentbased_always_off", "no root spans of its own: the gateway decides");
        assert.equal(value(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), `http://${collectorHost(JAEGER_COLLECTOR)}:4317`);
        assert.equal(value(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"), "grpc");
        assert.equal(value(env, "OTEL_METRICS_EXPORTER"), "none");
        assert.equal(value(env, "OTEL_LOGS_EXPORTER"), "none");
    });

    it("defines the pod name before the attributes that expand it ($(VAR) only sees earlier variables)", () => {
        const env = otelSdkEnv({ service: "s", version: "v1", environment: "dev", namespace: "n" });
        const pod = env.findIndex((e) => e.name === "OTEL_K8S_POD_NAME");
        const attrs = env.findIndex((e) => e.name === "OTEL_RESOURCE_ATTRIBUTES");
        assert.ok(pod >= 0 && pod < attrs);
        assert.match(String(env[attrs].value), /k8s\.pod\.name=\$\(OTEL_K8S_POD_NAME\)/);
        assert.deepEqual(env[pod].valueFrom, { fieldRef: { fieldPath: "metadata.name" } });
    });
});
