// Who can call whom: workloads, their identities and ports read from rendered manifests, and a
// caller x target matrix of evaluateRequest decisions. Pure: manifests in, data or Markdown out.

import { KubeObject } from "../k8s";
import { AuthzDecision, AuthzRequest, DEFAULT_ROOT_NAMESPACE, evaluateRequest, policyRef } from "./authz";
import { AuthorizationPolicyObject } from "./types";

export const DEFAULT_TRUST_DOMAIN = "cluster.local";
/** Identity of the Helm-installed istio/gateway chart in namespace istio-ingress. */
export const INGRESS_GATEWAY_PRINCIPAL = "cluster.local/ns/istio-ingress/sa/istio-ingressgateway";

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
            for (const svc of services) {
                const spec = svc.spec as ServiceSpec | undefined;
                if ((svc.metadata.namespace ?? "default") !== namespace || !matchesSelector(spec?.selector, labels)) continue;
                for (const sp of spec?.ports ?? []) {
                    const target =
                        typeof sp.targetPort === "string" ? containerPorts.find((c) => c.name === sp.targetPort)?.containerPort : (sp.targetPort ?? sp.port);
                    if (typeof target !== "number") continue;
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
}

export interface MatrixProbes extends WorkloadOptions {
    /** Default GET, POST, DELETE. */
    methods?: string[];
    /** Default "/", "/api/payments". */
    paths?: string[];
    /** Default INGRESS_GATEWAY_PRINCIPAL. */
    ingressPrincipal?: string;
    /** Default "istio-system". */
    rootNamespace?: string;
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

/** Callers: every distinct workload identity, the ingress gateway, and anonymous. */
export function matrixCallers(workloads: MeshWorkload[], ingressPrincipal: string = INGRESS_GATEWAY_PRINCIPAL): MatrixCaller[] {
    const byPrincipal = new Map<string, string[]>();
    for (const w of workloads) byPrincipal.set(w.principal, [...(byPrincipal.get(w.principal) ?? []), `${w.namespace}/${w.name}`]);
    const callers: MatrixCaller[] = [...byPrincipal].map(([principal, names]) => ({ label: names.join(", "), principal }));
    if (!byPrincipal.has(ingressPrincipal)) callers.push({ label: "ingress gateway", principal: ingressPrincipal });
    callers.push({ label: "anonymous" });
    return callers;
}

/** Every caller against every target, port, method and path (TCP ports get one probe each). */
export function evaluateMatrix(manifests: KubeObject[], probes: MatrixProbes = {}): MatrixRow[] {
    const methods = probes.methods ?? ["GET", "POST", "DELETE"];
    const paths = probes.paths ?? ["/", "/api/payments"];
    const workloads = workloadsFromManifests(manifests, probes);
    const policies = authorizationPoliciesFrom(manifests);
    const callers = matrixCallers(workloads, probes.ingressPrincipal);
    const rows: MatrixRow[] = [];
    for (const target of workloads) {
        for (const caller of callers) {
            const cells: MatrixCell[] = [];
            for (const p of target.ports) {
                const base: AuthzRequest = {
                    source: caller.principal ? { principal: caller.principal } : {},
                    destination: { namespace: target.namespace, labels: target.labels },
                    port: p.port,
                    protocol: p.protocol,
                };
                if (p.protocol === "TCP") {
                    cells.push({ port: p.port, protocol: p.protocol, decision: evaluateRequest(policies, base, probes) });
                    continue;
                }
                for (const method of methods) {
                    for (const path of paths) {
                        cells.push({ port: p.port, protocol: p.protocol, method, path, decision: evaluateRequest(policies, { ...base, method, path }, probes) });
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
    const callers = matrixCallers(workloads, probes.ingressPrincipal);
    const out: string[] = [
        "# Authorization matrix",
        "",
        `Evaluated offline from ${policies.length} AuthorizationPolicies with Istio's semantics (components/istio/authz.ts); ` +
            `root namespace \`${probes.rootNamespace ?? DEFAULT_ROOT_NAMESPACE}\`. ` +
            "A cell reads `decision · deciding policy`; `no rule matched` means ALLOW policies apply but none matched (denied).",
        "",
        "Callers:",
        "",
        ...callers.map((c) => `- ${c.label}: ${c.principal ? `\`${c.principal}\`` : "no peer identity (plaintext)"}`),
        "",
        `Policies: ${policies.map((p) => `\`${policyRef(p)}\``).join(", ") || "none"}`,
    ];
    for (const target of workloads) {
        const targetRows = rows.filter((r) => r.target.namespace === target.namespace && r.target.name === target.name);
        out.push("", `## ${target.namespace}/${target.name}`, "");
        const ports = target.ports.map((p) => `${p.port}/${p.protocol}`).join(", ") || "none declared";
        out.push(`${target.kind}, service account \`${target.serviceAccountName}\`, ports ${ports}.`, "");
        if (target.ports.length === 0) continue;
        const headers = targetRows[0].cells.map(probeHeader);
        out.push(`| caller | ${headers.join(" | ")} |`, `|---|${headers.map(() => "---").join("|")}|`);
        for (const row of targetRows) {
            out.push(`| ${escapeCell(row.caller.label)} | ${row.cells.map((c) => escapeCell(cellText(c, target.namespace))).join(" | ")} |`);
        }
    }
    return `${out.join("\n")}\n`;
}
