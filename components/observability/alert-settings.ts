// Configuration of the payments SLOs, the alert guards and where Alertmanager sends alerts.
// Receiver credentials are never config values: the keys name AWS Secrets Manager secrets, which
// External Secrets Operator copies into the cluster (components/secrets).
import { z } from "zod";
import { ConfigReader, defineKey, integerIn } from "../settings";
import { ISTIO_DURATION_BUCKETS_MS } from "./sli";

export interface SloConfig {
    /** Availability objective over 30 days, percent of client-side requests without a 5xx. */
    availabilityPercent: number;
    /** Latency threshold in ms (an Istio histogram bucket boundary). */
    latencyThresholdMs: number;
    /** Percent of requests faster than latencyThresholdMs over 30 days. */
    latencyPercent: number;
    /** Low-traffic guard: requests each window of a burn-rate pair must hold before it can alert. */
    minRequests: number;
}

export interface ReceiversConfig {
    /** Secrets Manager secret holding the Slack incoming-webhook URL. */
    slackWebhookSecret?: string;
    /** Secrets Manager secret holding the PagerDuty Events API v2 routing (integration) key. */
    pagerdutyRoutingKeySecret?: string;
    /** Secrets Manager secret holding the dead man's switch URL Alertmanager pings with Watchdog. */
    heartbeatUrlSecret?: string;
}

export interface AlertsConfig {
    /** How many percentage points v2's error (or slow-request) ratio may exceed v1's. */
    canaryMarginPercent: number;
    /** Minutes without one successful backend request, while the gateway serves traffic, before paging. */
    noTrafficMinutes: number;
    receivers: ReceiversConfig;
}

/** Above 93.05 % a 14.4x burn still fits under 100 % errors; the page must be able to fire. */
const objective = (min: number) =>
    z.number().refine((n) => n >= min && n < 100, { message: `must be at least ${min} and below 100 (a 100% objective leaves no error budget to alert on)` });

const percent = z.number().refine((n) => n > 0 && n <= 100, { message: "must be greater than 0 and at most 100" });

/** A Secrets Manager secret name: letters, digits and /_+=.@- (AWS's rule), up to 512 characters. */
export const secretName = z
    .string()
    .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, { message: "expected a Secrets Manager secret name such as dodo-prod/alertmanager/slack (letters, digits and /_+=.@-)" });

export const alertKeys = {
    availabilityPercent: defineKey<number>({
        key: "observability.slo.availabilityPercent",
        type: "number",
        description: "Availability objective of the payments backend over 30 days: percent of requests, counted at the clients (gateway, frontend), that do not fail with 5xx (95-99.99). Default: dev 99, staging 99.5, prod 99.9.",
        schema: objective(95),
        default: { dev: 99, staging: 99.5, prod: 99.9 },
    }),
    latencyThresholdMs: defineKey<number>({
        key: "observability.slo.latencyThresholdMs",
        type: "integer",
        description: `Latency objective's threshold in milliseconds; must be a boundary of Istio's duration histogram (${ISTIO_DURATION_BUCKETS_MS.filter((b) => b >= 25 && b <= 10000).join(", ")}). Default: dev 2500, staging 1000, prod 500.`,
        schema: z.number().refine((n) => (ISTIO_DURATION_BUCKETS_MS as readonly number[]).includes(n), {
            message: `must be a bucket boundary of istio_request_duration_milliseconds (${ISTIO_DURATION_BUCKETS_MS.join(", ")})`,
        }),
        default: { dev: 2500, staging: 1000, prod: 500 },
    }),
    latencyPercent: defineKey<number>({
        key: "observability.slo.latencyPercent",
        type: "number",
        description: "Latency objective: percent of backend requests faster than observability.slo.latencyThresholdMs over 30 days (90-99.99). Default: dev 95, staging 99, prod 99.",
        schema: objective(90),
        default: { dev: 95, staging: 99, prod: 99 },
    }),
    minRequests: defineKey({
        key: "observability.slo.minRequests",
        type: "integer",
        description: "Low-traffic guard of the burn-rate alerts: a window pair (1h and 5m, 6h and 30m, 3d and 6h) alerts only when each of its windows holds at least this many requests, so one 5xx on a quiet night pages nobody (SRE workbook, \"Low-traffic services\"). Below it a full outage still pages through PaymentsNoSuccessfulTraffic. 1-10000. Default: dev 10, staging 20, prod 50.",
        schema: integerIn(1, 10_000),
        default: { dev: 10, staging: 20, prod: 50 },
    }),
    canaryMarginPercent: defineKey<number>({
        key: "observability.alerts.canaryMarginPercent",
        type: "number",
        description: "Canary guard: alert when backend v2's 5xx ratio (or share of requests over the latency threshold), counted at its callers, exceeds v1's by more than this many percentage points, whatever v2's traffic share. Default: dev 5, staging 2, prod 1.",
        schema: percent,
        default: { dev: 5, staging: 2, prod: 1 },
    }),
    noTrafficMinutes: defineKey({
        key: "observability.alerts.noTrafficMinutes",
        type: "integer",
        description: "Page when no /api request at the ingress gateway (a request on a payments API route) has succeeded for this many minutes, while at least 3 were made (5-120). Default: dev 30, staging 15, prod 10.",
        schema: integerIn(5, 120),
        default: { dev: 30, staging: 15, prod: 10 },
    }),
    slackWebhookSecret: defineKey<string>({
        key: "observability.alerts.slack.webhookSecret",
        type: "string",
        description: "Name of the AWS Secrets Manager secret holding the Slack incoming-webhook URL (the secret's plain string value). Alerts of severity warning go there, and pages too when no PagerDuty key is set. Staging and prod need this or observability.alerts.pagerduty.routingKeySecret.",
        schema: secretName,
        optional: true,
    }),
    pagerdutyRoutingKeySecret: defineKey<string>({
        key: "observability.alerts.pagerduty.routingKeySecret",
        type: "string",
        description: "Name of the AWS Secrets Manager secret holding the PagerDuty Events API v2 routing key (plain string). Alerts of severity critical page through it; warnings too when no Slack webhook is set. Staging and prod need this or observability.alerts.slack.webhookSecret.",
        schema: secretName,
        optional: true,
    }),
    heartbeatUrlSecret: defineKey<string>({
        key: "observability.alerts.heartbeat.urlSecret",
        type: "string",
        description: "Name of the AWS Secrets Manager secret holding the URL of a dead man's switch (a heartbeat check, e.g. healthchecks.io's ping URL) that Alertmanager calls every minute with kube-prometheus-stack's always-firing Watchdog; the service pages when the calls stop (Prometheus, Alertmanager or the cluster down). Required in prod; recommended in staging.",
        schema: secretName,
        optional: true,
    }),
} as const;

export function readSlo(reader: ConfigReader): SloConfig {
    return {
        availabilityPercent: reader.get(alertKeys.availabilityPercent),
        latencyThresholdMs: reader.get(alertKeys.latencyThresholdMs),
        latencyPercent: reader.get(alertKeys.latencyPercent),
        minRequests: reader.get(alertKeys.minRequests),
    };
}

/** Alert settings; staging and prod must reach a person, so one receiver is required there. */
export function readAlerts(reader: ConfigReader, enabled: boolean): AlertsConfig {
    const receivers: ReceiversConfig = {
        slackWebhookSecret: reader.get(alertKeys.slackWebhookSecret, "optional"),
        pagerdutyRoutingKeySecret: reader.get(alertKeys.pagerdutyRoutingKeySecret, "optional"),
        heartbeatUrlSecret: reader.get(alertKeys.heartbeatUrlSecret, "optional"),
    };
    if (enabled && reader.environment !== "dev" && !receivers.slackWebhookSecret && !receivers.pagerdutyRoutingKeySecret) {
        reader.fail(
            alertKeys.pagerdutyRoutingKeySecret.key,
            `${reader.environment} must send alerts to a person: set it (or observability.alerts.slack.webhookSecret) to the name of a Secrets Manager secret, e.g. \`pulumi config set --path dodo-platform:${alertKeys.pagerdutyRoutingKeySecret.key} dodo-${reader.environment}/alertmanager/pagerduty\` (docs/observability.md, "Receivers")`,
        );
    }
    // A dead Prometheus or Alertmanager pages nobody, except through a dead man's switch.
    if (enabled && reader.environment === "prod" && !receivers.heartbeatUrlSecret) {
        reader.fail(
            alertKeys.heartbeatUrlSecret.key,
            `prod must watch its alerting pipeline: set it to the name of a Secrets Manager secret holding a heartbeat URL, e.g. \`pulumi config set --path dodo-platform:${alertKeys.heartbeatUrlSecret.key} dodo-prod/alertmanager/heartbeat\` (docs/observability.md, "Dead man's switch")`,
        );
    }
    return {
        canaryMarginPercent: reader.get(alertKeys.canaryMarginPercent),
        noTrafficMinutes: reader.get(alertKeys.noTrafficMinutes),
        receivers,
    };
}
