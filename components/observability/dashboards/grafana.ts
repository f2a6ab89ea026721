// A small typed builder for Grafana dashboard JSON (schema 39: timeseries, stat and row panels,
// datasource and query variables). Panels flow left to right on Grafana's 24-column grid and wrap;
// a row starts a new line. Every query goes to the dashboard's `datasource` variable, which
// defaults to the provisioned Prometheus (uid `prometheus`) and which Kiali sets with var-datasource.
import { DATASOURCE_UIDS } from "../names";

export type Unit = "reqps" | "percentunit" | "ms" | "s" | "bytes" | "Bps" | "short" | "none" | "cps";

export interface Target {
    expr: string;
    legend?: string;
}

export interface Threshold {
    value: number | null;
    color: string;
}

export interface PanelOptions {
    unit?: Unit;
    /** Width in grid columns (24 per line). Default 12 for graphs, 6 for stats. */
    width?: number;
    height?: number;
    description?: string;
    min?: number;
    max?: number;
    /** Stat colour steps (first value null: the base colour). */
    thresholds?: Threshold[];
    /** Timeseries: stack the series (shares of a whole). */
    stacked?: boolean;
}

export interface GridPos {
    x: number;
    y: number;
    w: number;
    h: number;
}

export interface Panel {
    id: number;
    type: "timeseries" | "stat" | "row";
    title: string;
    gridPos: GridPos;
    [field: string]: unknown;
}

export interface PanelSpec {
    type: "timeseries" | "stat" | "row";
    title: string;
    targets: Target[];
    options: PanelOptions;
}

export const DATASOURCE_VARIABLE = "datasource";
const DATASOURCE_REF = { type: "prometheus", uid: `\${${DATASOURCE_VARIABLE}}` } as const;

export function timeseries(title: string, targets: Target[], options: PanelOptions = {}): PanelSpec {
    return { type: "timeseries", title, targets, options };
}

export function stat(title: string, target: Target, options: PanelOptions = {}): PanelSpec {
    return { type: "stat", title, targets: [target], options };
}

export function row(title: string): PanelSpec {
    return { type: "row", title, targets: [], options: {} };
}

function fieldConfig(o: PanelOptions, type: PanelSpec["type"]): Record<string, unknown> {
    const defaults: Record<string, unknown> = { unit: o.unit ?? "short" };
    if (o.min !== undefined) defaults.min = o.min;
    if (o.max !== undefined) defaults.max = o.max;
    if (o.thresholds) defaults.thresholds = { mode: "absolute", steps: o.thresholds };
    if (type === "timeseries") defaults.custom = { drawStyle: "line", lineWidth: 1, fillOpacity: o.stacked ? 30 : 10, showPoints: "never", stacking: { mode: o.stacked ? "normal" : "none", group: "A" } };
    return { defaults, overrides: [] };
}

/** Lays the panels out on the grid and numbers them. */
export function layout(specs: readonly PanelSpec[]): Panel[] {
    let x = 0;
    let y = 0;
    let lineHeight = 0;
    return specs.map((spec, i) => {
        const w = spec.type === "row" ? 24 : (spec.options.width ?? (spec.type === "stat" ? 6 : 12));
        const h = spec.type === "row" ? 1 : (spec.options.height ?? (spec.type === "stat" ? 4 : 8));
        if (spec.type === "row" || x + w > 24) {
            y += lineHeight;
            x = 0;
            lineHeight = 0;
        }
        const gridPos = { x, y, w, h };
        x = spec.type === "row" ? 24 : x + w;
        lineHeight = Math.max(lineHeight, h);
        const id = i + 1;
        if (spec.type === "row") return { id, type: "row", title: spec.title, gridPos, collapsed: false, panels: [] };
        return {
            id,
            type: spec.type,
            title: spec.title,
            ...(spec.options.description ? { description: spec.options.description } : {}),
            gridPos,
            datasource: DATASOURCE_REF,
            targets: spec.targets.map((t, n) => ({ refId: String.fromCharCode(65 + n), datasource: DATASOURCE_REF, expr: t.expr, legendFormat: t.legend ?? "__auto", range: true })),
            fieldConfig: fieldConfig(spec.options, spec.type),
            options:
                spec.type === "stat"
                    ? { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "value", graphMode: "area", textMode: "auto" }
                    : { legend: { displayMode: "table", placement: "bottom", calcs: ["mean", "max", "lastNotNull"] }, tooltip: { mode: "multi", sort: "desc" } },
        };
    });
}

export interface Variable {
    name: string;
    label?: string;
    /** PromQL for `label_values(...)`/`query_result(...)`, or a fixed list for a custom variable. */
    query: string | readonly string[];
    /** Regex Grafana applies to each result (query_result values need one). */
    regex?: string;
    includeAll?: boolean;
    multi?: boolean;
    hide?: boolean;
}

function variableJson(v: Variable): Record<string, unknown> {
    const common = { name: v.name, label: v.label ?? v.name, hide: v.hide ? 2 : 0, includeAll: v.includeAll ?? false, multi: v.multi ?? false, skipUrlSync: false };
    if (Array.isArray(v.query)) {
        const options = v.query.map((q, i) => ({ text: q, value: q, selected: i === 0 }));
        return { ...common, type: "custom", query: v.query.join(","), options, current: { text: v.query[0], value: v.query[0] } };
    }
    return {
        ...common,
        type: "query",
        datasource: DATASOURCE_REF,
        definition: v.query,
        query: { query: v.query, refId: `${v.name}-query` },
        regex: v.regex ?? "",
        refresh: 2,
        sort: 1,
        ...(v.includeAll ? { allValue: ".*" } : {}),
    };
}

export interface DashboardSpec {
    uid: string;
    title: string;
    tags: readonly string[];
    description: string;
    variables?: readonly Variable[];
    panels: readonly PanelSpec[];
    /** Default time range (now-<range> to now). Default 1h. */
    range?: string;
}

/** Dashboard JSON, read-only in Grafana (the ConfigMap is its source of truth). */
export function dashboard(spec: DashboardSpec): Record<string, unknown> {
    return {
        uid: spec.uid,
        title: spec.title,
        description: spec.description,
        tags: [...spec.tags],
        editable: false,
        graphTooltip: 1,
        schemaVersion: 39,
        version: 1,
        refresh: "30s",
        time: { from: `now-${spec.range ?? "1h"}`, to: "now" },
        timezone: "browser",
        annotations: { list: [] },
        links: [],
        templating: {
            list: [
                { name: DATASOURCE_VARIABLE, label: "Data source", type: "datasource", query: "prometheus", hide: 0, current: { text: "Prometheus", value: DATASOURCE_UIDS.prometheus } },
                ...(spec.variables ?? []).map(variableJson),
            ],
        },
        panels: layout(spec.panels),
    };
}
