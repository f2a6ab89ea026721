// Per-rule workload exemptions: the few system workloads that must run in a way a rule refuses
// (a log reader as root with a hostPath, a node agent in the host's namespaces). They live in the
// pack config (`"<rule>": { "exemptions": [...] }`), so CrossGuard, policy:check, the rendered-chart
// check and the conformance judge apply one list. Each names one object exactly and says why.
import type { Finding, KubeObject, ResolvedConfig, WorkloadExemption } from "./rules/types";

/** An exemption with the rule it belongs to. */
export interface RuleExemption extends WorkloadExemption {
    rule: string;
}

/** A finding an exemption covered: not reported, but counted, so a stale exemption shows. */
export interface ExemptedFinding extends Finding {
    exemption: WorkloadExemption;
}

const FIELDS = ["namespace", "kind", "name", "reason"] as const;
const OPTIONAL = ["container"] as const;
/** Kubernetes names: no globs, no regular expressions, so an exemption can only ever mean one object. */
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;
/** A reason must say something: "system workload" is not a reason. */
export const MIN_REASON_LENGTH = 40;

/** Parses one rule's `exemptions` setting; throws naming the key and the problem. */
export function parseExemptions(key: string, raw: unknown): WorkloadExemption[] {
    if (!Array.isArray(raw)) throw new Error(`${key} must be a list of { namespace, kind, name, reason }`);
    return raw.map((e, i) => {
        const at = `${key}[${i}]`;
        if (typeof e !== "object" || e === null || Array.isArray(e)) throw new Error(`${at} must be an object { namespace, kind, name, reason }`);
        const o = e as Record<string, unknown>;
        for (const k of Object.keys(o)) if (![...FIELDS, ...OPTIONAL].includes(k as never)) throw new Error(`${at}.${k}: unknown field (expected namespace, kind, name, container, reason)`);
        for (const k of FIELDS) if (typeof o[k] !== "string" || o[k] === "") throw new Error(`${at}.${k} is required (a non-empty string)`);
        const x = o as unknown as WorkloadExemption;
        if (!NAME.test(x.namespace)) throw new Error(`${at}.namespace must be one namespace name, no patterns (got ${JSON.stringify(x.namespace)})`);
        if (!NAME.test(x.name)) throw new Error(`${at}.name must be one object name, no patterns (got ${JSON.stringify(x.name)})`);
        if (!KIND.test(x.kind)) throw new Error(`${at}.kind must be a Kubernetes kind such as DaemonSet (got ${JSON.stringify(x.kind)})`);
        if (o.container !== undefined && (typeof o.container !== "string" || !NAME.test(o.container))) throw new Error(`${at}.container must be one container name (got ${JSON.stringify(o.container)})`);
        if (x.reason.trim().length < MIN_REASON_LENGTH) throw new Error(`${at}.reason must say why this workload needs it (at least ${MIN_REASON_LENGTH} characters)`);
        return { namespace: x.namespace, kind: x.kind, name: x.name, ...(x.container === undefined ? {} : { container: x.container }), reason: x.reason };
    });
}

/** The exemption covering a finding of one rule, if any: namespace, kind and name equal, and the container when it names one. */
export function exemptionFor(exemptions: readonly WorkloadExemption[] | undefined, f: Pick<Finding, "namespace" | "kind" | "name" | "container">): WorkloadExemption | undefined {
    return exemptions?.find((e) => e.namespace === f.namespace && e.kind === f.kind && e.name === f.name && (e.container === undefined || e.container === f.container));
}

/** Every configured exemption, with its rule, in rule-id order. */
export function configuredExemptions(config: ResolvedConfig): RuleExemption[] {
    return Object.entries(config.rules)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .flatMap(([rule, s]) => (s.exemptions ?? []).map((e) => ({ rule, ...e })));
}

export interface ExemptionUse {
    /** Exemptions that covered at least one finding. */
    used: RuleExemption[];
    /** The object is in the input, but the rule finds nothing there: the exemption is no longer needed. */
    stale: RuleExemption[];
    /** The object is not in the input: nothing to say about it in this run (stale when the input is complete). */
    unseen: RuleExemption[];
}

/** Sorts the configured exemptions by what they did in a run over `objects`. */
export function exemptionUse(exemptions: readonly RuleExemption[], exempted: readonly ExemptedFinding[], objects: readonly KubeObject[]): ExemptionUse {
    const present = new Set(objects.map((o) => `${o.kind}\u0000${o.metadata?.namespace ?? ""}\u0000${o.metadata?.name ?? ""}`));
    const out: ExemptionUse = { used: [], stale: [], unseen: [] };
    for (const e of exemptions) {
        if (exempted.some((f) => f.rule === e.rule && sameTarget(f.exemption, e))) out.used.push(e);
        else if (present.has(`${e.kind}\u0000${e.namespace}\u0000${e.name}`)) out.stale.push(e);
        else out.unseen.push(e);
    }
    return out;
}

function sameTarget(a: WorkloadExemption, b: WorkloadExemption): boolean {
    return a.namespace === b.namespace && a.kind === b.kind && a.name === b.name && a.container === b.container;
}

/** `rule: Kind namespace/name[ container c]`, as reports name an exemption. */
export function describeExemption(e: RuleExemption): string {
    return `${e.rule}: ${e.kind} ${e.namespace}/${e.name}${e.container ? ` container ${e.container}` : ""}`;
}
