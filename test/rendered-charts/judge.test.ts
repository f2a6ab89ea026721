// Judging rendered charts with the program's objects: what fails, where it came from, and when an
// exemption counts as stale. Pure: hand-made renders (the real helm: test/rendered-charts/helm/).
import { strict as assert } from "assert";
import { fromPackConfig } from "../../policy/config";
import { RULES } from "../../policy/catalog";
import type { KubeObject } from "../../policy/rules/types";
import { formatChartVerdict, judgeCharts, passes, ReleaseRender } from "../../scripts/lib/rendered-charts/judge";
import { deployment, hardenedContainer, podSpec } from "../policy/helpers";

const REASON = "Reads the node's log files under /var/log/pods, which only a root process may open.";
const config = fromPackConfig({ "k8s-no-host-namespaces": { exemptions: [{ namespace: "observability", kind: "DaemonSet", name: "alloy", allow: { hostPath: ["/var/log"], readOnly: true }, reason: REASON }] } }, RULES.map((r) => r.id));

function daemonSet(name: string, namespace: string, hostPath: boolean): KubeObject {
    const d = deployment(name, namespace, podSpec([hardenedContainer("agent")], hostPath ? { volumes: [{ name: "varlog", hostPath: { path: "/var/log" } }] } : {}), { replicas: 1 });
    delete (d.spec as Record<string, unknown>).replicas;
    return { ...d, kind: "DaemonSet" };
}

function render(release: string, objects: KubeObject[]): ReleaseRender {
    return { release, chart: release, from: "test", duplicateKeys: [], seconds: 0, objects: objects.map((object, i) => ({ object, release, template: `${release}/templates/t${i}.yaml`, line: 1 + 10 * i })) };
}

describe("rendered-chart check: the verdict", () => {
    it("fails an unexempted finding and names the release, template and line it came from", () => {
        const v = judgeCharts([], [render("agent", [daemonSet("agent", "monitoring", true)])], [], "prod", config);
        assert.equal(passes(v), false);
        assert.deepEqual(v.failures.map(({ finding: f, origin }) => `${f.rule} ${f.namespace}/${f.name} ${origin}`), ["k8s-no-host-namespaces monitoring/agent agent: agent/templates/t0.yaml (DaemonSet at line 1)"]);
        assert.match(formatChartVerdict("prod", [], v), /FAIL k8s-no-host-namespaces: DaemonSet monitoring\/agent/);
    });

    it("passes an exempted workload, and judges the program's objects with the charts' (stack rules see both)", () => {
        const program = [deployment("api", "observability", podSpec(), { replicas: 2 })];
        const v = judgeCharts(program, [render("alloy", [daemonSet("alloy", "observability", true)])], [], "prod", config);
        assert.deepEqual(v.failures.map(({ finding: f, origin }) => `${f.rule} ${f.name} ${origin}`), ["k8s-pdb api the program"]);
        assert.deepEqual(v.judgement.used.map((e) => e.name), ["alloy"]);
        assert.equal(v.judged, 2);
    });

    it("an exemption whose object renders clean is stale; one whose object is absent is stale only once every chart rendered and the stack uses its namespace", () => {
        const clean = judgeCharts([], [render("alloy", [daemonSet("alloy", "observability", false)])], [], "prod", config);
        assert.deepEqual(clean.staleExemptions.map((e) => e.name), ["alloy"]);
        assert.match(formatChartVerdict("prod", [], clean), /STALE exemption k8s-no-host-namespaces: DaemonSet observability\/alloy allowing hostPath \/var\/log \(read-only\): the object is in the input and the rule finds nothing there; remove it/);
        const other = render("loki", [daemonSet("loki", "observability", false)]);
        const partial = judgeCharts([], [other], [{ release: "alloy", chart: "alloy 1.11.1", why: "needs chart access" }], "prod", config);
        assert.deepEqual([partial.staleExemptions, partial.judgement.unseen.map((e) => e.name), passes(partial)], [[], ["alloy"], true]);
        const complete = judgeCharts([], [other], [], "prod", config);
        assert.deepEqual(complete.staleExemptions.map((e) => e.name), ["alloy"], "every chart rendered, the namespace is there, the object is not");
        const elsewhere = judgeCharts([], [render("gw", [daemonSet("gw", "istio-ingress", false)])], [], "prod", config);
        assert.deepEqual(elsewhere.staleExemptions, [], "a stack without the observability namespace (local) does not make its entries stale");
    });
});
