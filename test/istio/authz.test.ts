import { strict as assert } from "node:assert";
import { allowNothing, authorizationPolicy } from "../../components/istio/builders";
import { AuthzRequest, evaluateRequest, normalizePath, validateAuthorizationPolicySpec } from "../../components/istio/authz";
import { AuthorizationPolicyObject, AuthorizationPolicySpec } from "../../components/istio/types";

const FRONTEND = "cluster.local/ns/payments/sa/payments-frontend";
const BACKEND = "cluster.local/ns/payments/sa/payments-backend";
const INGRESS = "cluster.local/ns/istio-ingress/sa/istio-ingressgateway";
const backendLabels = { app: "payments-backend", version: "v1" };
const postgresLabels = { app: "postgres" };

function ap(name: string, spec: AuthorizationPolicySpec, namespace = "payments", annotations?: Record<string, string>): AuthorizationPolicyObject {
    return authorizationPolicy({ name, namespace, annotations, spec });
}

function req(overrides: Partial<AuthzRequest> & { principal?: string } = {}): AuthzRequest {
    const { principal, ...rest } = overrides;
    return {
        source: principal === undefined ? {} : { principal },
        destination: { namespace: "payments", labels: backendLabels },
        port: 8080,
        method: "GET",
        path: "/",
        ...rest,
    };
}

const allowFrontendToBackend = ap("allow-frontend-to-backend", {
    selector: { matchLabels: { app: "payments-backend" } },
    action: "ALLOW",
    rules: [{ from: [{ source: { principals: [FRONTEND] } }], to: [{ operation: { ports: ["8080"], methods: ["GET", "POST"], paths: ["/api/*"] } }] }],
});

describe("istio authz evaluator", () => {
    describe("ALLOW policies", () => {
        it("allows by default when no policy applies", () => {
            const d = evaluateRequest([], req({ principal: FRONTEND }));
            assert.deepEqual([d.decision, d.policy], ["ALLOW", null]);
        });

        it("denies everything under allow-nothing (empty spec)", () => {
            const d = evaluateRequest([allowNothing("payments")], req({ principal: FRONTEND }));
            assert.equal(d.decision, "DENY");
            assert.equal(d.policy, null);
            assert.match(d.reason, /payments\/default-deny \(allow-nothing\)/);
        });

        it("allows everything with a single empty rule ({}), unlike an empty spec", () => {
            const d = evaluateRequest([ap("allow-all", { rules: [{}] })], req());
            assert.deepEqual([d.decision, d.policy], ["ALLOW", "payments/allow-all"]);
        });

        it("allows frontend -> backend on the declared port, method and path", () => {
            const d = evaluateRequest([allowNothing("payments"), allowFrontendToBackend], req({ principal: FRONTEND, path: "/api/payments", method: "POST" }));
            assert.deepEqual([d.decision, d.policy], ["ALLOW", "payments/allow-frontend-to-backend"]);
        });

        it("denies the same caller on a method, path or port the rule does not list", () => {
            const policies = [allowNothing("payments"), allowFrontendToBackend];
            assert.equal(evaluateRequest(policies, req({ principal: FRONTEND, path: "/api/payments", method: "DELETE" })).decision, "DENY");
            assert.equal(evaluateRequest(policies, req({ principal: FRONTEND, path: "/admin" })).decision, "DENY");
            assert.equal(evaluateRequest(policies, req({ principal: FRONTEND, path: "/api/payments", port: 9090 })).decision, "DENY");
        });

        it("denies a different principal and anonymous callers", () => {
            const policies = [allowNothing("payments"), allowFrontendToBackend];
            assert.equal(evaluateRequest(policies, req({ principal: INGRESS, path: "/api/x" })).decision, "DENY");
            assert.equal(evaluateRequest(policies, req({ path: "/api/x" })).decision, "DENY");
        });
    });

    describe("policy selection", () => {
        it("ignores a policy whose selector does not match the workload's labels", () => {
            const d = evaluateRequest([ap("deny-all", { selector: { matchLabels: { app: "postgres" } }, action: "DENY", rules: [{}] })], req());
            assert.equal(d.decision, "ALLOW");
        });

        it("requires every matchLabels entry to match", () => {
            const p = ap("deny-v2", { selector: { matchLabels: { app: "payments-backend", version: "v2" } }, action: "DENY", rules: [{}] });
            assert.equal(evaluateRequest([p], req()).decision, "ALLOW");
            assert.equal(evaluateRequest([p], req({ destination: { namespace: "payments", labels: { ...backendLabels, version: "v2" } } })).decision, "DENY");
        });

        it("ignores policies from other (non-root) namespaces", () => {
            const d = evaluateRequest([ap("deny-all", { action: "DENY", rules: [{}] }, "other")], req());
            assert.equal(d.decision, "ALLOW");
        });

        it("applies a selector-less policy in the root namespace mesh-wide", () => {
            const d = evaluateRequest([ap("global-deny", { action: "DENY", rules: [{}] }, "istio-system")], req());
            assert.deepEqual([d.decision, d.policy], ["DENY", "istio-system/global-deny"]);
        });

        it("applies a root-namespace policy with a selector to matching workloads in any namespace", () => {
            const p = ap("deny-postgres", { selector: { matchLabels: postgresLabels }, action: "DENY", rules: [{}] }, "istio-system");
            assert.equal(evaluateRequest([p], req({ destination: { namespace: "payments", labels: postgresLabels } })).decision, "DENY");
            assert.equal(evaluateRequest([p], req()).decision, "ALLOW");
        });

        it("honours a custom root namespace", () => {
            const p = ap("global-deny", { action: "DENY", rules: [{}] }, "mesh-root");
            assert.equal(evaluateRequest([p], req()).decision, "ALLOW");
            assert.equal(evaluateRequest([p], req(), { rootNamespace: "mesh-root" }).decision, "DENY");
        });

        it("ignores targetRefs policies on sidecars but attaches them to the named Gateway API gateway", () => {
            const p = ap("deny-gw", { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "public" }], action: "DENY", rules: [{}] });
            assert.equal(evaluateRequest([p], req()).decision, "ALLOW");
            const gw = { namespace: "payments", labels: { "gateway.networking.k8s.io/gateway-name": "public" } };
            assert.equal(evaluateRequest([p], req({ destination: gw })).decision, "DENY");
        });

        it("skips dry-run policies", () => {
            const p = ap("deny-all", { action: "DENY", rules: [{}] }, "payments", { "istio.io/dry-run": "true" });
            const d = evaluateRequest([p], req());
            assert.equal(d.decision, "ALLOW");
            assert.match(d.reason, /dry-run/);
        });
    });

    describe("action precedence", () => {
        it("DENY wins over a matching ALLOW", () => {
            const deny = ap("deny-delete", { action: "DENY", rules: [{ to: [{ operation: { methods: ["DELETE"] } }] }] });
            const allow = ap("allow-all", { rules: [{}] });
            const d = evaluateRequest([allow, deny], req({ method: "DELETE" }));
            assert.deepEqual([d.decision, d.policy], ["DENY", "payments/deny-delete"]);
            assert.equal(evaluateRequest([allow, deny], req({ method: "GET" })).decision, "ALLOW");
        });

        it("a DENY policy without rules denies nothing", () => {
            assert.equal(evaluateRequest([ap("deny-nothing", { action: "DENY" })], req()).decision, "ALLOW");
        });

        it("an anonymous caller's claimed namespace does not count", () => {
            const p = ap("allow-payments-ns", { rules: [{ from: [{ source: { namespaces: ["payments"] } }] }] });
            const d = evaluateRequest([p], req({ source: { namespace: "payments" } }));
            assert.equal(d.decision, "DENY");
            assert.match(d.reason, /derives it from the peer certificate/);
        });

        it("AUDIT does not change the decision", () => {
            const audit = ap("audit-all", { action: "AUDIT", rules: [{}] });
            assert.equal(evaluateRequest([audit], req()).decision, "ALLOW");
            assert.equal(evaluateRequest([audit, allowNothing("payments")], req()).decision, "DENY");
        });

        it("reports a matching CUSTOM policy as DENY because the provider is not evaluated", () => {
            const custom = ap("ext-authz", { action: "CUSTOM", provider: { name: "opa" }, rules: [{ to: [{ operation: { paths: ["/admin/*"] } }] }] });
            const d = evaluateRequest([custom, ap("allow-all", { rules: [{}] })], req({ path: "/admin/x" }));
            assert.deepEqual([d.decision, d.policy], ["DENY", "payments/ext-authz"]);
            assert.match(d.reason, /not evaluated/);
            assert.equal(evaluateRequest([custom], req({ path: "/public" })).decision, "ALLOW");
        });
    });

    describe("principals and namespaces", () => {
        const allow = (source: Record<string, string[]>): AuthorizationPolicyObject[] => [ap("allow", { rules: [{ from: [{ source }] }] })];
        const decide = (source: Record<string, string[]>, principal?: string): string => evaluateRequest(allow(source), req({ principal })).decision;

        it('"*" matches any authenticated principal but not anonymous', () => {
            assert.equal(decide({ principals: ["*"] }, FRONTEND), "ALLOW");
            assert.equal(decide({ principals: ["*"] }), "DENY");
        });

        it("supports prefix and suffix wildcards", () => {
            assert.equal(decide({ principals: ["cluster.local/ns/payments/*"] }, FRONTEND), "ALLOW");
            assert.equal(decide({ principals: ["cluster.local/ns/payments/*"] }, INGRESS), "DENY");
            assert.equal(decide({ principals: ["*/sa/payments-frontend"] }, FRONTEND), "ALLOW");
            assert.equal(decide({ principals: ["*/sa/payments-frontend"] }, BACKEND), "DENY");
        });

        it("matches principals exactly otherwise (no partial match)", () => {
            assert.equal(decide({ principals: ["cluster.local/ns/payments/sa/payments"] }, FRONTEND), "DENY");
        });

        it("notPrincipals matches anonymous callers (no peer identity is 'not' any principal)", () => {
            assert.equal(decide({ notPrincipals: [FRONTEND] }), "ALLOW");
            assert.equal(decide({ notPrincipals: [FRONTEND] }, FRONTEND), "DENY");
            assert.equal(decide({ notPrincipals: ["*"] }), "ALLOW");
            assert.equal(decide({ notPrincipals: ["*"] }, BACKEND), "DENY");
        });

        it("derives namespaces from the principal; anonymous matches no namespace", () => {
            assert.equal(decide({ namespaces: ["payments"] }, FRONTEND), "ALLOW");
            assert.equal(decide({ namespaces: ["payments"] }, INGRESS), "DENY");
            assert.equal(decide({ namespaces: ["istio-*"] }, INGRESS), "ALLOW");
            assert.equal(decide({ namespaces: ["*"] }), "DENY");
            assert.equal(decide({ notNamespaces: ["payments"] }), "ALLOW");
        });

        it("serviceAccounts default to the policy's namespace", () => {
            assert.equal(decide({ serviceAccounts: ["payments-frontend"] }, FRONTEND), "ALLOW");
            assert.equal(decide({ serviceAccounts: ["istio-ingress/istio-ingressgateway"] }, INGRESS), "ALLOW");
            assert.equal(decide({ serviceAccounts: ["payments-front"] }, FRONTEND), "DENY");
        });

        it("ANDs fields within a source and ORs the sources", () => {
            const both = { principals: [FRONTEND], namespaces: ["other"] };
            assert.equal(decide(both, FRONTEND), "DENY");
            const policies = [ap("allow", { rules: [{ from: [{ source: { principals: [INGRESS] } }, { source: { principals: [FRONTEND] } }] }] })];
            assert.equal(evaluateRequest(policies, req({ principal: FRONTEND })).decision, "ALLOW");
        });

        it("checks ipBlocks against the source IP", () => {
            assert.equal(evaluateRequest(allow({ ipBlocks: ["10.0.0.0/16"] }), req({ source: { ip: "10.0.3.4" } })).decision, "ALLOW");
            assert.equal(evaluateRequest(allow({ ipBlocks: ["10.0.0.0/16"] }), req({ source: { ip: "10.1.3.4" } })).decision, "DENY");
            assert.equal(evaluateRequest(allow({ notIpBlocks: ["10.0.0.5"] }), req({ source: { ip: "10.0.0.5" } })).decision, "DENY");
        });
    });

    describe("operations", () => {
        const allowOp = (operation: Record<string, string[]>): AuthorizationPolicyObject[] => [ap("allow", { rules: [{ to: [{ operation }] }] })];
        const decide = (operation: Record<string, string[]>, r: Partial<AuthzRequest>): string => evaluateRequest(allowOp(operation), req(r)).decision;

        it("matches paths exactly, by prefix, by suffix and with * alone", () => {
            assert.equal(decide({ paths: ["/api/payments"] }, { path: "/api/payments" }), "ALLOW");
            assert.equal(decide({ paths: ["/api/payments"] }, { path: "/api/payments/1" }), "DENY");
            assert.equal(decide({ paths: ["/api/*"] }, { path: "/api/payments/1" }), "ALLOW");
            assert.equal(decide({ paths: ["/api/*"] }, { path: "/api" }), "DENY");
            assert.equal(decide({ paths: ["*.js"] }, { path: "/static/app.js" }), "ALLOW");
            assert.equal(decide({ paths: ["*.js"] }, { path: "/static/app.css" }), "DENY");
            assert.equal(decide({ paths: ["*"] }, { path: "/anything" }), "ALLOW");
        });

        it("ignores the query string and resolves dot segments before matching paths", () => {
            assert.equal(decide({ paths: ["/api/payments"] }, { path: "/api/payments?id=1" }), "ALLOW");
            assert.equal(decide({ notPaths: ["/admin/*"] }, { path: "/api/../admin/x" }), "DENY");
            assert.equal(normalizePath("/a/./b/../c"), "/a/c");
        });

        it("supports {*} and {**} path templates", () => {
            assert.equal(decide({ paths: ["/foo/{*}"] }, { path: "/foo/bar" }), "ALLOW");
            assert.equal(decide({ paths: ["/foo/{*}"] }, { path: "/foo/bar/baz" }), "DENY");
            assert.equal(decide({ paths: ["/foo/{*}/bar/{**}"] }, { path: "/foo/buzz/bar/baz" }), "ALLOW");
            assert.equal(decide({ paths: ["/foo/{**}/"] }, { path: "/foo//" }), "ALLOW");
        });

        it("matches methods exactly and case-sensitively", () => {
            assert.equal(decide({ methods: ["GET"] }, { method: "GET" }), "ALLOW");
            assert.equal(decide({ methods: ["GET"] }, { method: "get" }), "DENY");
            assert.equal(decide({ notMethods: ["DELETE"] }, { method: "DELETE" }), "DENY");
        });

        it("matches ports given as strings against the destination port", () => {
            assert.equal(decide({ ports: ["8080"] }, { port: 8080 }), "ALLOW");
            assert.equal(decide({ ports: ["8080"] }, { port: 8081 }), "DENY");
            assert.equal(decide({ notPorts: ["15090"] }, { port: 15090 }), "DENY");
        });

        it("matches hosts case-insensitively with wildcards", () => {
            assert.equal(decide({ hosts: ["pay.dodo.dev"] }, { host: "PAY.dodo.dev" }), "ALLOW");
            assert.equal(decide({ hosts: ["*.dodo.dev"] }, { host: "api.dodo.dev" }), "ALLOW");
            assert.equal(decide({ hosts: ["*.dodo.dev"] }, { host: "api.dodo.com" }), "DENY");
        });
    });

    describe("TCP ports", () => {
        const tcp = (principal?: string): AuthzRequest => ({ source: principal ? { principal } : {}, destination: { namespace: "payments", labels: postgresLabels }, port: 5432 });

        it("skips ALLOW rules with HTTP-only fields on TCP (narrower)", () => {
            const p = ap("allow-backend", { rules: [{ from: [{ source: { principals: [BACKEND] } }], to: [{ operation: { methods: ["GET"] } }] }] });
            const d = evaluateRequest([p], tcp(BACKEND));
            assert.equal(d.decision, "DENY");
            assert.match(d.reason, /HTTP-only/);
        });

        it("drops HTTP-only conditions of DENY rules on TCP (wider)", () => {
            const p = ap("deny-delete", { action: "DENY", rules: [{ to: [{ operation: { methods: ["DELETE"] } }] }] });
            assert.equal(evaluateRequest([p], tcp(BACKEND)).decision, "DENY");
        });

        it("allows backend -> postgres by principal and port", () => {
            const p = ap("allow-backend-to-postgres", {
                selector: { matchLabels: postgresLabels },
                rules: [{ from: [{ source: { principals: [BACKEND] } }], to: [{ operation: { ports: ["5432"] } }] }],
            });
            const policies = [allowNothing("payments"), p];
            assert.equal(evaluateRequest(policies, tcp(BACKEND)).decision, "ALLOW");
            assert.equal(evaluateRequest(policies, tcp(FRONTEND)).decision, "DENY");
            assert.equal(evaluateRequest(policies, tcp()).decision, "DENY");
        });
    });

    describe("when conditions", () => {
        const withWhen = (key: string, values?: string[], notValues?: string[]): AuthorizationPolicyObject[] => [
            ap("allow", { rules: [{ when: [{ key, values, notValues }] }] }),
        ];

        it("evaluates source.principal, source.namespace and destination.port", () => {
            assert.equal(evaluateRequest(withWhen("source.principal", [FRONTEND]), req({ principal: FRONTEND })).decision, "ALLOW");
            assert.equal(evaluateRequest(withWhen("source.namespace", ["payments"]), req({ principal: INGRESS })).decision, "DENY");
            assert.equal(evaluateRequest(withWhen("destination.port", ["8080"]), req()).decision, "ALLOW");
        });

        it("evaluates request headers case-insensitively by name; an absent header fails values and passes notValues", () => {
            assert.equal(evaluateRequest(withWhen("request.headers[X-Tenant]", ["acme"]), req({ headers: { "x-tenant": "acme" } })).decision, "ALLOW");
            assert.equal(evaluateRequest(withWhen("request.headers[X-Tenant]", ["acme"]), req()).decision, "DENY");
            assert.equal(evaluateRequest(withWhen("request.headers[X-Tenant]", undefined, ["evil"]), req()).decision, "ALLOW");
        });

        it("treats request.auth.* as absent without a JWT and evaluates it when given", () => {
            assert.equal(evaluateRequest(withWhen("request.auth.claims[iss]", ["https://idp"]), req()).decision, "DENY");
            const withJwt = req({ auth: { principal: "https://idp/alice", claims: { iss: "https://idp", groups: ["ops"] } } });
            assert.equal(evaluateRequest(withWhen("request.auth.claims[groups]", ["ops"]), withJwt).decision, "ALLOW");
            assert.equal(evaluateRequest(withWhen("request.auth.principal", ["https://idp/*"]), withJwt).decision, "ALLOW");
        });
    });

    describe("validation", () => {
        it("rejects unknown condition keys, bad ports, CUSTOM without provider and invalid path templates", () => {
            assert.match(validateAuthorizationPolicySpec({ rules: [{ when: [{ key: "destination.namespace", values: ["x"] }] }] }).join(), /not a supported/);
            assert.match(validateAuthorizationPolicySpec({ rules: [{ to: [{ operation: { ports: ["http"] } }] }] }).join(), /bad port "http"/);
            assert.match(validateAuthorizationPolicySpec({ action: "CUSTOM", rules: [{}] }).join(), /provider.name is required/);
            assert.match(validateAuthorizationPolicySpec({ rules: [{ to: [{ operation: { paths: ["/{**}/foo/{*}"] } }] }] }).join(), /last operator/);
            assert.match(validateAuthorizationPolicySpec({ rules: [{ to: [{ operation: { paths: ["/foo/{*}.txt"] } }] }] }).join(), /mixes/);
        });

        it("refuses to evaluate an invalid policy or a malformed principal", () => {
            const bad = { apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata: { name: "x", namespace: "payments" }, spec: { action: "CUSTOM" as const } };
            assert.throws(() => evaluateRequest([bad], req()), /payments\/x is invalid/);
            assert.throws(() => evaluateRequest([], req({ principal: "spiffe://cluster.local/ns/a/sa/b" })), /must look like/);
        });
    });
});
