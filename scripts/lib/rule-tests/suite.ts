// Turns a stack's rendered PrometheusRules into Prometheus rule files and a promtool test file
// (https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/) whose tests are
// the scenarios. The rules are the synth's objects, unchanged: what promtool checks is what
// `pulumi up` would hand the Prometheus Operator.
import { KubeObject } from "../../../components/k8s";
import { endpointSeries, gatewayUpSeries, requestSeries, totalMinutes } from "./traffic";
import { Scenario, StackObjectives, scenarios } from "./scenarios";
import { InputSeries, SAMPLE_MINUTES, withoutSamples } from "./series";

export interface RuleFile {
    /** File name, e.g. `payments-backend-slo.yaml`. */
    name: string;
    content: { groups: RuleGroup[] };
}

export interface RuleGroup {
    name: string;
    interval?: string;
    rules: { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[];
}

export interface PromtoolSuite {
    ruleFiles: RuleFile[];
    /** Test files by name (evaluation_interval is per file); rule_files are relative to them. */
    testFiles: { name: string; content: Record<string, unknown> }[];
    scenarios: Scenario[];
}

/** The PrometheusRules of a render, one rule file each (spec.groups is the file's `groups`). */
export function ruleFilesOf(manifests: readonly KubeObject[]): RuleFile[] {
    return manifests
        .filter((m) => m.kind === "PrometheusRule")
        .map((m) => ({ name: `${m.metadata.name}.yaml`, content: { groups: (m as KubeObject & { spec: { groups: RuleGroup[] } }).spec.groups } }));
}

function alertDefinitions(files: readonly RuleFile[]): Map<string, { labels: Record<string, string>; annotations: Record<string, string> }> {
    const defs = new Map<string, { labels: Record<string, string>; annotations: Record<string, string> }>();
    for (const f of files) for (const g of f.content.groups) for (const r of g.rules) if (r.alert) defs.set(r.alert, { labels: r.labels ?? {}, annotations: r.annotations ?? {} });
    return defs;
}

function minutes(m: number): string {
    return `${m}m`;
}

/** One promtool test group per scenario; expected alerts carry the rule's own labels and annotations. */
export function promtoolSuite(manifests: readonly KubeObject[], objectives: StackObjectives): PromtoolSuite {
    const ruleFiles = ruleFilesOf(manifests);
    const defs = alertDefinitions(ruleFiles);
    const list = scenarios(objectives);
    const groupOrder = ruleFiles.flatMap((f) => f.content.groups.map((g) => g.name));
    const group = (s: Scenario) => {
        const horizon = totalMinutes(s.periods);
        for (const e of [...s.alerts, ...(s.exprs ?? [])]) {
            if (e.atMinute > horizon) throw new Error(`${s.name}: expectation at minute ${e.atMinute} is after the scenario's end (${horizon})`);
        }
        const gap = s.scrapeGap;
        const series: InputSeries[] = [...requestSeries(s.periods, objectives.slo.latencyThresholdMs), ...endpointSeries(s.periods, s.kubeStateMetricsReplicas), ...gatewayUpSeries(s.periods)];
        return {
            name: s.name,
            interval: minutes(SAMPLE_MINUTES),
            input_series: gap ? series.map((x) => ({ ...x, values: withoutSamples(x.values, gap.fromMinute / SAMPLE_MINUTES, gap.minutes / SAMPLE_MINUTES) })) : series,
            alert_rule_test: s.alerts.map((e) => {
                const def = defs.get(e.alert);
                if (!def) throw new Error(`${s.name}: no alerting rule ${e.alert} in the rendered PrometheusRules`);
                return {
                    eval_time: minutes(e.atMinute),
                    alertname: e.alert,
                    exp_alerts: e.firing ? [{ exp_labels: def.labels, exp_annotations: def.annotations }] : [],
                };
            }),
            promql_expr_test: (s.exprs ?? []).map((e) => ({ expr: e.expr, eval_time: minutes(e.atMinute), exp_samples: e.samples })),
        };
    };
    const intervals = [...new Set(list.map((s) => s.evaluationMinutes ?? 1))].sort((a, b) => a - b);
    const testFiles = intervals.map((every) => ({
        name: every === 1 ? "tests.yaml" : `tests-every-${every}m.yaml`,
        content: {
            rule_files: ruleFiles.map((f) => f.name),
            evaluation_interval: minutes(every),
            // Rule groups run in file order each step: the SLO alerts read the SLIs of the same step.
            group_eval_order: groupOrder,
            fuzzy_compare: true,
            tests: list.filter((s) => (s.evaluationMinutes ?? 1) === every).map(group),
        },
    }));
    return { ruleFiles, scenarios: list, testFiles };
}

/**
 * Every PromQL query of the rendered dashboard ConfigMaps as a recording rule, so `promtool check
 * rules` parses them: Grafana's variables become plain values first ($__rate_interval a range,
 * the others a label value).
 */
export function dashboardQueryRules(manifests: readonly KubeObject[]): RuleFile {
    const rules: RuleGroup["rules"] = [];
    for (const cm of manifests.filter((m) => m.kind === "ConfigMap" && m.metadata.labels?.grafana_dashboard === "1")) {
        for (const text of Object.values(cm.data as Record<string, string>)) {
            const json = JSON.parse(text) as { uid: string; panels: { targets?: { expr: string }[] }[] };
            const exprs = json.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
            exprs.forEach((expr, i) => {
                const plain = expr.replace(/\$__rate_interval/g, "5m").replace(/\$\{?(\w+)\}?/g, "x");
                rules.push({ record: `dashboard:${json.uid.replace(/-/g, "_")}:query${i + 1}`, expr: plain });
            });
        }
    }
    return { name: "dashboard-queries.yaml", content: { groups: [{ name: "dashboard.queries", rules }] } };
}
