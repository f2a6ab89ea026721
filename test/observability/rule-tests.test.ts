// The promtool suite's structure, without promtool (npm run test:rules runs it): what it tests,
// against which rules, and the series notation it writes.
import { strict as assert } from "assert";
import { parsePlatformConfig } from "../../components/config";
import { counterValues, gaugeValues, withoutSamples } from "../../scripts/lib/rule-tests/series";
import { expectPage, PAYMENTS_ALERTS } from "../../scripts/lib/rule-tests/scenarios";
import { promtoolSuite, ruleFilesOf } from "../../scripts/lib/rule-tests/suite";
import { readStackConfig } from "../../scripts/lib/stack-config";
import { manifests, renderCached } from "../harness";

interface AlertTest {
    eval_time: string;
    alertname: string;
    exp_alerts: { exp_labels: Record<string, string> }[];
}

describe("promtool rule tests (generated)", () => {
    it("write counters in promtool's expanding notation, continuing where the last phase ended", () => {
        assert.equal(counterValues([{ minutes: 2, perMinute: 3 }]), "0+3x2");
        assert.equal(counterValues([{ minutes: 2, perMinute: 3 }, { minutes: 3, perMinute: 0 }]), "0+3x2 6+0x2");
        assert.equal(counterValues([{ minutes: 2, perMinute: 3 }, { minutes: 1, perMinute: 1 }]), "0+3x2 7");
        assert.equal(counterValues([{ minutes: 2, perMinute: 1 }, "stale"], 5), "_x5 0+1x2 stale");
        assert.equal(gaugeValues(1, 3, true, 2), "_x2 1+0x3 stale");
    });

    it("restart a counter from 0 when its proxy restarts, the first sample holding that minute's count", () => {
        // 0 3 6, then a restart: 2 4 (Prometheus sees 6 -> 2, a reset).
        assert.equal(counterValues([{ minutes: 2, perMinute: 3 }, { minutes: 2, perMinute: 2, reset: true }]), "0+3x2 2+2x1");
    });

    it("drop the samples of a scrape gap, the counter counting on unseen (no staleness marker)", () => {
        assert.equal(withoutSamples("0+3x6", 2, 3), "0+3x1 _x3 15+3x1");
        assert.equal(withoutSamples("_x2 1+0x3 stale", 3, 1), "_x2 1 _x1 1+0x1 stale");
        assert.equal(withoutSamples("0+3x2 2+2x1", 0, 1), "_x1 3+3x1 2+2x1");
    });

    it("expect a page exactly where the workbook's arithmetic says so", () => {
        // 20% errors against a 99% objective: 1h ratio 0.2 > 14.4 x 1% once the hour is all incident.
        assert.equal(expectPage(0.2, 0.01, 60, 75), true);
        // ...but not against 95% (14.4 x 5% = 72%, 6 x 5% = 30%).
        assert.equal(expectPage(0.2, 0.05, 60, 75), false);
        // 1% errors at 99.9%: 1.44% needed over 1h, 0.6% over 6h: only the 6h pair can page, after 6h x 0.6/1.
        assert.equal(expectPage(0.01, 0.001, 60, 75), false);
    });

    it("test every payments alert firing in some outage and quiet on a healthy day, on the rendered rules of each stack", async () => {
        for (const stack of ["dev", "staging", "prod"] as const) {
            const render = await renderCached(stack);
            const sc = readStackConfig(stack);
            const config = parsePlatformConfig({ stack, values: sc.values, secretKeys: sc.secretKeys }).observability;
            const suite = promtoolSuite(render.manifests, { slo: config.slo, alerts: config.alerts });
            // The rule files are the rendered PrometheusRules, unchanged.
            assert.deepEqual(suite.ruleFiles.map((f) => f.name).sort(), manifests(render, "PrometheusRule", "observability").map((m) => `${m.metadata.name}.yaml`).sort(), stack);
            assert.deepEqual(ruleFilesOf(render.manifests), suite.ruleFiles);
            const tests = suite.testFiles.flatMap((f) => (f.content as { tests: { name: string; alert_rule_test: AlertTest[] }[] }).tests);
            assert.deepEqual(suite.testFiles.map((f) => [f.name, f.content.evaluation_interval]), [["tests.yaml", "1m"], ["tests-every-5m.yaml", "5m"]]);
            const names = tests.map((t) => t.name);
            for (const required of [/^a healthy day/, /^full backend outage seen only at the gateway/, /^v2 crash-looping at weight 20/, /^latency regression on v2 only/, /^a healthy day through restarts/, /^full backend outage through restarts/, /^a quiet night:/]) {
                assert.ok(names.some((n) => required.test(n)), `${stack}: no scenario ${required}`);
            }
            const healthy = tests.find((t) => t.name.startsWith("a healthy day"))!;
            for (const alert of PAYMENTS_ALERTS) {
                assert.ok(healthy.alert_rule_test.some((a) => a.alertname === alert && a.exp_alerts.length === 0), `${stack}: ${alert} not checked quiet on a healthy day`);
            }
            const fired = new Set(tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
            for (const alert of PAYMENTS_ALERTS) {
                assert.ok(fired.has(alert), `${stack}: ${alert} is never shown to fire`);
            }
            const crash = tests.find((t) => t.name.startsWith("v2 crash-looping at weight 20"))!;
            const canary = crash.alert_rule_test.find((a) => a.alertname === "PaymentsCanaryErrorRatio" && a.exp_alerts.length > 0)!;
            assert.equal(canary.exp_alerts[0].exp_labels.version, "v2");
        }
    });
});
