// Istio traffic rules: DestinationRule TLS, Gateways and VirtualServices.
import type { KubeObject, KubeObjectRule, KubeStackRule, Violation } from "./types";
import { Obj, fqdn, group, has, hostAdmits, isIstio, isObj, isWildcardHost, namespaceOf, nameOf, obj, objs, str, strs, violation } from "./util";

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
    description: "TLS origination (SIMPLE/MUTUAL) verifies the server with caCertificates, or credentialName in a DestinationRule with a workloadSelector (IST0128/IST0129).",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "object",
    kinds: ["DestinationRule"],
    check(o) {
        if (!isIstio(o, "DestinationRule")) return [];
        const spec = obj(o.spec);
        // Sidecars read credentialName only when the rule has a workloadSelector; otherwise only
        // gateways do (istio/api destination_rule.proto, ClientTLSSettings.credential_name), and
        // Istio's analyzer reports it (pkg/config/analysis/analyzers/destinationrule/ca-certificates.go).
        const selected = has(spec, "workloadSelector");
        const out: Violation[] = [];
        for (const s of tlsSites(spec)) {
            if (s.tls.mode !== "SIMPLE" && s.tls.mode !== "MUTUAL") continue;
            if (s.tls.insecureSkipVerify === true) {
                out.push(violation(o, `${s.where}.insecureSkipVerify is true; the server is not verified`));
            } else if (setTo(s.tls, "caCertificates") || (selected && setTo(s.tls, "credentialName"))) {
                continue;
            } else if (setTo(s.tls, "credentialName")) {
                out.push(violation(o, `${s.where}.mode is ${String(s.tls.mode)} with credentialName but the DestinationRule has no workloadSelector, so sidecars ignore credentialName and do not verify the server; set caCertificates or a workloadSelector`));
            } else {
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

/** Gateway API's Gateway: a different kind from Istio's Gateway, whatever its name. */
function isGatewayApiGateway(o: KubeObject): boolean {
    return o.kind === "Gateway" && group(o) === "gateway.networking.k8s.io";
}

/**
 * The Istio minor this rule's reading of `gateways` was checked against (components/versions.ts
 * ISTIO_RELEASES; a test fails when the platform pins a newer one). Through 1.31 a VirtualService
 * binds only to Istio Gateways: pilot selects a gateway's routes by the Istio Gateway config's own
 * name (pilot/pkg/networking/core/gateway.go, VirtualServicesForGateway), a Gateway API Gateway
 * becomes configs named `<gw>~istio-autogenerated-k8s-gateway~<listener>` (IST0165 refuses those
 * names), and istioctl analyze reports the Gateway API name as not found (IST0101;
 * pkg/config/analysis/analyzers/virtualservice/gateways.go at tag 1.31.0-rc.0 and on release-1.31).
 * Only the analyzer on master after the 1.31 branch (istio/istio#60776) accepts the binding.
 */
export const VS_GATEWAYS_CHECKED_THROUGH = "1.31";

export const istioVsGatewayExists: KubeStackRule = {
    id: "istio-vs-gateway-exists",
    description: "Every gateway a VirtualService names is an Istio Gateway that exists and admits the VirtualService's hosts.",
    enforcement: "mandatory",
    target: "kubernetes",
    scope: "stack",
    check(index) {
        const gateways = new Map<string, KubeObject>();
        const gatewayApi = new Set<string>();
        for (const g of index.byKind("Gateway")) {
            if (isIstio(g, "Gateway")) gateways.set(`${namespaceOf(g)}/${nameOf(g)}`, g);
            else if (isGatewayApiGateway(g)) gatewayApi.add(`${namespaceOf(g)}/${nameOf(g)}`);
        }
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
                if (ref.includes("~istio-autogenerated-k8s-gateway~")) {
                    out.push(violation(vs, `gateway ${ref} is one Istio generates from a Gateway API Gateway (IST0165); a VirtualService cannot bind to it`));
                    continue;
                }
                const gw = gateways.get(key);
                if (!gw) {
                    const why = gatewayApi.has(key)
                        ? `is a Gateway API Gateway, and Istio (through ${VS_GATEWAYS_CHECKED_THROUGH}) binds a VirtualService only to an Istio Gateway (networking.istio.io): route through it with an HTTPRoute, or name an Istio Gateway`
                        : "does not exist";
                    out.push(violation(vs, `gateway ${ref} (${key}) ${why}`));
                    continue;
                }
                if (!serversAdmit(gw, vsNs, hosts)) out.push(violation(vs, `gateway ${key} does not admit any of the hosts ${JSON.stringify(hosts)}`));
            }
        }
        return out;
    },
};

function serversAdmit(gw: KubeObject, vsNs: string, hosts: readonly string[]): boolean {
    const gwNs = namespaceOf(gw);
    return hosts.some((vh) => objs(obj(gw.spec).servers).some((srv) => strs(srv.hosts).some((sh) => serverAdmits(sh, gwNs, vsNs, vh))));
}

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
