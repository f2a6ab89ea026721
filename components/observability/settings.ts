// Configuration of the observability stack: retention, storage and alert thresholds per
// environment, the Grafana admin password and how Kiali authenticates.
import { z } from "zod";
import { ConfigReader, ConfigSection, defineKey, integerIn, oneOf } from "../settings";
import { AlertsConfig, alertKeys, readAlerts, readSlo, SloConfig } from "./alert-settings";
import { GrafanaConfig, KialiAuthStrategy, KialiConfig, readGrafana, readKiali, uiKeys } from "./ui-settings";

export { AlertsConfig, GrafanaConfig, KialiAuthStrategy, KialiConfig, SloConfig };

export type LokiStorage = "filesystem" | "s3";
export type JaegerStorage = "memory" | "badger";

export interface ObservabilityConfig {
    /** Install the observability stack at all (off where its charts cannot be fetched). */
    enabled: boolean;
    prometheus: {
        /** Days of metrics kept on the volume. */
        retentionDays: number;
        /** Size of each Prometheus replica's gp3 volume. */
        storageGiB: number;
        replicas: number;
    };
    loki: {
        /** filesystem: chunks on the Loki volume (dev); s3: a bucket created by the component. */
        storage: LokiStorage;
        retentionDays: number;
        /** The Loki volume: all chunks with filesystem storage, the WAL and index cache with s3. */
        storageGiB: number;
    };
    jaeger: {
        /** memory: traces lost on restart (dev); badger: on a gp3 volume. */
        storage: JaegerStorage;
        /** Badger TTL of spans; ignored with memory storage. */
        retentionDays: number;
        storageGiB: number;
    };
    kiali: KialiConfig;
    grafana: GrafanaConfig;
    slo: SloConfig;
    alerts: AlertsConfig;
}

export const observabilityKeys = {
    enabled: defineKey({
        key: "observability.enabled",
        type: "boolean",
        description: "Install the observability stack (Prometheus, Grafana, Loki, Alloy, Jaeger, Kiali). Off only on an existing-cluster stack that cannot fetch its charts (the local conformance stack); every AWS environment keeps it.",
        schema: z.boolean(),
        default: true,
    }),
    prometheusRetentionDays: defineKey({
        key: "observability.prometheus.retentionDays",
        type: "integer",
        description: "Days of metrics Prometheus keeps (1-365). Default: dev 3, staging 15, prod 30.",
        schema: integerIn(1, 365),
        default: { dev: 3, staging: 15, prod: 30 },
    }),
    prometheusStorageGiB: defineKey({
        key: "observability.prometheus.storageGiB",
        type: "integer",
        description: "gp3 volume per Prometheus replica in GiB (grow only). Default: dev 20, staging 50, prod 200.",
        schema: integerIn(5, 16_384),
        default: { dev: 20, staging: 50, prod: 200 },
    }),
    prometheusReplicas: defineKey({
        key: "observability.prometheus.replicas",
        type: "integer",
        description: "Prometheus replicas, each scraping everything (1-3). Default: dev 1, staging 1, prod 2.",
        schema: integerIn(1, 3),
        default: { dev: 1, staging: 1, prod: 2 },
    }),
    lokiStorage: defineKey<LokiStorage>({
        key: "observability.loki.storage",
        type: "string",
        description: "Where Loki keeps chunks: filesystem (its volume) or s3 (a bucket this stack creates). Default: dev filesystem, staging s3, prod s3 (prod requires s3).",
        schema: oneOf(["filesystem", "s3"] as const),
        default: { dev: "filesystem", staging: "s3", prod: "s3" },
    }),
    lokiRetentionDays: defineKey({
        key: "observability.loki.retentionDays",
        type: "integer",
        description: "Days of logs Loki keeps (1-730); the S3 lifecycle expires objects a day later. Default: dev 7, staging 14, prod 90.",
        schema: integerIn(1, 730),
        default: { dev: 7, staging: 14, prod: 90 },
    }),
    lokiStorageGiB: defineKey({
        key: "observability.loki.storageGiB",
        type: "integer",
        description: "Loki's gp3 volume in GiB (all chunks with filesystem storage; WAL and caches with s3). Default: dev 10, staging 20, prod 50.",
        schema: integerIn(5, 16_384),
        default: { dev: 10, staging: 20, prod: 50 },
    }),
    jaegerStorage: defineKey<JaegerStorage>({
        key: "observability.jaeger.storage",
        type: "string",
        description: "Jaeger trace storage: memory (lost on restart) or badger (on a gp3 volume). Default: dev memory, staging badger, prod badger (staging and prod require badger).",
        schema: oneOf(["memory", "badger"] as const),
        default: { dev: "memory", staging: "badger", prod: "badger" },
    }),
    jaegerRetentionDays: defineKey({
        key: "observability.jaeger.retentionDays",
        type: "integer",
        description: "Days of traces kept with badger storage (1-90). Default: dev 1, staging 3, prod 7.",
        schema: integerIn(1, 90),
        default: { dev: 1, staging: 3, prod: 7 },
    }),
    jaegerStorageGiB: defineKey({
        key: "observability.jaeger.storageGiB",
        type: "integer",
        description: "Jaeger's gp3 volume in GiB with badger storage. Default: dev 5, staging 10, prod 50.",
        schema: integerIn(1, 16_384),
        default: { dev: 5, staging: 10, prod: 50 },
    }),
} as const;

export const observabilitySection: ConfigSection<ObservabilityConfig> = {
    keys: [...Object.values(observabilityKeys), ...Object.values(alertKeys), ...Object.values(uiKeys)],
    read(reader: ConfigReader): ObservabilityConfig {
        const k = observabilityKeys;
        const config = {
            enabled: reader.get(k.enabled),
            prometheus: {
                retentionDays: reader.get(k.prometheusRetentionDays),
                storageGiB: reader.get(k.prometheusStorageGiB),
                replicas: reader.get(k.prometheusReplicas),
            },
            loki: {
                storage: reader.get(k.lokiStorage),
                retentionDays: reader.get(k.lokiRetentionDays),
                storageGiB: reader.get(k.lokiStorageGiB),
            },
            jaeger: {
                storage: reader.get(k.jaegerStorage),
                retentionDays: reader.get(k.jaegerRetentionDays),
                storageGiB: reader.get(k.jaegerStorageGiB),
            },
        };
        const kiali = readKiali(reader);
        const grafana = readGrafana(reader, config.enabled);
        const slo = readSlo(reader);
        const alerts = readAlerts(reader, config.enabled);
        if (reader.environment !== "dev") {
            if (!config.enabled) reader.fail(k.enabled.key, `${reader.environment} keeps its metrics, logs, traces and alerts (got false)`);
            if (config.jaeger.storage === "memory") {
                reader.fail(k.jaegerStorage.key, `${reader.environment} keeps traces across restarts ("badger"), got "memory"`);
            }
        }
        if (reader.environment === "prod" && config.loki.storage !== "s3") {
            reader.fail(k.lokiStorage.key, `prod keeps logs in S3 ("s3"), got "${config.loki.storage}"`);
        }
        return { ...config, kiali, grafana, slo, alerts };
    },
};
