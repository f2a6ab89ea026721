// Who can call whom: workloads, their identities and ports read from rendered manifests, and a
// caller x target matrix of evaluateRequest decisions. Pure: manifests in, data or Markdown out.

import { KubeObject } from "../k8s";
import { INGRESS_GATEWAY_PRINCIPAL, TRUST_DOMAIN } from "../mesh/topology";
import { AuthzDecision, AuthzRequest, DEFAULT_ROOT_NAMESPACE, evaluateRequest, EvaluateOptions, istioStringMatch, policyAppliesTo, policyRef } from "./authz";
import { edgeRejectionsFrom } from "./authz-edge";
import { requestAuthAt, requestAuthenticationsFrom, samplePrincipal } from "./authz-jwt";
import { AuthorizationPolicyObject, RequestAuthenticationObject } from "./types";

export const DEFAULT_TRUST_DOMAIN = TRUST_DOMAIN;

export type PortProtocol = "HTTP" | "TCP";

export interface WorkloadPort {
    /** Container port: what the sidecar sees and AuthorizationPolicy `ports` match. */
    port: number;
    name?: string;
    protocol: PortProtocol;
}

export interface MeshWorkload {
    kind: "Deployment" | "StatefulSet";
    name: string;
    namespace: string;
    /** Pod template labels: what AuthorizationPolicy selectors match. */
    labels: Record<string, string>;
    serviceAccountName: string;
    principal: string;
    ports: WorkloadPort[];
    /** Service ports that forward to this workload: what callers dial, and the container port it reaches. */
    servicePorts: ServicePortMapping[];
}

export interface ServicePortMapping {
    service: string;
    port: number;
    targetPort: number;
}

interface ContainerPort {
    containerPort?: number;
    name?: string;
}
interface PodSpec {
    serviceAccountName?: string;
    serviceAccount?: string;
    containers?: Array<{ ports?: ContainerPort[] }>;
}
interface WorkloadSpec {
    template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec };
}
interface ServiceSpec {
    selector?: Record<string, string>;
    ports?: Array<{ name?: string; port?: number; targetPort?: number | string; appProtocol?: string }>;
}

const HTTP_PROTOCOLS = new Set(["http", "http2", "grpc", "grpc-web", "h2c", "kubernetes.io/h2c", "kubernetes.io/ws", "kubernetes.io/wss"]);
const TCP_PROTOCOLS = new Set(["tcp", "tls", "https", "mongo", "mysql", "redis", "postgres", "postgresql"]);
// Client-first database protocols: Istio's protocol sniffing classifies them as TCP.
const WELL_KNOWN_TCP_PORTS = new Set([3306, 5432, 6379, 27017]);

/**
 * Istio protocol selection: appProtocol, else the port name prefix ("http-web", "tcp-postgres").
 * Unnamed ports are sniffed; we assume HTTP except for well-known database ports. "https" on an
 * inbound sidecar port is opaque TLS, so HTTP attributes are not visible: TCP.
 */
export function portProtocol(port: { name?: string; appProtocol?: string; number: number }): PortProtocol {
    const declared = (port.appProtocol ?? port.name?.split("-")[0] ?? "").toLowerCase();
    if (HTTP_PROTOCOLS.has(declared)) return "HTTP";
    if (TCP_PROTOCOLS.has(declared)) return "TCP";
    return WELL_KNOWN_TCP_PORTS.has(port.number) ? "TCP" : "HTTP";
}

const isKind = (o: KubeObject, kind: string): boolean => o.kind === kind;

function matchesSelector(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    if (!selector || Object.keys(selector).length === 0) return false;
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export interface WorkloadOptions {
    /** Default "cluster.local". */
    trustDomain?: string;
    /**
     * Workloads that are not among the manifests, e.g. the Helm-installed ingress gateway
     * (see gatewayWorkload). A manifest workload with the same namespace/name wins.
     */
    extraWorkloads?: MeshWorkload[];
}

/** A workload described by hand: for pods a Helm chart creates (the ingress gateway). */
export function gatewayWorkload(args: {
    namespace: string;
    name: string;
    labels: Record<string, string>;
    serviceAccountName?: string;
    ports: WorkloadPort[];
    trustDomain?: string;
}): MeshWorkload {
    const serviceAccountName = args.serviceAccountName ?? args.name;
    return {
        kind: "Deployment",
        name: args.name,
        namespace: args.namespace,
        labels: { ...args.labels },
        serviceAccountName,
        principal: `${args.trustDomain ?? DEFAULT_TRUST_DOMAIN}/ns/${args.namespace}/sa/${serviceAccountName}`,
        ports: [...args.ports].sort((a, b) => a.port - b.port),
        servicePorts: [],
    };
}

/** Deployments and StatefulSets with their pod labels, identity and ports (Service protocol wins over names). */
export function workloadsFromManifests(manifests: KubeObject[], options: WorkloadOptions = {}): MeshWorkload[] {
    const trustDomain = options.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    const services = manifests.filter((o) => isKind(o, "Service"));
    return manifests
        .filter((o) => isKind(o, "Deployment") || isKind(o, "StatefulSet"))
        .map((o) => {
            const namespace = o.metadata.namespace ?? "default";
            const template = (o.spec as WorkloadSpec | undefined)?.template;
            const labels = { ...(template?.metadata?.labels ?? {}) };
            const pod = template?.spec ?? {};
            const serviceAccountName = pod.serviceAccountName ?? pod.serviceAccount ?? "default";
            const containerPorts = (pod.containers ?? []).flatMap((c) => c.ports ?? []).filter((p) => typeof p.containerPort === "number");
            const ports = new Map<number, WorkloadPort>();
            const servicePorts: ServicePortMapping[] = [];
            for (const svc of services) {
                const spec = svc.spec as ServiceSpec | undefined;
                if ((svc.metadata.namespace ?? "default") !== namespace || !matchesSelector(spec?.selector, labels)) continue;
                for (const sp of spec?.ports ?? []) {
                    const target =
                        typeof sp.targetPort === "string" ? containerPorts.find((c) => c.name === sp.targetPort)?.containerPort : (sp.targetPort ?? sp.port);
                    if (typeof target !== "number") continue;
                    if (typeof sp.port === "number") servicePorts.push({ service: svc.metadata.name, port: sp.port, targetPort: target });
                    ports.set(target, { port: target, name: sp.name, protocol: portProtocol({ name: sp.name, appProtocol: sp.appProtocol, number: target }) });
                }
            }
            for (const cp of containerPorts) {
                const port = cp.containerPort as number;
                if (!ports.has(port)) ports.set(port, { port, name: cp.name, protocol: portProtocol({ name: cp.name, number: port }) });
            }
            return {
                kind: o.kind as MeshWorkload["kind"],
                name: o.metadata.name,
                namespace,
                labels,
                serviceAccountName,
                principal: `${trustDomain}/ns/${namespace}/sa/${serviceAccountName}`,
                ports: [...ports.values()].sort((a, b) => a.port - b.port),
                servicePorts,
            };
        })
        .concat(options.extraWorkloads ?? [])
        .filter((w, i, all) => all.findIndex((x) => x.namespace === w.namespace && x.name === w.name) === i)
        .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

/** Finds "<namespace>/<workload>"; the error lists what exists. */
export function resolveTarget(ref: string, manifests: KubeObject[], options: WorkloadOptions = {}): MeshWorkload {
    const parts = ref.split("/");
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new Error(`workload must be "<namespace>/<name>" (got "${ref}")`);
    const workloads = workloadsFromManifests(manifests, options);
    const hit = workloads.find((w) => w.namespace === parts[0] && w.name === parts[1]);
    if (!hit) {
        const known = workloads.map((w) => `${w.namespace}/${w.name}`).join(", ") || "none";
        throw new Error(`no Deployment or StatefulSet "${ref}" (known: ${known})`);
    }
    return hit;
}

/**
 * "<namespace>/<name>" where name is a workload, else a Service (the workloads it selects), else
 * an `app` label value. Returns every workload it stands for, e.g. both backend versions for
 * "dodo-payments/backend"; the error lists what exists.
 */
export function resolveTargets(ref: string, manifests: KubeObject[], options: WorkloadOptions = {}): { workloads: MeshWorkload[]; via: string } {
    const parts = ref.split("/");
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new Error(`workload must be "<namespace>/<name>" (got "${ref}")`);
    const [namespace, name] = parts;
    const workloads = workloadsFromManifests(manifests, options);
    const inNamespace = workloads.filter((w) => w.namespace === namespace);
    const exact = inNamespace.filter((w) => w.name === name);
    if (exact.length > 0) return { workloads: exact, via: "workload" };
    const service = manifests.find((o) => o.kind === "Service" && (o.metadata.namespace ?? "default") === namespace && o.metadata.name === name);
    const selector = (service?.spec as ServiceSpec | undefined)?.selector;
    const bySelector = service ? inNamespace.filter((w) => matchesSelector(selector, w.labels)) : [];
    if (bySelector.length > 0) return { workloads: bySelector, via: `Service ${name}` };
    const byApp = inNamespace.filter((w) => w.labels.app === name);
    if (byApp.length > 0) return { workloads: byApp, via: `app=${name}` };
    const known = workloads.map((w) => `${w.namespace}/${w.name}`).join(", ") || "none";
    throw new Error(`no Deployment, StatefulSet, Service or app label "${ref}" (known workloads: ${known})`);
}

/** AuthorizationPolicies among the manifests, whatever served version they use. */
export function authorizationPoliciesFrom(manifests: KubeObject[]): AuthorizationPolicyObject[] {
    return manifests
        .filter((o) => o.kind === "AuthorizationPolicy" && o.apiVersion.startsWith("security.istio.io/"))
        .map((o) => ({ ...o, spec: (o.spec ?? {}) as AuthorizationPolicyObject["spec"] }));
}

export interface MatrixCaller {
    label: string;
    /** Undefined = anonymous (no mTLS peer identity). */
    principal?: string;
    /** `<iss>/<sub>` of a valid token the caller sends; counts only where a RequestAuthentication validates its issuer. */
    requestPrincipal?: string;
}

export interface MatrixProbes extends WorkloadOptions, EvaluateOptions {
    /** Methods to probe on every HTTP port. Default: derived from the policies (probesFor). */
    methods?: string[];
    /** Paths to probe on every HTTP port. Default: derived from the policies (probesFor). */
    paths?: string[];
    /** Paths probed besides the derived ones (e.g. one a policy must keep out). */
    extraPaths?: string[];
    /** Default INGRESS_GATEWAY_PRINCIPAL. */
    ingressPrincipal?: string;
}

export interface MatrixCell {
    port: number;
    protocol: PortProtocol;
    method?: string;
    path?: string;
    decision: AuthzDecision;
}

export interface MatrixRow {
    caller: MatrixCaller;
    target: MeshWorkload;
    cells: MatrixCell[];
}

/**
 * Callers with a token, for each issuer a RequestAuthentication names: the ingress gateway's
 * identity (the internet; the gateway forwards the token, forwardOriginalToken) and every identity
 * an ALLOW rule admits only together with requestPrincipals (it calls on a user's behalf and
 * forwards the user's token, e.g. the payments frontend). `callers` supply the rows' labels.
 */
export function jwtCallers(
    ras: readonly RequestAuthenticationObject[],
    ingressPrincipal: string = INGRESS_GATEWAY_PRINCIPAL,
    policies: readonly AuthorizationPolicyObject[] = [],
    callers: readonly MatrixCaller[] = [],
): MatrixCaller[] {
    const issuers = [...new Set(ras.flatMap((ra) => (ra.spec.jwtRules ?? []).map((r) => r.issuer).filter((i): i is string => Boolean(i))))].sort();
    const forwarders = policies
        .filter((p) => (p.spec?.action ?? "ALLOW") === "ALLOW")
        .flatMap((p) => (p.spec?.rules ?? []).flatMap((r) => r?.from ?? []))
        .filter((f) => (f.source.requestPrincipals?.length ?? 0) > 0)
        .flatMap((f) => (f.source.principals ?? []).filter((pr) => !pr.includes("*")));
    const others = [...new Set(forwarders)].filter((pr) => pr !== ingressPrincipal).sort();
    const labelOf = (pr: string): string => (pr === ingressPrincipal ? "ingress gateway" : (callers.find((c) => c.principal === pr)?.label ?? pr));
    return [ingressPrincipal, ...others].flatMap((principal) =>
        issuers.map((issuer) => ({ label: `${labelOf(principal)} + token of ${issuer}`, principal, requestPrincipal: samplePrincipal(issuer) })),
    );
}

/** Every caller of the matrix: the workload identities, the gateway, anonymous, and those with a token. */
function allCallers(manifests: KubeObject[], workloads: MeshWorkload[], probes: MatrixProbes): MatrixCaller[] {
    const plain = matrixCallers(workloads, probes.ingressPrincipal);
    return [...plain, ...jwtCallers(requestAuthenticationsFrom(manifests), probes.ingressPrincipal, authorizationPoliciesFrom(manifests), plain)];
}

/** Callers: every distinct workload identity, the ingress gateway, and anonymous. */
export function matrixCallers(workloads: MeshWorkload[], ingressPrincipal: string = INGRESS_GATEWAY_PRINCIPAL): MatrixCaller[] {
    const byPrincipal = new Map<string, string[]>();
    for (const w of workloads) byPrincipal.set(w.principal, [...(byPrincipal.get(w.principal) ?? []), `${w.namespace}/${w.name}`]);
    const callers: MatrixCaller[] = [...byPrincipal].map(([principal, names]) => ({ label: names.join(", "), principal }));
    if (!byPrincipal.has(ingressPrincipal)) callers.push({ label: "ingress gateway", principal: ingressPrincipal });
    callers.push({ label: "anonymous" });
    return callers;
}

const OUTSIDE_METHODS = ["DELETE", "PUT", "PATCH", "POST", "GET", "OPTIONS"];
const SAMPLE = "sample";

/** A concrete path a policy path pattern matches ("/api/*" -> "/api/sample"). */
export function samplePath(pattern: string): string {
    if (pattern.includes("{*}") || pattern.includes("{**}")) return pattern.replace(/\{\*\*\}/g, `${SAMPLE}/${SAMPLE}`).replace(/\{\*\}/g, SAMPLE);
    if (pattern === "*") return "/";
    if (pattern.startsWith("*")) return `/${SAMPLE}${pattern.slice(1)}`;
    if (pattern.endsWith("*")) return `${pattern.slice(0, -1)}${SAMPLE}`;
    return pattern;
}

export interface TargetProbes {
    ports: WorkloadPort[];
    methods: string[];
    paths: string[];
}

/**
 * What to probe on a target, from the policies that apply to it: its declared ports plus any
 * port a rule names; every method a rule names plus one that none names; a path matching each
 * rule path plus one that none matches. Explicit methods/paths in `probes` replace the derived ones.
 */
export function probesFor(target: MeshWorkload, policies: AuthorizationPolicyObject[], probes: MatrixProbes = {}): TargetProbes {
    const applying = policies.filter((p) => policyAppliesTo(p, target, probes.rootNamespace ?? DEFAULT_ROOT_NAMESPACE));
    const operations = applying.flatMap((p) => (p.spec?.rules ?? []).flatMap((r) => (r?.to ?? []).map((t) => t.operation)));
    const uniq = (xs: string[]): string[] => [...new Set(xs)];
    const ports = new Map(target.ports.map((p) => [p.port, p]));
    for (const o of operations) {
        for (const port of [...(o.ports ?? []), ...(o.notPorts ?? [])].map(Number)) {
            // An undeclared port: Istio sniffs the protocol; a rule with HTTP fields expects HTTP.
            if (!ports.has(port)) ports.set(port, { port, protocol: o.methods || o.paths || o.hosts ? "HTTP" : "TCP" });
        }
    }
    const named = uniq(operations.flatMap((o) => [...(o.methods ?? []), ...(o.notMethods ?? [])]).filter((m) => m !== "*"));
    const outsideMethod = OUTSIDE_METHODS.find((m) => !named.includes(m));
    const methods = probes.methods ?? (named.length > 0 ? [...named, ...(outsideMethod ? [outsideMethod] : [])] : ["GET"]);
    const patterns = uniq(operations.flatMap((o) => [...(o.paths ?? []), ...(o.notPaths ?? [])]));
    const outsidePath = ["/", `/${SAMPLE}-outside`].find((candidate) => !patterns.some((p) => istioStringMatch(p, candidate)));
    const paths = probes.paths ?? uniq([...patterns.map(samplePath), ...(outsidePath ? [outsidePath] : []), ...(patterns.length > 0 ? (probes.extraPaths ?? []) : [])]);
    return { ports: [...ports.values()].sort((a, b) => a.port - b.port), methods, paths: paths.length > 0 ? paths : ["/"] };
}

/** Every caller against every target, port, method and path (TCP ports get one probe each). */
export function evaluateMatrix(manifests: KubeObject[], probes: MatrixProbes = {}): MatrixRow[] {
    const workloads = workloadsFromManifests(manifests, probes);
    const policies = authorizationPoliciesFrom(manifests);
    const ras = requestAuthenticationsFrom(manifests);
    const callers = allCallers(manifests, workloads, probes);
    const options: EvaluateOptions = { ...probes, edgeRejections: probes.edgeRejections ?? edgeRejectionsFrom(manifests, workloads) };
    const rows: MatrixRow[] = [];
    for (const target of workloads) {
        const { ports, methods, paths } = probesFor(target, policies, probes);
        for (const caller of callers) {
            const cells: MatrixCell[] = [];
            for (const p of ports) {
                const { auth } = requestAuthAt(caller.requestPrincipal, target, ras, probes.rootNamespace);
                const base: AuthzRequest = {
                    source: caller.principal ? { principal: caller.principal } : {},
                    destination: { namespace: target.namespace, labels: target.labels },
                    port: p.port,
                    protocol: p.protocol,
                    ...(auth ? { auth } : {}),
                };
                if (p.protocol === "TCP") {
                    cells.push({ port: p.port, protocol: p.protocol, decision: evaluateRequest(policies, base, options) });
                    continue;
                }
                for (const method of methods) {
                    for (const path of paths) {
                        cells.push({ port: p.port, protocol: p.protocol, method, path, decision: evaluateRequest(policies, { ...base, method, path }, options) });
                    }
                }
            }
            rows.push({ caller, target, cells });
        }
    }
    return rows;
}

function cellText(cell: MatrixCell, targetNamespace: string): string {
    const d = cell.decision;
    if (d.rejectedBy) return `${d.decision} · refused by the caller's proxy (${d.rejectedBy.split("#")[1]})`;
    if (d.policy) {
        const short = d.policy.startsWith(`${targetNamespace}/`) ? d.policy.slice(targetNamespace.length + 1) : d.policy;
        return `${d.decision} · ${short}`;
    }
    return d.decision === "ALLOW" ? "ALLOW · no ALLOW policy" : "DENY · no rule matched";
}

const probeHeader = (cell: MatrixCell): string => (cell.protocol === "TCP" ? `${cell.port}/tcp` : `${cell.port} ${cell.method} ${cell.path}`);
const escapeCell = (s: string): string => s.replace(/\|/g, "\\|");

/** Markdown: one table per target workload, a row per caller, a column per probe. */
export function buildAuthzMatrix(manifests: KubeObject[], probes: MatrixProbes = {}): string {
    const rows = evaluateMatrix(manifests, probes);
    const policies = authorizationPoliciesFrom(manifests);
    const workloads = workloadsFromManifests(manifests, probes);
    const callers = allCallers(manifests, workloads, probes);
    const out: string[] = [
        "# Authorization matrix",
        "",
        `Evaluated offline from ${policies.length} AuthorizationPolicies with Istio's semantics (components/istio/authz.ts); ` +
            `root namespace \`${probes.rootNamespace ?? DEFAULT_ROOT_NAMESPACE}\`, path normalization \`${probes.pathNormalization ?? "BASE"}\`. ` +
            "Probes per target: every port, method and path its policies name, plus a method and a path they do not. " +
            "A cell reads `decision · deciding policy`; `no rule matched` means ALLOW policies apply but none matched (denied); " +
                "`refused by the caller's proxy (<route>)` means the caller's gateway or sidecar answers the request itself (an error route leading a VirtualService it applies), so it never reaches the target.",
        "",
        "Callers:",
        "",
        ...callers.map((c) => `- ${c.label}: ${c.principal ? `\`${c.principal}\`` : "no peer identity (plaintext)"}${c.requestPrincipal ? `, request principal \`${c.requestPrincipal}\` where a RequestAuthentication validates its issuer` : ""}`),
        "",
        `Policies: ${policies.map((p) => `\`${policyRef(p)}\``).join(", ") || "none"}`,
    ];
    for (const target of workloads) {
        const targetRows = rows.filter((r) => r.target.namespace === target.namespace && r.target.name === target.name);
        out.push("", `## ${target.namespace}/${target.name}`, "");
        const ports = target.ports.map((p) => `${p.port}/${p.protocol}`).join(", ") || "none declared";
        out.push(`${target.kind}, service account \`${target.serviceAccountName}\`, ports ${ports}.`, "");
        if (targetRows.length === 0 || targetRows[0].cells.length === 0) continue;
        const headers = targetRows[0].cells.map(probeHeader);
        out.push(`| caller | ${headers.join(" | ")} |`, `|---|${headers.map(() => "---").join("|")}|`);
        for (const row of targetRows) {
            out.push(`| ${escapeCell(row.caller.label)} | ${row.cells.map((c) => escapeCell(cellText(c, target.namespace))).join(" | ")} |`);
        }
    }
    return `${out.join("\n")}\n${buildEgressMatrix(manifests, probes)}`;
}

// ---- Egress: which workloads' proxies can address which destinations (Sidecar egress) ----

export interface EgressDestination {
    /** DNS name. */
    host: string;
    /** Namespace of the Service or ServiceEntry. */
    namespace: string;
    /** "ServiceEntry" or "Service". */
    kind: string;
    name: string;
    /** ServiceEntry exportTo; undefined = exported everywhere. */
    exportTo?: string[];
}

interface SidecarLike {
    metadata: { name: string; namespace?: string };
    spec?: { workloadSelector?: { labels?: Record<string, string> }; egress?: Array<{ hosts?: string[] }> };
}

/** The Sidecar that configures a workload's proxy: its own (selector), else its namespace's, else the root namespace's. */
export function effectiveSidecar(workload: MeshWorkload, manifests: KubeObject[], rootNamespace = DEFAULT_ROOT_NAMESPACE): SidecarLike | undefined {
    const sidecars = manifests.filter((o) => o.kind === "Sidecar" && o.apiVersion.startsWith("networking.istio.io/")) as unknown as SidecarLike[];
    const inNs = (ns: string) => sidecars.filter((s) => (s.metadata.namespace ?? "default") === ns);
    const selected = inNs(workload.namespace).find((s) => {
        const sel = s.spec?.workloadSelector?.labels;
        return sel && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => workload.labels[k] === v);
    });
    return selected ?? inNs(workload.namespace).find((s) => !s.spec?.workloadSelector) ?? inNs(rootNamespace).find((s) => !s.spec?.workloadSelector);
}

function dnsMatches(pattern: string, host: string): boolean {
    if (pattern === "*") return true;
    if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1));
    return pattern === host;
}

/** Whether a proxy configured by `sidecar` (in `sidecarNs`) has `dest` in view, as istiod builds it. */
export function sidecarAdmits(sidecar: SidecarLike | undefined, sidecarNs: string, dest: EgressDestination): boolean {
    const exported = !dest.exportTo || dest.exportTo.includes("*") || dest.exportTo.includes(sidecarNs) || (dest.exportTo.includes(".") && dest.namespace === sidecarNs);
    if (!exported) return false;
    if (!sidecar) return true;
    return (sidecar.spec?.egress ?? []).some((e) =>
        (e.hosts ?? []).some((h) => {
            const [ns, dns] = h.includes("/") ? [h.slice(0, h.indexOf("/")), h.slice(h.indexOf("/") + 1)] : ["*", h];
            // "~" (nothing) and any other namespace admit nothing here.
            const nsOk = ns === "*" || ns === dest.namespace || (ns === "." && dest.namespace === sidecarNs);
            return nsOk && dnsMatches(dns, dest.host);
        }),
    );
}

/** ServiceEntry hosts, and the Services of namespaces whose proxies a Sidecar restricts. */
export function egressDestinations(manifests: KubeObject[]): EgressDestination[] {
    const restricted = new Set(manifests.filter((o) => o.kind === "Sidecar").map((o) => o.metadata.namespace ?? "default"));
    const out: EgressDestination[] = [];
    for (const o of manifests) {
        const ns = o.metadata.namespace ?? "default";
        if (o.kind === "ServiceEntry" && o.apiVersion.startsWith("networking.istio.io/")) {
            const spec = (o.spec ?? {}) as { hosts?: string[]; exportTo?: string[] };
            for (const host of spec.hosts ?? []) out.push({ host, namespace: ns, kind: "ServiceEntry", name: o.metadata.name, exportTo: spec.exportTo });
        } else if (o.kind === "Service" && o.apiVersion === "v1" && restricted.has(ns)) {
            out.push({ host: `${o.metadata.name}.${ns}.svc.cluster.local`, namespace: ns, kind: "Service", name: o.metadata.name });
        }
    }
    return out.sort((a, b) => `${a.namespace}/${a.host}`.localeCompare(`${b.namespace}/${b.host}`));
}

/** Markdown: per destination, which workloads' proxies can address it. */
export function buildEgressMatrix(manifests: KubeObject[], options: WorkloadOptions & { rootNamespace?: string } = {}): string {
    const destinations = egressDestinations(manifests);
    if (destinations.length === 0) return "";
    const workloads = workloadsFromManifests(manifests, options).filter((w) => manifests.some((o) => o.kind !== "Service" && o.metadata.name === w.name && o.metadata.namespace === w.namespace));
    const out = [
        "",
        "## Egress: which proxies can address each destination",
        "",
        "From the Sidecar resources (a workload's own, else its namespace's, else the root namespace's) and ServiceEntry exportTo, " +
            "under REGISTRY_ONLY: a destination outside a proxy's view is dropped (BlackHoleCluster). A cell reads `reachable` or `blocked` and the Sidecar deciding it.",
        "",
        `| destination | ${workloads.map((w) => `${w.namespace}/${w.name}`).join(" | ")} |`,
        `|---|${workloads.map(() => "---").join("|")}|`,
    ];
    for (const d of destinations) {
        const cells = workloads.map((w) => {
            const sc = effectiveSidecar(w, manifests, options.rootNamespace);
            const ref = sc ? `${sc.metadata.namespace}/${sc.metadata.name}` : "no Sidecar";
            return `${sidecarAdmits(sc, w.namespace, d) ? "reachable" : "blocked"} · ${ref}`;
        });
        out.push(`| ${d.kind} \`${d.namespace}/${d.host}\` | ${cells.join(" | ")} |`);
    }
    return `${out.join("\n")}\n`;
}
