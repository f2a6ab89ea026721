// Jaeger v2's configuration (an OpenTelemetry Collector config), handed to the chart as
// `userconfig`. Jaeger runs as one all-in-one pod: OTLP receivers on 4317/4318, the query UI and
// API on 16686/16685, the health check the chart probes on 13133 and its metrics on 8888.
import { JAEGER_COLLECTOR } from "../tracing";
import { JaegerStorage } from "./settings";

export interface JaegerConfigInput {
    storage: JaegerStorage;
    /** Badger only: how long spans are kept. */
    retentionDays: number;
    /** Badger only: where the volume is mounted. */
    dataPath: string;
    /** Memory only: traces kept before the oldest are evicted. */
    maxTraces: number;
}

export const JAEGER_PORTS = {
    otlpGrpc: JAEGER_COLLECTOR.port,
    otlpHttp: 4318,
    health: 13133,
    metrics: 8888,
} as const;

const STORE = "primary_store";

function backend(input: JaegerConfigInput): Record<string, unknown> {
    if (input.storage === "memory") return { memory: { max_traces: input.maxTraces } };
    return {
        badger: {
            directories: { keys: `${input.dataPath}/keys`, values: `${input.dataPath}/values` },
            // ephemeral: true would keep badger in a tmpfs; the point here is surviving restarts.
            ephemeral: false,
            ttl: { spans: `${input.retentionDays * 24}h` },
        },
    };
}

export function jaegerConfig(input: JaegerConfigInput): Record<string, unknown> {
    return {
        service: {
            extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
            pipelines: {
                traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] },
            },
            telemetry: {
                resource: { "service.name": "jaeger" },
                metrics: {
                    level: "detailed",
                    readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: JAEGER_PORTS.metrics } } } }],
                },
                logs: { level: "info" },
            },
        },
        extensions: {
            // The chart's probes call /status on 13133.
            healthcheckv2: { use_v2: true, http: { endpoint: `0.0.0.0:${JAEGER_PORTS.health}` } },
            jaeger_query: { storage: { traces: STORE } },
            jaeger_storage: { backends: { [STORE]: backend(input) } },
        },
        // Bind on all interfaces: the default is localhost, which the Service cannot reach.
        receivers: {
            otlp: {
                protocols: {
                    grpc: { endpoint: `0.0.0.0:${JAEGER_PORTS.otlpGrpc}` },
                    http: { endpoint: `0.0.0.0:${JAEGER_PORTS.otlpHttp}` },
                },
            },
        },
        processors: { batch: {} },
        exporters: { jaeger_storage_exporter: { trace_storage: STORE } },
    };
}

/**
 * The name the jaeger chart (4.11.x, `jaeger.fullname` in templates/_helpers.tpl) gives its
 * all-in-one Service (templates/jaeger/jaeger-service.yaml): fullnameOverride if set, else the
 * release name when it contains the chart name, else `<release>-<chart>`; cut to 63 characters,
 * no trailing dash. Tests compare it with the address istiod sends spans to.
 */
export function jaegerServiceName(release: string, values: { fullnameOverride?: string; nameOverride?: string }, chart = "jaeger"): string {
    const dns = (s: string) => s.slice(0, 63).replace(/-+$/, "");
    if (values.fullnameOverride) return dns(values.fullnameOverride);
    const name = values.nameOverride || chart;
    return dns(release.includes(name) ? release : `${release}-${name}`);
}
