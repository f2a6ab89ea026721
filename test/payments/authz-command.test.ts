// The authz command against the rendered prod stack: the answers the "Done when" asks for,
// and the review's cases (Service ports, the backend shorthand, path normalization under MERGE_SLASHES).
import { strict as assert } from "node:assert";
import { INGRESS_GATEWAY_PRINCIPAL } from "../../components/mesh/topology";
import { principals } from "../../components/payments/names";
import { runAuthzCli } from "../../scripts/authz";
import { renderCached } from "../harness";

interface Answer {
    decision: string;
    policy: string | null;
    reason: string;
}

async function authz(...argv: string[]): Promise<Answer> {
    return authzOn("prod", ...argv);
}

/** The in-cluster PostgreSQL exists in dev (prod's database is RDS, outside the mesh: docs/payments.md). */
async function authzOn(stack: "dev" | "prod", ...argv: string[]): Promise<Answer> {
    const r = await runAuthzCli(["--stack", stack, ...argv], async (s) => (await renderCached(s as "dev" | "prod")).manifests);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Answer;
}

const FRONTEND = principals.frontend;
/** prod validates JWTs: the frontend forwards its user's token (docs/payments.md, app contract). */
const USER_TOKEN = ["--request-principal", "https://auth.dodopayments.com/user-1"];

describe("authz command on the rendered prod stack", function () {
    this.timeout(60_000);

    describe("Done when", () => {
        it("ALLOW: frontend-sa GET /api/payments on backend:3000, with its user's token", async () => {
            const d = await authz("--from", FRONTEND, "--to", "dodo-payments/backend", "--port", "3000", "--method", "GET", "--path", "/api/payments", ...USER_TOKEN);
            assert.deepEqual([d.decision, d.policy], ["ALLOW", "dodo-payments/allow-frontend-to-backend"]);
            assert.match(d.reason, /stands for backend-v1, backend-v2, which all answer ALLOW/);
            assert.equal((await authz("--from", FRONTEND, "--to", "dodo-payments/backend", "--port", "3000", "--method", "GET", "--path", "/api/payments")).decision, "DENY", "without a token");
        });

        it("ALLOW: backend-sa to postgres:5432", async () => {
            const d = await authzOn("dev", "--from", principals.backend, "--to", "dodo-payments/postgres", "--port", "5432");
            assert.deepEqual([d.decision, d.policy], ["ALLOW", "dodo-payments/allow-backend-to-postgres"]);
        });

        it("DENY: frontend-sa DELETE on backend", async () => {
            assert.equal((await authz("--from", FRONTEND, "--to", "dodo-payments/backend", "--port", "3000", "--method", "DELETE", "--path", "/api/payments")).decision, "DENY");
        });

        it("DENY: frontend-sa to postgres", async () => {
            assert.equal((await authzOn("dev", "--from", FRONTEND, "--to", "dodo-payments/postgres", "--port", "5432")).decision, "DENY");
        });

        it("DENY: anonymous to backend", async () => {
            assert.equal((await authz("--from", "anonymous", "--to", "dodo-payments/backend", "--port", "3000", "--method", "GET", "--path", "/api/payments")).decision, "DENY");
        });

        it("DENY: the ingress gateway to postgres", async () => {
            assert.equal((await authzOn("dev", "--from", INGRESS_GATEWAY_PRINCIPAL, "--to", "dodo-payments/postgres", "--port", "5432")).decision, "DENY");
            assert.equal((await authzOn("dev", "--from", "istio-ingress/istio-ingressgateway", "--to", "dodo-payments/postgres", "--port", "5432")).decision, "DENY");
        });
    });

    describe("Done when (issue 13): the internet reaches the public API only, in every stack", () => {
        for (const stack of ["dev", "staging", "prod", "local"] as const) {
            /** The gateway's request to the backend; with the stack's JWT issuer, if it validates tokens, as a client would send it. */
            const fromEdge = async (method: string, path: string, withToken = true): Promise<Answer> => {
                const render = await renderCached(stack);
                const issuer = (render.manifests.find((m) => m.kind === "RequestAuthentication")?.spec as { jwtRules?: { issuer: string }[] } | undefined)?.jwtRules?.[0]?.issuer;
                const token = withToken && issuer ? ["--request-principal", `${issuer}/user-1`] : [];
                const r = await runAuthzCli(["--stack", stack, "--from", "istio-ingress/istio-ingressgateway", "--to", "dodo-payments/backend", "--port", "3000", "--method", method, "--path", path, ...token], async () => render.manifests);
                assert.equal(r.code, 0, r.stderr);
                return JSON.parse(r.stdout) as Answer;
            };

            it(`${stack}: DENY istio-ingressgateway -> backend POST /api/admin/refunds`, async () => {
                const d = await fromEdge("POST", "/api/admin/refunds");
                assert.deepEqual([d.decision, d.policy], ["DENY", null]);
                assert.match(d.reason, /no rule matched .*dodo-payments\/allow-ingress-to-backend/);
            });

            it(`${stack}: DENY the frontend -> backend POST /api/admin/refunds, even with its user's token (the review's case)`, async () => {
                const render = await renderCached(stack);
                const issuer = (render.manifests.find((m) => m.kind === "RequestAuthentication")?.spec as { jwtRules?: { issuer: string }[] } | undefined)?.jwtRules?.[0]?.issuer;
                const ask = async (path: string) => {
                    const token = issuer ? ["--request-principal", `${issuer}/user-1`] : [];
                    const r = await runAuthzCli(["--stack", stack, "--from", FRONTEND, "--to", "dodo-payments/backend-v1", "--port", "3000", "--method", "POST", "--path", path, ...token], async () => render.manifests);
                    assert.equal(r.code, 0, r.stderr);
                    return JSON.parse(r.stdout) as Answer;
                };
                const admin = await ask("/api/admin/refunds");
                assert.deepEqual([admin.decision, admin.policy], ["DENY", null]);
                assert.match(admin.reason, /no rule matched .*dodo-payments\/allow-frontend-to-backend/);
                assert.deepEqual([(await ask("/api/payments")).decision, (await ask("/api/payments")).policy], ["ALLOW", "dodo-payments/allow-frontend-to-backend"]);
            });

            it(`${stack}: the gateway, and the frontend's sidecar, answer 400 to an escaped slash, so GET /api/payments/x%2F..%2Fadmin%2Frefunds never reaches the backend`, async () => {
                const d = await fromEdge("GET", "/api/payments/x%2F..%2Fadmin%2Frefunds");
                assert.deepEqual([d.decision, d.policy], ["DENY", null]);
                assert.match(d.reason, /the caller's own proxy answers 400 \(route dodo-payments\/payments-edge#reject-escaped-slashes/);
                const render = await renderCached(stack);
                const r = await runAuthzCli(["--stack", stack, "--from", FRONTEND, "--to", "dodo-payments/backend-v1", "--port", "3000", "--method", "GET", "--path", "/api/payments/x%2F..%2Fadmin%2Frefunds"], async () => render.manifests);
                assert.match((JSON.parse(r.stdout) as Answer).reason, /the caller's own proxy answers 400 \(route dodo-payments\/backend-canary#reject-escaped-slashes/);
            });

            it(`${stack}: ALLOW the payment paths (POST /api/payments, GET /api/payments/<id>)`, async () => {
                for (const [method, path] of [["POST", "/api/payments"], ["GET", "/api/payments/pay_123"], ["GET", "/api/payments"]]) {
                    const d = await fromEdge(method, path);
                    assert.deepEqual([d.decision, d.policy], ["ALLOW", "dodo-payments/allow-ingress-to-backend"], `${method} ${path}`);
                }
            });
        }

        it("prod: without a token of its issuer the gateway reaches no backend path, and says why", async () => {
            const r = await runAuthzCli(["--stack", "prod", "--from", "istio-ingress/istio-ingressgateway", "--to", "dodo-payments/backend-v1", "--port", "3000", "--method", "POST", "--path", "/api/payments"], async () => (await renderCached("prod")).manifests);
            const d = JSON.parse(r.stdout) as Answer;
            assert.equal(d.decision, "DENY");
            assert.match(d.reason, /backend-v1 validates tokens of https:\/\/auth\.dodopayments\.com: add --request-principal/);
            const foreign = await runAuthzCli(["--stack", "prod", "--from", "istio-ingress/istio-ingressgateway", "--to", "dodo-payments/backend-v1", "--port", "3000", "--method", "POST", "--path", "/api/payments", "--request-principal", "https://evil.example/user-1"], async () => (await renderCached("prod")).manifests);
            assert.equal((JSON.parse(foreign.stdout) as Answer).decision, "DENY");
            assert.match((JSON.parse(foreign.stdout) as Answer).reason, /no RequestAuthentication at dodo-payments\/backend-v1 validates the issuer of https:\/\/evil\.example\/user-1/);
        });

        it("the matrix shows the edge's row with the allow-list applied, the admin path denied", async () => {
            const r = await runAuthzCli(["--stack", "prod", "--matrix"], async () => (await renderCached("prod")).manifests);
            const section = r.stdout.split("\n## dodo-payments/backend-v1\n")[1].split("\n## ")[0];
            const rows = section.split("\n").filter((l) => l.startsWith("|"));
            const header = rows[0].split(" | ");
            const cell = (row: string, probe: string) => row.split(" | ")[header.findIndex((h) => h.trim() === probe)];
            const withToken = rows.find((l) => l.startsWith("| ingress gateway + token of https://auth.dodopayments.com"))!;
            assert.match(cell(withToken, "3000 POST /api/payments"), /ALLOW · allow-ingress-to-backend/);
            assert.match(cell(withToken, "3000 POST /api/admin/refunds"), /DENY/);
            const noToken = rows.find((l) => l.startsWith("| istio-ingress/istio-ingressgateway"))!;
            assert.match(cell(noToken, "3000 POST /api/payments"), /DENY/);
            assert.match(cell(withToken, "3000 GET /api/payments/x%2F..%2Fadmin%2Frefunds"), /DENY · refused by the caller's proxy \(reject-escaped-slashes\)/);
            // The frontend's row, with its user's token: the public API, and no admin path.
            const frontend = rows.find((l) => l.startsWith("| dodo-payments/frontend + token of https://auth.dodopayments.com"))!;
            assert.match(cell(frontend, "3000 POST /api/payments"), /ALLOW · allow-frontend-to-backend/);
            assert.match(cell(frontend, "3000 POST /api/admin/refunds"), /DENY · no rule matched/);
            assert.match(cell(frontend, "3000 GET /api/admin/refunds"), /DENY · no rule matched/);
            assert.match(cell(frontend, "3000 GET /api/payments/x%2F..%2Fadmin%2Frefunds"), /DENY · refused by the caller's proxy \(reject-escaped-slashes\)/);
        });
    });

    it("maps a Service port to the container port the sidecar sees (frontend-service:80 -> 8080)", async () => {
        const d = await authz("--from", INGRESS_GATEWAY_PRINCIPAL, "--to", "dodo-payments/frontend", "--port", "80", "--method", "GET");
        assert.deepEqual([d.decision, d.policy], ["ALLOW", "dodo-payments/allow-ingress-to-frontend"]);
        assert.match(d.reason, /container port 8080/);
        const viaService = await authz("--from", INGRESS_GATEWAY_PRINCIPAL, "--to", "dodo-payments/frontend-service", "--port", "80", "--method", "GET");
        assert.equal(viaService.decision, "ALLOW");
    });

    it("answers with the path Envoy sees under the mesh's MERGE_SLASHES normalization", async () => {
        const get = async (p: string) => (await authz("--from", FRONTEND, "--to", "dodo-payments/backend-v1", "--port", "3000", "--method", "GET", "--path", p, ...USER_TOKEN)).decision;
        assert.equal(await get("/api/%2E./admin"), "DENY", "Envoy sees /admin");
        assert.equal(await get("/api/../admin"), "DENY");
        assert.equal(await get("//api/payments"), "ALLOW", "Envoy sees /api/payments");
        assert.equal(await get("/api\\payments"), "ALLOW");
        assert.equal(await get("/%61pi/payments"), "ALLOW");
        assert.equal(await get("/api"), "DENY", "a bare /api is not in the public API");
        assert.equal(await get("/api%2Fpayments"), "DENY", "%2F stays encoded: one segment, not under /api/");
    });

    it("exits 2 naming the workloads when a name stands for workloads that answer differently", async () => {
        const manifests = (await renderCached("prod")).manifests.map((o) =>
            o.kind === "AuthorizationPolicy" && o.metadata.name === "allow-frontend-to-backend"
                ? { ...o, spec: { ...(o.spec as object), selector: { matchLabels: { app: "backend", version: "v1" } } } }
                : o,
        );
        const r = await runAuthzCli(["--stack", "prod", "--from", FRONTEND, "--to", "dodo-payments/backend", "--port", "3000", "--path", "/api/payments", ...USER_TOKEN], async () => manifests);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /stands for backend-v1, backend-v2, which answer differently \(backend-v1: ALLOW, backend-v2: DENY\)/);
    });

    it("writes the same matrix as the synth's authz-matrix.md, with the gateway as a target and HEAD probed", async () => {
        const { allSynthFiles } = await import("../../scripts/lib/synth-sections");
        const render = await renderCached("prod");
        const r = await runAuthzCli(["--stack", "prod", "--matrix"], async () => render.manifests);
        assert.equal(r.stdout, allSynthFiles(render)["authz-matrix.md"]);
        assert.match(r.stdout, /## istio-ingress\/istio-ingressgateway\n/);
        assert.match(r.stdout, /\| 8080 HEAD \/ \|/);
        assert.match(r.stdout, /path normalization `MERGE_SLASHES`/);
    });
});
