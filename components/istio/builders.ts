// Pure builders for Istio objects: plain args in, plain `{apiVersion, kind, metadata, spec}` out.
// They reject input that istiod's validating webhook (or common sense) would reject, with a message
// that names the offending field, so mistakes surface at `pulumi preview`, not in istiod logs.

import { validateAuthorizationPolicySpec } from "./authz";
import {
    AuthorizationPolicyObject,
    AuthorizationPolicySpec,
    DestinationRuleObject,
    DestinationRuleSpec,
    EnvoyFilterObject,
    EnvoyFilterSpec,
    GatewayObject,
    GatewaySpec,
    HttpRouteDestination,
    IstioObject,
    IstioObjectArgs,
    ObjectMeta,
    PeerAuthenticationObject,
    PeerAuthenticationSpec,
    RequestAuthenticationObject,
    RequestAuthenticationSpec,
    ServiceEntryObject,
    ServiceEntrySpec,
    SidecarObject,
    SidecarSpec,
    TelemetryObject,
    TelemetrySpec,
    VirtualServiceObject,
    VirtualServiceSpec,
} from "./types";

export const API_VERSIONS = {
    PeerAuthentication: "security.istio.io/v1",
    AuthorizationPolicy: "security.istio.io/v1",
    RequestAuthentication: "security.istio.io/v1",
    Gateway: "networking.istio.io/v1",
    VirtualService: "networking.istio.io/v1",
    DestinationRule: "networking.istio.io/v1",
    Sidecar: "networking.istio.io/v1",
    ServiceEntry: "networking.istio.io/v1",
    Telemetry: "telemetry.istio.io/v1",
    // EnvoyFilter has no v1; v1alpha3 is the only served version.
    EnvoyFilter: "networking.istio.io/v1alpha3",
} as const;

/** Istio's default root namespace (meshConfig.rootNamespace). */
export const DEFAULT_ROOT_NAMESPACE = "istio-system";

/** Name of the allow-nothing AuthorizationPolicy every namespace gets. */
export const DEFAULT_DENY_NAME = "default-deny";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function fail(kind: string, name: string, message: string): never {
    throw new Error(`${kind}${name ? ` "${name}"` : ""}: ${message}`);
}

function meta(kind: string, args: IstioObjectArgs<unknown>): ObjectMeta {
    const { name, namespace } = args;
    if (typeof name !== "string" || name.length === 0) fail(kind, "", "name must not be empty");
    if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
        fail(kind, name, `name must be a lowercase DNS-1123 subdomain (got "${name}")`);
    }
    if (typeof namespace !== "string" || namespace.length === 0) fail(kind, name, "namespace must not be empty");
    if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) {
        fail(kind, name, `namespace must be a DNS-1123 label (got "${namespace}")`);
    }
    if (args.spec === undefined || args.spec === null) fail(kind, name, "spec is required");
    const m: ObjectMeta = { name, namespace };
    if (args.labels && Object.keys(args.labels).length > 0) m.labels = { ...args.labels };
    if (args.annotations && Object.keys(args.annotations).length > 0) m.annotations = { ...args.annotations };
    return m;
}

function object<K extends keyof typeof API_VERSIONS, S>(kind: K, args: IstioObjectArgs<S>): IstioObject<S> {
    return { apiVersion: API_VERSIONS[kind], kind, metadata: meta(kind, args), spec: args.spec };
}

function checkPercent(kind: string, name: string, field: string, value: number | undefined): void {
    if (value === undefined) return;
    if (!Number.isFinite(value) || value < 0 || value > 100) {
        fail(kind, name, `${field} must be between 0 and 100 (got ${value})`);
    }
}

function checkPort(kind: string, name: string, field: string, value: number): void {
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
        fail(kind, name, `${field} must be an integer port 1-65535 (got ${value})`);
    }
}

// ---------------------------------------------------------------- security.istio.io/v1

export function peerAuthentication(args: IstioObjectArgs<PeerAuthenticationSpec>): PeerAuthenticationObject {
    const obj = object("PeerAuthentication", args);
    const { selector, portLevelMtls } = obj.spec;
    // istiod ignores port-level settings on namespace/mesh-wide policies; the webhook rejects them.
    if (portLevelMtls && Object.keys(portLevelMtls).length > 0 && !selector?.matchLabels) {
        fail("PeerAuthentication", args.name, "portLevelMtls requires a selector");
    }
    for (const port of Object.keys(portLevelMtls ?? {})) {
        checkPort("PeerAuthentication", args.name, `portLevelMtls key`, Number(port));
    }
    return obj;
}

export function authorizationPolicy(args: IstioObjectArgs<AuthorizationPolicySpec>): AuthorizationPolicyObject {
    const obj = object("AuthorizationPolicy", args);
    const problems = validateAuthorizationPolicySpec(obj.spec);
    if (problems.length > 0) fail("AuthorizationPolicy", args.name, problems.join("; "));
    return obj;
}

export function requestAuthentication(args: IstioObjectArgs<RequestAuthenticationSpec>): RequestAuthenticationObject {
    const obj = object("RequestAuthentication", args);
    (obj.spec.jwtRules ?? []).forEach((rule, i) => {
        if (!rule.issuer) fail("RequestAuthentication", args.name, `jwtRules[${i}].issuer is required`);
        if (rule.jwks && rule.jwksUri) fail("RequestAuthentication", args.name, `jwtRules[${i}] sets both jwks and jwksUri`);
    });
    return obj;
}

// ---------------------------------------------------------------- networking.istio.io/v1

export function gateway(args: IstioObjectArgs<GatewaySpec>): GatewayObject {
    const obj = object("Gateway", args);
    const { selector, servers } = obj.spec;
    if (!selector || Object.keys(selector).length === 0) {
        // An empty selector binds the Gateway to every gateway pod in the mesh.
        fail("Gateway", args.name, "selector must name the gateway pods' labels");
    }
    if (!servers || servers.length === 0) fail("Gateway", args.name, "servers must not be empty");
    const portNames = new Set<string>();
    servers.forEach((server, i) => {
        const where = `servers[${i}]`;
        checkPort("Gateway", args.name, `${where}.port.number`, server.port.number);
        if (!server.port.name) fail("Gateway", args.name, `${where}.port.name must not be empty`);
        if (portNames.has(server.port.name)) fail("Gateway", args.name, `${where}.port.name "${server.port.name}" is not unique`);
        portNames.add(server.port.name);
        if (!server.hosts || server.hosts.length === 0) fail("Gateway", args.name, `${where}.hosts must not be empty`);
        const tls = server.tls;
        const terminates = server.port.protocol === "HTTPS" || server.port.protocol === "TLS";
        if (terminates && !tls?.mode) fail("Gateway", args.name, `${where}.tls.mode is required for ${server.port.protocol}`);
        const needsCert = tls?.mode === "SIMPLE" || tls?.mode === "MUTUAL" || tls?.mode === "OPTIONAL_MUTUAL";
        if (needsCert && !tls?.credentialName && !tls?.credentialNames?.length && !tls?.serverCertificate) {
            fail("Gateway", args.name, `${where}.tls.credentialName is required for mode ${tls?.mode}`);
        }
    });
    return obj;
}

export function virtualService(args: IstioObjectArgs<VirtualServiceSpec>): VirtualServiceObject {
    const obj = object("VirtualService", args);
    const spec = obj.spec;
    if (!spec.hosts || spec.hosts.length === 0) fail("VirtualService", args.name, "hosts must not be empty");
    (spec.http ?? []).forEach((route, i) => {
        const where = `http[${i}]`;
        const actions = [route.route?.length ? 1 : 0, route.redirect ? 1 : 0, route.directResponse ? 1 : 0].reduce((a, b) => a + b, 0);
        if (actions !== 1) fail("VirtualService", args.name, `${where} must set exactly one of route, redirect, directResponse`);
        checkWeights(args.name, `${where}.route`, route.route ?? []);
        if (route.retries && (!Number.isInteger(route.retries.attempts) || route.retries.attempts < 0)) {
            fail("VirtualService", args.name, `${where}.retries.attempts must be a non-negative integer (got ${route.retries.attempts})`);
        }
        checkPercent("VirtualService", args.name, `${where}.fault.delay.percentage.value`, route.fault?.delay?.percentage?.value);
        checkPercent("VirtualService", args.name, `${where}.fault.abort.percentage.value`, route.fault?.abort?.percentage?.value);
    });
    (spec.tcp ?? []).forEach((route, i) => checkWeights(args.name, `tcp[${i}].route`, route.route ?? []));
    (spec.tls ?? []).forEach((route, i) => checkWeights(args.name, `tls[${i}].route`, route.route ?? []));
    return obj;
}

function checkWeights(name: string, where: string, route: Array<{ destination: { host: string }; weight?: number }>): void {
    route.forEach((dst, j) => {
        if (!dst.destination?.host) fail("VirtualService", name, `${where}[${j}].destination.host must not be empty`);
        if (dst.weight !== undefined && (!Number.isInteger(dst.weight) || dst.weight < 0 || dst.weight > 100)) {
            fail("VirtualService", name, `${where}[${j}].weight must be an integer between 0 and 100 (got ${dst.weight})`);
        }
    });
    // istiod only rejects a zero total and normalises the rest; we insist on 100 so weights read as percentages.
    if (route.length === 1 && route[0].weight === 0) fail("VirtualService", name, `${where} has a single destination with weight 0`);
    if (route.length > 1) {
        const total = route.reduce((sum, dst) => sum + (dst.weight ?? 0), 0);
        if (total !== 100) fail("VirtualService", name, `${where} weights must sum to 100 (got ${total})`);
    }
}

export function destinationRule(args: IstioObjectArgs<DestinationRuleSpec>): DestinationRuleObject {
    const obj = object("DestinationRule", args);
    if (!obj.spec.host) fail("DestinationRule", args.name, "host must not be empty");
    const seen = new Set<string>();
    (obj.spec.subsets ?? []).forEach((subset, i) => {
        if (!subset.name) fail("DestinationRule", args.name, `subsets[${i}].name must not be empty`);
        if (seen.has(subset.name)) fail("DestinationRule", args.name, `subset "${subset.name}" is defined twice`);
        seen.add(subset.name);
    });
    return obj;
}

export function sidecar(args: IstioObjectArgs<SidecarSpec>): SidecarObject {
    const obj = object("Sidecar", args);
    (obj.spec.egress ?? []).forEach((egress, i) => {
        if (!egress.hosts || egress.hosts.length === 0) fail("Sidecar", args.name, `egress[${i}].hosts must not be empty`);
        // Sidecar hosts are "<namespace>/<dnsName>"; a bare name is a common slip that istiod rejects.
        // (A host computed from another resource, a Pulumi Output, is checked once it is known: by the render's validation.)
        for (const host of egress.hosts) {
            if (typeof host === "string" && !host.includes("/")) fail("Sidecar", args.name, `egress[${i}].hosts entry "${host}" must be "<namespace>/<host>"`);
        }
    });
    return obj;
}

export function serviceEntry(args: IstioObjectArgs<ServiceEntrySpec>): ServiceEntryObject {
    const obj = object("ServiceEntry", args);
    if (!obj.spec.hosts || obj.spec.hosts.length === 0) fail("ServiceEntry", args.name, "hosts must not be empty");
    (obj.spec.ports ?? []).forEach((port, i) => checkPort("ServiceEntry", args.name, `ports[${i}].number`, port.number));
    if (obj.spec.resolution === "STATIC" && !obj.spec.endpoints?.length && !obj.spec.workloadSelector) {
        fail("ServiceEntry", args.name, "resolution STATIC needs endpoints or workloadSelector");
    }
    return obj;
}

export function envoyFilter(args: IstioObjectArgs<EnvoyFilterSpec>): EnvoyFilterObject {
    const obj = object("EnvoyFilter", args);
    if (!obj.spec.configPatches || obj.spec.configPatches.length === 0) {
        fail("EnvoyFilter", args.name, "configPatches must not be empty");
    }
    return obj;
}

// ---------------------------------------------------------------- telemetry.istio.io/v1

export function telemetry(args: IstioObjectArgs<TelemetrySpec>): TelemetryObject {
    const obj = object("Telemetry", args);
    (obj.spec.tracing ?? []).forEach((t, i) =>
        checkPercent("Telemetry", args.name, `tracing[${i}].randomSamplingPercentage`, t.randomSamplingPercentage),
    );
    return obj;
}

// ---------------------------------------------------------------- helpers

/** SPIFFE-style Istio principal, e.g. "cluster.local/ns/payments/sa/payments-backend". */
export function principal(trustDomain: string, namespace: string, serviceAccount: string): string {
    if (!trustDomain || trustDomain.includes("/")) throw new Error(`trustDomain must be a non-empty name without "/" (got "${trustDomain}")`);
    if (!namespace || !DNS1123_LABEL.test(namespace)) throw new Error(`namespace must be a DNS-1123 label (got "${namespace}")`);
    if (!serviceAccount || !DNS1123_SUBDOMAIN.test(serviceAccount)) {
        throw new Error(`serviceAccount must be a DNS-1123 subdomain (got "${serviceAccount}")`);
    }
    return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/**
 * Allow-nothing for a namespace: an ALLOW policy with an empty spec selects every workload and has no
 * rule, so nothing matches and every request is denied unless another ALLOW policy matches it.
 */
export function allowNothing(namespace: string, labels?: Record<string, string>): AuthorizationPolicyObject {
    return authorizationPolicy({ name: DEFAULT_DENY_NAME, namespace, labels, spec: {} });
}

/**
 * Mesh-wide STRICT mTLS: a selector-less PeerAuthentication named "default" in the root namespace
 * (the name istioctl and the docs use, so `istioctl x describe` recognises it).
 */
export function meshWideStrictMtls(rootNamespace: string = DEFAULT_ROOT_NAMESPACE, labels?: Record<string, string>): PeerAuthenticationObject {
    return peerAuthentication({ name: "default", namespace: rootNamespace, labels, spec: { mtls: { mode: "STRICT" } } });
}

export interface WeightedRoutesOptions {
    /** Subset receiving 100 - v2Weight. Default "v1". */
    stableSubset?: string;
    /** Subset receiving v2Weight. Default "v2". */
    canarySubset?: string;
}

/**
 * Canary split between two DestinationRule subsets. Both destinations are always emitted, even at weight 0:
 * the object keeps the same shape at every rollout step (previews show only the numbers moving), and istiod
 * drops zero-weight clusters when it builds Envoy routes, so a 0 costs nothing.
 */
export function weightedRoutes(host: string, port: number, v2Weight: number, options: WeightedRoutesOptions = {}): HttpRouteDestination[] {
    if (!host) throw new Error("host must not be empty");
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port must be an integer port 1-65535 (got ${port})`);
    if (typeof v2Weight !== "number" || !Number.isInteger(v2Weight) || v2Weight < 0 || v2Weight > 100) {
        throw new Error(`v2Weight must be an integer between 0 and 100 (got ${v2Weight})`);
    }
    const stable = options.stableSubset ?? "v1";
    const canary = options.canarySubset ?? "v2";
    if (stable === canary) throw new Error(`stableSubset and canarySubset must differ (both "${stable}")`);
    return [
        { destination: { host, subset: stable, port: { number: port } }, weight: 100 - v2Weight },
        { destination: { host, subset: canary, port: { number: port } }, weight: v2Weight },
    ];
}
