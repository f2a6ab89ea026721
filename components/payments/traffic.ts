// Pure builders for the payments traffic: the edge Gateway and its certificate, the edge and
// in-mesh VirtualServices with the canary split, the backend DestinationRule (subsets and
// circuit breaking) and the ingress gateway's local rate limit.
import { destinationRule, envoyFilter, gateway, virtualService, weightedRoutes } from "../istio/builders";
import { DestinationRuleObject, EnvoyFilterObject, GatewayObject, Headers, HttpMatchRequest, HttpRetry, HttpRoute, VirtualServiceObject } from "../istio/types";
import { KubeObject, standardLabels } from "../k8s";
import { INGRESS_GATEWAY_SELECTOR, INGRESS_NAMESPACE } from "../mesh/topology";
import { Environment } from "../settings";
import {
    API_PREFIX,
    BACKEND,
    CANARY_HEADER,
    CANARY_HEADER_VALUE,
    ENVIRONMENT_HEADER,
    FRONTEND,
    GATEWAY_NAME,
    PART_OF,
    PAYMENTS_NAMESPACE,
    serviceHost,
    TLS_SECRET_NAME,
} from "./names";
import { CircuitBreakerConfig, RateLimitConfig } from "./settings";

/** `<namespace>/<name>` of the edge Gateway, as VirtualServices bind to it. */
export const GATEWAY_REF = `${INGRESS_NAMESPACE}/${GATEWAY_NAME}`;

/** One year, sub-domains included; no `preload` (a commitment the domain owner makes on purpose). */
export const HSTS_VALUE = "max-age=31536000; includeSubDomains";

/**
 * Timeouts and retries. Reads (GET) are idempotent: a retry on 5xx or a reset is safe. Writes
 * (a payment POST) may be retried only when the request provably never reached the backend:
 * connect failure, refused stream, reset before the request was sent. Setting `retries`
 * explicitly also replaces Istio's default policy, which retries 503 for every method.
 */
export const ROUTE_POLICY = {
    read: { timeout: "10s", retries: { attempts: 2, perTryTimeout: "4s", retryOn: "5xx,reset,connect-failure,refused-stream" } },
    // The try timeout equals the route timeout: a slow payment is never cut short and re-sent.
    write: { timeout: "30s", retries: { attempts: 2, perTryTimeout: "30s", retryOn: "connect-failure,refused-stream,reset-before-request" } },
    frontendRead: { timeout: "15s", retries: { attempts: 2, perTryTimeout: "5s", retryOn: "5xx,reset,connect-failure,refused-stream" } },
    // Any other method to the frontend (a form POST): only retried when it never left the gateway.
    frontendWrite: { timeout: "15s", retries: { attempts: 2, perTryTimeout: "15s", retryOn: "connect-failure,refused-stream,reset-before-request" } },
} as const satisfies Record<string, { timeout: string; retries: HttpRetry }>;

/** Methods routed with the read policy (the rest of the API gets the write policy). */
export const IDEMPOTENT_METHODS = ["GET", "HEAD"] as const;

const istioLabels = (name: string) => standardLabels(name);

export interface EdgeInput {
    /** The environment's public host. */
    host: string;
}

/** The edge: HTTPS only for the environment's host, HTTP redirects to HTTPS. */
export function edgeGateway(input: EdgeInput): GatewayObject {
    // "<namespace>/<host>": only VirtualServices in the payments namespace may bind this host.
    const hosts = [`${PAYMENTS_NAMESPACE}/${input.host}`];
    return gateway({
        name: GATEWAY_NAME,
        namespace: INGRESS_NAMESPACE,
        labels: istioLabels(GATEWAY_NAME),
        spec: {
            selector: { ...INGRESS_GATEWAY_SELECTOR },
            servers: [
                {
                    port: { number: 443, name: "https", protocol: "HTTPS" },
                    hosts,
                    // credentialName is read from the gateway pods' namespace: the Certificate writes it there.
                    tls: { mode: "SIMPLE", credentialName: TLS_SECRET_NAME, minProtocolVersion: "TLSV1_2" },
                },
                { port: { number: 80, name: "http", protocol: "HTTP" }, hosts, tls: { httpsRedirect: true } },
            ],
        },
    });
}

/**
 * Pulumi waits for a Certificate to be issued (Ready) before anything that depends on it: a failed
 * DNS-01 challenge fails `pulumi up` instead of leaving port 443 silently without a secret.
 */
export const CERTIFICATE_READY_ANNOTATIONS: Readonly<Record<string, string>> = {
    "pulumi.com/waitFor": "condition=Ready",
    // ACME DNS-01 waits for Route 53 propagation; a few minutes is normal.
    "pulumi.com/timeoutSeconds": "900",
};

/** cert-manager Certificate for the host; the TLS Secret lands next to the gateway pods. */
export function hostCertificate(input: EdgeInput & { issuerName: string }): KubeObject {
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: TLS_SECRET_NAME, namespace: INGRESS_NAMESPACE, labels: standardLabels(TLS_SECRET_NAME), annotations: { ...CERTIFICATE_READY_ANNOTATIONS } },
        spec: {
            secretName: TLS_SECRET_NAME,
            secretTemplate: { labels: { "app.kubernetes.io/part-of": PART_OF } },
            commonName: input.host,
            dnsNames: [input.host],
            issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: input.issuerName },
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        },
    };
}

export interface BackendRoutesInput {
    /** v2's share, 0-100. */
    canaryWeight: number;
    /**
     * Route `x-canary: always` to v2 (default true). When false there are no pinned routes and
     * the header is removed from requests, so nothing behind these routes can act on it.
     */
    canaryHeader?: boolean;
    /** Extra headers on requests to the backend (the edge sets the environment). */
    requestHeaders?: Record<string, string>;
    /** Response headers on every route (the edge sets HSTS). */
    responseHeaders?: Record<string, string>;
}

function headerOps(input: { request?: Record<string, string>; removeRequest?: string[]; response?: Record<string, string> }): Headers | undefined {
    const h: Headers = {};
    const set = input.request && Object.keys(input.request).length > 0 ? { set: { ...input.request } } : {};
    const remove = input.removeRequest && input.removeRequest.length > 0 ? { remove: [...input.removeRequest] } : {};
    if (Object.keys(set).length + Object.keys(remove).length > 0) h.request = { ...set, ...remove };
    if (input.response && Object.keys(input.response).length > 0) h.response = { set: { ...input.response } };
    return Object.keys(h).length > 0 ? h : undefined;
}

/** The API's paths: `/api` itself and everything under `/api/` (not `/apis`). */
export const API_MATCHES: readonly HttpMatchRequest[] = [{ uri: { exact: API_PREFIX } }, { uri: { prefix: `${API_PREFIX}/` } }];

/** Each match once per idempotent method. */
const reads = (matches: readonly HttpMatchRequest[]): HttpMatchRequest[] =>
    matches.flatMap((m) => IDEMPOTENT_METHODS.map((method) => ({ ...m, method: { exact: method } })));

/**
 * The backend's routes, in evaluation order (first match wins): requests pinned to the canary
 * with `x-canary: always` first (unless canaryHeader is false), then the weighted split; reads
 * before writes so each gets its retry policy. Paths outside /api match nothing here.
 */
export function backendRoutes(input: BackendRoutesInput): HttpRoute[] {
    const host = serviceHost(BACKEND.service);
    const honourHeader = input.canaryHeader ?? true;
    const pinned = API_MATCHES.map((m) => ({ ...m, headers: { [CANARY_HEADER]: { exact: CANARY_HEADER_VALUE } } }));
    const canaryOnly = weightedRoutes(host, BACKEND.port, 100);
    const split = weightedRoutes(host, BACKEND.port, input.canaryWeight);
    const headers = headerOps({ request: input.requestHeaders, removeRequest: honourHeader ? [] : [CANARY_HEADER], response: input.responseHeaders });
    const route = (name: string, match: HttpMatchRequest[], destinations: typeof split, policy: (typeof ROUTE_POLICY)["read" | "write"]): HttpRoute => ({
        name,
        match,
        route: destinations,
        timeout: policy.timeout,
        retries: { ...policy.retries },
        ...(headers ? { headers } : {}),
    });
    return [
        ...(honourHeader
            ? [route("api-canary-read", reads(pinned), canaryOnly, ROUTE_POLICY.read), route("api-canary-write", pinned, canaryOnly, ROUTE_POLICY.write)]
            : []),
        route("api-read", reads(API_MATCHES), split, ROUTE_POLICY.read),
        route("api-write", [...API_MATCHES], split, ROUTE_POLICY.write),
    ];
}

/**
 * Escaped slashes never reach the backend: the first route of payments-edge (the gateway) and of
 * backend-canary (every sidecar calling the backend). Under the mesh's MERGE_SLASHES istiod leaves
 * Envoy's path_with_escaped_slashes_action at KEEP_UNCHANGED (only DECODE_AND_MERGE_SLASHES sets
 * it, to UNESCAPE_AND_FORWARD: pilot/pkg/networking/core/listener_builder.go), so
 * `/api/payments/x%2F..%2Fadmin` is one `{*}` segment to the policies while a backend that decodes
 * %2F sees /api/admin. The mesh-wide REJECT_REQUEST is ProxyConfig.connectionSettings
 * .httpPathWithEscapedSlashesAction, new in Istio 1.31 (istio/api mesh/v1alpha1/proxy.proto,
 * istio/istio#60576); the 1.30.4 istiod that revision `default` runs (and the pinned istiod 1.30.4
 * chart) has no such field, so these routes do it on every revision. The route answers 400 to a
 * path holding %2F or %5C in any case: Envoy matches a route regex against the whole path without
 * the query (RouteMatch.safe_regex, RE2), so query strings keep theirs.
 */
export const ESCAPED_SLASH_PATH_REGEX = ".*%(2[fF]|5[cC]).*";
export const REJECT_ESCAPED_SLASHES_ROUTE = "reject-escaped-slashes";

function rejectEscapedSlashes(responseHeaders?: Headers): HttpRoute {
    return {
        name: REJECT_ESCAPED_SLASHES_ROUTE,
        match: [{ uri: { regex: ESCAPED_SLASH_PATH_REGEX } }],
        directResponse: { status: 400, body: { string: "escaped / or \\ in the path\n" } },
        ...(responseHeaders ? { headers: responseHeaders } : {}),
    };
}

export interface EdgeRoutesInput extends EdgeInput {
    environment: Environment;
    canaryWeight: number;
    /** Whether `x-canary: always` from the internet pins a request to v2; false strips the header. */
    canaryHeader: boolean;
}

/**
 * Edge routes for the host: escaped slashes refused first (400), then /api to the backend (canary
 * split), everything else to the frontend, reads (retried on 5xx) apart from other methods
 * (retried only when never sent).
 */
export function edgeVirtualService(input: EdgeRoutesInput): VirtualServiceObject {
    const hsts = { "strict-transport-security": HSTS_VALUE };
    const frontendHeaders = headerOps({ removeRequest: input.canaryHeader ? [] : [CANARY_HEADER], response: hsts })!;
    const frontend = (name: string, policy: (typeof ROUTE_POLICY)["frontendRead" | "frontendWrite"], match?: HttpMatchRequest[]): HttpRoute => ({
        name,
        ...(match ? { match } : {}),
        route: [{ destination: { host: serviceHost(FRONTEND.service), port: { number: FRONTEND.port } } }],
        timeout: policy.timeout,
        retries: { ...policy.retries },
        headers: frontendHeaders,
    });
    return virtualService({
        name: "payments-edge",
        namespace: PAYMENTS_NAMESPACE,
        labels: istioLabels("payments-edge"),
        spec: {
            hosts: [input.host],
            gateways: [GATEWAY_REF],
            http: [
                rejectEscapedSlashes({ response: { set: { ...hsts } } }),
                ...backendRoutes({
                    canaryWeight: input.canaryWeight,
                    canaryHeader: input.canaryHeader,
                    requestHeaders: { [ENVIRONMENT_HEADER]: input.environment },
                    responseHeaders: hsts,
                }),
                frontend("frontend-read", ROUTE_POLICY.frontendRead, reads([{ uri: { prefix: "/" } }])),
                frontend("frontend", ROUTE_POLICY.frontendWrite),
            ],
        },
    });
}

/** In-mesh routes to the backend (frontend -> backend): the same split as the edge. */
export function backendMeshVirtualService(canaryWeight: number): VirtualServiceObject {
    return virtualService({
        name: "backend-canary",
        namespace: PAYMENTS_NAMESPACE,
        labels: istioLabels("backend-canary"),
        spec: {
            hosts: [serviceHost(BACKEND.service)],
            gateways: ["mesh"],
            // The callers' sidecars refuse escaped slashes too: a frontend that decoded a %252F
            // from a visitor cannot forward it (the edge refuses it only at its own hop).
            http: [rejectEscapedSlashes(), ...backendRoutes({ canaryWeight })],
        },
    });
}

/** Subsets by `version` and the backend's circuit breaker, shared by both versions. */
export function backendDestinationRule(cb: CircuitBreakerConfig): DestinationRuleObject {
    return destinationRule({
        name: "backend",
        namespace: PAYMENTS_NAMESPACE,
        labels: istioLabels("backend"),
        spec: {
            host: serviceHost(BACKEND.service),
            trafficPolicy: {
                connectionPool: {
                    tcp: { maxConnections: cb.maxConnections, connectTimeout: "2s" },
                    http: { http1MaxPendingRequests: cb.maxPendingRequests, http2MaxRequests: cb.maxConnections },
                },
                outlierDetection: {
                    consecutive5xxErrors: cb.consecutive5xxErrors,
                    interval: "10s",
                    baseEjectionTime: `${cb.baseEjectionSeconds}s`,
                    maxEjectionPercent: cb.maxEjectionPercent,
                },
            },
            subsets: [
                { name: "v1", labels: { version: "v1" } },
                { name: "v2", labels: { version: "v2" } },
            ],
        },
    });
}

export const RATE_LIMIT_HEADER = "x-local-rate-limit";

/**
 * Envoy local rate limit on the ingress gateway pods (no Istio v1 API expresses it, hence the
 * v1alpha3 EnvoyFilter). One token bucket per gateway pod, shared by every connection that pod
 * serves: the cluster-wide limit is the configured rate times the gateway replicas. Requests over
 * the limit get 429 with `x-local-rate-limit: true`.
 */
export function ingressRateLimit(limit: RateLimitConfig): EnvoyFilterObject {
    const enabled = (key: string) => ({ runtime_key: key, default_value: { numerator: 100, denominator: "HUNDRED" } });
    return envoyFilter({
        name: "ingress-local-rate-limit",
        namespace: INGRESS_NAMESPACE,
        labels: istioLabels("ingress-local-rate-limit"),
        spec: {
            workloadSelector: { labels: { ...INGRESS_GATEWAY_SELECTOR } },
            // A relative insert needs an explicit priority to be applied in a stable order
            // (istioctl IST0151); positive runs after any filter left at the default 0.
            priority: 10,
            configPatches: [
                {
                    applyTo: "HTTP_FILTER",
                    match: { context: "GATEWAY", listener: { filterChain: { filter: { name: "envoy.filters.network.http_connection_manager" } } } },
                    patch: {
                        operation: "INSERT_BEFORE",
                        value: {
                            name: "envoy.filters.http.local_ratelimit",
                            typed_config: {
                                "@type": "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
                                stat_prefix: "http_local_rate_limiter",
                                token_bucket: {
                                    max_tokens: limit.maxTokens,
                                    tokens_per_fill: limit.tokensPerFill,
                                    fill_interval: `${limit.fillIntervalSeconds}s`,
                                },
                                filter_enabled: enabled("local_rate_limit_enabled"),
                                filter_enforced: enabled("local_rate_limit_enforced"),
                                status: { code: "TooManyRequests" },
                                response_headers_to_add: [{ append_action: "OVERWRITE_IF_EXISTS_OR_ADD", header: { key: RATE_LIMIT_HEADER, value: "true" } }],
                            },
                        },
                    },
                },
            ],
        },
    });
}
