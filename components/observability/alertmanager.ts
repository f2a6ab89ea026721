// Alertmanager's configuration (kube-prometheus-stack `alertmanager.config`): severity-based
// routing to the stack's receivers, and inhibition. It holds no credential: the Slack webhook URL
// and the PagerDuty routing key are files from a Secret that External Secrets Operator writes from
// Secrets Manager, mounted by the operator at /etc/alertmanager/secrets/<secret>/ (Alertmanager
// CRD spec.secrets; chart value alertmanager.alertmanagerSpec.secrets). Alertmanager reads them
// when it sends (slack_configs.api_url_file, pagerduty_configs.routing_key_file: alertmanager
// v0.34 config/notifiers.go, notify/pagerduty/config.go), so a rotated key needs no restart.
// The heartbeat URL likewise (webhook_config url_file, Alertmanager configuration reference).
import { ReceiversConfig } from "./alert-settings";
import { EDGE_ALERTS } from "./edge-alerts";

/** The Secret ESO writes for Alertmanager, and its keys. */
export const ALERTMANAGER_RECEIVERS_SECRET = { name: "alertmanager-receivers", slackKey: "slack-webhook-url", pagerdutyKey: "pagerduty-routing-key", heartbeatKey: "heartbeat-url" } as const;
/** Where the Prometheus Operator mounts spec.secrets (prometheus-operator Alertmanager API reference). */
export const ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets";

export const RECEIVERS = { none: "null", page: "page", ticket: "ticket", heartbeat: "heartbeat" } as const;

function secretFile(key: string): string {
    return `${ALERTMANAGER_SECRETS_DIR}/${ALERTMANAGER_RECEIVERS_SECRET.name}/${key}`;
}

export interface Inhibition {
    /** The cause: while it fires... */
    source: string;
    /** ...these symptoms of it notify nobody. */
    targets: readonly string[];
    /** Labels source and target must share (absent on both counts as equal). */
    equal: readonly string[];
}

const CANARY = ["PaymentsCanaryErrorRatio", "PaymentsCanaryLatencyRegression"] as const;
/** What a backend outage also sets off: the SLO burns, the empty success count, the edge's 503s, the canary. */
const BACKEND_SYMPTOMS = ["PaymentsBackendErrorBudgetFastBurn", "PaymentsBackendErrorBudgetSlowBurn", "PaymentsNoSuccessfulTraffic", EDGE_ALERTS.fastBurn, ...CANARY] as const;

/**
 * One outage, one page. Alertmanager groups by alertname, so without these a backend with no
 * ready pod pages three or four times (no endpoints, fast burn, no successful traffic, the edge).
 * The most specific cause wins: no gateway pod, then no ready backend endpoint, then the fast
 * burn. The gateway sits in another namespace than the payments alerts; `cluster` (Prometheus's
 * external label, on every alert it sends) keeps the rule to this cluster's alerts.
 */
export const INHIBITIONS: readonly Inhibition[] = [
    { source: EDGE_ALERTS.gatewayDown, targets: [...BACKEND_SYMPTOMS, "PaymentsBackendLatencyBudgetFastBurn", "PaymentsBackendLatencyBudgetSlowBurn"], equal: ["cluster"] },
    { source: "PaymentsBackendNoReadyEndpoints", targets: BACKEND_SYMPTOMS, equal: ["cluster", "namespace"] },
    { source: "PaymentsBackendErrorBudgetFastBurn", targets: ["PaymentsNoSuccessfulTraffic", EDGE_ALERTS.fastBurn, ...CANARY], equal: ["cluster", "namespace"] },
    { source: "PaymentsBackendLatencyBudgetFastBurn", targets: ["PaymentsCanaryLatencyRegression"], equal: ["cluster", "namespace", "service"] },
];

function slack(cluster: string): Record<string, unknown> {
    return {
        api_url_file: secretFile(ALERTMANAGER_RECEIVERS_SECRET.slackKey),
        send_resolved: true,
        title: `[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} (${cluster})`,
        text: "{{ range .Alerts }}*{{ .Labels.severity }}* {{ .Annotations.summary }}\n{{ .Annotations.description }}\n{{ end }}",
    };
}

function pagerduty(cluster: string, severity: "critical" | "warning"): Record<string, unknown> {
    return {
        routing_key_file: secretFile(ALERTMANAGER_RECEIVERS_SECRET.pagerdutyKey),
        send_resolved: true,
        severity,
        description: `{{ .CommonLabels.alertname }} (${cluster}): {{ .CommonAnnotations.summary }}`,
        details: { cluster, namespace: "{{ .CommonLabels.namespace }}", description: "{{ .CommonAnnotations.description }}" },
    };
}

/**
 * Pages (severity critical) go to PagerDuty, and to Slack as well when both are set; tickets
 * (warning) go to Slack. With only one receiver, everything goes there (PagerDuty marks tickets
 * as warnings). kube-prometheus-stack's always-firing Watchdog goes to the heartbeat receiver (a
 * dead man's switch) every minute when one is set; InfoInhibitor and info alerts go nowhere.
 */
export function alertmanagerConfig(receivers: ReceiversConfig, cluster: string): Record<string, unknown> {
    const hasSlack = receivers.slackWebhookSecret !== undefined;
    const hasPd = receivers.pagerdutyRoutingKeySecret !== undefined;
    const hasHeartbeat = receivers.heartbeatUrlSecret !== undefined;
    const page = [...(hasPd ? [["pagerduty_configs", pagerduty(cluster, "critical")]] : []), ...(hasSlack ? [["slack_configs", slack(cluster)]] : [])];
    const ticket = hasSlack ? [["slack_configs", slack(cluster)]] : hasPd ? [["pagerduty_configs", pagerduty(cluster, "warning")]] : [];
    const receiver = (name: string, configs: (string | Record<string, unknown>)[][]) => ({
        name,
        ...Object.fromEntries(configs.map(([k, v]) => [k as string, [v]])),
    });
    const target = (configs: unknown[], name: string) => (configs.length > 0 ? name : RECEIVERS.none);
    // The heartbeat service expects a call every minute: no grouping delay, resent every minute.
    // Never resolved: Watchdog always fires, and silence is the signal.
    const heartbeat = { url_file: secretFile(ALERTMANAGER_RECEIVERS_SECRET.heartbeatKey), send_resolved: false, max_alerts: 1 };
    return {
        global: { resolve_timeout: "5m" },
        route: {
            receiver: target(ticket, RECEIVERS.ticket),
            group_by: ["alertname", "namespace", "service"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "12h",
            routes: [
                // repeat_interval just under group_interval: a resend is due only when the last send is older
                // than now - repeat at a flush (notify/dedup_stage.go), and the log stamps the send after the
                // tick, so 1m/1m resends every second flush (prometheus/alertmanager#676, #3370).
                hasHeartbeat
                    ? { receiver: RECEIVERS.heartbeat, matchers: ['alertname = "Watchdog"'], group_wait: "0s", group_interval: "1m", repeat_interval: "50s" }
                    : { receiver: RECEIVERS.none, matchers: ['alertname = "Watchdog"'] },
                { receiver: RECEIVERS.none, matchers: ['alertname = "InfoInhibitor"'] },
                { receiver: target(page, RECEIVERS.page), matchers: ['severity = "critical"'], group_wait: "10s", repeat_interval: "1h" },
                { receiver: target(ticket, RECEIVERS.ticket), matchers: ['severity = "warning"'] },
                { receiver: RECEIVERS.none, matchers: ['severity =~ "info|none|"'] },
            ],
        },
        receivers: [
            { name: RECEIVERS.none },
            ...(page.length > 0 ? [receiver(RECEIVERS.page, page)] : []),
            ...(ticket.length > 0 ? [receiver(RECEIVERS.ticket, ticket)] : []),
            ...(hasHeartbeat ? [{ name: RECEIVERS.heartbeat, webhook_configs: [heartbeat] }] : []),
        ],
        inhibit_rules: [
            ...INHIBITIONS.map((i) => ({
                source_matchers: [`alertname = "${i.source}"`],
                target_matchers: [`alertname =~ "${i.targets.join("|")}"`],
                equal: [...i.equal],
            })),
            // kube-prometheus-stack's defaults: a page silences the same alert's lower severities.
            { source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ["alertname", "namespace", "service"] },
            { source_matchers: ['severity = "warning"'], target_matchers: ['severity = "info"'], equal: ["namespace", "alertname"] },
            { source_matchers: ['alertname = "InfoInhibitor"'], target_matchers: ['severity = "info"'], equal: ["namespace"] },
        ],
    };
}

/** Whether the stack has anywhere to send alerts (dev may not: its alerts stay in the UI). */
export function hasReceivers(receivers: ReceiversConfig): boolean {
    return receivers.slackWebhookSecret !== undefined || receivers.pagerdutyRoutingKeySecret !== undefined;
}

/** Whether Alertmanager mounts the receivers' Secret: any receiver, the heartbeat included. */
export function needsReceiversSecret(receivers: ReceiversConfig): boolean {
    return hasReceivers(receivers) || receivers.heartbeatUrlSecret !== undefined;
}
