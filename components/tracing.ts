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
