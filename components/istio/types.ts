// Spec types for the Istio v1 APIs this platform uses.
// Field names follow istio/api (proto field names in lowerCamelCase, as the CRDs accept them).
// Only fields we may set are modelled; every field is optional unless the CRD requires it.
// Durations are protobuf Duration strings ("5s", "250ms").

import type { KubeObject, ObjectMeta } from "../k8s";

export type { KubeObject, ObjectMeta };

/** A KubeObject whose spec is typed: what every builder here returns. */
export type IstioObject<S> = KubeObject & { spec: S };

/** Input of every builder: plain metadata plus the spec. */
export interface IstioObjectArgs<S> {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    spec: S;
}

// ---------------------------------------------------------------- shared

/** istio.type.v1beta1.WorkloadSelector */
export interface WorkloadSelector {
    matchLabels?: Record<string, string>;
}

/** istio.type.v1beta1.PolicyTargetReference (Gateway API style attachment). */
export interface PolicyTargetReference {
    group?: string;
    kind: string;
    name: string;
    namespace?: string;
}

/** networking PortSelector. */
export interface PortSelector {
    number: number;
}

/** networking Percent (0-100, fractional allowed). */
export interface Percent {
    value: number;
}

// ---------------------------------------------------------------- security.istio.io

export type MtlsMode = "UNSET" | "DISABLE" | "PERMISSIVE" | "STRICT";

export interface PeerAuthenticationSpec {
    selector?: WorkloadSelector;
    mtls?: { mode?: MtlsMode };
    /** Keys are container port numbers as strings; only honoured together with a selector. */
    portLevelMtls?: Record<string, { mode?: MtlsMode }>;
}

export type AuthorizationAction = "ALLOW" | "DENY" | "AUDIT" | "CUSTOM";

/** Peer/request identity conditions. Values support exact, "prefix*", "*suffix" and "*". */
export interface AuthorizationSource {
    principals?: string[];
    notPrincipals?: string[];
    requestPrincipals?: string[];
    notRequestPrincipals?: string[];
    namespaces?: string[];
    notNamespaces?: string[];
    /** "<namespace>/<sa>" or "<sa>" (policy namespace); no wildcards. */
    serviceAccounts?: string[];
    notServiceAccounts?: string[];
    ipBlocks?: string[];
    notIpBlocks?: string[];
    remoteIpBlocks?: string[];
    notRemoteIpBlocks?: string[];
    trustDomains?: string[];
    notTrustDomains?: string[];
}

/** Request conditions. Ports are strings ("8080"), as in the proto. */
export interface AuthorizationOperation {
    hosts?: string[];
    notHosts?: string[];
    ports?: string[];
    notPorts?: string[];
    methods?: string[];
    notMethods?: string[];
    paths?: string[];
    notPaths?: string[];
}

export interface AuthorizationCondition {
    key: string;
    values?: string[];
    notValues?: string[];
}

export interface AuthorizationRule {
    from?: Array<{ source: AuthorizationSource }>;
    to?: Array<{ operation: AuthorizationOperation }>;
    when?: AuthorizationCondition[];
}

export interface AuthorizationPolicySpec {
    selector?: WorkloadSelector;
    targetRefs?: PolicyTargetReference[];
    /** Deprecated single form of targetRefs; still honoured by istiod. */
    targetRef?: PolicyTargetReference;
    /** Default ALLOW. */
    action?: AuthorizationAction;
    /** Required when action is CUSTOM: an extensionProvider name from meshConfig. */
    provider?: { name: string };
    rules?: AuthorizationRule[];
}

export interface JwtRule {
    issuer?: string;
    audiences?: string[];
    jwksUri?: string;
    jwks?: string;
    fromHeaders?: Array<{ name: string; prefix?: string }>;
    fromParams?: string[];
    fromCookies?: string[];
    outputPayloadToHeader?: string;
    forwardOriginalToken?: boolean;
    outputClaimToHeaders?: Array<{ header: string; claim: string }>;
    timeout?: string;
}

export interface RequestAuthenticationSpec {
    selector?: WorkloadSelector;
    targetRefs?: PolicyTargetReference[];
    jwtRules?: JwtRule[];
}

// ---------------------------------------------------------------- networking.istio.io

/** Exactly one of exact, prefix, regex (RE2). */
export type StringMatch = { exact: string } | { prefix: string } | { regex: string };

export type ServerTlsMode =
    | "PASSTHROUGH"
    | "SIMPLE"
    | "MUTUAL"
    | "AUTO_PASSTHROUGH"
    | "ISTIO_MUTUAL"
    | "OPTIONAL_MUTUAL";

export type TlsProtocolVersion = "TLS_AUTO" | "TLSV1_0" | "TLSV1_1" | "TLSV1_2" | "TLSV1_3";

export interface ServerTlsSettings {
    httpsRedirect?: boolean;
    mode?: ServerTlsMode;
    /** Name of a kubernetes.io/tls Secret in the gateway's namespace. */
    credentialName?: string;
    credentialNames?: string[];
    serverCertificate?: string;
    privateKey?: string;
    caCertificates?: string;
    caCrl?: string;
    subjectAltNames?: string[];
    verifyCertificateSpki?: string[];
    verifyCertificateHash?: string[];
    minProtocolVersion?: TlsProtocolVersion;
    maxProtocolVersion?: TlsProtocolVersion;
    cipherSuites?: string[];
}

export type PortProtocol = "HTTP" | "HTTPS" | "GRPC" | "HTTP2" | "MONGO" | "TCP" | "TLS";

export interface GatewayPort {
    number: number;
    name: string;
    protocol: PortProtocol;
}

export interface GatewayServer {
    port: GatewayPort;
    hosts: string[];
    tls?: ServerTlsSettings;
    bind?: string;
    name?: string;
    defaultEndpoint?: string;
}

export interface GatewaySpec {
    /** Labels of the gateway pods, e.g. {istio: "ingressgateway"}. */
    selector: Record<string, string>;
    servers: GatewayServer[];
}

export interface Destination {
    host: string;
    subset?: string;
    port?: PortSelector;
}

export interface HeaderOperations {
    set?: Record<string, string>;
    add?: Record<string, string>;
    remove?: string[];
}

export interface Headers {
    request?: HeaderOperations;
    response?: HeaderOperations;
}

export interface HttpMatchRequest {
    name?: string;
    uri?: StringMatch;
    scheme?: StringMatch;
    method?: StringMatch;
    authority?: StringMatch;
    headers?: Record<string, StringMatch>;
    withoutHeaders?: Record<string, StringMatch>;
    queryParams?: Record<string, StringMatch>;
    port?: number;
    sourceLabels?: Record<string, string>;
    sourceNamespace?: string;
    gateways?: string[];
    ignoreUriCase?: boolean;
    statPrefix?: string;
}

export interface HttpRouteDestination {
    destination: Destination;
    /** Percentage 0-100; weights of one route must sum to 100. */
    weight?: number;
    headers?: Headers;
}

export interface HttpRedirect {
    uri?: string;
    authority?: string;
    port?: number;
    derivePort?: "FROM_PROTOCOL_DEFAULT" | "FROM_REQUEST_PORT";
    scheme?: string;
    redirectCode?: number;
}

export interface HttpRewrite {
    uri?: string;
    authority?: string;
    uriRegexRewrite?: { match: string; rewrite: string };
}

export interface HttpRetry {
    attempts: number;
    perTryTimeout?: string;
    /** Envoy retry conditions, e.g. "connect-failure,refused-stream,unavailable,503". */
    retryOn?: string;
    retryRemoteLocalities?: boolean;
    retryIgnorePreviousHosts?: boolean;
    backoff?: string;
}

export interface HttpFaultInjection {
    delay?: { fixedDelay: string; percentage?: Percent };
    abort?: { httpStatus?: number; grpcStatus?: string; percentage?: Percent };
}

export interface CorsPolicy {
    allowOrigins?: StringMatch[];
    allowMethods?: string[];
    allowHeaders?: string[];
    exposeHeaders?: string[];
    maxAge?: string;
    allowCredentials?: boolean;
    unmatchedPreflights?: "UNSPECIFIED" | "FORWARD" | "IGNORE";
}

export interface HttpRoute {
    name?: string;
    match?: HttpMatchRequest[];
    route?: HttpRouteDestination[];
    redirect?: HttpRedirect;
    directResponse?: { status: number; body?: { string?: string } };
    rewrite?: HttpRewrite;
    timeout?: string;
    retries?: HttpRetry;
    fault?: HttpFaultInjection;
    mirror?: Destination;
    mirrorPercentage?: Percent;
    corsPolicy?: CorsPolicy;
    headers?: Headers;
}

export interface RouteDestination {
    destination: Destination;
    weight?: number;
}

export interface L4MatchAttributes {
    destinationSubnets?: string[];
    port?: number;
    sourceLabels?: Record<string, string>;
    sourceNamespace?: string;
    gateways?: string[];
}

export interface TcpRoute {
    match?: L4MatchAttributes[];
    route?: RouteDestination[];
}

export interface TlsRoute {
    match: Array<L4MatchAttributes & { sniHosts: string[] }>;
    route?: RouteDestination[];
}

export interface VirtualServiceSpec {
    hosts: string[];
    /** "<namespace>/<gateway>" names, plus "mesh" for sidecars; default is "mesh" only. */
    gateways?: string[];
    http?: HttpRoute[];
    tcp?: TcpRoute[];
    tls?: TlsRoute[];
    exportTo?: string[];
}

export type SimpleLb = "UNSPECIFIED" | "RANDOM" | "PASSTHROUGH" | "ROUND_ROBIN" | "LEAST_REQUEST" | "LEAST_CONN";

export interface LoadBalancerSettings {
    simple?: SimpleLb;
    consistentHash?: {
        httpHeaderName?: string;
        httpCookie?: { name: string; path?: string; ttl?: string };
        useSourceIp?: boolean;
        httpQueryParameterName?: string;
        minimumRingSize?: number;
    };
    localityLbSetting?: {
        enabled?: boolean;
        distribute?: Array<{ from: string; to: Record<string, number> }>;
        failover?: Array<{ from: string; to: string }>;
        failoverPriority?: string[];
    };
    warmupDurationSecs?: string;
}

export interface ConnectionPoolSettings {
    tcp?: {
        maxConnections?: number;
        connectTimeout?: string;
        tcpKeepalive?: { probes?: number; time?: string; interval?: string };
        maxConnectionDuration?: string;
        idleTimeout?: string;
    };
    http?: {
        http1MaxPendingRequests?: number;
        http2MaxRequests?: number;
        maxRequestsPerConnection?: number;
        maxRetries?: number;
        idleTimeout?: string;
        h2UpgradePolicy?: "DEFAULT" | "DO_NOT_UPGRADE" | "UPGRADE";
        useClientProtocol?: boolean;
        maxConcurrentStreams?: number;
    };
}

export interface OutlierDetection {
    splitExternalLocalOriginErrors?: boolean;
    consecutiveLocalOriginFailures?: number;
    consecutiveGatewayErrors?: number;
    consecutive5xxErrors?: number;
    interval?: string;
    baseEjectionTime?: string;
    maxEjectionPercent?: number;
    minHealthPercent?: number;
}

export interface ClientTlsSettings {
    mode: "DISABLE" | "SIMPLE" | "MUTUAL" | "ISTIO_MUTUAL";
    clientCertificate?: string;
    privateKey?: string;
    caCertificates?: string;
    credentialName?: string;
    subjectAltNames?: string[];
    sni?: string;
    insecureSkipVerify?: boolean;
}

export interface PortTrafficPolicy {
    port: PortSelector;
    loadBalancer?: LoadBalancerSettings;
    connectionPool?: ConnectionPoolSettings;
    outlierDetection?: OutlierDetection;
    tls?: ClientTlsSettings;
}

export interface TrafficPolicy {
    loadBalancer?: LoadBalancerSettings;
    connectionPool?: ConnectionPoolSettings;
    outlierDetection?: OutlierDetection;
    tls?: ClientTlsSettings;
    portLevelSettings?: PortTrafficPolicy[];
}

export interface Subset {
    name: string;
    labels?: Record<string, string>;
    trafficPolicy?: TrafficPolicy;
}

export interface DestinationRuleSpec {
    host: string;
    trafficPolicy?: TrafficPolicy;
    subsets?: Subset[];
    exportTo?: string[];
    workloadSelector?: WorkloadSelector;
}

export interface SidecarPort {
    number: number;
    protocol?: PortProtocol;
    name?: string;
}

export interface SidecarSpec {
    workloadSelector?: { labels: Record<string, string> };
    egress?: Array<{ hosts: string[]; port?: SidecarPort; bind?: string; captureMode?: "DEFAULT" | "IPTABLES" | "NONE" }>;
    ingress?: Array<{ port: SidecarPort; defaultEndpoint?: string; bind?: string }>;
    outboundTrafficPolicy?: { mode: "REGISTRY_ONLY" | "ALLOW_ANY" };
}

export interface ServicePort {
    number: number;
    protocol?: PortProtocol;
    name: string;
    targetPort?: number;
}

export interface WorkloadEntrySpec {
    address?: string;
    ports?: Record<string, number>;
    labels?: Record<string, string>;
    network?: string;
    locality?: string;
    weight?: number;
    serviceAccount?: string;
}

export interface ServiceEntrySpec {
    hosts: string[];
    addresses?: string[];
    ports?: ServicePort[];
    location?: "MESH_EXTERNAL" | "MESH_INTERNAL";
    resolution?: "NONE" | "STATIC" | "DNS" | "DNS_ROUND_ROBIN" | "DYNAMIC_DNS";
    endpoints?: WorkloadEntrySpec[];
    workloadSelector?: { labels: Record<string, string> };
    exportTo?: string[];
    subjectAltNames?: string[];
}

/**
 * EnvoyFilter exists only as v1alpha3 and patches raw Envoy config, so the patch value is deliberately
 * loose (Envoy's own schema, not Istio's). Keep its use to things no v1 API can express (local rate limit).
 */
export interface EnvoyFilterSpec {
    workloadSelector?: { labels: Record<string, string> };
    targetRefs?: PolicyTargetReference[];
    priority?: number;
    configPatches: Array<{
        applyTo: string;
        match?: {
            context?: "ANY" | "SIDECAR_INBOUND" | "SIDECAR_OUTBOUND" | "GATEWAY";
            proxy?: { proxyVersion?: string; metadata?: Record<string, string> };
            listener?: Record<string, unknown>;
            routeConfiguration?: Record<string, unknown>;
            cluster?: Record<string, unknown>;
        };
        patch: {
            operation: string;
            value?: Record<string, unknown>;
            filterClass?: "UNSPECIFIED" | "AUTHN" | "AUTHZ" | "STATS";
        };
    }>;
}

// ---------------------------------------------------------------- telemetry.istio.io

export interface ProviderRef {
    name: string;
}

export type WorkloadMode = "CLIENT_AND_SERVER" | "CLIENT" | "SERVER";

export interface TracingCustomTag {
    literal?: { value: string };
    environment?: { name: string; defaultValue?: string };
    header?: { name: string; defaultValue?: string };
}

export interface Tracing {
    match?: { mode?: WorkloadMode };
    providers?: ProviderRef[];
    /** 0-100; percent of requests sampled. */
    randomSamplingPercentage?: number;
    disableSpanReporting?: boolean;
    customTags?: Record<string, TracingCustomTag>;
    useRequestIdForTraceSampling?: boolean;
}

export interface MetricsOverride {
    match?: { metric?: string; customMetric?: string; mode?: WorkloadMode };
    disabled?: boolean;
    tagOverrides?: Record<string, { operation?: "UPSERT" | "REMOVE"; value?: string }>;
}

export interface Metrics {
    providers?: ProviderRef[];
    overrides?: MetricsOverride[];
    reportingInterval?: string;
}

export interface AccessLogging {
    match?: { mode?: WorkloadMode };
    providers?: ProviderRef[];
    disabled?: boolean;
    /** CEL expression, e.g. "response.code >= 400". */
    filter?: { expression: string };
}

export interface TelemetrySpec {
    selector?: WorkloadSelector;
    targetRefs?: PolicyTargetReference[];
    tracing?: Tracing[];
    metrics?: Metrics[];
    accessLogging?: AccessLogging[];
}

// ---------------------------------------------------------------- objects

export type PeerAuthenticationObject = IstioObject<PeerAuthenticationSpec>;
export type AuthorizationPolicyObject = IstioObject<AuthorizationPolicySpec>;
export type RequestAuthenticationObject = IstioObject<RequestAuthenticationSpec>;
export type GatewayObject = IstioObject<GatewaySpec>;
export type VirtualServiceObject = IstioObject<VirtualServiceSpec>;
export type DestinationRuleObject = IstioObject<DestinationRuleSpec>;
export type SidecarObject = IstioObject<SidecarSpec>;
export type ServiceEntryObject = IstioObject<ServiceEntrySpec>;
export type TelemetryObject = IstioObject<TelemetrySpec>;
export type EnvoyFilterObject = IstioObject<EnvoyFilterSpec>;
