// Who may talk to whom at the security-group layer around the payments database. Pure: the
// flows, the rules they become, and a path check the tests run over the rendered rules.
//
// With security groups for pods, a backend pod gets a branch ENI carrying ONLY its own group,
// while every pod it talks to (CoreDNS, istiod, the collector, the gateway, the frontend,
// Prometheus) sits on node ENIs carrying the EKS cluster group and the platform's node group.
// `standard` enforcing mode (components/cluster/vpc-cni.ts) exempts only traffic to and from
// pods and the kubelet on the SAME node, and traffic leaving the VPC (SNAT to the node's primary
// ENI, whose groups apply) (EKS user guide, security-groups-pods-deployment.md). Everything
// crossing nodes needs a rule on both sides. AWS asks for three things explicitly
// (sg-pods-example-deployment.md): inbound from the node group on every probe port (the kubelet),
// outbound TCP and UDP 53 to CoreDNS's group, and CoreDNS's group admitting them back.
import { JAEGER_COLLECTOR } from "../tracing";
import { BACKEND, POSTGRES } from "./names";
import { DatabaseNetwork } from "./database-settings";

/** The groups these rules connect. `nodes` is the platform's node group every node carries. */
export type GroupRole = "backend-pods" | "nodes" | "database";

export type Protocol = "tcp" | "udp";

export interface SecurityGroupRule {
    /** The group the rule belongs to. */
    group: GroupRole;
    direction: "ingress" | "egress";
    protocol: Protocol;
    port: number;
    /** The other group. */
    peer: GroupRole;
    description: string;
}

/** istiod's xDS and CA port (the sidecar's only control-plane connection). */
export const ISTIOD_XDS_PORT = 15012;
export const DNS_PORT = 53;
/** Istio agent: merged Prometheus metrics and the rewritten app probes (the only port Prometheus scrapes: observability/monitors.ts). */
export const AGENT_PORT = 15020;
/** Envoy's readiness port, the istio-proxy container's own probe. */
export const ENVOY_HEALTH_PORT = 15021;

/** One flow a backend pod needs, from the pod's point of view; the other end is on node ENIs or is the database. */
export interface PodFlow {
    name: string;
    direction: "egress" | "ingress";
    protocol: Protocol;
    port: number;
    peer: "nodes" | "database";
    why: string;
}

/**
 * Everything a meshed backend pod needs, and nothing else (no all-traffic egress):
 *   out: cluster DNS (UDP, and TCP for truncated answers), istiod (xDS and certificates; the
 *        injection and validation webhooks are the API server calling istiod, not the pod),
 *        the trace collector's OTLP/gRPC port, PostgreSQL on RDS;
 *   in:  the app port from the ingress gateway and the frontend (mesh mTLS; the sidecar's
 *        capture happens inside the pod, so the group sees the original port), the agent port
 *        from Prometheus and the kubelet's rewritten probes, Envoy's health port from the kubelet.
 * 15090 (Envoy's raw stats) is not opened: Prometheus scrapes the merged 15020 only.
 */
export const BACKEND_POD_FLOWS: readonly PodFlow[] = [
    ...(["udp", "tcp"] as const).map((protocol): PodFlow => ({ name: `dns-${protocol}`, direction: "egress", protocol, port: DNS_PORT, peer: "nodes", why: `cluster DNS (CoreDNS) over ${protocol.toUpperCase()}` })),
    { name: "istiod", direction: "egress", protocol: "tcp", port: ISTIOD_XDS_PORT, peer: "nodes", why: "istiod xDS and certificate signing" },
    { name: "otlp", direction: "egress", protocol: "tcp", port: JAEGER_COLLECTOR.port, peer: "nodes", why: "trace collector (OTLP/gRPC)" },
    { name: "postgres", direction: "egress", protocol: "tcp", port: POSTGRES.port, peer: "database", why: "PostgreSQL on RDS" },
    { name: "api", direction: "ingress", protocol: "tcp", port: BACKEND.containerPort, peer: "nodes", why: "backend API from the ingress gateway and the frontend" },
    { name: "agent", direction: "ingress", protocol: "tcp", port: AGENT_PORT, peer: "nodes", why: "Prometheus (merged metrics) and kubelet (rewritten probes)" },
    { name: "envoy-health", direction: "ingress", protocol: "tcp", port: ENVOY_HEALTH_PORT, peer: "nodes", why: "kubelet probing the sidecar's readiness" },
];

/**
 * Every rule, both sides of every flow. Pod-security-group mode: the backend group's rules, the
 * node group admitting the backend group on DNS, istiod and OTLP, and the database admitting the
 * backend group on 5432. The node group's egress is open already (its own rule) and the database
 * initiates nothing, so neither gets an egress rule. Node-security-group mode: the database admits
 * the nodes (every pod on them reaches 5432; the mesh keeps meshed pods other than the backend out).
 */
export function databaseSecurityGroupRules(network: DatabaseNetwork): SecurityGroupRule[] {
    if (network === "node-security-group") {
        return [{ group: "database", direction: "ingress", protocol: "tcp", port: POSTGRES.port, peer: "nodes", description: "PostgreSQL from the nodes (node-security-group mode)" }];
    }
    const rules: SecurityGroupRule[] = [];
    for (const f of BACKEND_POD_FLOWS) {
        rules.push({ group: "backend-pods", direction: f.direction, protocol: f.protocol, port: f.port, peer: f.peer, description: `${f.why} (backend pods)` });
        if (f.direction === "egress") rules.push({ group: f.peer, direction: "ingress", protocol: f.protocol, port: f.port, peer: "backend-pods", description: `${f.why} (from backend pods)` });
    }
    return rules;
}

/** A security-group rule as rendered (the fields of aws.vpc.SecurityGroup{Ingress,Egress}Rule). */
export interface RenderedRule {
    direction: "ingress" | "egress";
    securityGroupId: string;
    referencedSecurityGroupId?: string;
    cidrIpv4?: string;
    ipProtocol: string;
    fromPort?: number;
    toPort?: number;
}

function covers(r: RenderedRule, protocol: Protocol, port: number): boolean {
    if (r.ipProtocol === "-1") return true;
    return r.ipProtocol === protocol && (r.fromPort ?? -1) <= port && port <= (r.toPort ?? -1);
}

/**
 * Whether `protocol`/`port` can go from an ENI carrying `fromGroups` to one carrying `toGroups`
 * across nodes: some source group lets it out towards a destination group (or anywhere), and some
 * destination group lets it in from a source group (security groups are stateful: replies need no rule).
 */
export function securityGroupPath(rules: readonly RenderedRule[], fromGroups: readonly string[], toGroups: readonly string[], protocol: Protocol, port: number): boolean {
    const out = rules.some((r) => r.direction === "egress" && fromGroups.includes(r.securityGroupId) && covers(r, protocol, port) && (r.cidrIpv4 === "0.0.0.0/0" || toGroups.includes(r.referencedSecurityGroupId ?? "")));
    const into = rules.some((r) => r.direction === "ingress" && toGroups.includes(r.securityGroupId) && covers(r, protocol, port) && fromGroups.includes(r.referencedSecurityGroupId ?? ""));
    return out && into;
}
