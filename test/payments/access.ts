// The intended access matrix of dodo-payments, as evaluateRequest sees it: callers, targets and
// requests. Shared by the pure test (builders) and the render test (the real stack).
import { strict as assert } from "assert";
import { AuthzRequest, evaluateRequest } from "../../components/istio/authz";
import { AuthorizationPolicyObject } from "../../components/istio/types";
import { INGRESS_GATEWAY_PRINCIPAL, principalOf } from "../../components/mesh/topology";

export const CALLERS = {
    ingress: INGRESS_GATEWAY_PRINCIPAL,
    frontend: principalOf("dodo-payments", "frontend-sa"),
    backend: principalOf("dodo-payments", "backend-sa"),
    postgres: principalOf("dodo-payments", "postgres-sa"),
    // Another workload in the mesh, e.g. a compromised pod in a different namespace.
    stranger: principalOf("observability", "grafana"),
    // Same namespace, but not an account any policy names.
    defaultSa: principalOf("dodo-payments", "default"),
} as const;
export type Caller = keyof typeof CALLERS | "anonymous";

export const TARGETS = {
    frontend: { labels: { app: "frontend", version: "v1" }, port: 8080 },
    "backend-v1": { labels: { app: "backend", version: "v1" }, port: 3000 },
    "backend-v2": { labels: { app: "backend", version: "v2" }, port: 3000 },
    postgres: { labels: { app: "postgres", version: "17" }, port: 5432 },
} as const;
export type Target = keyof typeof TARGETS;

export interface Call {
    from: Caller;
    to: Target;
    method?: string;
    path?: string;
    /** TCP when no method/path is given. */
    port?: number;
}

/** Callers that act for an internet user and forward the user's token (docs/payments.md, app contract). */
export const TOKEN_FORWARDERS: readonly Caller[] = ["ingress", "frontend"];

/**
 * `requestPrincipal`: the internet's calls (from the ingress gateway, and the frontend's on a
 * user's behalf) carry a valid token with this principal, as they must where the stack validates
 * JWTs (payments.edge.jwt).
 */
export function decide(policies: AuthorizationPolicyObject[], call: Call, requestPrincipal?: string): "ALLOW" | "DENY" {
    const target = TARGETS[call.to];
    const http = call.method !== undefined || call.path !== undefined;
    const request: AuthzRequest = {
        source: call.from === "anonymous" ? {} : { principal: CALLERS[call.from] },
        destination: { namespace: "dodo-payments", labels: { ...target.labels } },
        port: call.port ?? target.port,
        ...(http ? { protocol: "HTTP" as const, method: call.method ?? "GET", path: call.path ?? "/" } : { protocol: "TCP" as const }),
        ...(requestPrincipal && TOKEN_FORWARDERS.includes(call.from) ? { auth: { principal: requestPrincipal } } : {}),
    };
    return evaluateRequest(policies, request).decision;
}

const describeCall = (c: Call) => `${c.from} -> ${c.to}${c.method ? ` ${c.method}` : ""}${c.path ? ` ${c.path}` : ""}${c.port ? ` :${c.port}` : ""}`;

/** The matrix: what must be allowed, and a sample of what must be denied. */
export const ALLOWED: Call[] = [
    { from: "ingress", to: "frontend", method: "GET", path: "/" },
    { from: "ingress", to: "frontend", method: "HEAD", path: "/checkout" },
    // The public API (payments.edge.publicApi's default): create, read and list payments.
    { from: "ingress", to: "backend-v1", method: "GET", path: "/api/payments/pay_123" },
    { from: "ingress", to: "backend-v2", method: "POST", path: "/api/payments" },
    { from: "ingress", to: "backend-v1", method: "GET", path: "/api/payments" },
    { from: "frontend", to: "backend-v1", method: "GET", path: "/api/payments" },
    { from: "frontend", to: "backend-v2", method: "POST", path: "/api/payments?idempotency=1" },
    { from: "backend", to: "postgres" },
];

export const DENIED: Call[] = [
    // The edge reaches the frontend only to read it.
    { from: "ingress", to: "frontend", method: "POST", path: "/" },
    { from: "ingress", to: "frontend", method: "DELETE", path: "/" },
    // The backend serves /api only, with GET and POST.
    { from: "ingress", to: "backend-v1", method: "GET", path: "/admin" },
    { from: "ingress", to: "backend-v1", method: "GET", path: "/apiary" },
    { from: "ingress", to: "backend-v1", method: "DELETE", path: "/api/payments/pay_123" },
    // The internet reaches the public API only: no admin path, no method a route does not list.
    { from: "ingress", to: "backend-v1", method: "POST", path: "/api/admin/refunds" },
    { from: "ingress", to: "backend-v2", method: "GET", path: "/api/admin/refunds" },
    { from: "ingress", to: "backend-v1", method: "POST", path: "/api/payments/pay_123" },
    { from: "ingress", to: "backend-v1", method: "GET", path: "/api/payments/pay_123/refunds" },
    { from: "ingress", to: "backend-v1", method: "GET", path: "/api" },
    { from: "ingress", to: "backend-v1", method: "GET", path: "/api/payments/../admin/refunds" },
    // The frontend acts for internet users: the public API only (payments.edge.publicApi), so a
    // page cannot be made to call the operators' API for its visitor.
    { from: "frontend", to: "backend-v1", method: "POST", path: "/api/admin/refunds" },
    { from: "frontend", to: "backend-v2", method: "GET", path: "/api/admin/refunds" },
    { from: "frontend", to: "backend-v1", method: "GET", path: "/api" },
    { from: "frontend", to: "backend-v1", method: "PUT", path: "/api/payments" },
    { from: "frontend", to: "backend-v1", method: "GET", path: "/metrics" },
    // Istio normalizes dot segments before matching: /api/../admin is /admin.
    { from: "frontend", to: "backend-v1", method: "GET", path: "/api/../admin" },
    // The right caller on the wrong port.
    { from: "frontend", to: "backend-v1", method: "GET", path: "/api/payments", port: 9090 },
    // Nobody but the backend reaches the database, and only on 5432.
    { from: "frontend", to: "postgres" },
    { from: "ingress", to: "postgres" },
    { from: "postgres", to: "postgres" },
    { from: "backend", to: "postgres", port: 5433 },
    // The backend calls nothing but the database.
    { from: "backend", to: "frontend", method: "GET", path: "/" },
    { from: "backend", to: "backend-v2", method: "GET", path: "/api/payments" },
    // The frontend calls nothing but the backend.
    { from: "frontend", to: "frontend", method: "GET", path: "/" },
    // Any other identity in the mesh, the namespace's default account, and plaintext: nothing.
    { from: "stranger", to: "backend-v1", method: "GET", path: "/api/payments" },
    { from: "stranger", to: "frontend", method: "GET", path: "/" },
    { from: "stranger", to: "postgres" },
    { from: "defaultSa", to: "backend-v1", method: "POST", path: "/api/payments" },
    { from: "anonymous", to: "frontend", method: "GET", path: "/" },
    { from: "anonymous", to: "backend-v1", method: "GET", path: "/api/payments" },
    { from: "anonymous", to: "postgres" },
];

/**
 * Registers the matrix as mocha specifications over `policies()`. Without an in-cluster database
 * (RDS: outside the mesh, no pod to hold a policy) the calls to `postgres` are left out; the
 * Sidecars and security groups keep RDS to the backend (test/payments/rds.test.ts).
 */
export function accessMatrixSpecs(policies: () => AuthorizationPolicyObject[], inClusterDatabase = true, requestPrincipal?: () => string): void {
    const keep = (call: Call) => inClusterDatabase || call.to !== "postgres";
    const principal = () => requestPrincipal?.();
    for (const call of ALLOWED.filter(keep)) {
        it(`allows ${describeCall(call)}`, () => assert.equal(decide(policies(), call, principal()), "ALLOW"));
    }
    for (const call of DENIED.filter(keep)) {
        it(`denies ${describeCall(call)}`, () => assert.equal(decide(policies(), call, principal()), "DENY"));
    }
    if (requestPrincipal === undefined) return;
    it("denies the internet's calls to the backend without a valid token, the frontend's on a user's behalf too (JWTs are validated here)", () => {
        const calls = ALLOWED.filter((c) => TOKEN_FORWARDERS.includes(c.from) && c.to.startsWith("backend"));
        assert.deepEqual([...new Set(calls.map((c) => c.from))], ["ingress", "frontend"]);
        for (const call of calls) assert.equal(decide(policies(), call), "DENY", describeCall(call));
    });
}
