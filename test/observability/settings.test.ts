import { strict as assert } from "assert";
import { ConfigReader, Environment } from "../../components/settings";
import { cliConfigFromPaths } from "../../scripts/lib/stack-config";
import { ObservabilityConfig, observabilityKeys, observabilitySection } from "../../components/observability/settings";

const PASSWORD = "correct-horse-battery-staple";

function read(environment: Environment, values: Record<string, unknown> = {}): { config: ObservabilityConfig; problems: string[] } {
    const reader = new ConfigReader(environment, cliConfigFromPaths({ [observabilityKeys.grafanaAdminPassword.key]: PASSWORD, ...values }));
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

    it("tightens alert thresholds and lengthens retention from dev to prod", () => {
        const dev = read("dev").config;
        const prod = read("prod").config;
        assert.ok(prod.alerts.backend5xxPercent < dev.alerts.backend5xxPercent);
        assert.ok(prod.alerts.backendP99LatencyMs < dev.alerts.backendP99LatencyMs);
        assert.ok(prod.alerts.canaryMarginPercent < dev.alerts.canaryMarginPercent);
        assert.ok(prod.prometheus.retentionDays > dev.prometheus.retentionDays);
        assert.ok(prod.loki.retentionDays > dev.loki.retentionDays);
        assert.equal(prod.prometheus.replicas, 2);
    });

    it("parses fractional percentages, from `config set --path` strings and YAML numbers", () => {
        const { config, problems } = read("prod", { "observability.alerts.backend5xxPercent": "0.5" });
        assert.deepEqual(problems, []);
        assert.equal(config.alerts.backend5xxPercent, 0.5);
        assert.equal(read("prod", { "observability.alerts.backend5xxPercent": 0.5 }).config.alerts.backend5xxPercent, 0.5);
    });

    it("rejects a percentage that is not a number or is out of range", () => {
        assert.match(problemsOf("dev", { "observability.alerts.canaryMarginPercent": "lots" }), /canaryMarginPercent: expected a number, got "lots"/);
        assert.match(problemsOf("dev", { "observability.alerts.backend5xxPercent": "0" }), /backend5xxPercent: must be greater than 0/);
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

    it("rejects in-memory traces in staging and prod, and filesystem logs in prod", () => {
        assert.match(problemsOf("staging", { "observability.jaeger.storage": "memory" }), /jaeger\.storage: staging keeps traces across restarts/);
        assert.match(problemsOf("prod", { "observability.loki.storage": "filesystem" }), /loki\.storage: prod keeps logs in S3/);
        assert.deepEqual(read("staging", { "observability.loki.storage": "filesystem" }).problems, []);
    });

    it("rejects unknown storage kinds with the allowed values", () => {
        assert.match(problemsOf("dev", { "observability.loki.storage": "gcs" }), /expected one of filesystem, s3/);
    });
});
