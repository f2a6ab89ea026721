import { strict as assert } from "assert";
import { alertmanagerConfig, INHIBITIONS, needsReceiversSecret } from "../../components/observability/alertmanager";
import { EDGE_ALERTS, paymentsEdgeRules } from "../../components/observability/edge-alerts";
import { KubeObject } from "../../components/k8s";
import { PromRule } from "../../components/observability/monitors";
import { ReceiversConfig } from "../../components/observability/alert-settings";
import { paymentsSloAlerts } from "../../components/observability/slo";

type Route = { receiver: string; matchers?: string[]; continue?: boolean; routes?: Route[] };
type Config = { route: Route; receivers: Record<string, unknown>[]; inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[] };

const SLO = { availabilityPercent: 99.9, latencyThresholdMs: 500, latencyPercent: 99, canaryMarginPercent: 1, noTrafficMinutes: 10, minRequests: 50 };

function rulesOf(obj: KubeObject): PromRule[] {
    return (obj.spec as { groups: { rules: PromRule[] }[] }).groups.flatMap((g) => g.rules);
}

const BOTH: ReceiversConfig = { slackWebhookSecret: "dodo-prod/alertmanager/slack", pagerdutyRoutingKeySecret: "dodo-prod/alertmanager/pagerduty" };

/** Alertmanager's matcher semantics for the forms the config uses: `l = "v"` and `l =~ "re"` (anchored). */
function matches(matcher: string, labels: Record<string, string>): boolean {
    const m = /^(\w+) (=~|=) "(.*)"$/.exec(matcher);
    assert.ok(m, `unsupported matcher ${matcher}`);
    const value = labels[m[1]] ?? "";
    return m[2] === "=" ? value === m[3] : new RegExp(`^(?:${m[3]})$`).test(value);
}

/** The receiver Alertmanager picks: first matching child route (no `continue` is used), else the root's. */
function receiverFor(config: Config, labels: Record<string, string>): string {
    const child = (config.route.routes ?? []).find((r) => (r.matchers ?? []).every((m) => matches(m, labels)));
    return child ? child.receiver : config.route.receiver;
}

function receiver(config: Config, name: string): Record<string, unknown> {
    const found = config.receivers.find((r) => r.name === name);
    assert.ok(found, `no receiver ${name}`);
    return found;
}

describe("Alertmanager routing", () => {
    const both = alertmanagerConfig(BOTH, "dodo-prod") as unknown as Config;

    it("pages on critical (PagerDuty and Slack) and tickets warnings to Slack", () => {
        assert.equal(receiverFor(both, { alertname: "PaymentsBackendErrorBudgetFastBurn", severity: "critical" }), "page");
        assert.equal(receiverFor(both, { alertname: "PaymentsBackendErrorBudgetSlowBurn", severity: "warning" }), "ticket");
        assert.deepEqual(Object.keys(receiver(both, "page")).sort(), ["name", "pagerduty_configs", "slack_configs"]);
        assert.deepEqual(Object.keys(receiver(both, "ticket")).sort(), ["name", "slack_configs"]);
    });

    it("reads the credentials from the files of the mounted Secret, never from the config", () => {
        const pd = (receiver(both, "page").pagerduty_configs as Record<string, unknown>[])[0];
        assert.equal(pd.routing_key_file, "/etc/alertmanager/secrets/alertmanager-receivers/pagerduty-routing-key");
        assert.equal(pd.routing_key, undefined);
        const slack = (receiver(both, "ticket").slack_configs as Record<string, unknown>[])[0];
        assert.equal(slack.api_url_file, "/etc/alertmanager/secrets/alertmanager-receivers/slack-webhook-url");
        assert.equal(slack.api_url, undefined);
    });

    it("sends everything to the one receiver a stack has, PagerDuty marking tickets as warnings", () => {
        const pdOnly = alertmanagerConfig({ pagerdutyRoutingKeySecret: "x" }, "c") as unknown as Config;
        assert.equal(receiverFor(pdOnly, { severity: "critical" }), "page");
        assert.equal(receiverFor(pdOnly, { severity: "warning" }), "ticket");
        assert.equal(((receiver(pdOnly, "ticket").pagerduty_configs as Record<string, unknown>[])[0]).severity, "warning");
        const slackOnly = alertmanagerConfig({ slackWebhookSecret: "x" }, "c") as unknown as Config;
        assert.deepEqual(Object.keys(receiver(slackOnly, "page")).sort(), ["name", "slack_configs"]);
    });

    it("drops kube-prometheus-stack's Watchdog, InfoInhibitor and info alerts; with no receiver (dev) everything stays in the UI", () => {
        for (const labels of [{ alertname: "Watchdog", severity: "none" }, { alertname: "InfoInhibitor", severity: "none" }, { alertname: "KubeX", severity: "info" }]) assert.equal(receiverFor(both, labels), "null", labels.alertname);
        const dev = alertmanagerConfig({}, "dodo-dev") as unknown as Config;
        assert.deepEqual(dev.receivers, [{ name: "null" }]);
        assert.equal(receiverFor(dev, { severity: "critical" }), "null");
    });

    it("groups one notification per alert, namespace and service", () => {
        assert.deepEqual((both.route as Route & { group_by: string[] }).group_by, ["alertname", "namespace", "service"]);
    });

    /** Whether an inhibit rule silences `target` while `source` fires (matchers and equal labels, absent counting as equal). */
    function inhibited(config: Config, source: Record<string, string>, target: Record<string, string>): boolean {
        return config.inhibit_rules.some(
            (r) => r.source_matchers.every((m) => matches(m, source)) && r.target_matchers.every((m) => matches(m, target)) && r.equal.every((l) => (source[l] ?? "") === (target[l] ?? "")),
        );
    }

    it("lets the most specific cause page alone: gateway down, then no backend endpoint, then the fast burn", () => {
        const rules = [...rulesOf(paymentsSloAlerts(SLO)), ...rulesOf(paymentsEdgeRules(SLO))];
        const firing = (name: string) => {
            const r = rules.find((x) => x.alert === name);
            assert.ok(r, `no alert ${name}`);
            // Prometheus adds its external label to every alert it sends.
            return { alertname: name, cluster: "dodo-prod", ...r.labels };
        };
        const gatewayDown = firing(EDGE_ALERTS.gatewayDown);
        for (const name of ["PaymentsBackendErrorBudgetFastBurn", "PaymentsNoSuccessfulTraffic", EDGE_ALERTS.fastBurn, "PaymentsCanaryErrorRatio", "PaymentsBackendLatencyBudgetFastBurn"]) {
            assert.ok(inhibited(both, gatewayDown, firing(name)), `gateway down silences ${name}`);
        }
        const noEndpoints = firing("PaymentsBackendNoReadyEndpoints");
        for (const name of ["PaymentsBackendErrorBudgetFastBurn", "PaymentsNoSuccessfulTraffic", EDGE_ALERTS.fastBurn, "PaymentsCanaryErrorRatio"]) {
            assert.ok(inhibited(both, noEndpoints, firing(name)), `no endpoints silences ${name}`);
        }
        const fastBurn = firing("PaymentsBackendErrorBudgetFastBurn");
        for (const name of ["PaymentsCanaryErrorRatio", "PaymentsCanaryLatencyRegression", EDGE_ALERTS.fastBurn]) assert.ok(inhibited(both, fastBurn, firing(name)), `fast burn silences ${name}`);
        // Causes are never silenced by their symptoms, nor by another cluster's alerts.
        assert.equal(inhibited(both, fastBurn, noEndpoints), false);
        assert.equal(inhibited(both, noEndpoints, gatewayDown), false);
        assert.equal(inhibited(both, { ...gatewayDown, cluster: "dodo-staging" }, fastBurn), false);
        // A critical silences the warning of the same alert in the same namespace and service.
        const crit = { alertname: "KubeX", severity: "critical", namespace: "a", service: "s" };
        assert.ok(inhibited(both, crit, { ...crit, severity: "warning" }));
        assert.equal(inhibited(both, crit, { ...crit, severity: "warning", alertname: "KubeY" }), false);
    });

    it("names only alerts the rules define in its inhibitions", () => {
        const defined = new Set([...rulesOf(paymentsSloAlerts(SLO)), ...rulesOf(paymentsEdgeRules(SLO))].map((r) => r.alert));
        for (const i of INHIBITIONS) for (const name of [i.source, ...i.targets]) assert.ok(defined.has(name), name);
    });

    it("sends the always-firing Watchdog to the dead man's switch every minute, from the Secret's file", () => {
        const hb = alertmanagerConfig({ ...BOTH, heartbeatUrlSecret: "dodo-prod/alertmanager/heartbeat" }, "dodo-prod") as unknown as Config;
        assert.equal(receiverFor(hb, { alertname: "Watchdog", severity: "none" }), "heartbeat");
        const route = (hb.route.routes ?? []).find((r) => r.receiver === "heartbeat") as Route & Record<string, string>;
        assert.deepEqual([route.group_wait, route.group_interval, route.repeat_interval], ["0s", "1m", "50s"], "repeat under the group interval, or it resends every second flush");
        const webhook = (receiver(hb, "heartbeat").webhook_configs as Record<string, unknown>[])[0];
        assert.deepEqual(webhook, { url_file: "/etc/alertmanager/secrets/alertmanager-receivers/heartbeat-url", send_resolved: false, max_alerts: 1 });
        assert.equal(receiverFor(hb, { alertname: "InfoInhibitor", severity: "none" }), "null");
        // Without one, Watchdog goes nowhere and no heartbeat receiver exists.
        assert.equal(receiverFor(both, { alertname: "Watchdog", severity: "none" }), "null");
        assert.equal(both.receivers.some((r) => r.name === "heartbeat"), false);
        assert.equal(needsReceiversSecret({ heartbeatUrlSecret: "x/y" }), true);
        assert.equal(needsReceiversSecret({}), false);
    });
});
