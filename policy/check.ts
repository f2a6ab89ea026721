// Pure entry points: run every rule over Kubernetes objects (YAML) or over a stack's Pulumi
// resources (the synth). The CrossGuard adapters in policies.ts reuse the same pieces.
import type { Environment, Finding, KubeIndex, KubeObject, PolicyConfig, PulumiResource, ResolvedConfig, Rule, Violation } from "./rules/types";
import { RULES } from "./catalog";
import { effectiveEnforcement, exemptNamespaces, resolveConfig } from "./config";
import { configuredExemptions, ExemptedFinding, exemptionFor, ExemptionUse, exemptionUse } from "./exemptions";
import { isObj, isPulumiResource, labelsOf, namespaceOf, refOf } from "./rules/util";

export interface CheckOptions {
    /** Overrides config.environment. Default "prod". */
    env?: Environment;
    config?: PolicyConfig;
    /** Limit the run to these rule ids (the CrossGuard adapter runs one rule at a time). */
    only?: readonly string[];
    /** Receives the findings a configured exemption covered (they are not returned). */
    exempted?: ExemptedFinding[];
}

export function indexObjects(objects: readonly KubeObject[]): KubeIndex {
    const byKind = new Map<string, KubeObject[]>();
    for (const o of objects) {
        const k = o.kind ?? "";
        let list = byKind.get(k);
        if (!list) byKind.set(k, (list = []));
        list.push(o);
    }
    const empty: readonly KubeObject[] = [];
    return { all: objects, byKind: (kind) => byKind.get(kind) ?? empty };
}

/**
 * Runs one rule and turns its violations into findings: applies the configured enforcement,
 * the rule's exempt namespaces and its workload exemptions (covered findings go to `exempted`).
 * Returns [] for a disabled rule.
 */
export function runRule(
    rule: Rule,
    kube: KubeIndex,
    resources: readonly PulumiResource[],
    config: ResolvedConfig,
    positions?: ReadonlyMap<object, number>,
    exempted?: ExemptedFinding[],
): Finding[] {
    const enforcement = effectiveEnforcement(rule, config);
    if (enforcement === "disabled") return [];
    const exempt = exemptNamespaces(rule, config);
    const ctx = { config };
    let violations: Violation[] = [];
    if (rule.target === "kubernetes" && rule.scope === "object") {
        for (const kind of rule.kinds) {
            for (const o of kube.byKind(kind)) {
                if (exempt.size && exempt.has(namespaceOf(o))) continue;
                const v = rule.check(o, ctx);
                if (v.length) violations = violations.concat(v);
            }
        }
    } else if (rule.target === "kubernetes") {
        violations = rule.check(kube, ctx);
    } else {
        for (const r of resources) {
            if (rule.types.includes(r.type)) {
                const v = rule.check(r, ctx);
                if (v.length) violations = violations.concat(v);
            }
        }
    }
    const exemptions = config.rules[rule.id]?.exemptions;
    const out: Finding[] = [];
    for (const v of violations) {
        const ref = v.ref ?? (v.subject ? refOf(v.subject) : { apiVersion: "", kind: "", namespace: "", name: "" });
        if (exempt.size && exempt.has(ref.namespace)) continue;
        const f: Finding = { rule: rule.id, enforcement, ...ref, message: v.message, ...(v.container === undefined ? {} : { container: v.container }), ...(v.host ? { host: v.host } : {}) };
        const exemption = exemptions && exemptionFor(exemptions, f, v.subject && !isPulumiResource(v.subject) ? labelsOf(v.subject) : {});
        if (exemption) {
            exempted?.push({ ...f, exemption });
            continue;
        }
        const index = v.subject ? positions?.get(v.subject) : undefined;
        if (index !== undefined) f.index = index;
        const urn = v.subject && "urn" in v.subject && typeof v.subject.urn === "string" ? v.subject.urn : undefined;
        if (urn) f.urn = urn;
        out.push(f);
    }
    return out;
}

function run(kubeObjects: readonly KubeObject[], resources: readonly PulumiResource[], options: CheckOptions, positions: Map<object, number>): Finding[] {
    const config = resolveConfig(options.config, options.env);
    const kube = indexObjects(kubeObjects);
    const out: Finding[] = [];
    for (const rule of RULES) {
        if (options.only && !options.only.includes(rule.id)) continue;
        out.push(...runRule(rule, kube, resources, config, positions, options.exempted));
    }
    return out;
}

/** Runs every rule over Kubernetes objects (e.g. multi-document YAML); stack rules see them all together. */
export function checkObjects(objects: readonly KubeObject[], options: CheckOptions = {}): Finding[] {
    const positions = new Map<object, number>();
    objects.forEach((o, i) => positions.set(o, i));
    return run(objects, [], options, positions);
}

/** What a run found, what its exemptions covered, and which exemptions were stale or had nothing to cover. */
export interface Judgement extends ExemptionUse {
    findings: Finding[];
    exempted: ExemptedFinding[];
}

/**
 * checkObjects, plus an account of the configured exemptions over these objects: used, stale
 * (the object is here and the rule finds nothing: remove it) or unseen (the object is not here).
 */
export function judgeObjects(objects: readonly KubeObject[], options: Omit<CheckOptions, "exempted"> = {}): Judgement {
    const exempted: ExemptedFinding[] = [];
    const findings = checkObjects(objects, { ...options, exempted });
    const config = resolveConfig(options.config, options.env);
    // A rule that does not run cannot make its exemptions stale.
    const runs = (id: string) => (!options.only || options.only.includes(id)) && RULES.some((r) => r.id === id && effectiveEnforcement(r, config) !== "disabled");
    const enabled = configuredExemptions(config).filter((e) => runs(e.rule));
    return { findings, exempted, ...exemptionUse(enabled, exempted, objects) };
}

/** A Pulumi resource as the synth records it (extra fields are ignored). */
export interface ResourceRecord {
    type: string;
    name: string;
    props: Record<string, unknown>;
    urn?: string;
}

const SKIPPED_KUBE_GROUPS = new Set(["helm.sh", "yaml", "kustomize"]);

/**
 * The Kubernetes object behind a Pulumi Kubernetes resource: typed classes
 * (`kubernetes:apps/v1:Deployment`, `kubernetes:core/v1:Service`) and CustomResources
 * (`kubernetes:security.istio.io/v1:PeerAuthentication`). Undefined for anything else,
 * including Helm, YAML groups, `*List` and server-side-apply `*Patch` resources.
 */
export function toKubeObject(type: string, props: Record<string, unknown>): KubeObject | undefined {
    const m = /^kubernetes:([^/:]+)\/([^:]+):(.+)$/.exec(type);
    if (!m) return undefined;
    const [, grp, version, kind] = m as unknown as [string, string, string, string];
    if (SKIPPED_KUBE_GROUPS.has(grp) || kind.endsWith("List") || kind.endsWith("Patch")) return undefined;
    const apiVersion = grp === "core" ? version : `${grp}/${version}`;
    return { ...props, apiVersion, kind } as KubeObject;
}

/**
 * Runs every rule over a stack's resources: Kubernetes resources as Kubernetes objects, AWS and
 * Helm resources as they are. Findings for Kubernetes resources name the Kubernetes object;
 * findings for others carry the Pulumi type as `kind` and the resource name as `name`.
 */
export function checkPulumiResources(resources: readonly ResourceRecord[], options: CheckOptions = {}): Finding[] {
    const positions = new Map<object, number>();
    const kube: KubeObject[] = [];
    const others: PulumiResource[] = [];
    resources.forEach((r, i) => {
        const props = isObj(r.props) ? r.props : {};
        const k = toKubeObject(r.type, props);
        if (k) {
            kube.push(k);
            positions.set(k, i);
        } else {
            const pr: PulumiResource = { type: r.type, name: r.name, props, ...(r.urn ? { urn: r.urn } : {}) };
            others.push(pr);
            positions.set(pr, i);
        }
    });
    return run(kube, others, options, positions);
}

export function hasMandatory(findings: readonly Finding[]): boolean {
    return findings.some((f) => f.enforcement === "mandatory");
}
