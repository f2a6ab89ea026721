// Zero trust for the payments namespace: STRICT mTLS, allow-nothing, then one ALLOW policy per
// permitted edge of the call graph (positive matches only), and a Sidecar that keeps each
// proxy's view of the mesh to what the namespace needs.
import { allowNothing, authorizationPolicy, peerAuthentication, sidecar } from "../istio/builders";
import { AuthorizationPolicyObject, PeerAuthenticationObject, SidecarObject } from "../istio/types";
import { standardLabels } from "../k8s";
import { INGRESS_GATEWAY_PRINCIPAL } from "../mesh/topology";
import { OTLP_EGRESS, PLATFORM_HOSTS } from "./database";
import { publicApiOperations } from "./edge";
import { defaultEdge, EdgeConfig } from "./edge-settings";
import { BACKEND, FRONTEND, PAYMENTS_NAMESPACE, POSTGRES, principals, serviceHost } from "./names";

export { CLUSTER_DNS } from "./database";

const ns = PAYMENTS_NAMESPACE;
const labels = (name: string) => standardLabels(name);

/** Namespace-wide STRICT, on top of the mesh-wide default: plaintext never reaches these pods. */
export function strictMtls(): PeerAuthenticationObject {
    return peerAuthentication({ name: "default", namespace: ns, labels: labels("default"), spec: { mtls: { mode: "STRICT" } } });
}

/**
 * `default-deny` first, then only these. Ports are the pods' container ports (what the
 * destination sidecar sees). PostgreSQL speaks TCP: its rule names a port only, since a rule with
 * methods or paths never matches on a TCP port. With RDS there is no database pod in the mesh to
 * hold a policy: the backend's Sidecar and the database's security group do that part.
 *
 * The gateway's identity is every internet client's: it may call the public API only
 * (edge.publicApi), with a valid token of the issuer when edge.jwt is set (requestPrincipals,
 * validated by the backend's own RequestAuthentication, edge.ts). The frontend calls the backend
 * for those same internet users, so whatever it may call is public by definition: it gets the
 * same allow-list and, with edge.jwt, must forward the user's token (docs/payments.md, app contract).
 */
export function authorizationPolicies(inClusterDatabase = true, edge: EdgeConfig = defaultEdge()): AuthorizationPolicyObject[] {
    const withToken = edge.jwt ? { requestPrincipals: [...edge.jwt.requestPrincipals] } : {};
    const publicApi = () => publicApiOperations(edge.publicApi).map((operation) => ({ operation }));
    const policies = [
        allowNothing(ns, labels("default-deny")),
        authorizationPolicy({
            name: "allow-ingress-to-frontend",
            namespace: ns,
            labels: labels("allow-ingress-to-frontend"),
            spec: {
                selector: { matchLabels: { app: FRONTEND.app } },
                action: "ALLOW",
                rules: [
                    {
                        from: [{ source: { principals: [INGRESS_GATEWAY_PRINCIPAL] } }],
                        to: [{ operation: { ports: [String(FRONTEND.containerPort)], methods: ["GET", "HEAD"] } }],
                    },
                ],
            },
        }),
        authorizationPolicy({
            name: "allow-ingress-to-backend",
            namespace: ns,
            labels: labels("allow-ingress-to-backend"),
            spec: {
                selector: { matchLabels: { app: BACKEND.app } },
                action: "ALLOW",
                rules: [{ from: [{ source: { principals: [INGRESS_GATEWAY_PRINCIPAL], ...withToken } }], to: publicApi() }],
            },
        }),
        authorizationPolicy({
            name: "allow-frontend-to-backend",
            namespace: ns,
            labels: labels("allow-frontend-to-backend"),
            spec: {
                selector: { matchLabels: { app: BACKEND.app } },
                action: "ALLOW",
                rules: [{ from: [{ source: { principals: [principals.frontend], ...withToken } }], to: publicApi() }],
            },
        }),
    ];
    if (!inClusterDatabase) return policies;
    return [
        ...policies,
        authorizationPolicy({
            name: "allow-backend-to-postgres",
            namespace: ns,
            labels: labels("allow-backend-to-postgres"),
            spec: {
                selector: { matchLabels: { app: POSTGRES.app } },
                action: "ALLOW",
                rules: [{ from: [{ source: { principals: [principals.backend] } }], to: [{ operation: { ports: [String(POSTGRES.port)] } }] }],
            },
        }),
    ];
}

/**
 * Every proxy in the namespace without a Sidecar of its own (the frontend, the in-cluster
 * database) learns only the payments services callers use (frontend, backend), istio-system's, the
 * trace collector (the tracing provider's cluster must be in the proxy's view or spans are
 * dropped, on its OTLP port only: OTLP_EGRESS) and cluster DNS (TCP fallback), and drops anything
 * else (REGISTRY_ONLY in every stack): the database is not among them, so no proxy but the
 * backend's can address it (backendSidecar).
 */
export function namespaceSidecar(): SidecarObject {
    return sidecar({
        name: "default",
        namespace: ns,
        labels: labels("default"),
        spec: {
            egress: [OTLP_EGRESS, { hosts: [`./${serviceHost(FRONTEND.service)}`, `./${serviceHost(BACKEND.service)}`, ...PLATFORM_HOSTS] }],
            outboundTrafficPolicy: { mode: "REGISTRY_ONLY" },
        },
    });
}
