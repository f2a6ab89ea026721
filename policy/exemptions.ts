// Per-rule workload exemptions: the few system workloads that must run in a way a rule refuses
// (a log reader as root with a hostPath, a node agent in the host's namespaces). They live in the
// pack config (`"<rule>": { "exemptions": [...] }`), so CrossGuard, policy:check, the rendered-chart
// check and the conformance judge apply one list. Each names one object (or every revision of
// istiod) and says why; a host-access exemption also says exactly what it allows.
import { ALLOW_RULES, coveredBy, describeAllowance, parseAllowance, unusedAllowance } from "./host-allowance";
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
const OPTIONAL = ["container", "istioRevisions", "allow"] as const;
/** Kubernetes names: no globs, no regular expressions, so an exemption can only ever mean one object. */
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;
/** An Istio revision is a DNS label (istioctl's revision flag, the istio.io/rev label). */
const REVISION = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A reason must say something: "system workload" is not a reason. */
export const MIN_REASON_LENGTH = 40;

/** Parses one rule's `exemptions` setting; throws naming the key (`<rule>.exemptions[i]...`) and the problem. */
export function parseExemptions(rule: string, raw: unknown): WorkloadExemption[] {
    const key = `${rule}.exemptions`;
    if (!Array.isArray(raw)) throw new Error(`${key} must be a list of { namespace, kind, name, reason }`);
    const out = raw.map((e, i) => {
        const at = `${key}[${i}]`;
        if (typeof e !== "object" || e === null || Array.isArray(e)) throw new Error(`${at} must be an object { namespace, kind, name, reason }`);
        const o = e as Record<string, unknown>;
        for (const k of Object.keys(o)) if (![...FIELDS, ...OPTIONAL].includes(k as never)) throw new Error(`${at}.${k}: unknown field (expected namespace, kind, name, container, istioRevisions, allow, reason)`);
        for (const k of FIELDS) if (typeof o[k] !== "string" || o[k] === "") throw new Error(`${at}.${k} is required (a non-empty string)`);
        const x = o as unknown as WorkloadExemption;
        if (!NAME.test(x.namespace)) throw new Error(`${at}.namespace must be one namespace name, no patterns (got ${JSON.stringify(x.namespace)})`);
        if (!NAME.test(x.name)) throw new Error(`${at}.name must be one object name, no patterns (got ${JSON.stringify(x.name)})`);
        if (!KIND.test(x.kind)) throw new Error(`${at}.kind must be a Kubernetes kind such as DaemonSet (got ${JSON.stringify(x.kind)})`);
        if (o.container !== undefined && (typeof o.container !== "string" || !NAME.test(o.container))) throw new Error(`${at}.container must be one container name (got ${JSON.stringify(o.container)})`);
        if (o.istioRevisions !== undefined && o.istioRevisions !== true) throw new Error(`${at}.istioRevisions must be true or absent (got ${JSON.stringify(o.istioRevisions)})`);
        if (x.reason.trim().length < MIN_REASON_LENGTH) throw new Error(`${at}.reason must say why this workload needs it (at least ${MIN_REASON_LENGTH} characters)`);
        // A host-access exemption states what it allows; without it, it would allow anything.
        if (ALLOW_RULES.has(rule) && o.allow === undefined) throw new Error(`${at}.allow is required for ${rule}: name the host access the workload needs (hostNetwork, hostPID, hostIPC, hostPath with readOnly, hostPort)`);
        if (!ALLOW_RULES.has(rule) && o.allow !== undefined) throw new Error(`${at}.allow: only ${[...ALLOW_RULES].join(", ")} exemptions take one`);
        const allow = o.allow === undefined ? undefined : parseAllowance(`${at}.allow`, o.allow);
        return {
            namespace: x.namespace, kind: x.kind, name: x.name,
            ...(x.container === undefined ? {} : { container: x.container }),
            ...(o.istioRevisions === true ? { istioRevisions: true as const } : {}),
            ...(allow ? { allow } : {}),
            reason: x.reason,
        };
    });
    out.forEach((e, i) => {
        const j = out.findIndex((d) => sameTarget(d, e));
        if (j < i) throw new Error(`${key}[${i}] names the same workload as ${key}[${j}]; state everything it needs in one entry`);
    });
    return out;
}

/**
 * Whether `name` is an istiod revision of the exemption's `<name>`: `<name>-<rev>` labelled
 * istio.io/rev=<rev>. istio/istio manifests/charts/istio-control/istio-discovery/templates/deployment.yaml:
 * `name: istiod{{- if not (eq .Values.revision "") }}-{{ .Values.revision }}{{- end }}`, label `istio.io/rev`.
 */
function isIstioRevision(e: WorkloadExemption, name: string, labels: Readonly<Record<string, string>>): boolean {
    const rev = labels["istio.io/rev"];
    return rev !== undefined && rev !== "default" && REVISION.test(rev) && name === `${e.name}-${rev}`;
}

/** Whether the exemption names this object (namespace, kind, and name or istiod revision). */
export function namesObject(e: WorkloadExemption, o: { namespace: string; kind: string; name: string; labels: Readonly<Record<string, string>> }): boolean {
    if (e.namespace !== o.namespace || e.kind !== o.kind) return false;
    return e.name === o.name || (e.istioRevisions === true && isIstioRevision(e, o.name, o.labels));
}

/**
 * The exemption covering a finding of one rule, if any: it names the finding's object (`labels`
 * are that object's, for istiod revisions), the container when it names one, and for host access
 * an allowance that covers exactly what the finding is about.
 */
export function exemptionFor(
    exemptions: readonly WorkloadExemption[] | undefined,
    f: Pick<Finding, "namespace" | "kind" | "name" | "container" | "host">,
    labels: Readonly<Record<string, string>> = {},
): WorkloadExemption | undefined {
    return exemptions?.find((e) => namesObject(e, { ...f, labels }) && (e.container === undefined || e.container === f.container) && coveredBy(e.allow, f.host));
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
    /**
     * The object is in the input, but the rule finds nothing there, or the exemption allows host
     * access nothing used: it is no longer needed, or wider than needed.
     */
    stale: RuleExemption[];
    /** The object is not in the input: nothing to say about it in this run (stale when the input is complete). */
    unseen: RuleExemption[];
    /** For each stale exemption that was used: what it allows that no finding needed. */
    unused: Map<RuleExemption, string[]>;
}

/** Sorts the configured exemptions by what they did in a run over `objects`. */
export function exemptionUse(exemptions: readonly RuleExemption[], exempted: readonly ExemptedFinding[], objects: readonly KubeObject[]): ExemptionUse {
    const views = objects.map((o) => ({ kind: o.kind ?? "", namespace: o.metadata?.namespace ?? "", name: o.metadata?.name ?? "", labels: o.metadata?.labels ?? {} }));
    const out: ExemptionUse = { used: [], stale: [], unseen: [], unused: new Map() };
    for (const e of exemptions) {
        const covered = exempted.filter((f) => f.rule === e.rule && sameTarget(f.exemption, e));
        const unused = unusedAllowance(e.allow, covered.map((f) => f.host));
        if (covered.length > 0) out.used.push(e);
        if (covered.length > 0 && unused.length > 0) {
            out.stale.push(e);
            out.unused.set(e, unused);
        } else if (covered.length === 0) (views.some((v) => namesObject(e, v)) ? out.stale : out.unseen).push(e);
    }
    return out;
}

/** Why a stale exemption is stale, as the reports say it. */
export function whyStale(e: RuleExemption, use: Pick<ExemptionUse, "unused">): string {
    const unused = use.unused.get(e);
    return unused ? `it allows ${unused.join(", ")}, which the object does not use; narrow it` : "the object is in the input and the rule finds nothing there; remove it";
}

function sameTarget(a: WorkloadExemption, b: WorkloadExemption): boolean {
    return a.namespace === b.namespace && a.kind === b.kind && a.name === b.name && a.container === b.container && a.istioRevisions === b.istioRevisions;
}

/** `rule: Kind namespace/name[ (every istiod revision)][ container c][ allowing ...]`, as reports name an exemption. */
export function describeExemption(e: RuleExemption): string {
    const revisions = e.istioRevisions ? ` (every revision, ${e.name}-<revision>)` : "";
    return `${e.rule}: ${e.kind} ${e.namespace}/${e.name}${revisions}${e.container ? ` container ${e.container}` : ""}${e.allow ? ` allowing ${describeAllowance(e.allow)}` : ""}`;
}
