// Judges what runs on the cluster: every object the API server holds for the platform (the
// charts' own objects included, which the offline render cannot see), read back and run through
// the policy rules. Only the documented exemptions below may be left.
import { checkObjects } from "../../../policy/check";
import { shippedPackConfig } from "../../../policy/config-files";
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

export interface Exemption {
    rule: string;
    kind: string;
    namespace?: string;
    name: string;
    /** Why it holds only on this test cluster, in one sentence. */
    reason: string;
}

/**
 * What the local control plane does differently from EKS, and so the only findings allowed. Each
 * is narrow (rule, kind, namespace and name) and has a reason; docs/conformance.md lists them.
 */
export const CONFORMANCE_EXEMPTIONS: readonly Exemption[] = [
    {
        rule: "k8s-probes",
        kind: "Deployment",
        namespace: "istio-system",
        name: "istiod",
        reason: "Istio's istiod chart (templates/deployment.yaml) defines a readiness probe only and has no value for a liveness probe; istiod is restarted by its Deployment when it exits.",
    },
];

function exempted(f: Finding, exemptions: readonly Exemption[]): Exemption | undefined {
    return exemptions.find((e) => e.rule === f.rule && e.kind === f.kind && e.name === f.name && (e.namespace ?? "") === (f.namespace ?? ""));
}

export interface Verdict {
    judged: number;
    findings: Finding[];
    /** Mandatory findings no exemption covers: the run fails on any. */
    failures: Finding[];
    /** Exemptions that matched nothing: stale, and reported so they get removed. */
    unusedExemptions: Exemption[];
}

/** Runs the policy rules over the live objects with the environment's shipped pack config. */
export function judge(objects: readonly KubeObject[], env: "dev" | "staging" | "prod", exemptions: readonly Exemption[] = CONFORMANCE_EXEMPTIONS): Verdict {
    const findings = checkObjects(objects, { env, config: shippedPackConfig(env) });
    const failures = findings.filter((f) => f.enforcement === "mandatory" && !exempted(f, exemptions));
    const unusedExemptions = exemptions.filter((e) => !findings.some((f) => exempted(f, [e])));
    return { judged: objects.length, findings, failures, unusedExemptions };
}
