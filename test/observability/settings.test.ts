import { strict as assert } from "assert";
import { ConfigReader, Environment } from "../../components/settings";
import { cliConfigFromPaths } from "../../scripts/lib/stack-config";
import { ObservabilityConfig, observabilitySection } from "../../components/observability/settings";
import { uiKeys } from "../../components/observability/ui-settings";

const PASSWORD = "correct-horse-battery-staple";

/** What each environment needs besides defaults: dev's password, staging's and prod's secret names. */
function required(environment: Environment): Record<string, unknown> {
    if (environment === "dev") return { [uiKeys.grafanaAdminPassword.key]: PASSWORD };
    return {
        "observability.grafana.adminPasswordSecret": `dodo-${environment}/grafana/admin-password`,
        "observability.alerts.pagerduty.routingKeySecret": `dodo-${environment}/alertmanager/pagerduty`,
        ...(environment === "prod" ? { "observability.alerts.heartbeat.urlSecret": "dodo-prod/alertmanager/heartbeat" } : {}),
    };
}

function read(environment: Environment, values: Record<string, unknown> = {}): { config: ObservabilityConfig; problems: string[] } {
    const reader = new ConfigReader(environment, cliConfigFromPaths({ ...required(environment), ...values }));
    const config = observabilitySection.read(reader);
    return { config, problems: reader.problems };
}

function problemsOf(environment: Environment, values: Record<string, string>): string {
    const { problems } = read(environment, values);
    assert.ok(problems.length > 0, "expected the config to be rejected");
    return problems.join("\n");
}

describe("observability config", () => {
    it("dev keeps logs on a volume, traces in memory and lets Kiali users in anonymously", () => {
        const { config, problems } = read("dev");
        assert.deepEqual(problems, []);
        assert.equal(config.loki.storage, "filesystem");
        assert.equal(config.jaeger.storage, "memory");
        assert.equal(config.kiali.authStrategy, "anonymous");
        assert.equal(config.prometheus.replicas, 1);
    });

    it("staging and prod keep logs in S3, traces in badger and require Kiali logins", () => {
        for (const env of ["staging", "prod"] as const) {
            const { config, problems } = read(env);
            assert.deepEqual(problems, []);
            assert.equal(config.loki.storage, "s3", env);
            assert.equal(config.jaeger.storage, "badger", env);
            assert.equal(config.kiali.authStrategy, "token", env);
        }
    });

    it("tightens the SLOs and lengthens retention from dev to prod", () => {
        const dev = read("dev").config;
        const prod = read("prod").config;
        assert.ok(prod.slo.availabilityPercent > dev.slo.availabilityPercent);
        assert.ok(prod.slo.latencyThresholdMs < dev.slo.latencyThresholdMs);
        assert.ok(prod.alerts.canaryMarginPercent < dev.alerts.canaryMarginPercent);
        assert.ok(prod.alerts.noTrafficMinutes < dev.alerts.noTrafficMinutes);
        assert.ok(prod.prometheus.retentionDays > dev.prometheus.retentionDays);
        assert.ok(prod.loki.retentionDays > dev.loki.retentionDays);
        assert.equal(prod.prometheus.replicas, 2);
    });

    it("parses fractional objectives, from `config set --path` strings and YAML numbers", () => {
        const { config, problems } = read("prod", { "observability.slo.availabilityPercent": "99.95" });
        assert.deepEqual(problems, []);
        assert.equal(config.slo.availabilityPercent, 99.95);
        assert.equal(read("prod", { "observability.slo.availabilityPercent": 99.5 }).config.slo.availabilityPercent, 99.5);
    });

    it("rejects an objective the burn-rate alerts could never page on, and 100% (no budget)", () => {
        assert.match(problemsOf("dev", { "observability.slo.availabilityPercent": "90" }), /availabilityPercent: must be at least 95 and below 100/);
        assert.match(problemsOf("dev", { "observability.slo.availabilityPercent": "100" }), /a 100% objective leaves no error budget/);
        assert.match(problemsOf("dev", { "observability.alerts.canaryMarginPercent": "lots" }), /canaryMarginPercent: expected a number, got "lots"/);
    });

    it("takes the latency threshold only from Istio's histogram buckets", () => {
        assert.equal(read("prod", { "observability.slo.latencyThresholdMs": "250" }).config.slo.latencyThresholdMs, 250);
        assert.match(problemsOf("prod", { "observability.slo.latencyThresholdMs": "300" }), /latencyThresholdMs: must be a bucket boundary of istio_request_duration_milliseconds \(0\.5, 1, 5, .*500, 1000/);
    });

    it("fails a staging or prod stack without a receiver, naming the key", () => {
        for (const env of ["staging", "prod"] as const) {
            const reader = new ConfigReader(env, cliConfigFromPaths({ "observability.grafana.adminPasswordSecret": "x/y", "observability.alerts.heartbeat.urlSecret": "x/h" }));
            observabilitySection.read(reader);
            assert.match(reader.problems.join("\n"), new RegExp(`dodo-platform:observability\\.alerts\\.pagerduty\\.routingKeySecret: ${env} must send alerts to a person: set it \\(or observability\\.alerts\\.slack\\.webhookSecret\\)`), env);
        }
        // Either receiver is enough; dev may have none (alerts stay in Alertmanager's UI).
        assert.deepEqual(read("prod", { "observability.alerts.pagerduty.routingKeySecret": undefined, "observability.alerts.slack.webhookSecret": "dodo-prod/alertmanager/slack" }).problems, []);
        assert.deepEqual(read("dev").config.alerts.receivers, { slackWebhookSecret: undefined, pagerdutyRoutingKeySecret: undefined, heartbeatUrlSecret: undefined });
        assert.match(problemsOf("prod", { "observability.alerts.slack.webhookSecret": "https://hooks.slack.com/services/T/B/x" }), /slack\.webhookSecret: expected a Secrets Manager secret name/);
    });

    it("requires prod's dead man's switch, naming the key; takes it in staging and dev when given", () => {
        assert.match(problemsOf("prod", { "observability.alerts.heartbeat.urlSecret": undefined } as unknown as Record<string, string>), /dodo-platform:observability\.alerts\.heartbeat\.urlSecret: prod must watch its alerting pipeline/);
        assert.equal(read("staging").config.alerts.receivers.heartbeatUrlSecret, undefined);
        assert.equal(read("staging", { "observability.alerts.heartbeat.urlSecret": "dodo-staging/alertmanager/heartbeat" }).config.alerts.receivers.heartbeatUrlSecret, "dodo-staging/alertmanager/heartbeat");
        assert.match(problemsOf("prod", { "observability.alerts.heartbeat.urlSecret": "https://hc-ping.com/abc" }), /heartbeat\.urlSecret: expected a Secrets Manager secret name/);
    });

    it("keeps no Grafana password in staging's or prod's config: a Secrets Manager secret names it", () => {
        assert.match(problemsOf("prod", { [uiKeys.grafanaAdminPassword.key]: PASSWORD }), /grafana\.adminPassword: prod keeps no runtime secret in Pulumi config/);
        const reader = new ConfigReader("staging", cliConfigFromPaths({ "observability.alerts.slack.webhookSecret": "a/b" }));
        observabilitySection.read(reader);
        assert.match(reader.problems.join("\n"), /grafana\.adminPasswordSecret: required in staging/);
        assert.deepEqual(read("prod").config.grafana, { adminPasswordSecret: "dodo-prod/grafana/admin-password" });
        // dev may use either; the secret name wins.
        assert.deepEqual(read("dev", { "observability.grafana.adminPasswordSecret": "dodo-dev/grafana" }).config.grafana, { adminPasswordSecret: "dodo-dev/grafana" });
    });

    it("requires the Grafana admin password and rejects a short one", () => {
        const reader = new ConfigReader("dev", { values: {} });
        observabilitySection.read(reader);
        assert.match(reader.problems.join("\n"), /observability\.grafana\.adminPassword: required: run `pulumi config set --secret/);
        assert.match(problemsOf("dev", { "observability.grafana.adminPassword": "short" }), /at least 16 characters \(got 5\)/);
    });

    it("hands the password on as a secret Output, never as a plain string", () => {
        const { config } = read("dev");
        assert.notEqual(typeof config.grafana.adminPassword, "string");
        assert.equal(typeof (config.grafana.adminPassword as unknown as { apply: unknown }).apply, "function");
    });

    it("rejects anonymous Kiali access outside dev", () => {
        assert.match(problemsOf("staging", { "observability.kiali.authStrategy": "anonymous" }), /staging requires Kiali users to authenticate/);
        assert.match(problemsOf("prod", { "observability.kiali.authStrategy": "anonymous" }), /prod requires Kiali users to authenticate/);
    });

    it("accepts openid only with its issuer, client id and client secret, and no longer accepts header", () => {
        const missing = problemsOf("prod", { "observability.kiali.authStrategy": "openid" });
        for (const key of ["issuerUri", "clientId", "clientSecretSecret"]) assert.match(missing, new RegExp(`kiali\\.openid\\.${key}: required with observability\\.kiali\\.authStrategy openid`), key);
        const ok = read("prod", {
            "observability.kiali.authStrategy": "openid",
            "observability.kiali.openid.issuerUri": "https://login.example.com/realms/dodo",
            "observability.kiali.openid.clientId": "kiali",
            "observability.kiali.openid.clientSecretSecret": "dodo-prod/kiali/oidc",
        });
        assert.deepEqual(ok.problems, []);
        assert.deepEqual(ok.config.kiali.openid, { issuerUri: "https://login.example.com/realms/dodo", clientId: "kiali", clientSecretSecret: "dodo-prod/kiali/oidc", usernameClaim: "email", kubernetesRbac: false });
        assert.match(problemsOf("prod", { "observability.kiali.authStrategy": "openid", "observability.kiali.openid.issuerUri": "http://idp" }), /issuerUri: /);
        assert.match(problemsOf("prod", { "observability.kiali.authStrategy": "header" }), /expected one of anonymous, token, openid/);
        assert.match(problemsOf("prod", { "observability.kiali.openid.clientId": "kiali" }), /openid\.clientId: only read with observability\.kiali\.authStrategy openid \(got "token"\)/);
    });

    it("rejects in-memory traces in staging and prod, and filesystem logs in prod", () => {
        assert.match(problemsOf("staging", { "observability.jaeger.storage": "memory" }), /jaeger\.storage: staging keeps traces across restarts/);
        assert.match(problemsOf("prod", { "observability.loki.storage": "filesystem" }), /loki\.storage: prod keeps logs in S3/);
        assert.deepEqual(read("staging", { "observability.loki.storage": "filesystem" }).problems, []);
    });

    it("rejects unknown storage kinds with the allowed values", () => {
        assert.match(problemsOf("dev", { "observability.loki.storage": "gcs" }), /expected one of filesystem, s3/);
    });
});
