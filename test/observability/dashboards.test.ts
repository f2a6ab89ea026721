import { strict as assert } from "assert";
import { KubeObject } from "../../components/k8s";
import { ROUTE_LABEL } from "../../components/mesh-metrics";
import { dashboardConfigMap, DASHBOARD_SIDECAR, istioDashboardTitles, platformDashboards } from "../../components/observability/dashboards";
import { dashboard, layout, row, stat, timeseries } from "../../components/observability/dashboards/grafana";
import { paymentsSliRules, SERIES } from "../../components/observability/slo";
import { grafanaValues } from "../../components/observability/grafana";
import { at } from "./fixtures";
import { manifests, renderCached } from "../harness";

interface PanelJson {
    type: string;
    title: string;
    gridPos: { x: number; y: number; w: number; h: number };
    datasource?: { uid: string };
    targets?: { expr: string; datasource: { uid: string } }[];
}

function panelsOf(json: Record<string, unknown>): PanelJson[] {
    return json.panels as PanelJson[];
}

function exprs(json: Record<string, unknown>): string[] {
    return panelsOf(json).flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

const SLO = { availabilityPercent: 99.9, latencyPercent: 99, latencyThresholdMs: 500 };

describe("Grafana dashboards", () => {
    it("render as ConfigMaps the Grafana sidecar loads: label grafana_dashboard=1, folder annotation, one JSON file each", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const cms = manifests(await renderCached(stack), "ConfigMap", "observability").filter((c) => c.metadata.labels?.[DASHBOARD_SIDECAR.label] === "1");
            assert.deepEqual(cms.map((c) => c.metadata.name).sort(), ["dashboard-istio-control-plane", "dashboard-istio-mesh", "dashboard-istio-performance", "dashboard-istio-service", "dashboard-istio-workload", "dashboard-payments"], stack);
            for (const cm of cms) {
                const files = Object.entries(cm.data as Record<string, string>);
                assert.equal(files.length, 1, cm.metadata.name);
                const [file, text] = files[0];
                const json = JSON.parse(text) as Record<string, unknown>;
                assert.equal(file, `${json.uid}.json`);
                assert.ok(["Istio", "Payments"].includes(cm.metadata.annotations![DASHBOARD_SIDECAR.folderAnnotation]), cm.metadata.name);
                assert.ok(text.length < 256 * 1024, `${cm.metadata.name}: ${text.length} bytes`);
            }
        }
        // The sidecar looks for exactly this label and annotation.
        const sidecar = at(grafanaValues({ environment: "prod" }), "sidecar.dashboards") as Record<string, string>;
        assert.equal(sidecar.label, DASHBOARD_SIDECAR.label);
        assert.equal(sidecar.labelValue, DASHBOARD_SIDECAR.labelValue);
        assert.equal(sidecar.folderAnnotation, DASHBOARD_SIDECAR.folderAnnotation);
    });

    it("keep the titles Kiali links to, and the variables it passes", () => {
        assert.deepEqual(istioDashboardTitles(), ["Istio Mesh Dashboard", "Istio Service Dashboard", "Istio Workload Dashboard", "Istio Control Plane Dashboard", "Istio Performance Dashboard"]);
        const byTitle = new Map(platformDashboards(SLO).map((d) => [d.spec.title, dashboard(d.spec)]));
        const vars = (title: string) => ((byTitle.get(title)!.templating as { list: { name: string }[] }).list.map((v) => v.name));
        for (const v of ["datasource", "namespace", "service"]) assert.ok(vars("Istio Service Dashboard").includes(v), v);
        for (const v of ["datasource", "namespace", "workload"]) assert.ok(vars("Istio Workload Dashboard").includes(v), v);
    });

    it("query the datasource variable (Prometheus by default) in every panel, read-only", () => {
        for (const d of platformDashboards(SLO)) {
            const json = dashboard(d.spec);
            assert.equal(json.editable, false);
            const ds = (json.templating as { list: Record<string, unknown>[] }).list[0];
            assert.deepEqual([ds.name, ds.type, (ds.current as { value: string }).value], ["datasource", "datasource", "prometheus"]);
            for (const p of panelsOf(json).filter((p) => p.type !== "row")) {
                assert.equal(p.datasource?.uid, "${datasource}", `${d.spec.title}: ${p.title}`);
                assert.ok((p.targets ?? []).length > 0, `${d.spec.title}: ${p.title} has no query`);
            }
        }
    });

    it("the Payments dashboard shows the SLO, burn rates, canary v1 vs v2, p50/p95/p99 and 4xx/5xx by route from the alerts' own series", () => {
        const json = dashboard(platformDashboards(SLO).find((d) => d.spec.uid === "payments")!.spec);
        const titles = panelsOf(json).map((p) => p.title);
        for (const t of ["Availability, last hour", "Availability burn rate", "Latency burn rate", "5xx ratio by version", "p95 by version", "Backend request duration (p50, p95, p99)", "4xx by route", "5xx by route"]) assert.ok(titles.includes(t), t);
        const queries = exprs(json).join("\n");
        // The recorded SLIs the alerts use, so the graphs show what pages.
        const recorded = (paymentsSliRules(SLO).spec as { groups: { rules: { record: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.record));
        for (const series of [SERIES.errorRatio("1h"), SERIES.versionErrorRatio, SERIES.versionSlowRatio, SERIES.requests("5m")]) {
            assert.ok(queries.includes(series), series);
            assert.ok(recorded.includes(series), `${series} is recorded`);
        }
        assert.match(queries, /\/ 0\.001/, "burn rate: error ratio over the 99.9% budget");
        assert.match(queries, new RegExp(`sum by \\(${ROUTE_LABEL}, response_code\\)`));
        for (const p of [0.5, 0.95, 0.99]) assert.ok(queries.includes(`histogram_quantile(${p},`), String(p));
    });

    it("lay panels out on the 24-column grid without overlaps", () => {
        const panels = layout([row("r"), stat("a", { expr: "1" }), stat("b", { expr: "1" }), timeseries("c", [{ expr: "1" }], { width: 18 }), timeseries("d", [{ expr: "1" }])]);
        assert.deepEqual(panels.map((p) => p.gridPos), [
            { x: 0, y: 0, w: 24, h: 1 },
            { x: 0, y: 1, w: 6, h: 4 },
            { x: 6, y: 1, w: 6, h: 4 },
            { x: 0, y: 5, w: 18, h: 8 },
            { x: 0, y: 13, w: 12, h: 8 },
        ]);
        for (const d of platformDashboards(SLO)) {
            const boxes = panelsOf(dashboard(d.spec)).map((p) => p.gridPos);
            for (const [i, a] of boxes.entries()) {
                assert.ok(a.x + a.w <= 24, `${d.spec.title}: panel ${i} past the grid`);
                for (const b of boxes.slice(i + 1)) assert.ok(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y, `${d.spec.title}: panels overlap`);
            }
        }
    });

    it("name each ConfigMap after the dashboard's uid", () => {
        const cm: KubeObject = dashboardConfigMap(platformDashboards(SLO)[0]);
        assert.equal(cm.metadata.name, "dashboard-istio-mesh");
        assert.deepEqual(Object.keys(cm.data as object), ["istio-mesh.json"]);
    });
});
