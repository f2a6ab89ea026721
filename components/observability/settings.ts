// Configuration of the observability stack: retention, storage and alert thresholds per
// environment, the Grafana admin password and how Kiali authenticates.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigReader, ConfigSection, defineKey, integerIn, oneOf, setCommand } from "../settings";

export type LokiStorage = "filesystem" | "s3";
export type JaegerStorage = "memory" | "badger";
export type KialiAuthStrategy = "anonymous" | "token" | "openid" | "header";

export interface AlertThresholds {
    /** Backend 5xx ratio (percent of requests) above which BackendHigh5xxRatio fires. */
    backend5xxPercent: number;
    /** Backend p99 latency in milliseconds above which BackendHighP99Latency fires. */
    backendP99LatencyMs: number;
    /** How many percentage points v2's 5xx ratio may exceed v1's before BackendCanaryErrorRatio fires. */
    canaryMarginPercent: number;
}

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
    kiali: { authStrategy: KialiAuthStrategy };
    grafana: { adminPassword: pulumi.Output<string> };
    alerts: AlertThresholds;
}

export const MIN_GRAFANA_PASSWORD_LENGTH = 16;

/** A percentage; fractions such as 0.5 allowed. */
const percent = z.number().refine((n) => n > 0 && n <= 100, { message: "must be greater than 0 and at most 100" });

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
    kialiAuthStrategy: defineKey<KialiAuthStrategy>({
        key: "observability.kiali.authStrategy",
        type: "string",
        description: "How Kiali users log in: anonymous, token (a Kubernetes token, RBAC decides), openid or header. Default: dev anonymous, staging token, prod token (anonymous is rejected outside dev).",
        schema: oneOf(["anonymous", "token", "openid", "header"] as const),
        default: { dev: "anonymous", staging: "token", prod: "token" },
    }),
    grafanaAdminPassword: defineKey({
        key: "observability.grafana.adminPassword",
        type: "string",
        description: `Password of Grafana's admin user (at least ${MIN_GRAFANA_PASSWORD_LENGTH} characters). Set it with \`pulumi config set --secret --path dodo-platform:observability.grafana.adminPassword <value>\`.`,
        schema: z.string(),
        secret: true,
    }),
    backend5xxPercent: defineKey<number>({
        key: "observability.alerts.backend5xxPercent",
        type: "number",
        description: "Alert when more than this percent of backend requests return 5xx over 5 minutes. Default: dev 5, staging 2, prod 1.",
        schema: percent,
        default: { dev: 5, staging: 2, prod: 1 },
    }),
    backendP99LatencyMs: defineKey({
        key: "observability.alerts.backendP99LatencyMs",
        type: "integer",
        description: "Alert when the backend's p99 latency exceeds this many milliseconds over 5 minutes. Default: dev 2000, staging 1000, prod 500.",
        schema: integerIn(10, 60_000),
        default: { dev: 2000, staging: 1000, prod: 500 },
    }),
    canaryMarginPercent: defineKey<number>({
        key: "observability.alerts.canaryMarginPercent",
        type: "number",
        description: "Canary guard: alert when backend v2's 5xx ratio exceeds v1's by more than this many percentage points. Default: dev 5, staging 2, prod 1.",
        schema: percent,
        default: { dev: 5, staging: 2, prod: 1 },
    }),
} as const;

export const observabilitySection: ConfigSection<ObservabilityConfig> = {
    keys: Object.values(observabilityKeys),
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
            kiali: { authStrategy: reader.get(k.kialiAuthStrategy) },
            alerts: {
                backend5xxPercent: reader.get(k.backend5xxPercent),
                backendP99LatencyMs: reader.get(k.backendP99LatencyMs),
                canaryMarginPercent: reader.get(k.canaryMarginPercent),
            },
        };
        const password = reader.get(k.grafanaAdminPassword, "optional");

        if (password === undefined && config.enabled) {
            reader.fail(k.grafanaAdminPassword.key, `required: run \`${setCommand(k.grafanaAdminPassword, "<password>")}\` (at least ${MIN_GRAFANA_PASSWORD_LENGTH} characters)`);
        } else if (password !== undefined && password.length < MIN_GRAFANA_PASSWORD_LENGTH) {
            reader.fail(k.grafanaAdminPassword.key, `must be at least ${MIN_GRAFANA_PASSWORD_LENGTH} characters (got ${password.length})`);
        }
        if (reader.environment !== "dev") {
            if (!config.enabled) reader.fail(k.enabled.key, `${reader.environment} keeps its metrics, logs, traces and alerts (got false)`);
            if (config.kiali.authStrategy === "anonymous") {
                reader.fail(k.kialiAuthStrategy.key, `${reader.environment} requires Kiali users to authenticate (token, openid or header), got "anonymous"`);
            }
            if (config.jaeger.storage === "memory") {
                reader.fail(k.jaegerStorage.key, `${reader.environment} keeps traces across restarts ("badger"), got "memory"`);
            }
        }
        if (reader.environment === "prod" && config.loki.storage !== "s3") {
            reader.fail(k.lokiStorage.key, `prod keeps logs in S3 ("s3"), got "${config.loki.storage}"`);
        }
        return { ...config, grafana: { adminPassword: pulumi.secret(password ?? "") } };
    },
};
