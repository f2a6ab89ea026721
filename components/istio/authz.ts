// Offline evaluation of Istio AuthorizationPolicies for one request, following what istiod generates
// for a sidecar's Envoy RBAC filters (pilot/pkg/security/authz/{builder,model,matcher}):
//
// - A policy applies to a workload when it lives in the workload's namespace or in the root namespace
//   and its selector's matchLabels are a subset of the workload's labels (no selector = all workloads).
//   Policies with targetRefs are ignored by sidecars; they only attach to Gateway API gateway pods
//   (label gateway.networking.k8s.io/gateway-name) and waypoints.
// - Order: CUSTOM, then DENY, then ALLOW. AUDIT never changes the decision. Policies annotated
//   istio.io/dry-run: "true" are shadow-only and never enforce.
// - ALLOW: no ALLOW policy applies -> allowed; otherwise some rule must match. A policy without rules
//   (spec {}) generates a never-matching policy: that is Istio's allow-nothing.
// - A rule matches when its from (any source), to (any operation) and every when condition match.
//   Within one source/operation all set fields must match; within a field any value matches;
//   not* fields must match none of their values.
// - Peer attributes (principals, namespaces, serviceAccounts, trustDomains) come from the mTLS peer
//   certificate. An anonymous (plaintext) caller matches none of them and therefore matches every
//   not* variant: notPrincipals: ["cluster.local/ns/a/sa/b"] matches anonymous callers.
// - On a TCP port, HTTP-only attributes (hosts, methods, paths, requestPrincipals, request.headers,
//   request.auth.*) cannot be evaluated: istiod skips the whole rule in ALLOW policies (narrower) and
//   drops just those conditions in DENY/AUDIT/CUSTOM policies (wider).
//
// Not evaluated: external authorization behind CUSTOM (a matching CUSTOM policy is reported as DENY,
// since the outcome depends on the provider), experimental.envoy.filters.* conditions (treated as an
// absent attribute), trust domain aliases, and requests Envoy rejects before RBAC (e.g. %00 in the path).
// Paths are normalized as the mesh's pathNormalization setting makes Envoy do it (normalizePath).
// A request the caller's proxy answers itself (an error route leading a VirtualService it applies,
// e.g. a 400 for %2F: authz-edge.ts) never reaches the destination: options.edgeRejections.

import { BlockList, isIP } from "node:net";
import { EdgeRejection, edgeRejectionOf } from "./authz-edge";
import { AuthorizationAction, AuthorizationPolicyObject, AuthorizationPolicySpec, AuthorizationRule } from "./types";

export const DEFAULT_ROOT_NAMESPACE = "istio-system";
const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";
const DRY_RUN_ANNOTATION = "istio.io/dry-run";

/** JWT-derived attributes, as RequestAuthentication would set them. Absent = no valid JWT. */
export interface AuthzRequestAuth {
    /** "<iss>/<sub>" */
    principal?: string;
    audiences?: string[];
    presenter?: string;
    claims?: Record<string, unknown>;
}

export interface AuthzRequest {
    /** The mTLS peer. No principal = anonymous (plaintext or no peer certificate). */
    source: {
        /** SPIFFE-style without scheme: "cluster.local/ns/<ns>/sa/<sa>". */
        principal?: string;
        /** Informational only: Istio derives the namespace from the principal. Must agree with it if both are set. */
        namespace?: string;
        ip?: string;
        /** Original client IP (X-Forwarded-For / proxy protocol); defaults to ip. */
        remoteIp?: string;
    };
    destination: { namespace: string; labels: Record<string, string>; ip?: string };
    port: number;
    /** Default: "HTTP" when method, path, host or headers are given, else "TCP". */
    protocol?: "HTTP" | "TCP";
    /** HTTP only; default "GET". */
    method?: string;
    /** HTTP only; default "/". Query string and fragment are ignored, as Envoy's url_path matcher does. */
    path?: string;
    /** HTTP :authority. */
    host?: string;
    /** HTTP request headers; names are case-insensitive. */
    headers?: Record<string, string>;
    /** TLS SNI of the connection (connection.sni). */
    sni?: string;
    auth?: AuthzRequestAuth;
}

export interface AuthzDecision {
    decision: "ALLOW" | "DENY";
    /** "<namespace>/<name>" of the deciding policy; null when no single policy decided (default allow, no ALLOW match). */
    policy: string | null;
    reason: string;
    /** "<namespace>/<VirtualService>#<route>" when the caller's own proxy refused the request. */
    rejectedBy?: string;
}

export interface EvaluateOptions {
    /** meshConfig.rootNamespace. Default "istio-system". */
    rootNamespace?: string;
    /** meshConfig.pathNormalization.normalization. Default "BASE" (Istio's default). */
    pathNormalization?: PathNormalization;
    /** What callers' proxies answer themselves instead of forwarding (edgeRejectionsFrom). Default none. */
    edgeRejections?: readonly EdgeRejection[];
}

// ---------------------------------------------------------------- validation

const ACTIONS: readonly AuthorizationAction[] = ["ALLOW", "DENY", "AUDIT", "CUSTOM"];

const EXACT_KEYS = new Set([
    "source.ip",
    "remote.ip",
    "source.namespace",
    "source.serviceAccount",
    "source.trustDomain",
    "source.principal",
    "request.auth.principal",
    "request.auth.audiences",
    "request.auth.presenter",
    "destination.ip",
    "destination.port",
    "connection.sni",
]);
// Keys of the form a[b] (claims may nest: request.auth.claims[a][b]).
const MAP_KEY_PREFIXES = ["request.headers", "request.auth.claims"];

function isKnownKey(key: string): boolean {
    if (EXACT_KEYS.has(key)) return true;
    if (key.startsWith("experimental.envoy.filters.")) return /\[.+\]$/.test(key);
    return MAP_KEY_PREFIXES.some((p) => key.startsWith(p) && /^\[.+\]$/.test(key.slice(p.length)));
}

function validPort(value: string): boolean {
    return /^\d+$/.test(value) && Number(value) <= 65535;
}

function validIpOrCidr(value: string): boolean {
    const [addr, bits, extra] = value.split("/");
    if (extra !== undefined || isIP(addr) === 0) return false;
    if (bits === undefined) return true;
    const max = isIP(addr) === 4 ? 32 : 128;
    return /^\d+$/.test(bits) && Number(bits) <= max;
}

/** Path template rules from istio/api: {*} and {**} fill whole segments, {**} is the last operator, no other "*". */
export function pathTemplateProblem(path: string): string | null {
    if (!path.includes("{*}") && !path.includes("{**}")) return null;
    let seenAny = false;
    for (const seg of path.replace(/^\/+|\/+$/g, "").split("/")) {
        if (seg === "{*}" || seg === "{**}") {
            if (seenAny) return `invalid path template "${path}": {**} must be the last operator`;
            seenAny = seg === "{**}";
            continue;
        }
        if (/[{}*]/.test(seg)) return `invalid path template "${path}": segment "${seg}" mixes an operator with other characters`;
    }
    return null;
}

/** Problems istiod's validating webhook would report for this spec (empty when valid). */
export function validateAuthorizationPolicySpec(spec: AuthorizationPolicySpec): string[] {
    const problems: string[] = [];
    const action = spec.action ?? "ALLOW";
    if (!ACTIONS.includes(action)) problems.push(`action must be one of ${ACTIONS.join(", ")} (got "${action}")`);
    if (action === "CUSTOM" && !spec.provider?.name) problems.push("provider.name is required for action CUSTOM");
    if (action !== "CUSTOM" && spec.provider) problems.push("provider is only allowed with action CUSTOM");
    const hasTargets = (spec.targetRefs?.length ?? 0) > 0 || spec.targetRef !== undefined;
    if (spec.selector && hasTargets) problems.push("only one of selector or targetRefs may be set");
    (spec.rules ?? []).forEach((rule, i) => {
        if (rule === null || typeof rule !== "object") {
            problems.push(`rules[${i}] must be an object`);
            return;
        }
        (rule.from ?? []).forEach((from, j) => {
            const s = from?.source;
            const where = `rules[${i}].from[${j}].source`;
            if (!s || Object.values(s).every((v) => !Array.isArray(v) || v.length === 0)) {
                problems.push(`${where} must set at least one field`);
                return;
            }
            if ((s.serviceAccounts?.length || s.notServiceAccounts?.length) && (s.principals?.length || s.namespaces?.length)) {
                problems.push(`${where}.serviceAccounts cannot be combined with principals or namespaces`);
            }
            for (const sa of [...(s.serviceAccounts ?? []), ...(s.notServiceAccounts ?? [])]) {
                if (sa.includes("*")) problems.push(`${where}.serviceAccounts does not allow wildcards (got "${sa}")`);
            }
            for (const ip of [...(s.ipBlocks ?? []), ...(s.notIpBlocks ?? []), ...(s.remoteIpBlocks ?? []), ...(s.notRemoteIpBlocks ?? [])]) {
                if (!validIpOrCidr(ip)) problems.push(`${where} has a bad IP or CIDR "${ip}"`);
            }
        });
        (rule.to ?? []).forEach((to, j) => {
            const o = to?.operation;
            const where = `rules[${i}].to[${j}].operation`;
            if (!o || Object.values(o).every((v) => !Array.isArray(v) || v.length === 0)) {
                problems.push(`${where} must set at least one field`);
                return;
            }
            for (const p of [...(o.ports ?? []), ...(o.notPorts ?? [])]) {
                if (!validPort(p)) problems.push(`${where}.ports has a bad port "${p}" (ports are strings of digits, 0-65535)`);
            }
            for (const p of [...(o.paths ?? []), ...(o.notPaths ?? [])]) {
                const problem = pathTemplateProblem(p);
                if (problem) problems.push(`${where}.paths: ${problem}`);
            }
        });
        (rule.when ?? []).forEach((cond, j) => {
            const where = `rules[${i}].when[${j}]`;
            if (!cond?.key || !isKnownKey(cond.key)) {
                problems.push(`${where}.key "${cond?.key}" is not a supported Istio attribute`);
                return;
            }
            if (!cond.values?.length && !cond.notValues?.length) problems.push(`${where} must set values or notValues`);
            const all = [...(cond.values ?? []), ...(cond.notValues ?? [])];
            if (cond.key === "destination.port") all.filter((v) => !validPort(v)).forEach((v) => problems.push(`${where} has a bad port "${v}"`));
            if (["source.ip", "remote.ip", "destination.ip"].includes(cond.key)) {
                all.filter((v) => !validIpOrCidr(v)).forEach((v) => problems.push(`${where} has a bad IP or CIDR "${v}"`));
            }
        });
    });
    return problems;
}

// ---------------------------------------------------------------- matchers (Envoy StringMatcher as istiod builds it)

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** matcher.StringMatcher: "*" = non-empty, "*x" = suffix, "x*" = prefix, otherwise exact. */
export function istioStringMatch(pattern: string, value: string | undefined, ignoreCase = false): boolean {
    if (value === undefined) return false;
    const p = ignoreCase ? pattern.toLowerCase() : pattern;
    const v = ignoreCase ? value.toLowerCase() : value;
    if (p === "*") return v.length > 0;
    if (p.startsWith("*")) return v.endsWith(p.slice(1));
    if (p.endsWith("*")) return v.startsWith(p.slice(0, -1));
    return v === p;
}

/** matcher.HeaderMatcher: like StringMatcher but "*" is a presence match (an empty value matches). */
function headerMatch(pattern: string, value: string | undefined, ignoreCase = false): boolean {
    if (value === undefined) return false;
    if (pattern === "*") return true;
    return istioStringMatch(pattern, value, ignoreCase);
}

function principalMatch(pattern: string, principal: string | undefined): boolean {
    // istiod matches against the URI SAN "spiffe://<principal>"; for these shapes that equals matching the bare principal.
    return istioStringMatch(pattern, principal);
}

function namespaceMatch(pattern: string, principal: string | undefined): boolean {
    if (principal === undefined) return false;
    const ns = pattern.split("*").map(escapeRegex).join(".*");
    return new RegExp(`^.*/ns/${ns}/.*$`).test(`spiffe://${principal}`);
}

function serviceAccountMatch(pattern: string, principal: string | undefined, policyNamespace: string): boolean {
    if (principal === undefined) return false;
    const slash = pattern.indexOf("/");
    const ns = slash < 0 ? policyNamespace : pattern.slice(0, slash);
    const sa = slash < 0 ? pattern : pattern.slice(slash + 1);
    return new RegExp(`^spiffe://.+/ns/${escapeRegex(ns)}/(.+/|)sa/${escapeRegex(sa)}(/.+)?$`).test(`spiffe://${principal}`);
}

function trustDomainMatch(pattern: string, principal: string | undefined): boolean {
    if (principal === undefined) return false;
    const uri = `spiffe://${principal}`;
    if (pattern === "*") return true;
    if (!pattern.includes("*")) return uri.startsWith(`spiffe://${pattern}/`);
    const [before, after] = [pattern.slice(0, pattern.indexOf("*")), pattern.slice(pattern.indexOf("*") + 1)];
    return new RegExp(`^spiffe://${escapeRegex(before)}[^/]*${escapeRegex(after)}/.*$`).test(uri);
}

function ipMatch(cidr: string, ip: string | undefined): boolean {
    if (ip === undefined || isIP(ip) === 0) return false;
    const [addr, bits] = cidr.split("/");
    const family = isIP(addr) === 6 ? "ipv6" : "ipv4";
    if (family !== (isIP(ip) === 6 ? "ipv6" : "ipv4")) return false;
    const list = new BlockList();
    if (bits === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(bits), family);
    return list.check(ip, family);
}

/** requestPrincipals / request.auth.principal: "<iss>/<sub>" split at the last "/", as istiod does. */
function requestPrincipalMatch(pattern: string, principal: string | undefined): boolean {
    if (principal === undefined) return false;
    const cut = principal.lastIndexOf("/");
    const iss = cut < 0 ? principal : principal.slice(0, cut);
    const sub = cut < 0 ? "" : principal.slice(cut + 1);
    const idx = pattern.lastIndexOf("/");
    const found = idx >= 0;
    const pIss = found ? pattern.slice(0, idx) : pattern;
    const pSub = found ? pattern.slice(idx + 1) : "";
    const any = (v: string): boolean => v.length > 0;
    if (pattern === "*") return any(iss) && any(sub);
    if (pattern.startsWith("*")) {
        if (!found) return any(iss) && sub.endsWith(pattern.slice(1));
        return (pIss === "*" ? any(iss) : iss.endsWith(pIss.slice(1))) && sub === pSub;
    }
    if (pattern.endsWith("*")) {
        if (!found) return iss.startsWith(pattern.slice(0, -1)) && any(sub);
        return iss === pIss && (pSub === "*" ? any(sub) : sub.startsWith(pSub.slice(0, -1)));
    }
    return iss === pIss && sub === pSub;
}

function claimValues(claims: Record<string, unknown> | undefined, path: string[]): string[] | undefined {
    let cur: unknown = claims;
    for (const part of path) {
        if (cur === null || typeof cur !== "object" || !(part in (cur as Record<string, unknown>))) return undefined;
        cur = (cur as Record<string, unknown>)[part];
    }
    if (typeof cur === "string") return [cur];
    if (Array.isArray(cur) && cur.every((c) => typeof c === "string")) return cur as string[];
    return undefined;
}

function anyClaimMatch(pattern: string, values: string[] | undefined): boolean {
    return (values ?? []).some((v) => istioStringMatch(pattern, v));
}

/** meshConfig.pathNormalization.normalization: what every proxy does to a path before routing and RBAC. */
export type PathNormalization = "NONE" | "BASE" | "MERGE_SLASHES" | "DECODE_AND_MERGE_SLASHES";
export const PATH_NORMALIZATIONS: readonly PathNormalization[] = ["NONE", "BASE", "MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES"];

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

function removeDotSegments(path: string): string {
    const out: string[] = [];
    const segments = path.split("/");
    segments.forEach((seg, i) => {
        if (seg === ".") {
            if (i === segments.length - 1) out.push("");
        } else if (seg === "..") {
            if (out.length > 1) out.pop();
            if (i === segments.length - 1) out.push("");
        } else out.push(seg);
    });
    const joined = out.join("/");
    return joined.startsWith("/") ? joined : `/${joined}`;
}

/**
 * The path the proxy's RBAC filter sees, in Envoy's order (istiod turns the mode into the
 * HttpConnectionManager's normalize_path, merge_slashes and path_with_escaped_slashes_action):
 * 1. the query string and fragment are not part of the path;
 * 2. DECODE_AND_MERGE_SLASHES only: %2F and %5C are decoded (any case);
 * 3. BASE and up: percent-encoded unreserved characters (letters, digits, - . _ ~) are decoded,
 *    other escapes such as %2F stay as they are; "\" becomes "/"; dot segments are removed;
 * 4. MERGE_SLASHES and up: runs of "/" become one.
 * Istio's integration test table (tests/integration/security/normalization_test.go) is in the tests.
 */
export function normalizePath(raw: string, mode: PathNormalization = "BASE"): string {
    let path = raw.split(/[?#]/, 1)[0] || "/";
    if (mode === "NONE") return path;
    if (mode === "DECODE_AND_MERGE_SLASHES") path = path.replace(/%2f/gi, "/").replace(/%5c/gi, "\\");
    path = path.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
        const ch = String.fromCharCode(parseInt(hex, 16));
        return UNRESERVED.test(ch) ? ch : escape;
    });
    path = removeDotSegments(path.replace(/\\/g, "/"));
    return mode === "BASE" ? path : path.replace(/\/{2,}/g, "/");
}

function pathTemplateRegex(template: string): RegExp {
    const pchar = "[a-zA-Z0-9\\-._~%!$&'()+,;:@=]";
    const body = template
        .split(/(\{\*\*\}|\{\*\})/)
        .map((part) => (part === "{**}" ? `(?:${pchar}|/)*` : part === "{*}" ? `${pchar}+` : escapeRegex(part)))
        .join("");
    return new RegExp(`^${body}$`);
}

function pathMatch(pattern: string, path: string | undefined): boolean {
    if (path === undefined) return false;
    if (pattern.includes("{*}") || pattern.includes("{**}")) return pathTemplateRegex(pattern).test(path);
    return istioStringMatch(pattern, path);
}

// ---------------------------------------------------------------- rule evaluation

interface Ctx {
    req: AuthzRequest;
    tcp: boolean;
    principal: string | undefined;
    method: string | undefined;
    path: string | undefined;
    policyNamespace: string;
    notes: Set<string>;
}

/** values: any must match; notValues: none may match. Unset lists do not constrain. */
function field(values: string[] | undefined, notValues: string[] | undefined, test: (v: string) => boolean): boolean {
    if (values && values.length > 0 && !values.some(test)) return false;
    if (notValues && notValues.length > 0 && notValues.some(test)) return false;
    return true;
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
    if (!headers) return undefined;
    const hit = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
    return hit === undefined ? undefined : headers[hit];
}

const HTTP_ONLY_WHEN = (key: string): boolean => key.startsWith("request.headers") || key.startsWith("request.auth.");

function ruleUsesHttpOnly(rule: AuthorizationRule): boolean {
    const src = (rule.from ?? []).some((f) => f.source.requestPrincipals?.length || f.source.notRequestPrincipals?.length);
    const op = (rule.to ?? []).some((t) => {
        const o = t.operation;
        return [o.hosts, o.notHosts, o.methods, o.notMethods, o.paths, o.notPaths].some((l) => (l?.length ?? 0) > 0);
    });
    return Boolean(src || op || (rule.when ?? []).some((c) => HTTP_ONLY_WHEN(c.key)));
}

function whenMatches(key: string, values: string[] | undefined, notValues: string[] | undefined, c: Ctx): boolean {
    const r = c.req;
    const auth = r.auth;
    const test = ((): ((v: string) => boolean) => {
        switch (key) {
            case "source.ip":
                return (v) => ipMatch(v, r.source.ip);
            case "remote.ip":
                return (v) => ipMatch(v, r.source.remoteIp ?? r.source.ip);
            case "destination.ip":
                return (v) => ipMatch(v, r.destination.ip);
            case "source.namespace":
                return (v) => namespaceMatch(v, c.principal);
            case "source.principal":
                return (v) => principalMatch(v, c.principal);
            case "source.serviceAccount":
                return (v) => serviceAccountMatch(v, c.principal, c.policyNamespace);
            case "source.trustDomain":
                return (v) => trustDomainMatch(v, c.principal);
            case "destination.port":
                return (v) => Number(v) === r.port;
            case "connection.sni":
                return (v) => istioStringMatch(v, r.sni);
            case "request.auth.principal":
                return (v) => requestPrincipalMatch(v, auth?.principal);
            case "request.auth.audiences":
                return (v) => anyClaimMatch(v, auth?.audiences);
            case "request.auth.presenter":
                return (v) => istioStringMatch(v, auth?.presenter);
        }
        if (key.startsWith("request.headers[")) {
            const name = key.slice("request.headers[".length, -1);
            return (v) => headerMatch(v, headerValue(r.headers, name));
        }
        if (key.startsWith("request.auth.claims[")) {
            const path = key.slice("request.auth.claims[".length, -1).split("][");
            return (v) => anyClaimMatch(v, claimValues(auth?.claims, path));
        }
        c.notes.add(`condition ${key} is not evaluated offline (treated as absent)`);
        return () => false;
    })();
    return field(values, notValues, test);
}

function ruleMatches(rule: AuthorizationRule, action: AuthorizationAction, c: Ctx): boolean {
    if (c.tcp && action === "ALLOW" && ruleUsesHttpOnly(rule)) {
        c.notes.add("ALLOW rules with HTTP-only fields are skipped on TCP ports");
        return false;
    }
    // On TCP, non-ALLOW policies drop HTTP-only conditions: a skipped condition is "true".
    const httpOnly = (check: () => boolean): boolean => (c.tcp ? true : check());

    const fromOk =
        !rule.from?.length ||
        rule.from.some(({ source: s }) =>
            field(s.principals, s.notPrincipals, (v) => principalMatch(v, c.principal)) &&
            field(s.namespaces, s.notNamespaces, (v) => namespaceMatch(v, c.principal)) &&
            field(s.serviceAccounts, s.notServiceAccounts, (v) => serviceAccountMatch(v, c.principal, c.policyNamespace)) &&
            field(s.trustDomains, s.notTrustDomains, (v) => trustDomainMatch(v, c.principal)) &&
            field(s.ipBlocks, s.notIpBlocks, (v) => ipMatch(v, c.req.source.ip)) &&
            field(s.remoteIpBlocks, s.notRemoteIpBlocks, (v) => ipMatch(v, c.req.source.remoteIp ?? c.req.source.ip)) &&
            httpOnly(() => field(s.requestPrincipals, s.notRequestPrincipals, (v) => requestPrincipalMatch(v, c.req.auth?.principal))),
        );
    if (!fromOk) return false;

    const toOk =
        !rule.to?.length ||
        rule.to.some(({ operation: o }) =>
            field(o.ports, o.notPorts, (v) => Number(v) === c.req.port) &&
            httpOnly(() => field(o.hosts, o.notHosts, (v) => headerMatch(v, c.req.host, true))) &&
            httpOnly(() => field(o.methods, o.notMethods, (v) => headerMatch(v, c.method))) &&
            httpOnly(() => field(o.paths, o.notPaths, (v) => pathMatch(v, c.path))),
        );
    if (!toOk) return false;

    return (rule.when ?? []).every((cond) =>
        HTTP_ONLY_WHEN(cond.key) && c.tcp ? true : whenMatches(cond.key, cond.values, cond.notValues, c),
    );
}

// ---------------------------------------------------------------- policy selection

export const policyRef = (p: AuthorizationPolicyObject): string => `${p.metadata.namespace ?? "default"}/${p.metadata.name}`;

function isDryRun(p: AuthorizationPolicyObject): boolean {
    // istiod parses the value with Go's strconv.ParseBool.
    return ["1", "t", "true"].includes((p.metadata.annotations?.[DRY_RUN_ANNOTATION] ?? "").toLowerCase());
}

function selectorMatches(matchLabels: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    return Object.entries(matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** Whether istiod attaches this policy to a sidecar/gateway with these labels (model.WorkloadPolicyMatcher). */
export function policyAppliesTo(
    policy: AuthorizationPolicyObject,
    workload: { namespace: string; labels: Record<string, string> },
    rootNamespace: string = DEFAULT_ROOT_NAMESPACE,
): boolean {
    const ns = policy.metadata.namespace ?? "default";
    if (ns !== rootNamespace && ns !== workload.namespace) return false;
    const spec = policy.spec ?? {};
    const targetRefs = spec.targetRefs?.length ? spec.targetRefs : spec.targetRef ? [spec.targetRef] : [];
    const gatewayName = workload.labels[GATEWAY_NAME_LABEL];
    if (gatewayName === undefined) return targetRefs.length === 0 && selectorMatches(spec.selector?.matchLabels, workload.labels);
    if (targetRefs.length === 0) return selectorMatches(spec.selector?.matchLabels, workload.labels);
    return targetRefs.some(
        (ref) =>
            ns === workload.namespace &&
            (!ref.namespace || ref.namespace === workload.namespace) &&
            ref.kind === "Gateway" &&
            (ref.group ?? "gateway.networking.k8s.io") === "gateway.networking.k8s.io" &&
            ref.name === gatewayName,
    );
}

function checkRequest(req: AuthzRequest): void {
    if (!req || !req.source || !req.destination) throw new Error("request needs source and destination");
    if (!req.destination.namespace) throw new Error("request.destination.namespace must not be empty");
    if (!Number.isInteger(req.port) || req.port < 0 || req.port > 65535) throw new Error(`request.port must be an integer 0-65535 (got ${req.port})`);
    const p = req.source.principal;
    if (p !== undefined) {
        if (!/^[^/]+\/ns\/[^/]+\/sa\/[^/]+$/.test(p)) {
            throw new Error(`request.source.principal must look like "<trust-domain>/ns/<namespace>/sa/<service-account>" (got "${p}")`);
        }
        const derived = p.split("/")[2];
        if (req.source.namespace !== undefined && req.source.namespace !== derived) {
            throw new Error(`request.source.namespace "${req.source.namespace}" disagrees with principal "${p}"`);
        }
    }
}

/** Evaluate the policies for one request as the destination workload's proxy would. */
export function evaluateRequest(
    policies: AuthorizationPolicyObject[],
    request: AuthzRequest,
    options: EvaluateOptions = {},
): AuthzDecision {
    checkRequest(request);
    if (options.pathNormalization !== undefined && !PATH_NORMALIZATIONS.includes(options.pathNormalization)) {
        throw new Error(`pathNormalization must be one of ${PATH_NORMALIZATIONS.join(", ")} (got "${options.pathNormalization}")`);
    }
    const rootNamespace = options.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
    for (const p of policies) {
        const problems = validateAuthorizationPolicySpec(p.spec ?? {});
        if (problems.length > 0) throw new Error(`AuthorizationPolicy ${policyRef(p)} is invalid: ${problems.join("; ")}`);
    }
    const tcp = (request.protocol ?? (request.method || request.path || request.host || request.headers ? "HTTP" : "TCP")) === "TCP";
    const notes = new Set<string>();
    const normalizedPath = tcp ? undefined : normalizePath(request.path ?? "/", options.pathNormalization ?? "BASE");
    const rejected =
        normalizedPath === undefined
            ? undefined
            : edgeRejectionOf(options.edgeRejections ?? [], { principal: request.source.principal, destination: request.destination, host: request.host, path: normalizedPath });
    if (rejected) {
        return {
            decision: "DENY",
            policy: null,
            rejectedBy: rejected.route,
            reason: `the caller's own proxy answers ${rejected.status} (route ${rejected.route} matches the path ${normalizedPath}), so the request never reaches the workload`,
        };
    }
    if (request.source.principal === undefined && request.source.namespace !== undefined) {
        notes.add("source.namespace is ignored without a principal: Istio derives it from the peer certificate");
    }
    const applicable = policies
        .filter((p) => policyAppliesTo(p, request.destination, rootNamespace))
        .filter((p) => {
            if (!isDryRun(p)) return true;
            notes.add(`dry-run policy ${policyRef(p)} ignored`);
            return false;
        })
        .sort((a, b) => policyRef(a).localeCompare(policyRef(b)));
    const byAction = (a: AuthorizationAction): AuthorizationPolicyObject[] => applicable.filter((p) => (p.spec?.action ?? "ALLOW") === a);

    const matching = (p: AuthorizationPolicyObject, action: AuthorizationAction): number => {
        const c: Ctx = {
            req: request,
            tcp,
            principal: request.source.principal,
            method: tcp ? undefined : (request.method ?? "GET"),
            path: normalizedPath,
            policyNamespace: p.metadata.namespace ?? "default",
            notes,
        };
        return (p.spec?.rules ?? []).findIndex((rule) => rule !== null && ruleMatches(rule, action, c));
    };
    const withNotes = (reason: string): string => (notes.size > 0 ? `${reason} (${[...notes].join("; ")})` : reason);

    for (const p of byAction("CUSTOM")) {
        const i = matching(p, "CUSTOM");
        if (i >= 0) {
            return {
                decision: "DENY",
                policy: policyRef(p),
                reason: withNotes(`rules[${i}] of CUSTOM policy ${policyRef(p)} matched: delegated to provider "${p.spec.provider?.name}", which is not evaluated offline; reported as DENY`),
            };
        }
    }
    for (const p of byAction("DENY")) {
        const i = matching(p, "DENY");
        if (i >= 0) return { decision: "DENY", policy: policyRef(p), reason: withNotes(`rules[${i}] of DENY policy ${policyRef(p)} matched`) };
    }
    const allow = byAction("ALLOW");
    if (allow.length === 0) {
        return { decision: "ALLOW", policy: null, reason: withNotes("no ALLOW policy applies to the workload, so requests are allowed by default") };
    }
    for (const p of allow) {
        const i = matching(p, "ALLOW");
        if (i >= 0) return { decision: "ALLOW", policy: policyRef(p), reason: withNotes(`rules[${i}] of ALLOW policy ${policyRef(p)} matched`) };
    }
    const names = allow.map((p) => (p.spec?.rules?.length ? policyRef(p) : `${policyRef(p)} (allow-nothing)`));
    return { decision: "DENY", policy: null, reason: withNotes(`no rule matched in the ALLOW policies that apply: ${names.join(", ")}`) };
}
