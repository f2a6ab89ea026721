// Request principals for the offline evaluator: which RequestAuthentications apply to a workload,
// and so whether a caller's token gives it a request principal there. Pure: manifests in.
//
// A request principal (`<iss>/<sub>`, what requestPrincipals match) exists only in a proxy that
// validated the token itself: Istio runs Envoy's jwt_authn filter per workload from the
// RequestAuthentications selecting it (same namespace or the root namespace), and a token of an
// issuer none of them names gets no principal there.
import { KubeObject } from "../k8s";
import { AuthzRequestAuth, DEFAULT_ROOT_NAMESPACE, policyAppliesTo } from "./authz";
import { AuthorizationPolicyObject, RequestAuthenticationObject } from "./types";

/** RequestAuthentications among the manifests, whatever served version they use. */
export function requestAuthenticationsFrom(manifests: readonly KubeObject[]): RequestAuthenticationObject[] {
    return manifests
        .filter((o) => o.kind === "RequestAuthentication" && o.apiVersion.startsWith("security.istio.io/"))
        .map((o) => ({ ...o, spec: (o.spec ?? {}) as RequestAuthenticationObject["spec"] }));
}

/** Issuers whose tokens the workload's proxy validates. Selector and targetRefs attach as for AuthorizationPolicies. */
export function jwtIssuersAt(workload: { namespace: string; labels: Record<string, string> }, ras: readonly RequestAuthenticationObject[], rootNamespace = DEFAULT_ROOT_NAMESPACE): string[] {
    const applying = ras.filter((ra) => policyAppliesTo(ra as unknown as AuthorizationPolicyObject, workload, rootNamespace));
    return [...new Set(applying.flatMap((ra) => (ra.spec.jwtRules ?? []).map((r) => r.issuer).filter((i): i is string => Boolean(i))))].sort();
}

/**
 * The auth attributes a request with a valid token for `requestPrincipal` has at `workload`:
 * the principal when a RequestAuthentication there names its issuer, none otherwise (with why).
 */
export function requestAuthAt(
    requestPrincipal: string | undefined,
    workload: { namespace: string; name?: string; labels: Record<string, string> },
    ras: readonly RequestAuthenticationObject[],
    rootNamespace = DEFAULT_ROOT_NAMESPACE,
): { auth?: AuthzRequestAuth; note?: string } {
    if (requestPrincipal === undefined) return {};
    const issuers = jwtIssuersAt(workload, ras, rootNamespace);
    const issuer = issuers.filter((i) => requestPrincipal.startsWith(`${i}/`)).sort((a, b) => b.length - a.length)[0];
    if (issuer === undefined) {
        const at = `${workload.namespace}/${workload.name ?? "the workload"}`;
        return { note: `no RequestAuthentication at ${at} validates the issuer of ${requestPrincipal} (${issuers.length ? `it validates ${issuers.join(", ")}` : "it validates none"}), so the request has no request principal there` };
    }
    return { auth: { principal: requestPrincipal } };
}

/** An example principal of an issuer, for matrix rows: `<iss>/<subject>`. */
export function samplePrincipal(issuer: string): string {
    return `${issuer}/sample-subject`;
}
