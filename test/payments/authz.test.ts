import { strict as assert } from "assert";
import { evaluateRequest } from "../../components/istio/authz";
import { authorizationPolicy } from "../../components/istio/builders";
import { AuthorizationPolicyObject } from "../../components/istio/types";
import { defaultEdge } from "../../components/payments/edge-settings";
import { authorizationPolicies } from "../../components/payments/security";
import { accessMatrixSpecs, CALLERS, decide } from "./access";

describe("payments authorization (built policies)", () => {
    const policies = (): AuthorizationPolicyObject[] => authorizationPolicies();

    describe("access matrix", () => accessMatrixSpecs(policies));

    describe("access matrix with JWT validation (prod's default)", () => {
        const issuer = "https://auth.dodopayments.com";
        const jwt = { issuer, audiences: ["payments-api"], requestPrincipals: [`${issuer}/*`] };
        accessMatrixSpecs(() => authorizationPolicies(true, { ...defaultEdge(), jwt }), true, () => `${issuer}/user-1`);
    });

    it("is default-deny: removing an ALLOW policy denies its edge", () => {
        const without = policies().filter((p) => p.metadata.name !== "allow-frontend-to-backend");
        assert.equal(decide(without, { from: "frontend", to: "backend-v1", method: "GET", path: "/api/payments" }), "DENY");
    });

    it("would let any mesh workload in with a blanket principals: [\"*\"] rule, which is why none exists", () => {
        const blanket = authorizationPolicy({
            name: "allow-any-authenticated",
            namespace: "dodo-payments",
            spec: { selector: { matchLabels: { app: "backend" } }, rules: [{ from: [{ source: { principals: ["*"] } }] }] },
        });
        assert.equal(decide([...policies(), blanket], { from: "stranger", to: "backend-v1", method: "DELETE", path: "/admin" }), "ALLOW");
        assert.ok(policies().every((p) => !JSON.stringify(p.spec).includes('"*"')));
    });

    it("names the deciding policy for each allowed edge", () => {
        const by = (from: keyof typeof CALLERS, labels: Record<string, string>, port: number, http: boolean) =>
            evaluateRequest(policies(), {
                source: { principal: CALLERS[from] },
                destination: { namespace: "dodo-payments", labels },
                port,
                ...(http ? { method: "GET", path: "/api/payments" } : { protocol: "TCP" as const }),
            }).policy;
        assert.equal(by("ingress", { app: "backend", version: "v1" }, 3000, true), "dodo-payments/allow-ingress-to-backend");
        assert.equal(by("frontend", { app: "backend", version: "v2" }, 3000, true), "dodo-payments/allow-frontend-to-backend");
        assert.equal(by("backend", { app: "postgres" }, 5432, false), "dodo-payments/allow-backend-to-postgres");
    });

    it("keeps the PostgreSQL rule to a port: an HTTP-only field would make it never match on TCP", () => {
        const pg = policies().find((p) => p.metadata.name === "allow-backend-to-postgres")!;
        assert.deepEqual(pg.spec.rules![0].to, [{ operation: { ports: ["5432"] } }]);
    });
});
