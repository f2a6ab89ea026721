// What the caller's own proxy refuses before the destination's policies are consulted: the error
// routes (directResponse) that lead a VirtualService, e.g. reject-escaped-slashes in payments-edge
// (applied by the ingress gateway) and in backend-canary (applied by every sidecar calling the
// backend). Pure: manifests in.
//
// Envoy takes the first route that matches (istio.io VirtualService reference: "the first rule
// matching an incoming request is used"), after the path normalization. Only leading routes whose
// matches name nothing but the URI are read: a rejection is reported only where that order makes it
// certain; any other route ends the scan, so the model can only miss a 400, never invent one.
import { KubeObject } from "../k8s";
import type { MeshWorkload } from "./authz-matrix";
import { HttpMatchRequest, HttpRoute, StringMatch } from "./types";

export interface EdgeRejection {
    /** Whose proxy answers: a gateway's identity; unset, every sidecar (a VirtualService bound to `mesh`). */
    principal?: string;
    /** `mesh` only: gateway identities, whose pods apply Gateway-bound routes only. */
    notPrincipals?: string[];
    /** `mesh` only: the Services behind the hosts; a call to another workload never meets these routes. */
    destinations?: { namespace: string; selector: Record<string, string> }[];
    /** "<namespace>/<name>#<route>" of the VirtualService route. */
    route: string;
    /** The VirtualService's hosts (a request for another host never reaches its routes). */
    hosts: string[];
    status: number;
    matches: { uri: StringMatch; ignoreUriCase?: boolean }[];
}

interface Meta {
    metadata: { name: string; namespace?: string };
}
type GatewayLike = Meta & { spec?: { selector?: Record<string, string> } };
type VirtualServiceLike = Meta & { spec?: { hosts?: string[]; gateways?: string[]; http?: HttpRoute[] } };
type ServiceLike = Meta & { spec?: { selector?: Record<string, string> } };

const of = <T>(manifests: readonly KubeObject[], kind: string, group: string): T[] =>
    manifests.filter((o) => o.kind === kind && (group === "" ? o.apiVersion === "v1" : o.apiVersion.startsWith(`${group}/`))) as unknown as T[];
const nsOf = (o: Meta): string => o.metadata.namespace ?? "default";

/** A match that names only the URI; undefined when it names anything else. */
function uriOnly(m: HttpMatchRequest): EdgeRejection["matches"][number] | undefined {
    const { uri, ignoreUriCase, name, ...rest } = m;
    void name;
    if (!uri || Object.keys(rest).length > 0) return undefined;
    return { uri, ...(ignoreUriCase ? { ignoreUriCase } : {}) };
}

/** The leading error routes, up to the first route that could forward or names more than the URI. */
function leadingRejections(vs: VirtualServiceLike): Omit<EdgeRejection, "principal" | "notPrincipals" | "destinations">[] {
    const out: Omit<EdgeRejection, "principal" | "notPrincipals" | "destinations">[] = [];
    for (const [i, r] of (vs.spec?.http ?? []).entries()) {
        const matches = (r.match ?? []).map(uriOnly);
        if (!r.directResponse || r.directResponse.status < 400 || matches.length === 0 || matches.some((m) => m === undefined)) break;
        const route = `${nsOf(vs)}/${vs.metadata.name}#${r.name ?? `http[${i}]`}`;
        out.push({ route, hosts: [...(vs.spec?.hosts ?? [])], status: r.directResponse.status, matches: matches as EdgeRejection["matches"] });
    }
    return out;
}

/**
 * A Gateway applies to the workloads its selector matches in its own namespace (the mesh runs
 * PILOT_SCOPE_GATEWAY_TO_NAMESPACE), a VirtualService to the Gateways it names (`<namespace>/<name>`,
 * or a bare name in its own namespace), or to every sidecar when it names `mesh` (or none).
 */
export function edgeRejectionsFrom(manifests: readonly KubeObject[], workloads: readonly MeshWorkload[]): EdgeRejection[] {
    const gateways = of<GatewayLike>(manifests, "Gateway", "networking.istio.io");
    const services = of<ServiceLike>(manifests, "Service", "");
    const selected = (g: GatewayLike) => {
        const selector = Object.entries(g.spec?.selector ?? {});
        return workloads.filter((w) => selector.length > 0 && selector.every(([k, v]) => w.labels[k] === v));
    };
    const podsOf = (g: GatewayLike) => selected(g).filter((w) => w.namespace === nsOf(g));
    // Gateway pods, whether or not the scoping lets a given Gateway bind them: they never apply `mesh` routes.
    const gatewayPrincipals = [...new Set(gateways.flatMap((g) => selected(g).map((w) => w.principal)))].sort();
    const out: EdgeRejection[] = [];
    for (const vs of of<VirtualServiceLike>(manifests, "VirtualService", "networking.istio.io")) {
        const refs = vs.spec?.gateways?.length ? vs.spec.gateways : ["mesh"];
        const rejections = leadingRejections(vs);
        if (rejections.length === 0) continue;
        for (const g of gateways) {
            const bound = refs.some((ref) => (ref.includes("/") ? ref === `${nsOf(g)}/${g.metadata.name}` : nsOf(vs) === nsOf(g) && ref === g.metadata.name));
            if (bound) for (const w of podsOf(g)) out.push(...rejections.map((r) => ({ ...r, principal: w.principal })));
        }
        if (!refs.includes("mesh")) continue;
        const hosts = vs.spec?.hosts ?? [];
        const destinations = services
            .filter((s) => Object.keys(s.spec?.selector ?? {}).length > 0 && hosts.includes(`${s.metadata.name}.${nsOf(s)}.svc.cluster.local`))
            .map((s) => ({ namespace: nsOf(s), selector: { ...(s.spec?.selector ?? {}) } }));
        out.push(...rejections.map((r) => ({ ...r, notPrincipals: gatewayPrincipals, destinations })));
    }
    return out;
}

function uriMatches(m: EdgeRejection["matches"][number], path: string): boolean {
    const fold = (s: string) => (m.ignoreUriCase ? s.toLowerCase() : s);
    if ("exact" in m.uri) return fold(path) === fold(m.uri.exact);
    if ("prefix" in m.uri) return fold(path).startsWith(fold(m.uri.prefix));
    try {
        // RE2 must match the whole path; a pattern JavaScript cannot compile is not modelled.
        return new RegExp(`^(?:${m.uri.regex})$`).test(path);
    } catch {
        return false;
    }
}

/** Unset host: the caller addressed the VirtualService's host. A short name stands for the FQDN it starts. */
function hostMatches(hosts: readonly string[], host: string | undefined): boolean {
    if (host === undefined) return true;
    const h = host.replace(/:\d+$/, "").toLowerCase();
    return hosts.some((p) => p === "*" || (p.startsWith("*.") ? h.endsWith(p.slice(1).toLowerCase()) : h === p.toLowerCase() || p.toLowerCase().startsWith(`${h}.`)));
}

export interface RejectionRequest {
    principal: string | undefined;
    destination: { namespace: string; labels: Record<string, string> };
    host: string | undefined;
    /** After the mesh's path normalization. */
    path: string;
}

/** The rejection the caller's proxy answers this request with, if any. */
export function edgeRejectionOf(rejections: readonly EdgeRejection[], req: RejectionRequest): EdgeRejection | undefined {
    const caller = (r: EdgeRejection): boolean =>
        r.principal !== undefined ? r.principal === req.principal : req.principal !== undefined && !(r.notPrincipals ?? []).includes(req.principal);
    const target = (r: EdgeRejection): boolean =>
        r.destinations === undefined ||
        r.destinations.some((d) => d.namespace === req.destination.namespace && Object.entries(d.selector).every(([k, v]) => req.destination.labels[k] === v));
    return rejections.find((r) => caller(r) && target(r) && hostMatches(r.hosts, req.host) && r.matches.some((m) => uriMatches(m, req.path)));
}
