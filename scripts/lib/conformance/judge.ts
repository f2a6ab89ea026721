// Judges what runs on the cluster: every object the API server holds for the platform (the
// charts' own objects included, which the offline render cannot see), read back and run through
// the policy rules. Only the pack config's workload exemptions may be left.
import { judgeObjects } from "../../../policy/check";
import { shippedPackConfig } from "../../../policy/config-files";
import type { ExemptedFinding, RuleExemption } from "../../../policy/exemptions";
import type { Finding, KubeObject } from "../../../policy/rules/types";

/** Namespaces of the control plane and its bootstrap, not of the platform. */
export const SYSTEM_NAMESPACES = new Set(["kube-system", "kube-public", "kube-node-lease", "default"]);

/** Kinds controllers derive from the declared objects (judged through their owners) or that carry no policy. */
export const RUNTIME_KINDS = new Set(["Pod", "ReplicaSet", "ControllerRevision", "EndpointSlice", "Endpoints", "Event", "Lease", "PersistentVolume", "Node", "CertificateSigningRequest"]);

/** Whether a live object belongs to what the platform declared (directly or through a chart). */
export function isPlatformObject(obj: KubeObject, namespaced: boolean): boolean {
    if (RUNTIME_KINDS.has(obj.kind ?? "")) return false;
    if (namespaced) return !SYSTEM_NAMESPACES.has(obj.metadata?.namespace ?? "default");
    const managedBy = obj.metadata?.labels?.["app.kubernetes.io/managed-by"];
    return managedBy === "Helm" || managedBy === "pulumi";
}

/** As the rules read a manifest: no server bookkeeping. */
export function asManifest(live: Record<string, unknown>): KubeObject {
    const { status: _status, ...rest } = live as KubeObject & { status?: unknown };
    const { managedFields: _m, resourceVersion: _r, uid: _u, creationTimestamp: _c, generation: _g, ...metadata } = (rest.metadata ?? {}) as Record<string, unknown>;
    return { ...rest, metadata } as KubeObject;
}

export interface Verdict {
    judged: number;
    findings: Finding[];
    /** Findings the pack config's workload exemptions covered (policy/README.md, "Exemptions"). */
    exempted: ExemptedFinding[];
    /** Mandatory findings no exemption covers: the run fails on any. */
    failures: Finding[];
    /** Exemptions whose object is on the cluster but the rule finds nothing there: the run fails on any. */
    stale: RuleExemption[];
    /** Exemptions whose object this stack does not deploy (observability is off in the local stack). */
    unseen: RuleExemption[];
}

/**
 * Runs the policy rules over the live objects with the environment's shipped pack config: the
 * same rules and the same workload exemptions as CrossGuard, policy:check and the rendered-chart
 * check. The local control plane itself needs none of its own.
 */
export function judge(objects: readonly KubeObject[], env: "dev" | "staging" | "prod"): Verdict {
    const j = judgeObjects(objects, { env, config: shippedPackConfig(env) });
    return { judged: objects.length, findings: j.findings, exempted: j.exempted, failures: j.findings.filter((f) => f.enforcement === "mandatory"), stale: j.stale, unseen: j.unseen };
}
