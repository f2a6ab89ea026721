// Istio rules about what joins the mesh: namespace injection labels, pod opt-outs, Service port
// protocols, and UID 1337 (the proxy's, whose traffic skips interception).
import type { KubeObject, KubeObjectRule, Violation } from "./types";
import { containersOf, effectiveSecurity, labelsOf, objs, obj, podTemplateOf, str, violation, WORKLOAD_KINDS } from "./util";

export const injectionExempt = (c: { injectionExemptNamespaces: readonly string[] }) => c.injectionExemptNamespaces;

/** Values Istio's injector reads as "inject" (case-insensitive); any other non-empty value opts out. */
export const INJECT_VALUES = new Set(["y", "yes", "true", "on"]);

/**
 * The injection labels that select a sidecar for the namespace. istio-injection set to anything
 * but `enabled` (e.g. `disabled`) turns injection off and beats istio.io/rev, so it selects nothing.
 */
export function injectionLabels(ns: KubeObject): string[] {
    const l = labelsOf(ns);
    const out: string[] = [];
    if (l["istio-injection"] !== undefined && l["istio-injection"] !== "enabled") return [];
    if (l["istio-injection"] === "enabled") out.push("istio-injection=enabled");
    if (typeof l["istio.io/rev"] === "string" && l["istio.io/rev"] !== "") out.push(`istio.io/rev=${l["istio.io/rev"]}`);
    return out;
}

export const istioNamespaceInjection: KubeObjectRule = {
    id: "istio-namespace-injection",
    description: "Every non-exempt namespace carries exactly one of istio-injection=enabled or istio.io/rev=<revision>, no other istio-injection value, and no istio.io/dataplane-mode beside it.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["Namespace"],
    defaultExemptNamespaces: injectionExempt,
    check(o) {
        if (o.apiVersion !== "v1") return [];
        const found = injectionLabels(o);
        // Istio counts istio.io/dataplane-mode (any value) beside an active injection label as a second
        // kind of injection label, IST0123 (istio/istio pkg/config/analysis/analyzers/injection/injection.go).
        const mode = labelsOf(o)["istio.io/dataplane-mode"];
        if (found.length > 0 && mode !== undefined) {
            return [violation(o, `namespace carries ${found.join(" and ")} and istio.io/dataplane-mode=${mode}: sidecar injection beside the ambient data-plane label is undefined behaviour (Istio's IST0123); keep only the injection label`)];
        }
        if (found.length === 1) return [];
        if (found.length > 1) return [violation(o, `namespace carries both ${found.join(" and ")}; istio-injection wins and the revision label is ignored, pick one`)];
        const other = labelsOf(o)["istio-injection"];
        return [violation(o, other !== undefined
            ? `namespace has istio-injection=${JSON.stringify(other)}; only "enabled" injects, any other value turns injection off (even with istio.io/rev), so pods here get no sidecar`
            : "namespace has neither istio-injection=enabled nor istio.io/rev=<revision>; pods here get no sidecar")];
    },
};

export function optsOut(v: unknown): boolean {
    if (v === undefined || v === null || v === "") return false;
    return !INJECT_VALUES.has(String(v).toLowerCase());
}

export const istioNoInjectionOptOut: KubeObjectRule = {
    id: "istio-no-injection-opt-out",
    description: "No pod or pod template outside exempt namespaces opts out with sidecar.istio.io/inject (any non-empty value but y/yes/true/on).",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: WORKLOAD_KINDS,
    defaultExemptNamespaces: injectionExempt,
    check(o) {
        const tpl = podTemplateOf(o);
        if (!tpl) return [];
        const out: Violation[] = [];
        for (const [where, values] of [["label", tpl.meta.labels], ["annotation", tpl.meta.annotations]] as const) {
            const v = values["sidecar.istio.io/inject"];
            if (optsOut(v)) out.push(violation(o, `pod ${where} sidecar.istio.io/inject=${JSON.stringify(v)} opts out of the mesh (only y, yes, true or on inject)`));
        }
        return out;
    },
};

/** Protocols Istio recognises from a port name `<protocol>[-suffix]`. */
const ISTIO_PROTOCOLS = ["http", "http2", "https", "tcp", "tls", "grpc", "grpc-web", "mongo", "mysql", "redis", "udp"];

export function declaresProtocol(name: string | undefined): boolean {
    if (!name) return false;
    const n = name.toLowerCase();
    return ISTIO_PROTOCOLS.some((p) => n === p || n.startsWith(`${p}-`));
}

export const istioServicePortNames: KubeObjectRule = {
    id: "istio-service-port-names",
    description: "Service ports declare their protocol by name prefix (http-, grpc-, tcp-, ...) or appProtocol; ExternalName Services too, and not as plain \"tcp\" (IST0118/IST0150).",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["Service"],
    defaultExemptNamespaces: injectionExempt,
    check(o) {
        if (o.apiVersion !== "v1") return [];
        const spec = obj(o.spec);
        const out: Violation[] = [];
        objs(spec.ports).forEach((p, i) => {
            if (p.protocol === "UDP" || p.protocol === "SCTP") return; // the sidecar does not proxy these
            const name = str(p.name);
            const declared = (typeof p.appProtocol === "string" && p.appProtocol !== "") || declaresProtocol(name);
            if (spec.type === "ExternalName" && (!declared || name === "tcp")) {
                // Istio's IST0150 (pkg/config/analysis/analyzers/service/portname.go): besides an undeclared
                // protocol, a port named just "tcp" on an ExternalName Service.
                out.push(violation(o, `ports[${i}] (${name ?? "unnamed"}, ${String(p.port)}) of an ExternalName Service ${name === "tcp" ? 'is named plain "tcp"' : "declares no protocol"}: the sidecar may not forward TCP or unmatched traffic to the external name (Istio's IST0150); name it for the protocol it carries (https, tls-<suffix>, http-<suffix>)`));
                return;
            }
            if (declared) return;
            out.push(violation(o, `ports[${i}] (${str(p.name) ?? "unnamed"}, ${String(p.port)}) declares no protocol; name it <protocol>-<suffix> or set appProtocol: Istio otherwise sniffs the protocol (HTTP/1.1 or HTTP/2, else plain TCP), which server-first protocols such as MySQL break`));
        });
        return out;
    },
};

export const istioUidNot1337: KubeObjectRule = {
    id: "istio-uid-not-1337",
    description: "Application containers do not run as UID (or GID) 1337, the sidecar proxy's, whose traffic bypasses interception.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: WORKLOAD_KINDS,
    check(o, ctx) {
        const tpl = podTemplateOf(o);
        if (!tpl) return [];
        const out: Violation[] = [];
        for (const cv of containersOf(tpl.spec, ctx.config.istioHubs)) {
            if (cv.istio) continue; // the proxy and its init/validation containers run as 1337 by design
            // istio-iptables returns early for both --uid-owner 1337 and --gid-owner 1337.
            for (const [field, what] of [["runAsUser", "UID"], ["runAsGroup", "GID"]] as const) {
                if (effectiveSecurity(tpl.spec, cv.c, field) === 1337) {
                    out.push(violation(o, `container "${cv.name}" runs as ${what} 1337, which iptables exempts from the sidecar: its traffic skips mTLS and policy`));
                }
            }
        }
        return out;
    },
};
