// The edge's access control: the public API as AuthorizationPolicy operations, and JWT validation
// (RequestAuthentication) at the ingress gateway and at the backend.
//
// Istio semantics these rely on (istio.io, RequestAuthentication reference): a request without a
// token passes a RequestAuthentication unauthenticated, and one with an invalid token is refused
// (401); only an AuthorizationPolicy with requestPrincipals makes a token required. The request
// principal is set by the proxy that validated the token, so the backend's own RequestAuthentication
// is what lets its ALLOW policy name requestPrincipals; the gateway's rejects bad tokens before
// they are routed. forwardOriginalToken keeps the Authorization header for the next hop (Envoy's
// jwt_authn removes it otherwise, pilot/pkg/security/authn/policy_applier.go).
import { requestAuthentication } from "../istio/builders";
import { AuthorizationOperation, RequestAuthenticationObject } from "../istio/types";
import { standardLabels } from "../k8s";
import { INGRESS_GATEWAY_SELECTOR, INGRESS_NAMESPACE } from "../mesh/topology";
import { JwtConfig, PublicApiRoute } from "./edge-settings";
import { BACKEND, PAYMENTS_NAMESPACE } from "./names";

/**
 * One operation per set of methods, listing the paths that take exactly those methods: a route's
 * method never leaks to another path (GET on /a and POST on /b must not allow POST /a).
 */
export function publicApiOperations(routes: readonly PublicApiRoute[], port: number = BACKEND.containerPort): AuthorizationOperation[] {
    if (routes.length === 0) throw new Error("the public API needs at least one route: an ALLOW rule without operations would allow every path");
    const methodsByPath = new Map<string, Set<string>>();
    for (const r of routes) methodsByPath.set(r.path, (methodsByPath.get(r.path) ?? new Set()).add(r.method));
    const pathsByMethods = new Map<string, string[]>();
    for (const [path, methods] of methodsByPath) {
        const key = [...methods].sort().join(",");
        pathsByMethods.set(key, [...(pathsByMethods.get(key) ?? []), path]);
    }
    return [...pathsByMethods].map(([methods, paths]) => ({ ports: [String(port)], methods: methods.split(","), paths }));
}

/**
 * The token is read from `Authorization: Bearer` only. Istio's default also takes an
 * `access_token` query parameter, which would put the token into the access log's path (Loki)
 * and every proxy's request line. Istio hands fromHeaders to Envoy's JwtProvider as they are
 * (pilot/pkg/security/authn/policy_applier.go), and Envoy tries its default locations only when
 * no location is named.
 */
function jwtRule(jwt: JwtConfig) {
    return {
        issuer: jwt.issuer,
        ...(jwt.jwksUri ? { jwksUri: jwt.jwksUri } : {}),
        ...(jwt.audiences.length > 0 ? { audiences: [...jwt.audiences] } : {}),
        fromHeaders: [{ name: "Authorization", prefix: "Bearer " }],
        forwardOriginalToken: true,
    };
}

/** At the ingress gateway: a request with an invalid or foreign token is refused before routing. */
export function edgeJwtAuthentication(jwt: JwtConfig): RequestAuthenticationObject {
    return requestAuthentication({
        name: "edge-jwt",
        namespace: INGRESS_NAMESPACE,
        labels: standardLabels("edge-jwt"),
        spec: { selector: { matchLabels: { ...INGRESS_GATEWAY_SELECTOR } }, jwtRules: [jwtRule(jwt)] },
    });
}

/** At the backend: validates the forwarded token again, so allow-ingress-to-backend can require its principal. */
export function backendJwtAuthentication(jwt: JwtConfig): RequestAuthenticationObject {
    return requestAuthentication({
        name: "backend-jwt",
        namespace: PAYMENTS_NAMESPACE,
        labels: standardLabels("backend-jwt"),
        spec: { selector: { matchLabels: { app: BACKEND.app } }, jwtRules: [jwtRule(jwt)] },
    });
}
