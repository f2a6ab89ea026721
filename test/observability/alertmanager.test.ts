import { strict as assert } from "assert";
import { alertmanagerConfig, CANARY_INHIBITIONS } from "../../components/observability/alertmanager";
import { ReceiversConfig } from "../../components/observability/alert-settings";
import { paymentsSloAlerts } from "../../components/observability/slo";

type Route = { receiver: string; matchers?: string[]; continue?: boolean; routes?: Route[] };
type Config = { route: Route; receivers: Record<string, unknown>[]; inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[] };

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

    it("inhibits the canary alerts while the SLO page fires for the same service", () => {
        const rule = both.inhibit_rules.find((r) => r.source_matchers[0] === 'alertname = "PaymentsBackendErrorBudgetFastBurn"')!;
        assert.ok(rule);
        assert.ok(matches(rule.target_matchers[0], { alertname: "PaymentsCanaryErrorRatio" }));
        assert.ok(matches(rule.target_matchers[0], { alertname: "PaymentsCanaryLatencyRegression" }));
        assert.deepEqual(rule.equal, ["namespace", "service"]);
        // Every name in an inhibition is an alert the rules define, with the labels it is equal on.
        const alerts = (paymentsSloAlerts({ availabilityPercent: 99.9, latencyThresholdMs: 500, latencyPercent: 99, canaryMarginPercent: 1, noTrafficMinutes: 10 }).spec as { groups: { rules: { alert: string; labels: Record<string, string> }[] }[] }).groups[0].rules;
        for (const i of CANARY_INHIBITIONS) {
            for (const name of [i.source, ...i.targets]) {
                const a = alerts.find((r) => r.alert === name);
                assert.ok(a, name);
                for (const l of rule.equal) assert.ok(a.labels[l], `${name} has no ${l}`);
            }
        }
    });
});
