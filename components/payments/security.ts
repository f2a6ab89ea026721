// Zero trust for the payments namespace: STRICT mTLS, allow-nothing, then one ALLOW policy per
// permitted edge of the call graph (positive matches only), and a Sidecar that keeps each
// proxy's view of the mesh to what the namespace needs.
import { allowNothing, authorizationPolicy, peerAuthentication, sidecar } from "../istio/builders";
import { AuthorizationPolicyObject, PeerAuthenticationObject, SidecarObject } from "../istio/types";
import { standardLabels } from "../k8s";
import { INGRESS_GATEWAY_PRINCIPAL, ISTIO_ROOT_NAMESPACE } from "../mesh/topology";
import { collectorHost, JAEGER_COLLECTOR } from "../tracing";
import { API_METHODS, API_PREFIX, BACKEND, FRONTEND, PAYMENTS_NAMESPACE, POSTGRES, principals } from "./names";

const ns = PAYMENTS_NAMESPACE;
const labels = (name: string) => standardLabels(name);

/** Namespace-wide STRICT, on top of the mesh-wide default: plaintext never reaches these pods. */
export function strictMtls(): PeerAuthenticationObject {
    return peerAuthentication({ name: "default", namespace: ns, labels: labels("default"), spec: { mtls: { mode: "STRICT" } } });
}

/** The API surface: /api itself and every path under /api/, with the methods the API serves. */
const apiOperation = () => ({ ports: [String(BACKEND.containerPort)], methods: [...API_METHODS], paths: [API_PREFIX, `${API_PREFIX}/*`] });

/**
 * The cluster DNS Service. Resolvers fall back to TCP/53 for large answers; with the mesh's
 * REGISTRY_ONLY outbound policy that connection needs kube-dns in the Sidecar's view, or it is
 * dropped (UDP DNS is not intercepted by default and works either way).
 */
export const CLUSTER_DNS = { namespace: "kube-system", host: "kube-dns.kube-system.svc.cluster.local" } as const;

/**
 * `default-deny` first, then only these. Ports are the pods' container ports (what the
 * destination sidecar sees). PostgreSQL speaks TCP: its rule names a port only, since a rule with
 * methods or paths never matches on a TCP port.
 */
export function authorizationPolicies(): AuthorizationPolicyObject[] {
    return [
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
                rules: [{ from: [{ source: { principals: [INGRESS_GATEWAY_PRINCIPAL] } }], to: [{ operation: apiOperation() }] }],
            },
        }),
        authorizationPolicy({
            name: "allow-frontend-to-backend",
            namespace: ns,
            labels: labels("allow-frontend-to-backend"),
            spec: {
                selector: { matchLabels: { app: BACKEND.app } },
                action: "ALLOW",
                rules: [{ from: [{ source: { principals: [principals.frontend] } }], to: [{ operation: apiOperation() }] }],
            },
        }),
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
 * Each proxy in the namespace learns only the namespace's own services, istio-system's, the
 * trace collector (the tracing provider's cluster must be in the proxy's view or spans are
 * dropped) and cluster DNS (TCP fallback). Smaller config per proxy, and nothing here can
 * address the rest of the mesh.
 */
export function namespaceSidecar(): SidecarObject {
    return sidecar({
        name: "default",
        namespace: ns,
        labels: labels("default"),
        spec: {
            egress: [
                {
                    hosts: [
                        "./*",
                        `${ISTIO_ROOT_NAMESPACE}/*`,
                        `${JAEGER_COLLECTOR.namespace}/${collectorHost(JAEGER_COLLECTOR)}`,
                        `${CLUSTER_DNS.namespace}/${CLUSTER_DNS.host}`,
                    ],
                },
            ],
        },
    });
}
