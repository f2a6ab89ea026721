// The edge admits only the public API (issue 13): the allow-list in config, the ALLOW policy it
// becomes, JWT validation at the gateway and the backend, and the gateway's namespace scoping.
import { strict as assert } from "assert";
import { evaluateRequest } from "../../components/istio/authz";
import { istiodValues } from "../../components/mesh/builders";
import { INGRESS_GATEWAY_PRINCIPAL, INGRESS_NAMESPACE } from "../../components/mesh/topology";
import { backendJwtAuthentication, edgeJwtAuthentication, publicApiOperations } from "../../components/payments/edge";
import { EdgeConfig, parsePublicApiRoute, publicApiRouteProblem } from "../../components/payments/edge-settings";
import { authorizationPolicies } from "../../components/payments/security";
import { parse, problems } from "../config-fixtures";
import { manifestsFor } from "./fixtures";

const ISSUER = "https://auth.dodopayments.com";
const JWT_EDGE: EdgeConfig = {
    publicApi: ["GET /api/payments", "POST /api/payments", "GET /api/payments/{*}"].map(parsePublicApiRoute),
    jwt: { issuer: ISSUER, jwksUri: `${ISSUER}/.well-known/jwks.json`, audiences: ["payments-api"], requestPrincipals: [`${ISSUER}/*`] },
};

const FRONTEND_PRINCIPAL = "cluster.local/ns/dodo-payments/sa/frontend-sa";

/** A call to backend-v1 from `from`, carrying a valid token of `principal` when given. */
function toBackend(from: string, edge: EdgeConfig, method: string, path: string, principal?: string): string {
    return evaluateRequest(authorizationPolicies(true, edge), {
        source: { principal: from },
        destination: { namespace: "dodo-payments", labels: { app: "backend", version: "v1" } },
        port: 3000,
        method,
        path,
        ...(principal ? { auth: { principal } } : {}),
    }).decision;
}

const fromGateway = (edge: EdgeConfig, method: string, path: string, principal?: string): string => toBackend(INGRESS_GATEWAY_PRINCIPAL, edge, method, path, principal);
const fromFrontend = (edge: EdgeConfig, method: string, path: string, principal?: string): string => toBackend(FRONTEND_PRINCIPAL, edge, method, path, principal);

describe("edge: the public API only", () => {
    describe("payments.edge.publicApi", () => {
        it("refuses entries that would admit the whole API, leave /api, or not survive normalization, naming the key", () => {
            const bad: [string, RegExp][] = [
                ["POST /api/*", /admits POST \/api\/admin: the operators' API/],
                ["GET /api/{**}", /admits GET \/api\/admin: the operators' API/],
                ["GET /admin", /is not "<METHOD> <path>"/],
                ["get /api/payments", /is not "<METHOD> <path>"/],
                ["GET /api/pay%2Fments", /is not "<METHOD> <path>"/],
                ["GET /api/../admin", /has a \. or \.\. segment/],
                ["GET /api/{**}/refunds", /uses \{\*\*\} before the last segment/],
                ["GET /api/payments/{*}/*", /mixes a template with a \/\* prefix/],
            ];
            for (const [entry, message] of bad) assert.match(publicApiRouteProblem(entry) ?? "", message, entry);
            const ps = problems("dev", { "dodo-platform:payments.edge.publicApi": ["GET /api/payments", "POST /api/*"] });
            assert.ok(ps.some((p) => /^dodo-platform:payments\.edge\.publicApi: \[1\] "POST \/api\/\*" admits POST \/api\/admin/.test(p)), ps.join("\n"));
            assert.match(problems("dev", { "dodo-platform:payments.edge.publicApi": [] }).join("\n"), /payments\.edge\.publicApi: must list at least one/);
        });

        it("refuses every entry that reaches the operators' API, however it is spelled, naming the key", () => {
            // The review's sidesteps of the whole-API refusal, each admitting /api/admin/...
            const sidesteps: [string, RegExp][] = [
                ["GET /api/{*}/{**}", /admits GET \/api\/admin\/refunds: the operators' API \(\/api\/admin\) is for in-mesh callers only/],
                ["DELETE /api/{*}/{**}", /admits DELETE \/api\/admin\/refunds/],
                ["GET /api/{*}", /admits GET \/api\/admin:/],
                ["POST /api/admin", /admits POST \/api\/admin:/],
                // Not among the evaluator's probes: caught by the rules beside it.
                ["GET /api/{*}/summary", /matches any first segment after \/api \(admin among them\): the first segment after \/api must be a literal name/],
                ["POST /api/admin/users", /opens \/api\/admin, the operators' API, to the internet/],
                ["GET /api/Admin/{*}", /opens \/api\/admin/],
                ["GET /api", /names \/api itself/],
                // Root wildcards: every path, /api/admin among them.
                ["GET /*", /"GET \/\*" starts with a wildcard, which admits every path \(\/api\/admin among them\)/],
                ["POST /{**}", /starts with a wildcard/],
                ["GET /{*}/payments", /starts with a wildcard/],
            ];
            for (const [entry, message] of sidesteps) {
                assert.match(publicApiRouteProblem(entry) ?? "", message, entry);
                const ps = problems("prod", { "dodo-platform:payments.edge.publicApi": ["GET /api/payments", entry] });
                assert.ok(ps.some((p) => p.startsWith(`dodo-platform:payments.edge.publicApi: [1] "${entry}"`)), `${entry}: ${ps.join("\n")}`);
            }
            for (const ok of ["GET /api/payments/{*}/{**}", "GET /api/payments/*", "POST /api/payments/{*}/refunds", "GET /api/administrators-guide"]) assert.equal(publicApiRouteProblem(ok), undefined, ok);
        });

        it("becomes one operation per method set, so a method never leaks to another path", () => {
            const ops = publicApiOperations(["GET /api/payments", "POST /api/payments", "GET /api/payments/{*}", "POST /api/refunds"].map(parsePublicApiRoute));
            assert.deepEqual(ops, [
                { ports: ["3000"], methods: ["GET", "POST"], paths: ["/api/payments"] },
                { ports: ["3000"], methods: ["GET"], paths: ["/api/payments/{*}"] },
                { ports: ["3000"], methods: ["POST"], paths: ["/api/refunds"] },
            ]);
            assert.throws(() => publicApiOperations([]), /at least one route/);
        });

        it("lets the gateway call the listed routes and nothing else on the backend", () => {
            const edge: EdgeConfig = { publicApi: JWT_EDGE.publicApi };
            assert.equal(fromGateway(edge, "POST", "/api/payments"), "ALLOW");
            assert.equal(fromGateway(edge, "GET", "/api/payments/pay_123"), "ALLOW");
            assert.equal(fromGateway(edge, "POST", "/api/admin/refunds"), "DENY");
            assert.equal(fromGateway(edge, "POST", "/api/payments/pay_123"), "DENY", "GET only on one payment");
            assert.equal(fromGateway(edge, "GET", "/api/payments/pay_123/refunds"), "DENY", "{*} is one segment");
        });

        it("gives the frontend the public API only, and with JWT on only with the user's token", () => {
            const rule = (edge: EdgeConfig) => authorizationPolicies(true, edge).find((p) => p.metadata.name === "allow-frontend-to-backend")!.spec.rules!;
            const gateway = (edge: EdgeConfig) => authorizationPolicies(true, edge).find((p) => p.metadata.name === "allow-ingress-to-backend")!.spec.rules!;
            for (const edge of [{ publicApi: JWT_EDGE.publicApi }, JWT_EDGE]) assert.deepEqual(rule(edge)[0].to, gateway(edge)[0].to);
            assert.deepEqual(rule(JWT_EDGE)[0].from, [{ source: { principals: [FRONTEND_PRINCIPAL], requestPrincipals: [`${ISSUER}/*`] } }]);
            assert.deepEqual(rule({ publicApi: JWT_EDGE.publicApi })[0].from, [{ source: { principals: [FRONTEND_PRINCIPAL] } }]);
            assert.equal(fromFrontend(JWT_EDGE, "POST", "/api/admin/refunds", `${ISSUER}/user-1`), "DENY", "the review's case: admin through the frontend");
            assert.equal(fromFrontend(JWT_EDGE, "POST", "/api/payments"), "DENY", "no user token");
            assert.equal(fromFrontend(JWT_EDGE, "POST", "/api/payments", `${ISSUER}/user-1`), "ALLOW");
            assert.equal(fromFrontend({ publicApi: JWT_EDGE.publicApi }, "POST", "/api/admin/refunds"), "DENY");
        });
    });

    describe("JWT at the gateway (payments.edge.jwt)", () => {
        it("requires a token of the issuer on every public route once configured", () => {
            assert.equal(fromGateway(JWT_EDGE, "POST", "/api/payments"), "DENY", "no token");
            assert.equal(fromGateway(JWT_EDGE, "POST", "/api/payments", `${ISSUER}/user-1`), "ALLOW");
            assert.equal(fromGateway(JWT_EDGE, "POST", "/api/payments", "https://evil.example/user-1"), "DENY", "another issuer's principal");
            assert.equal(fromGateway(JWT_EDGE, "POST", "/api/admin/refunds", `${ISSUER}/user-1`), "DENY", "a token opens no admin path");
        });

        it("validates tokens at the gateway pods and again at the backend, forwarding them", () => {
            const edge = edgeJwtAuthentication(JWT_EDGE.jwt!);
            assert.deepEqual([edge.apiVersion, edge.metadata.namespace, edge.spec.selector], ["security.istio.io/v1", INGRESS_NAMESPACE, { matchLabels: { istio: "ingressgateway" } }]);
            assert.deepEqual(edge.spec.jwtRules, [{
                issuer: ISSUER,
                jwksUri: `${ISSUER}/.well-known/jwks.json`,
                audiences: ["payments-api"],
                // Not Istio's default access_token query parameter: a token in the URL lands in access logs.
                fromHeaders: [{ name: "Authorization", prefix: "Bearer " }],
                forwardOriginalToken: true,
            }]);
            const backend = backendJwtAuthentication(JWT_EDGE.jwt!);
            assert.deepEqual([backend.metadata.namespace, backend.spec.selector, backend.spec.jwtRules], ["dodo-payments", { matchLabels: { app: "backend" } }, edge.spec.jwtRules]);
        });

        it("renders both RequestAuthentications only when JWT validation is on", () => {
            const kinds = (m: ReturnType<typeof manifestsFor>) => [...m.security, ...m.ingress].filter((o) => o.kind === "RequestAuthentication").map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
            assert.deepEqual(kinds(manifestsFor("prod", { edge: JWT_EDGE })), ["dodo-payments/backend-jwt", "istio-ingress/edge-jwt"]);
            assert.deepEqual(kinds(manifestsFor("dev")), []);
        });

        it("is on by default in prod, where a missing issuer is an error naming the key", () => {
            const ps = problems("prod", { "dodo-platform:payments.edge.jwt.issuer": undefined, "dodo-platform:payments.edge.jwt.jwksUri": undefined });
            assert.ok(ps.some((p) => /^dodo-platform:payments\.edge\.jwt\.issuer: required while payments\.edge\.jwt\.enabled is true \(prod's default\)/.test(p)), ps.join("\n"));
            assert.deepEqual(parse("prod").payments.edge.jwt?.requestPrincipals, [`${ISSUER}/*`]);
            assert.equal(parse("prod", { "dodo-platform:payments.edge.jwt.enabled": false, "dodo-platform:payments.edge.jwt.issuer": undefined }).payments.edge.jwt, undefined);
            assert.equal(parse("dev").payments.edge.jwt, undefined);
        });

        it("refuses request principals of another issuer, and an issuer without discovery or a key set", () => {
            assert.match(problems("prod", { "dodo-platform:payments.edge.jwt.requestPrincipals": ["https://evil.example/*"] }).join("\n"), /payments\.edge\.jwt\.requestPrincipals: "https:\/\/evil\.example\/\*" must start with the issuer/);
            assert.match(problems("prod", { "dodo-platform:payments.edge.jwt.issuer": "dodo-auth", "dodo-platform:payments.edge.jwt.jwksUri": undefined }).join("\n"), /payments\.edge\.jwt\.jwksUri: required when payments\.edge\.jwt\.issuer \(dodo-auth\) is not an https URL/);
        });
    });

    it("scopes the gateway to Gateway objects of its own namespace, where the edge Gateway lives", () => {
        const v = istiodValues({ environment: "prod", version: "1.30.4", replicas: { min: 2, max: 5 }, meshConfig: {} }) as { env: Record<string, string> };
        assert.deepEqual(v.env, { PILOT_SCOPE_GATEWAY_TO_NAMESPACE: "true" });
        const gateways = manifestsFor("prod").ingress.filter((o) => o.kind === "Gateway");
        assert.deepEqual(gateways.map((g) => g.metadata.namespace), [INGRESS_NAMESPACE]);
    });
});
