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

export function decide(policies: AuthorizationPolicyObject[], call: Call): "ALLOW" | "DENY" {
    const target = TARGETS[call.to];
    const http = call.method !== undefined || call.path !== undefined;
    const request: AuthzRequest = {
        source: call.from === "anonymous" ? {} : { principal: CALLERS[call.from] },
        destination: { namespace: "dodo-payments", labels: { ...target.labels } },
        port: call.port ?? target.port,
        ...(http ? { protocol: "HTTP" as const, method: call.method ?? "GET", path: call.path ?? "/" } : { protocol: "TCP" as const }),
    };
    return evaluateRequest(policies, request).decision;
}

const describeCall = (c: Call) => `${c.from} -> ${c.to}${c.method ? ` ${c.method}` : ""}${c.path ? ` ${c.path}` : ""}${c.port ? ` :${c.port}` : ""}`;

/** The matrix: what must be allowed, and a sample of what must be denied. */
export const ALLOWED: Call[] = [
    { from: "ingress", to: "frontend", method: "GET", path: "/" },
    { from: "ingress", to: "frontend", method: "HEAD", path: "/checkout" },
    { from: "ingress", to: "backend-v1", method: "GET", path: "/api/payments/pay_123" },
    { from: "ingress", to: "backend-v2", method: "POST", path: "/api/payments" },
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
export function accessMatrixSpecs(policies: () => AuthorizationPolicyObject[], inClusterDatabase = true): void {
    const keep = (call: Call) => inClusterDatabase || call.to !== "postgres";
    for (const call of ALLOWED.filter(keep)) {
        it(`allows ${describeCall(call)}`, () => assert.equal(decide(policies(), call), "ALLOW"));
    }
    for (const call of DENIED.filter(keep)) {
        it(`denies ${describeCall(call)}`, () => assert.equal(decide(policies(), call), "DENY"));
    }
}
