// Istio rules: mTLS and authorization here; traffic.ts holds DestinationRules, Gateways and
// VirtualServices, injection.ts sidecar injection, Service ports and UID 1337. meshRules lists them all.
import type { KubeIndex, KubeObject, KubeObjectRule, KubeStackRule, Violation } from "./types";
import { Obj, arr, isIstio, isIstioGroup, isObj, namespaceOf, nameOf, nonEmpty, obj, objs, podTemplateOf, str, strs, violation, WORKLOAD_KINDS } from "./util";
import { INJECT_VALUES, injectionExempt, injectionLabels, istioNamespaceInjection, istioNoInjectionOptOut, istioServicePortNames, istioUidNot1337 } from "./injection";
import {
    istioDrTlsNotDisabled, istioDrTlsVerify, istioGatewayNoWildcardHost, istioGatewayTls, istioVsGatewayExists, istioVsNoWildcardHost,
    istioVsSubsetsDefined, istioVsWeights,
} from "./traffic";

// ---------------------------------------------------------------- mTLS

function hasSelector(spec: Obj): boolean {
    return nonEmpty(obj(spec.selector).matchLabels) || nonEmpty(spec.targetRef) || nonEmpty(spec.targetRefs);
}

export const istioMtlsStrict: KubeObjectRule = {
    id: "istio-mtls-strict",
    description: "PeerAuthentication mode and every portLevelMtls mode are STRICT (UNSET only where it inherits STRICT).",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["PeerAuthentication"],
    check(o, ctx) {
        if (!isIstio(o, "PeerAuthentication")) return [];
        const spec = obj(o.spec);
        const mode = str(obj(spec.mtls).mode) ?? "UNSET";
        const out: Violation[] = [];
        const meshWide = namespaceOf(o) === ctx.config.rootNamespace && !hasSelector(spec);
        if (mode === "UNSET") {
            // The mesh-wide policy has nothing to inherit from but Istio's PERMISSIVE default.
            if (meshWide) out.push(violation(o, "mesh-wide PeerAuthentication leaves mtls.mode UNSET, which inherits PERMISSIVE; set STRICT"));
        } else if (mode !== "STRICT") {
            out.push(violation(o, `mtls.mode is ${mode}; only STRICT is allowed`));
        }
        for (const [port, setting] of Object.entries(obj(spec.portLevelMtls))) {
            const pm = str(obj(setting).mode) ?? "UNSET";
            if (pm === "STRICT") continue;
            // An UNSET port inherits this policy's own mode, which must itself be STRICT (or inherit it).
            if (pm === "UNSET" && (mode === "STRICT" || (mode === "UNSET" && !meshWide))) continue;
            out.push(violation(o, `portLevelMtls[${port}].mode is ${pm}; only STRICT (or UNSET inheriting STRICT) is allowed`));
        }
        return out;
    },
};

export const istioMeshWideStrict: KubeStackRule = {
    id: "istio-mesh-wide-strict",
    description: "A selector-less STRICT PeerAuthentication exists in the Istio root namespace.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "stack",
    check(index, ctx) {
        if (!meshPresent(index)) return [];
        const root = ctx.config.rootNamespace;
        const meshWide = index.byKind("PeerAuthentication").filter(
            (o) => isIstio(o, "PeerAuthentication") && namespaceOf(o) === root && !hasSelector(obj(o.spec)),
        );
        if (meshWide.some((o) => obj(obj(o.spec).mtls).mode === "STRICT")) return [];
        return [{
            message: meshWide.length === 0
                ? `no mesh-wide PeerAuthentication (no selector) in root namespace ${root}; workloads fall back to PERMISSIVE`
                : `the mesh-wide PeerAuthentication in ${root} is not STRICT`,
            ref: { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", namespace: root, name: meshWide[0] ? nameOf(meshWide[0]) : "" },
        }];
    },
};

/** The input describes a mesh: it carries Istio configuration or injection-labelled namespaces. */
function meshPresent(index: KubeIndex): boolean {
    return index.all.some((o) => isIstioGroup(o)) || index.byKind("Namespace").some((n) => injectionLabels(n).length > 0);
}

// ---------------------------------------------------------------- Authorization

function isAllowPolicy(spec: Obj): boolean {
    return spec.action === undefined || spec.action === "ALLOW";
}

export const istioAuthzDefaultDeny: KubeStackRule = {
    id: "istio-authz-default-deny",
    description: "Every namespace with workloads in the mesh has an allow-nothing AuthorizationPolicy (or the root namespace does).",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "stack",
    defaultExemptNamespaces: injectionExempt,
    check(index, ctx) {
        const allowNothing = new Set<string>();
        for (const ap of index.byKind("AuthorizationPolicy")) {
            // A dry-run policy is only logged, never enforced, so it denies nothing.
            if (!isIstio(ap, "AuthorizationPolicy") || ap.metadata?.annotations?.["istio.io/dry-run"] === "true") continue;
            const spec = obj(ap.spec);
            if (isAllowPolicy(spec) && !hasSelector(spec) && arr(spec.rules).length === 0) allowNothing.add(namespaceOf(ap));
        }
        if (allowNothing.has(ctx.config.rootNamespace)) return [];
        const namespaces = new Map<string, KubeObject>();
        for (const n of index.byKind("Namespace")) namespaces.set(nameOf(n), n);
        const anyIstio = index.all.some((o) => isIstioGroup(o));
        const needed = new Set<string>();
        for (const kind of WORKLOAD_KINDS) {
            for (const w of index.byKind(kind)) {
                const ns = namespaceOf(w);
                const nsObj = namespaces.get(ns);
                const tpl = podTemplateOf(w);
                // A gateway (the `gateway` injection template, as Istio's gateway chart sets) is a
                // router taking traffic from outside the mesh, not a sidecar: an allow-nothing
                // default there would need an ALLOW from any source, which istio-authz-no-allow-all
                // refuses. Its exposure is its Gateway servers (istio.io/latest/docs/setup/additional-setup/gateway/).
                if (tpl?.meta.annotations["inject.istio.io/templates"] === "gateway") continue;
                const podOptIn = INJECT_VALUES.has(String(tpl?.meta.labels["sidecar.istio.io/inject"] ?? "").toLowerCase());
                // A namespace we cannot see is assumed meshed when the input carries mesh config at all.
                const meshed = podOptIn || (nsObj ? injectionLabels(nsObj).length > 0 : anyIstio);
                if (meshed) needed.add(ns);
            }
        }
        const out: Violation[] = [];
        for (const ns of [...needed].sort()) {
            if (allowNothing.has(ns)) continue;
            out.push({
                message: `namespace ${ns} has meshed workloads but no allow-nothing AuthorizationPolicy (spec: {}); traffic is allowed by default`,
                ref: { apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", namespace: ns, name: "" },
            });
        }
        return out;
    },
};

/**
 * A principal pattern that any workload matches: `*`, or a prefix wildcard that stops before a
 * namespace is named (`cluster.local/*`, `cluster.local/ns/*`, `cluster.*`, and `/ns/*` after a `*` trust domain). Istio
 * matches principals by exact value, `prefix*`, `*suffix` or `*`.
 */
export function principalMatchesAnyone(v: string): boolean {
    if (v === "*") return true;
    if (!v.endsWith("*")) return false;
    return /^[^/]*(\/(ns?\/?)?)?$/.test(v.slice(0, -1));
}

/** An address block covering every address (any /0). */
function ipMatchesAnyone(v: string): boolean {
    return v === "*" || /\/0$/.test(v.trim());
}

/** Whether one value of a source field (or the matching `when` key) admits every caller. */
function valueMatchesAnyone(field: "principals" | "namespaces" | "ip" | "other", v: string): boolean {
    if (field === "principals") return principalMatchesAnyone(v);
    if (field === "ip") return ipMatchesAnyone(v);
    return v === "*";
}

const SOURCE_FIELDS: readonly [string, "principals" | "namespaces" | "ip" | "other"][] = [
    ["principals", "principals"], ["requestPrincipals", "other"], ["namespaces", "namespaces"], ["serviceAccounts", "other"],
    ["ipBlocks", "ip"], ["remoteIpBlocks", "ip"],
    ["notPrincipals", "other"], ["notRequestPrincipals", "other"], ["notNamespaces", "other"], ["notServiceAccounts", "other"],
    ["notIpBlocks", "other"], ["notRemoteIpBlocks", "other"],
];

/** `when` keys about the caller, with the kind of value they take. */
function conditionKind(key: string): "principals" | "namespaces" | "ip" | "other" | undefined {
    if (key === "source.ip" || key === "remote.ip") return "ip";
    if (key === "source.principal") return "principals";
    if (key === "source.namespace") return "namespaces";
    if (/^(source\.|remote\.|request\.auth\.)/.test(key)) return "other";
    return undefined;
}

/**
 * Whether a `from[].source` restricts who may call. A missing or empty source admits everyone;
 * a field whose values all admit everyone (`*`, `cluster.local/ns/*`, `0.0.0.0/0`) restricts nothing.
 * Negative fields count as restrictions here; istio-authz-safe-patterns refuses them in ALLOW.
 */
function sourceConstrains(source: Obj): boolean {
    for (const [f, kind] of SOURCE_FIELDS) {
        const values = strs(source[f]);
        if (values.length === 0) continue;
        if (values.every((v) => valueMatchesAnyone(kind, v))) continue;
        return true;
    }
    return false;
}

/** Whether a `when` condition restricts the caller: a source key with a value other than a match-anyone one. */
function conditionConstrains(w: Obj): boolean {
    const kind = conditionKind(str(w.key) ?? "");
    if (!kind) return false;
    if (nonEmpty(w.notValues)) return true;
    const values = strs(w.values);
    return values.length > 0 && !values.every((v) => valueMatchesAnyone(kind, v));
}

export const istioAuthzNoAllowAll: KubeObjectRule = {
    id: "istio-authz-no-allow-all",
    description: "No ALLOW rule admits every caller: an empty rule, no source constraint, or any `from` entry (they are ORed) that is missing or only `*`/whole-trust-domain/all-address values.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["AuthorizationPolicy"],
    check(o) {
        if (!isIstio(o, "AuthorizationPolicy")) return [];
        const spec = obj(o.spec);
        if (!isAllowPolicy(spec)) return [];
        const out: Violation[] = [];
        arr(spec.rules).forEach((r, i) => {
            const rule = obj(r);
            if (!nonEmpty(rule.from) && !nonEmpty(rule.to) && !nonEmpty(rule.when)) {
                out.push(violation(o, `rules[${i}] is empty and allows every request`));
                return;
            }
            // A rule's `from` entries are ORed: one unconstrained entry admits everyone, whatever the others say.
            const from = arr(rule.from);
            const open = from.findIndex((f) => !sourceConstrains(obj(obj(f).source)));
            const fromConstrains = from.length > 0 && open < 0;
            // `when` conditions are ANDed with `from`: one that restricts the caller is enough.
            const whenConstrains = objs(rule.when).some(conditionConstrains);
            if (!fromConstrains && !whenConstrains) {
                const why = from.length === 0
                    ? "has no source constraint"
                    : `from[${open}] ${isObj(obj(from[open]).source) && nonEmpty(obj(from[open]).source) ? "only names sources that match anyone" : "has no source"}, and from entries are ORed`;
                out.push(violation(o, `rules[${i}] ${why} (principals, namespaces, ipBlocks or requestPrincipals other than *, a whole trust domain or 0.0.0.0/0); it allows any caller`));
            }
        });
        return out;
    },
};

/**
 * Why a path in an AuthorizationPolicy is unsafe, or undefined. The mesh normalizes the request
 * path (MERGE_SLASHES: RFC 3986 normalization with decoding of unreserved %xx, `\` to `/`,
 * merging `//`, resolving `.`/`..`, matching without `?query`) before
 * matching, so a policy path written in any non-normal form never matches and a DENY on it is bypassed.
 */
export function unsafePath(p: string): string | undefined {
    if (p === "*") return undefined;
    const body = p.startsWith("*") ? p.slice(1) : p;
    if (!p.startsWith("/") && !p.startsWith("*")) return "is not absolute";
    if (/%/.test(p)) return "contains percent-encoding (the mesh's MERGE_SLASHES normalization decodes %-escaped unreserved characters and keeps %2F/%5C encoded, so an escaped policy path does not match the spelling it reads as)";
    if (/\\/.test(p)) return "contains a backslash (Istio turns it into /)";
    if (/[?#]/.test(p)) return "contains a query or fragment (Istio strips them before matching)";
    if (/\/\//.test(body)) return "contains // (Istio merges slashes)";
    if (/(^|\/)\.\.?(\/|$)/.test(body)) return "contains a . or .. segment (Istio resolves them)";
    // `*` may only be a prefix/suffix wildcard, or a whole `{*}`/`{**}` template segment.
    if (/\{\*\*?\}/.test(p)) {
        const segments = p.split("/");
        if (segments.some((seg) => /\{\*\*?\}/.test(seg) && seg !== "{*}" && seg !== "{**}")) return "uses {*} or {**} inside a segment (they must be whole segments)";
        if (segments.slice(0, -1).includes("{**}")) return "uses {**} before the last segment (Istio allows it only last)";
    }
    const stripped = body.replace(/\{\*\*?\}/g, "").replace(/\*$/, "");
    if (stripped.includes("*")) return "uses * in the middle (only prefix, suffix or {*}/{**} segments are supported)";
    return undefined;
}

export const istioAuthzSafePatterns: KubeObjectRule = {
    id: "istio-authz-safe-patterns",
    description: "ALLOW policies use positive matches only, DENY policies negative (not*) matches only, and paths survive Istio path normalization.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["AuthorizationPolicy"],
    check(o) {
        if (!isIstio(o, "AuthorizationPolicy")) return [];
        const spec = obj(o.spec);
        const action = str(spec.action) ?? "ALLOW";
        const out: Violation[] = [];
        const judge = (where: string, field: string) => {
            const negative = /^not[A-Z]/.test(field) || field === "notValues";
            if (action === "ALLOW" && negative) out.push(violation(o, `${where}.${field}: ALLOW policies must use positive matches; ${field} allows everything it does not list`));
            if (action === "DENY" && !negative) out.push(violation(o, `${where}.${field}: DENY policies must use negative matches (not${field[0]?.toUpperCase()}${field.slice(1)}); a positive DENY is bypassed by any variant it does not list`));
        };
        arr(spec.rules).forEach((r, i) => {
            const rule = obj(r);
            objs(rule.from).forEach((f, j) => {
                for (const [field, v] of Object.entries(obj(f.source))) if (nonEmpty(v)) judge(`rules[${i}].from[${j}].source`, field);
            });
            objs(rule.to).forEach((t, j) => {
                const op = obj(t.operation);
                for (const [field, v] of Object.entries(op)) if (nonEmpty(v)) judge(`rules[${i}].to[${j}].operation`, field);
                for (const field of ["paths", "notPaths"]) {
                    for (const p of strs(op[field])) {
                        const why = unsafePath(p);
                        if (why) out.push(violation(o, `rules[${i}].to[${j}].operation.${field} "${p}" ${why}`));
                    }
                }
                for (const field of ["methods", "notMethods"]) {
                    for (const m of strs(op[field])) {
                        if (m !== m.toUpperCase()) out.push(violation(o, `rules[${i}].to[${j}].operation.${field} "${m}" is not upper case; Istio rejects such requests, so it never matches`));
                    }
                }
            });
            objs(rule.when).forEach((w, j) => {
                if (nonEmpty(w.values)) judge(`rules[${i}].when[${j}]`, "values");
                if (nonEmpty(w.notValues)) judge(`rules[${i}].when[${j}]`, "notValues");
            });
        });
        return out;
    },
};

export const meshRules = [
    istioMtlsStrict, istioMeshWideStrict, istioAuthzDefaultDeny, istioAuthzNoAllowAll, istioAuthzSafePatterns,
    istioDrTlsNotDisabled, istioDrTlsVerify, istioGatewayTls, istioGatewayNoWildcardHost, istioVsNoWildcardHost,
    istioVsWeights, istioVsSubsetsDefined, istioVsGatewayExists, istioNamespaceInjection, istioNoInjectionOptOut,
    istioServicePortNames, istioUidNot1337,
] as const;
