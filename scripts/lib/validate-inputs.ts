// Pure: which rendered objects each validator gets, and the mesh config istioctl analyzes with.
import * as YAML from "yaml";
import { KubeObject } from "../../components/k8s";
import { RegisteredResource, SECRET } from "./mock-engine";
import { objectId } from "./validate-report";

const PLACEHOLDER = "redacted-offline";
const PLACEHOLDER_B64 = Buffer.from(PLACEHOLDER).toString("base64");

/**
 * What the validators see of a Secret whose payload the offline synth redacted. A whole
 * `stringData`/`data` rendered as "[secret]" (Pulumi made the property secret) becomes `{}`,
 * the shape the API expects, since its keys are unknown offline; a redacted value inside the
 * map keeps its key with a placeholder (base64 in `data`). Everything else is unchanged, so
 * the rest of the Secret is validated as rendered.
 */
export function unredactedForValidation(o: KubeObject): KubeObject {
    if (o.apiVersion !== "v1" || o.kind !== "Secret") return o;
    const out: KubeObject = { ...o };
    for (const field of ["stringData", "data"] as const) {
        const v = (o as unknown as Record<string, unknown>)[field];
        if (v === SECRET) {
            (out as unknown as Record<string, unknown>)[field] = {};
        } else if (v && typeof v === "object" && !Array.isArray(v)) {
            (out as unknown as Record<string, unknown>)[field] = Object.fromEntries(
                Object.entries(v).map(([k, x]) => [k, x === SECRET ? (field === "data" ? PLACEHOLDER_B64 : PLACEHOLDER) : x]),
            );
        }
    }
    return out;
}

/** `apps/v1` -> "apps", `v1` -> "" (the core group). */
export function apiGroup(apiVersion: string): string {
    return apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
}

export function isIstioGroup(group: string): boolean {
    return group === "istio.io" || group.endsWith(".istio.io");
}

/**
 * YAML for the Go tools. They read YAML 1.1, where unquoted y/n/yes/no/on/off are booleans;
 * the 1.1 option quotes such strings so a namespace "y" or a value "on" stays a string.
 */
export function goYaml(o: unknown): string {
    return YAML.stringify(o, { lineWidth: 0, version: "1.1" });
}

export function idOf(o: KubeObject): string {
    return objectId(o.kind, o.metadata.name, o.metadata.namespace);
}

export interface SchemaInput {
    /** File name (one object per file, so each finding names its object). */
    file: string;
    object: string;
    yaml: string;
}

export interface SchemaInputs {
    files: SchemaInput[];
    builtIn: number;
    istio: number;
    skipped: { kind: string; count: number; why: string }[];
}

/**
 * kubectl-validate gets every object it has a schema for: built-in kinds whose group/version
 * the embedded schemas of the cluster's Kubernetes minor serve (`builtInGroupVersions`, e.g.
 * "v1", "apps/v1"), and Istio kinds (validated against Istio's own CRDs, CEL rules included).
 * Everything else (cert-manager, Prometheus operator, ... custom resources) is listed as skipped:
 * no schema for them ships in a pinned Go module here.
 */
export function schemaInputs(manifests: KubeObject[], builtInGroupVersions: ReadonlySet<string>): SchemaInputs {
    const files: SchemaInput[] = [];
    const skipped = new Map<string, number>();
    let builtIn = 0;
    let istio = 0;
    manifests.forEach((o, i) => {
        const group = apiGroup(o.apiVersion);
        const known = builtInGroupVersions.has(o.apiVersion);
        if (known) builtIn++;
        else if (isIstioGroup(group)) istio++;
        else {
            const kind = `${o.apiVersion} ${o.kind}`;
            skipped.set(kind, (skipped.get(kind) ?? 0) + 1);
            return;
        }
        const slug = [o.kind, o.metadata.namespace, o.metadata.name]
            .filter(Boolean)
            .join("-")
            .toLowerCase()
            .replace(/[^a-z0-9.-]+/g, "_");
        files.push({ file: `${String(i).padStart(4, "0")}-${slug}.yaml`, object: idOf(o), yaml: goYaml(o) });
    });
    return {
        files,
        builtIn,
        istio,
        skipped: [...skipped.entries()]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([kind, count]) => ({ kind, count, why: "custom resource without a CRD schema available offline" })),
    };
}

/** All objects as one multi-document YAML stream (what istioctl analyze reads). */
export function yamlStream(manifests: KubeObject[]): string {
    return manifests.map((o) => `---\n${goYaml(o)}`).join("");
}

/**
 * The mesh config the platform installs: `meshConfig` of the istiod Helm release's values.
 * istioctl analyze needs it to resolve e.g. Telemetry extension providers; without it, it
 * analyzes against Istio's defaults. undefined when the stack has no istiod release.
 */
export function meshConfigOf(resources: RegisteredResource[]): Record<string, unknown> | undefined {
    const istiod = resources.filter((r) => {
        if (r.type !== "kubernetes:helm.sh/v3:Release") return false;
        const p = r.props as { chart?: string; values?: { revision?: string } };
        return p.chart === "istiod";
    });
    // During a canary upgrade of Istio two istiod releases run; the newest revision's config is
    // the one being rolled out. Both carry the same meshConfig builder output in practice.
    const release = istiod[istiod.length - 1];
    const values = (release?.props as { values?: { meshConfig?: Record<string, unknown> } } | undefined)?.values;
    return values?.meshConfig;
}

/** Kubernetes minor to validate built-in kinds against, and a note when it has to fall back. */
export function schemaVersion(wanted: string, embedded: string[]): { version: string; note?: string } {
    if (embedded.includes(wanted)) return { version: wanted };
    const minor = (v: string) => Number(v.split(".")[1]);
    const older = embedded.filter((v) => minor(v) < minor(wanted));
    const fallback = older[older.length - 1];
    if (!fallback) throw new Error(`kubectl-validate embeds no schemas for Kubernetes ${wanted} or older (has ${embedded.join(", ") || "none"})`);
    return {
        version: fallback,
        note: `the cluster runs Kubernetes ${wanted}, but the pinned kubectl-validate embeds schemas up to ${embedded[embedded.length - 1]}: built-in kinds are checked against ${fallback}`,
    };
}
