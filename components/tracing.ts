// The one definition of where traces go: the mesh's tracing extension provider points here and
// the observability component names Jaeger's collector Service after it.

export interface OtlpCollector {
    /** Namespace of the collector Service. */
    namespace: string;
    /** Name of the collector Service. */
    service: string;
    /** OTLP/gRPC port. */
    port: number;
}

export const OBSERVABILITY_NAMESPACE = "observability";

export const JAEGER_COLLECTOR: OtlpCollector = {
    namespace: OBSERVABILITY_NAMESPACE,
    service: "jaeger-collector",
    port: 4317,
};

/** In-cluster DNS name of the collector, as Istio's meshConfig extension provider wants it. */
export function collectorHost(collector: OtlpCollector): string {
    return `${collector.service}.${collector.namespace}.svc.cluster.local`;
}

/** Name of the extension provider in meshConfig, referenced by the Telemetry object. */
export const TRACING_PROVIDER = "otel-tracing";

/**
 * The OpenTelemetry SDK environment (spec: opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables)
 * for an application in the mesh, so an app instrumented with a standard SDK joins the traces the
 * proxies start: W3C trace context in and out (Envoy's OpenTelemetry tracer propagates
 * traceparent/tracestate), the mesh's sampling decision followed (parentbased_always_off: no
 * root spans of its own), spans to the collector through the sidecar, no metrics or logs pushed
 * there (the collector only takes traces). docs/payments.md, "Tracing contract".
 */
export interface OtelSdkInput {
    /** service.name: the app label (frontend, backend). */
    service: string;
    /** service.version: the version label (v1, v2): traces of the canary stay apart. */
    version: string;
    /** deployment.environment.name: dev, staging, prod. */
    environment: string;
    /** service.namespace and k8s.namespace.name. */
    namespace: string;
}

export function otelSdkEnv(input: OtelSdkInput, collector: OtlpCollector = JAEGER_COLLECTOR): Record<string, unknown>[] {
    const attributes = [
        `service.namespace=${input.namespace}`,
        `service.version=${input.version}`,
        `deployment.environment.name=${input.environment}`,
        `k8s.namespace.name=${input.namespace}`,
        // Kubernetes expands $(VAR) from variables defined earlier in the list.
        "k8s.pod.name=$(OTEL_K8S_POD_NAME)",
    ].join(",");
    return [
        { name: "OTEL_K8S_POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "OTEL_SERVICE_NAME", value: input.service },
        { name: "OTEL_RESOURCE_ATTRIBUTES", value: attributes },
        { name: "OTEL_PROPAGATORS", value: "tracecontext,baggage" },
        { name: "OTEL_TRACES_SAMPLER", value: "parentbased_always_off" },
        { name: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", value: `http://${collectorHost(collector)}:${collector.port}` },
        { name: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", value: "grpc" },
        { name: "OTEL_METRICS_EXPORTER", value: "none" },
        { name: "OTEL_LOGS_EXPORTER", value: "none" },
    ];
}
