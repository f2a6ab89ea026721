// Compares what the offline synth rendered with what the API server holds after a real
// `pulumi up`: every rendered field must be on the live object with the same value. Fields the
// server or a controller adds (defaults, status, managedFields, the provider's managed-by label)
// are not rendered and so not compared.
import type { KubeObject } from "../../../components/k8s";

export interface Difference {
    /** JSON-path-like location, e.g. `spec.template.spec.containers[0].image`. */
    path: string;
    rendered: unknown;
    live: unknown;
}

/** Values the offline render cannot know: secrets and outputs of other resources. */
const UNKNOWABLE = new Set(["[secret]", "[unknown]"]);

// Kubernetes quantities (resource requests, limits, storage): the API server keeps the canonical
// form (apimachinery resource.Quantity), so "1000m" is stored as "1". Compared by value.
const QUANTITY = /^(\d+(?:\.\d+)?)(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?$/;
const FACTORS: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };

export function quantityValue(value: unknown): number | undefined {
    const m = typeof value === "number" ? [String(value), String(value), undefined] : typeof value === "string" ? QUANTITY.exec(value) : null;
    if (!m) return undefined;
    return Number(m[1]) * (m[2] ? FACTORS[m[2]] : 1);
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function inQuantityField(path: string): boolean {
    return /\.(requests|limits|capacity)\.[^.]+$/.test(path) || /resources\.requests\.storage$/.test(path);
}

/** Every rendered field that the live value does not hold as rendered. */
export function differences(rendered: unknown, live: unknown, path = ""): Difference[] {
    if (typeof rendered === "string" && UNKNOWABLE.has(rendered)) return [];
    if (Array.isArray(rendered)) {
        if (!Array.isArray(live) || live.length !== rendered.length) return [{ path, rendered, live }];
        return rendered.flatMap((r, i) => differences(r, live[i], `${path}[${i}]`));
    }
    if (isObject(rendered)) {
        if (!isObject(live)) return [{ path, rendered, live }];
        return Object.entries(rendered).flatMap(([k, v]) => differences(v, live[k], path ? `${path}.${k}` : k));
    }
    if (rendered === live) return [];
    if (inQuantityField(path)) {
        const [a, b] = [quantityValue(rendered), quantityValue(live)];
        if (a !== undefined && b !== undefined && Math.abs(a - b) <= Math.abs(a) * 1e-9) return [];
    }
    return [{ path, rendered, live }];
}

/**
 * A rendered object against its live copy. A Secret's `stringData` is write-only: the server
 * stores it base64-encoded under `data`, so it is compared there.
 */
export function objectDifferences(rendered: KubeObject, live: Record<string, unknown>): Difference[] {
    if (rendered.kind === "Secret" && isObject((rendered as { stringData?: unknown }).stringData)) {
        const { stringData, ...rest } = rendered as KubeObject & { stringData: Record<string, unknown> };
        const data = (isObject(live.data) ? live.data : {}) as Record<string, string>;
        const decoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
        return [...differences(rest, live), ...differences(stringData, decoded, "stringData")];
    }
    return differences(rendered, live);
}

/** Rendered fields the offline synth could not know ("[secret]", "[unknown]"): the compare skips them, the report lists them. */
export function unknowableFields(objects: readonly KubeObject[]): string[] {
    const found: string[] = [];
    const walk = (v: unknown, at: string, id: string) => {
        if (typeof v === "string" && UNKNOWABLE.has(v)) found.push(`${id}: ${at || "(object)"} ${v}`);
        else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`, id));
        else if (isObject(v)) for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k, id);
    };
    for (const o of objects) walk(o, "", `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`);
    return found;
}

/** One line per difference, for a report. */
export function describeDifferences(obj: KubeObject, diffs: readonly Difference[]): string[] {
    const id = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata.name}`;
    return diffs.map((d) => `${id}: ${d.path || "(object)"} rendered ${JSON.stringify(d.rendered)}, live ${JSON.stringify(d.live)}`);
}
