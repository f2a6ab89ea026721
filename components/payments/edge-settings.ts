// What the internet may call through the edge: the public API as an allow-list of methods and
// paths (payments.edge.publicApi), and JWT validation at the gateway (payments.edge.jwt.*).
import { z } from "zod";
import { evaluateRequest, pathTemplateProblem } from "../istio/authz";
import { ConfigReader, defineKey, setCommand } from "../settings";
import { ADMIN_PREFIX, API_PREFIX } from "./names";

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One allowed call: a method on an Istio path pattern (exact, `prefix/*`, or `{*}`/`{**}` segments). */
export interface PublicApiRoute {
    method: HttpMethod;
    path: string;
}

export interface JwtConfig {
    /** The `iss` of the tokens clients send. */
    issuer: string;
    /** Unset: istiod finds the key set by OpenID discovery at the issuer. */
    jwksUri?: string;
    /** Accepted `aud` values; empty accepts any audience the issuer signs. */
    audiences: string[];
    /** `<iss>/<sub>` patterns the backend admits from the gateway; default `<issuer>/*`. */
    requestPrincipals: string[];
}

export interface EdgeConfig {
    publicApi: PublicApiRoute[];
    /** Undefined: the gateway validates no JWT. */
    jwt?: JwtConfig;
}

/**
 * What the frontend and API clients call: create a payment, read one, list them. Everything
 * else under /api (refunds, /api/admin/...) is for in-mesh callers only.
 */
export const DEFAULT_PUBLIC_API: readonly string[] = ["GET /api/payments", "POST /api/payments", "GET /api/payments/{*}"];

// A literal segment of the path: RFC 3986 unreserved characters, so normalization leaves it as is.
const SEGMENT = "[A-Za-z0-9._~-]+";
const ROUTE = new RegExp(`^(${HTTP_METHODS.join("|")}) (/api(?:/(?:${SEGMENT}|\\{\\*\\}|\\{\\*\\*\\}))*(?:/\\*)?)$`);
/** A wildcard for the first segment (`/*`, `/{*}`, `/{**}`): every path, the operators' API among them. */
const ROOT_WILDCARD = new RegExp(`^(?:${HTTP_METHODS.join("|")}) /(?:\\*|\\{\\*\\*?\\})(?:/|$)`);

/**
 * Operator paths no entry may admit, checked with the evaluator (one deep enough for {**}): a
 * second net under the literal-first-segment rule, in case that rule is ever loosened.
 */
const ADMIN_PROBES: readonly string[] = [ADMIN_PREFIX, `${ADMIN_PREFIX}/refunds`, `${ADMIN_PREFIX}/refunds/rf_1`, `${ADMIN_PREFIX}/users/u_1/roles/r_1`];

/** The admin probe a single `METHOD path` entry admits, as the backend's sidecar would decide. */
function admittedAdminProbe(method: string, path: string): string | undefined {
    const policy = {
        apiVersion: "security.istio.io/v1",
        kind: "AuthorizationPolicy",
        metadata: { name: "entry", namespace: "probe" },
        spec: { action: "ALLOW" as const, rules: [{ to: [{ operation: { methods: [method], paths: [path] } }] }] },
    };
    return ADMIN_PROBES.find(
        (probe) => evaluateRequest([policy], { source: {}, destination: { namespace: "probe", labels: {} }, port: 1, protocol: "HTTP", method, path: probe }).decision === "ALLOW",
    );
}

/** Why a `METHOD /path` entry cannot be an allow-list entry, or undefined. */
export function publicApiRouteProblem(entry: string): string | undefined {
    if (ROOT_WILDCARD.test(entry)) return `"${entry}" starts with a wildcard, which admits every path (${ADMIN_PREFIX} among them): each entry starts ${API_PREFIX}/<literal name>, e.g. ${API_PREFIX}/payments/{*}`;
    const m = ROUTE.exec(entry);
    if (!m) {
        return `"${entry}" is not "<METHOD> <path>": a method of ${HTTP_METHODS.join(", ")}, one space, and a path under ${API_PREFIX}/ made of letters, digits, - . _ ~, whole {*} or {**} segments, or a final /* (the edge routes only ${API_PREFIX} to the backend)`;
    }
    const [method, path] = [m[1], m[2]];
    const segments = path.split("/").slice(2);
    // Dot segments are resolved before matching, so a rule on one never matches (and reads wrong).
    if (segments.some((seg) => seg === "." || seg === "..")) return `"${entry}" has a . or .. segment, which the proxy resolves before matching`;
    // As istio-authz-safe-patterns reads Istio's API: {**} only as the last segment.
    if (segments.slice(0, -1).includes("{**}")) return `"${entry}" uses {**} before the last segment; Istio allows it only last`;
    if (path.endsWith("/*") && /\{\*\*?\}/.test(path)) return `"${entry}" mixes a template with a /* prefix match, which Istio does not evaluate as one pattern`;
    const template = pathTemplateProblem(path);
    if (template) return `"${entry}": ${template}`;
    const literalFirst = `the first segment after ${API_PREFIX} must be a literal name, e.g. ${API_PREFIX}/payments/{*}`;
    const admin = admittedAdminProbe(method, path);
    if (admin) return `"${entry}" admits ${method} ${admin}: the operators' API (${ADMIN_PREFIX}) is for in-mesh callers only; list the public paths, each under a literal first segment such as ${API_PREFIX}/payments`;
    if (segments.length === 0) return `"${entry}" names ${API_PREFIX} itself; list paths under it: ${literalFirst}`;
    // A template right after /api admits any first segment, operators' paths the probes do not list too.
    if (["{*}", "{**}", "*"].includes(segments[0])) return `"${entry}" matches any first segment after ${API_PREFIX} (${ADMIN_PREFIX.slice(API_PREFIX.length + 1)} among them): ${literalFirst}`;
    // The backend may route case-insensitively (Express does by default): /api/Admin is refused too.
    if (`${API_PREFIX}/${segments[0]}`.toLowerCase() === ADMIN_PREFIX) return `"${entry}" opens ${ADMIN_PREFIX}, the operators' API, to the internet`;
    return undefined;
}

export function parsePublicApiRoute(entry: string): PublicApiRoute {
    const problem = publicApiRouteProblem(entry);
    if (problem) throw new Error(problem);
    const [method, path] = entry.split(" ");
    return { method: method as HttpMethod, path };
}

/** The default allow-list, no JWT: what a stack gets without payments.edge.* (dev, staging). */
export function defaultEdge(): EdgeConfig {
    return { publicApi: DEFAULT_PUBLIC_API.map(parsePublicApiRoute) };
}

const publicApiList = z.array(z.string()).superRefine((entries, ctx) => {
    if (entries.length === 0) ctx.addIssue({ code: "custom", message: `must list at least one "<METHOD> <path>" route, e.g. "GET ${API_PREFIX}/payments"` });
    const seen = new Set<string>();
    entries.forEach((entry, i) => {
        const problem = publicApiRouteProblem(entry);
        if (problem) ctx.addIssue({ code: "custom", path: [i], message: problem });
        if (seen.has(entry)) ctx.addIssue({ code: "custom", path: [i], message: `"${entry}" is listed twice` });
        seen.add(entry);
    });
});

const httpsUrl = z.string().regex(/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: "expected an https URL such as https://auth.dodopayments.com/.well-known/jwks.json" });

export const edgeKeys = {
    publicApi: defineKey<string[]>({
        key: "payments.edge.publicApi",
        type: "array",
        description: `The public API: the only methods and paths the ingress gateway's identity, and the frontend (which calls for the same internet users), may call on the backend, each "<METHOD> <path>" with an Istio path pattern (exact, {*} for one segment, {**} for the rest, or a final /*) under a literal first segment after /api, e.g. "GET /api/payments/{*}"; an entry that admits ${ADMIN_PREFIX} (the operators' API) is refused. Everything else from them is denied (403); other in-mesh callers keep their own policies. Default: ${DEFAULT_PUBLIC_API.join(", ")}.`,
        schema: publicApiList,
        default: [...DEFAULT_PUBLIC_API],
    }),
    jwtEnabled: defineKey({
        key: "payments.edge.jwt.enabled",
        type: "boolean",
        description: "Validate a JWT at the ingress gateway (RequestAuthentication) and admit only requests carrying a valid one from payments.edge.jwt.issuer to the public API (requestPrincipals). Needs payments.edge.jwt.issuer. Default: dev false, staging false, prod true.",
        schema: z.boolean(),
        default: { dev: false, staging: false, prod: true },
    }),
    jwtIssuer: defineKey({
        key: "payments.edge.jwt.issuer",
        type: "string",
        description: "The `iss` claim of the tokens clients send, e.g. https://auth.dodopayments.com; required while payments.edge.jwt.enabled is true. Without payments.edge.jwt.jwksUri it must be an https URL serving OpenID discovery.",
        schema: z.string().regex(/^\S{1,512}$/, { message: "expected the issuer without spaces, e.g. https://auth.dodopayments.com" }),
        optional: true,
    }),
    jwksUri: defineKey({
        key: "payments.edge.jwt.jwksUri",
        type: "string",
        description: "URL of the issuer's JSON Web Key Set (istiod fetches it and pushes the keys to the proxies). Unset: found by OpenID discovery at the issuer.",
        schema: httpsUrl,
        optional: true,
    }),
    jwtAudiences: defineKey({
        key: "payments.edge.jwt.audiences",
        type: "array",
        description: "Accepted `aud` values. Set it: otherwise any token the issuer signs for another application is accepted too. Default: none (any audience).",
        schema: z.array(z.string().min(1, { message: "must not be empty" })),
        default: [],
    }),
    jwtRequestPrincipals: defineKey({
        key: "payments.edge.jwt.requestPrincipals",
        type: "array",
        description: "Which token subjects the backend admits from the gateway, as `<issuer>/<sub>` patterns (Istio requestPrincipals: exact, prefix* or *suffix). Default: `<issuer>/*`, any subject of the issuer.",
        schema: z.array(z.string().min(1, { message: "must not be empty" })),
        optional: true,
    }),
} as const;

/** payments.edge.*: the allow-list, and the JWT settings when validation is on. */
export function readEdge(reader: ConfigReader): EdgeConfig {
    const k = edgeKeys;
    const routes = reader.get(k.publicApi).filter((e) => publicApiRouteProblem(e) === undefined).map(parsePublicApiRoute);
    const enabled = reader.get(k.jwtEnabled);
    const issuer = reader.get(k.jwtIssuer, "optional");
    const jwksUri = reader.get(k.jwksUri, "optional");
    const audiences = reader.get(k.jwtAudiences);
    const principals = reader.get(k.jwtRequestPrincipals, "optional");
    if (!enabled) return { publicApi: routes };
    if (issuer === undefined) {
        const why = reader.environment === "prod" ? " (prod's default)" : "";
        reader.fail(k.jwtIssuer.key, `required while payments.edge.jwt.enabled is true${why}: the "iss" of the tokens API clients send; set it with \`${setCommand(k.jwtIssuer, "https://auth.dodopayments.com")}\`, or turn validation off with payments.edge.jwt.enabled false`);
        return { publicApi: routes };
    }
    if (jwksUri === undefined && !httpsUrl.safeParse(issuer).success) {
        reader.fail(k.jwksUri.key, `required when payments.edge.jwt.issuer (${issuer}) is not an https URL istiod can run OpenID discovery on`);
    }
    const requestPrincipals = principals ?? [`${issuer}/*`];
    for (const p of requestPrincipals) {
        if (!p.startsWith(`${issuer}/`)) reader.fail(k.jwtRequestPrincipals.key, `"${p}" must start with the issuer and a slash ("${issuer}/"): the request principal is <iss>/<sub>, and other issuers' tokens are rejected at the gateway`);
    }
    return { publicApi: routes, jwt: { issuer, ...(jwksUri ? { jwksUri } : {}), audiences, requestPrincipals } };
}
