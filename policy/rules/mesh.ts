// Istio rules: mTLS, authorization, traffic routing, gateways and sidecar injection.
import type { KubeIndex, KubeObject, KubeObjectRule, KubeStackRule, Violation } from "./types";
import {
    Obj, arr, containersOf, effectiveSecurity, fqdn, has, hostAdmits, isIstio, isIstioGroup, isObj, isWildcardHost, labelsOf,
    namespaceOf, nameOf, nonEmpty, obj, objs, podTemplateOf, str, strs, violation, WORKLOAD_KINDS,
} from "./util";

const injectionExempt = (c: { injectionExemptNamespaces: readonly string[] }) => c.injectionExemptNamespaces;

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

/** Values Istio's injector reads as "inject" (case-insensitive); any other non-empty value opts out. */
const INJECT_VALUES = new Set(["y", "yes", "true", "on"]);

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

// ---------------------------------------------------------------- DestinationRule TLS

interface TlsSite { where: string; tls: Obj }

/** Every place a DestinationRule can carry client TLS settings: top level, ports, subsets, subsets' ports. */
function tlsSites(spec: Obj): TlsSite[] {
    const out: TlsSite[] = [];
    const fromPolicy = (policy: Obj, prefix: string) => {
        if (isObj(policy.tls)) out.push({ where: `${prefix}.tls`, tls: policy.tls });
        objs(policy.portLevelSettings).forEach((pls, i) => {
            const port = obj(pls.port).number;
            if (isObj(pls.tls)) out.push({ where: `${prefix}.portLevelSettings[${i}]${port !== undefined ? ` (port ${String(port)})` : ""}.tls`, tls: pls.tls });
        });
    };
    fromPolicy(obj(spec.trafficPolicy), "trafficPolicy");
    objs(spec.subsets).forEach((s, i) => fromPolicy(obj(s.trafficPolicy), `subsets[${i}]${s.name ? ` (${String(s.name)})` : ""}.trafficPolicy`));
    return out;
}

export const istioDrTlsNotDisabled: KubeObjectRule = {
    id: "istio-dr-tls-not-disabled",
    description: "No DestinationRule sets tls.mode DISABLE (top-level traffic policy, subsets, port-level settings).",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["DestinationRule"],
    check(o) {
        if (!isIstio(o, "DestinationRule")) return [];
        return tlsSites(obj(o.spec))
            .filter((s) => s.tls.mode === "DISABLE")
            .map((s) => violation(o, `${s.where}.mode is DISABLE; traffic to ${String(obj(o.spec).host ?? "the host")} would leave the mesh's mTLS`));
    },
};

/** A field present with a value other than "" (a value unknown during preview counts as set). */
function setTo(o: Obj, key: string): boolean {
    return has(o, key) && o[key] !== "" && o[key] !== null;
}

export const istioDrTlsVerify: KubeObjectRule = {
    id: "istio-dr-tls-verify",
    description: "TLS origination (SIMPLE/MUTUAL) verifies the server with caCertificates or credentialName (IST0128/IST0129).",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["DestinationRule"],
    check(o) {
        if (!isIstio(o, "DestinationRule")) return [];
        const out: Violation[] = [];
        for (const s of tlsSites(obj(o.spec))) {
            if (s.tls.mode !== "SIMPLE" && s.tls.mode !== "MUTUAL") continue;
            if (s.tls.insecureSkipVerify === true) {
                out.push(violation(o, `${s.where}.insecureSkipVerify is true; the server is not verified`));
            } else if (!setTo(s.tls, "caCertificates") && !setTo(s.tls, "credentialName")) {
                out.push(violation(o, `${s.where}.mode is ${String(s.tls.mode)} but neither caCertificates nor credentialName is set, so the server is not verified`));
            }
        }
        return out;
    },
};

// ---------------------------------------------------------------- Gateways and VirtualServices

const HTTP_FAMILY = new Set(["HTTP", "HTTP2", "GRPC", "GRPC-WEB"]);
const TLS_MIN_OK = new Set(["TLSV1_2", "TLSV1_3"]);

export const istioGatewayTls: KubeObjectRule = {
    id: "istio-gateway-tls",
    description: "Every HTTPS/TLS Gateway server uses SIMPLE or MUTUAL TLS with a credential and minProtocolVersion TLSV1_2+; plain HTTP only with httpsRedirect.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["Gateway"],
    check(o) {
        if (!isIstio(o, "Gateway")) return [];
        const out: Violation[] = [];
        objs(obj(o.spec).servers).forEach((srv, i) => {
            const port = obj(srv.port);
            const protocol = (str(port.protocol) ?? "").toUpperCase();
            const tls = obj(srv.tls);
            const label = `servers[${i}] (${protocol || "no protocol"} ${String(port.number ?? "")})`.replace(/ \)$/, ")");
            if (protocol === "HTTPS" || protocol === "TLS") {
                const mode = str(tls.mode);
                if (mode !== "SIMPLE" && mode !== "MUTUAL") {
                    out.push(violation(o, `${label} tls.mode is ${mode ?? "unset"}; the gateway must terminate TLS with SIMPLE or MUTUAL`));
                    return;
                }
                const credential = has(tls, "credentialName") || has(tls, "credentialNames") || (has(tls, "serverCertificate") && has(tls, "privateKey"));
                if (!credential) out.push(violation(o, `${label} has no credential (credentialName, or serverCertificate and privateKey)`));
                const min = str(tls.minProtocolVersion);
                if (!min || !TLS_MIN_OK.has(min)) out.push(violation(o, `${label} tls.minProtocolVersion is ${min ?? "unset"}; set TLSV1_2 or TLSV1_3`));
            } else if (HTTP_FAMILY.has(protocol)) {
                if (tls.httpsRedirect !== true) out.push(violation(o, `${label} serves plain ${protocol} without tls.httpsRedirect: true`));
            } else {
                out.push(violation(o, `${label} is a plaintext ${protocol || "unknown-protocol"} server; use HTTPS or TLS`));
            }
        });
        return out;
    },
};

function hostPart(h: string): string {
    const i = h.indexOf("/");
    return i < 0 ? h : h.slice(i + 1);
}

export const istioGatewayNoWildcardHost: KubeObjectRule = {
    id: "istio-gateway-no-wildcard-host",
    description: "Gateway servers name exact hosts, not * or *.domain wildcards.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["Gateway"],
    check(o) {
        if (!isIstio(o, "Gateway")) return [];
        const out: Violation[] = [];
        objs(obj(o.spec).servers).forEach((srv, i) => {
            for (const h of strs(srv.hosts)) {
                if (isWildcardHost(hostPart(h))) out.push(violation(o, `servers[${i}].hosts "${h}" is a wildcard; name the exact host`));
            }
        });
        return out;
    },
};

export const istioVsNoWildcardHost: KubeObjectRule = {
    id: "istio-vs-no-wildcard-host",
    description: "VirtualServices name exact hosts, not * or *.domain wildcards.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["VirtualService"],
    check(o) {
        if (!isIstio(o, "VirtualService")) return [];
        return strs(obj(o.spec).hosts)
            .filter(isWildcardHost)
            .map((h) => violation(o, `hosts "${h}" is a wildcard; name the exact host`));
    },
};

interface RouteSet { where: string; routes: Obj[] }

function routeSets(spec: Obj): RouteSet[] {
    const out: RouteSet[] = [];
    for (const kind of ["http", "tcp", "tls"] as const) {
        objs(spec[kind]).forEach((r, i) => out.push({ where: `${kind}[${i}]${r.name ? ` (${String(r.name)})` : ""}`, routes: objs(r.route) }));
    }
    return out;
}

export const istioVsWeights: KubeObjectRule = {
    id: "istio-vs-weights",
    description: "Route weights are non-negative and, with more than one destination, sum to 100.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["VirtualService"],
    check(o) {
        if (!isIstio(o, "VirtualService")) return [];
        const out: Violation[] = [];
        for (const rs of routeSets(obj(o.spec))) {
            let sum = 0;
            for (const r of rs.routes) {
                const w = r.weight === undefined ? 0 : r.weight;
                if (typeof w !== "number" || !Number.isInteger(w) || w < 0) {
                    out.push(violation(o, `${rs.where} has weight ${JSON.stringify(r.weight)}; weights are non-negative integers`));
                    continue;
                }
                sum += w;
            }
            if (rs.routes.length > 1 && sum !== 100) out.push(violation(o, `${rs.where} weights sum to ${sum}, not 100`));
        }
        return out;
    },
};

interface Dest { where: string; host: string; subset?: string }

function destinations(spec: Obj): Dest[] {
    const out: Dest[] = [];
    const add = (where: string, d: unknown) => {
        const dest = obj(d);
        const host = str(dest.host);
        if (host) out.push({ where, host, subset: str(dest.subset) });
    };
    for (const rs of routeSets(spec)) rs.routes.forEach((r, j) => add(`${rs.where}.route[${j}]`, r.destination));
    objs(spec.http).forEach((h, i) => {
        add(`http[${i}].mirror`, h.mirror);
        objs(h.mirrors).forEach((m, j) => add(`http[${i}].mirrors[${j}]`, m.destination));
    });
    return out;
}

export const istioVsSubsetsDefined: KubeStackRule = {
    id: "istio-vs-subsets-defined",
    description: "Every subset a VirtualService routes to is defined by a DestinationRule for that host.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "stack",
    check(index) {
        const subsetsByHost = new Map<string, Set<string>>();
        for (const dr of index.byKind("DestinationRule")) {
            if (!isIstio(dr, "DestinationRule")) continue;
            const spec = obj(dr.spec);
            const host = str(spec.host);
            if (!host) continue;
            const key = fqdn(host, namespaceOf(dr));
            const set = subsetsByHost.get(key) ?? new Set<string>();
            for (const s of objs(spec.subsets)) if (typeof s.name === "string") set.add(s.name);
            subsetsByHost.set(key, set);
        }
        const out: Violation[] = [];
        for (const vs of index.byKind("VirtualService")) {
            if (!isIstio(vs, "VirtualService")) continue;
            for (const d of destinations(obj(vs.spec))) {
                if (!d.subset) continue;
                const key = fqdn(d.host, namespaceOf(vs));
                const defined = subsetsByHost.get(key);
                if (!defined) out.push(violation(vs, `${d.where} routes to subset "${d.subset}" of ${d.host}, but no DestinationRule exists for ${key}`));
                else if (!defined.has(d.subset)) out.push(violation(vs, `${d.where} routes to subset "${d.subset}" of ${d.host}, which no DestinationRule for ${key} defines`));
            }
        }
        return out;
    },
};

export const istioVsGatewayExists: KubeStackRule = {
    id: "istio-vs-gateway-exists",
    description: "Every gateway a VirtualService names exists and admits the VirtualService's hosts.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "stack",
    check(index) {
        const gateways = new Map<string, KubeObject>();
        for (const g of index.byKind("Gateway")) if (isIstio(g, "Gateway")) gateways.set(`${namespaceOf(g)}/${nameOf(g)}`, g);
        const out: Violation[] = [];
        for (const vs of index.byKind("VirtualService")) {
            if (!isIstio(vs, "VirtualService")) continue;
            const spec = obj(vs.spec);
            const vsNs = namespaceOf(vs);
            const hosts = strs(spec.hosts);
            const named = new Set(strs(spec.gateways));
            for (const h of objs(spec.http)) for (const m of objs(h.match)) for (const g of strs(m.gateways)) named.add(g);
            for (const ref of named) {
                if (ref === "mesh") continue;
                const key = ref.includes("/") ? ref : `${vsNs}/${ref}`;
                const gw = gateways.get(key);
                if (!gw) {
                    out.push(violation(vs, `gateway ${ref} (${key}) does not exist`));
                    continue;
                }
                const gwNs = namespaceOf(gw);
                const admitted = hosts.some((vh) => objs(obj(gw.spec).servers).some((srv) => strs(srv.hosts).some((sh) => serverAdmits(sh, gwNs, vsNs, vh))));
                if (!admitted) out.push(violation(vs, `gateway ${key} does not admit any of the hosts ${JSON.stringify(hosts)}`));
            }
        }
        return out;
    },
};

// Gateway server hosts may carry a namespace filter: "*/h" (any), "./h" (the gateway's namespace), "ns/h".
function serverAdmits(serverHost: string, gwNs: string, vsNs: string, vsHost: string): boolean {
    const i = serverHost.indexOf("/");
    if (i >= 0) {
        const nsPart = serverHost.slice(0, i);
        if (nsPart === "~") return false;
        if (nsPart === "." && vsNs !== gwNs) return false;
        if (nsPart !== "*" && nsPart !== "." && nsPart !== vsNs) return false;
    }
    return hostAdmits(hostPart(serverHost), vsHost);
}

// ---------------------------------------------------------------- Injection and Services

/**
 * The injection labels that select a sidecar for the namespace. istio-injection set to anything
 * but `enabled` (e.g. `disabled`) turns injection off and beats istio.io/rev, so it selects nothing.
 */
function injectionLabels(ns: KubeObject): string[] {
    const l = labelsOf(ns);
    const out: string[] = [];
    if (l["istio-injection"] !== undefined && l["istio-injection"] !== "enabled") return [];
    if (l["istio-injection"] === "enabled") out.push("istio-injection=enabled");
    if (typeof l["istio.io/rev"] === "string" && l["istio.io/rev"] !== "") out.push(`istio.io/rev=${l["istio.io/rev"]}`);
    return out;
}

export const istioNamespaceInjection: KubeObjectRule = {
    id: "istio-namespace-injection",
    description: "Every non-exempt namespace carries exactly one of istio-injection=enabled or istio.io/rev=<revision>, and no other istio-injection value.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["Namespace"],
    defaultExemptNamespaces: injectionExempt,
    check(o) {
        if (o.apiVersion !== "v1") return [];
        const found = injectionLabels(o);
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
    description: "Service ports declare their protocol by name prefix (http-, grpc-, tcp-, ...) or appProtocol.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["Service"],
    defaultExemptNamespaces: injectionExempt,
    check(o) {
        if (o.apiVersion !== "v1") return [];
        const spec = obj(o.spec);
        if (spec.type === "ExternalName") return [];
        const out: Violation[] = [];
        objs(spec.ports).forEach((p, i) => {
            if (p.protocol === "UDP" || p.protocol === "SCTP") return; // the sidecar does not proxy these
            if (typeof p.appProtocol === "string" && p.appProtocol !== "") return;
            if (declaresProtocol(str(p.name))) return;
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

export const meshRules = [
    istioMtlsStrict, istioMeshWideStrict, istioAuthzDefaultDeny, istioAuthzNoAllowAll, istioAuthzSafePatterns,
    istioDrTlsNotDisabled, istioDrTlsVerify, istioGatewayTls, istioGatewayNoWildcardHost, istioVsNoWildcardHost,
    istioVsWeights, istioVsSubsetsDefined, istioVsGatewayExists, istioNamespaceInjection, istioNoInjectionOptOut,
    istioServicePortNames, istioUidNot1337,
] as const;
