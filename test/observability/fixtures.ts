import * as pulumi from "@pulumi/pulumi";
import { Environment } from "../../components/settings";
import { ObservabilityConfig } from "../../components/observability/settings";

/** The environment defaults of the observability section, as the config parser produces them. */
export function observabilityConfig(environment: Environment): ObservabilityConfig {
    const dev = environment === "dev";
    return {
        enabled: true,
        prometheus: { retentionDays: dev ? 3 : 30, storageGiB: dev ? 20 : 200, replicas: environment === "prod" ? 2 : 1 },
        loki: { storage: dev ? "filesystem" : "s3", retentionDays: dev ? 7 : 90, storageGiB: dev ? 10 : 50 },
        jaeger: { storage: dev ? "memory" : "badger", retentionDays: dev ? 1 : 7, storageGiB: dev ? 5 : 50 },
        kiali: { authStrategy: dev ? "anonymous" : "token" },
        grafana: dev ? { adminPassword: pulumi.secret("correct-horse-battery-staple") } : { adminPasswordSecret: `dodo-${environment}/grafana/admin-password` },
        slo: { availabilityPercent: dev ? 99 : 99.9, latencyThresholdMs: dev ? 2500 : 500, latencyPercent: dev ? 95 : 99, minRequests: dev ? 10 : 50 },
        alerts: {
            canaryMarginPercent: dev ? 5 : 1,
            noTrafficMinutes: dev ? 30 : 10,
            receivers: dev ? {} : { pagerdutyRoutingKeySecret: `dodo-${environment}/alertmanager/pagerduty`, slackWebhookSecret: `dodo-${environment}/alertmanager/slack` },
        },
    };
}

/** `a.b.c` of a nested plain object. */
export function at(value: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), value);
}
