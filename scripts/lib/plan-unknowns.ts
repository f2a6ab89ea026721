// What the policy pack could not judge at preview: the resources of a saved plan
// (`pulumi preview --save-plan`) whose inputs hold values unknown until apply, and the rules that
// look at them. The pack skips a value it cannot read yet (policy/policies.ts, unlessUnknown and
// materialize) and judges it again during `pulumi up`, where a violation stops the update after
// the resources before it have changed. The plan job's summary lists these so the approver knows.
import { RULES } from "../../policy/catalog";

/**
 * How the engine writes an unknown (computed) value into a plan: pulumi pkg/resource/stack
 * deployment.go `computedValuePlaceholder`, serialized by SerializePlan (resource/stack/plan.go).
 */
export const UNKNOWN_IN_PLAN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Dotted paths under `value` that hold the unknown placeholder. */
export function unknownPaths(value: unknown, at = ""): string[] {
    if (value === UNKNOWN_IN_PLAN) return [at || "(the value)"];
    if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, `${at}[${i}]`));
    if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => unknownPaths(v, at ? `${at}.${k}` : k));
    return [];
}

export interface Unjudged {
    urn: string;
    type: string;
    name: string;
    /** Input paths unknown at preview. */
    unknown: string[];
    /** Rules that look at this resource's type: each judged only what it could read. */
    rules: string[];
    /** Kubernetes objects: the namespace whose stack-rule findings the pack held back ("?" if unknown too). */
    namespace?: string;
}

interface PlanFile {
    resourcePlans?: Record<string, { goal?: { type?: string; name?: string; inputDiff?: { adds?: Record<string, unknown>; updates?: Record<string, unknown> } } }>;
}

const isKubeObject = (type: string) => type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm.sh/") && !type.startsWith("pulumi:providers:");

/** Object rules whose types or kinds include this resource's, then the stack rules for Kubernetes objects. */
export function rulesFor(type: string): string[] {
    const kind = type.slice(type.lastIndexOf(":") + 1);
    return RULES.filter((r) => (r.target === "pulumi" ? r.types.includes(type) : isKubeObject(type) && (r.scope === "stack" || r.kinds.includes(kind)))).map((r) => r.id);
}

/** Every resource of a saved plan with an input unknown at preview, and the rules it concerns. */
export function unjudgedAtPreview(plan: unknown): Unjudged[] {
    const out: Unjudged[] = [];
    for (const [urn, rp] of Object.entries((plan as PlanFile).resourcePlans ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
        const goal = rp.goal;
        if (!goal?.type) continue;
        const inputs = { ...goal.inputDiff?.adds, ...goal.inputDiff?.updates };
        const unknown = unknownPaths(inputs);
        const rules = rulesFor(goal.type);
        if (unknown.length === 0 || rules.length === 0) continue;
        const entry: Unjudged = { urn, type: goal.type, name: goal.name ?? urn.split("::").pop() ?? urn, unknown, rules };
        if (isKubeObject(goal.type)) {
            const ns = (inputs.metadata as { namespace?: unknown } | undefined)?.namespace;
            entry.namespace = typeof ns === "string" && ns !== UNKNOWN_IN_PLAN ? ns : "?";
        }
        out.push(entry);
    }
    return out;
}

/** The Markdown the plan job adds to its summary; empty when every input was known. */
export function unjudgedSection(items: readonly Unjudged[]): string {
    if (items.length === 0) return "";
    const rows = items.map((u) => `| \`${u.type}\` \`${u.name}\`${u.namespace ? ` (namespace \`${u.namespace}\`)` : ""} | ${u.unknown.slice(0, 5).map((p) => `\`${p}\``).join(", ")}${u.unknown.length > 5 ? ", …" : ""} | ${u.rules.map((r) => `\`${r}\``).join(", ")} |`);
    return [
        "#### Not fully judged at preview",
        "",
        "These inputs are unknown until apply. A rule listed here that reads one of them skipped it at preview and judges it during `pulumi up`, where a violation stops the update after the resources before it have changed. Stack rules also hold back their findings for such an object's namespace.",
        "",
        "| Resource | Unknown inputs | Rules |",
        "| --- | --- | --- |",
        ...rows,
        "",
    ].join("\n");
}
