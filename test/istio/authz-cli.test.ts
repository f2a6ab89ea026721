import { strict as assert } from "node:assert";
import { authorizationPolicy } from "../../components/istio/builders";
import { KubeObject } from "../../components/k8s";
import { CliResult, parseAuthzArgs, runAuthzCli } from "../../scripts/authz";
import { BACKEND, FRONTEND, paymentsManifests } from "./fixtures";

const loaded: string[] = [];
const load = async (stack: string): Promise<KubeObject[]> => {
    loaded.push(stack);
    return paymentsManifests();
};
const run = (args: string): Promise<CliResult> => runAuthzCli(args.split(" ").filter(Boolean), load);

function json(r: CliResult): { decision: string; policy: string | null; reason: string } {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const lines = r.stdout.split("\n");
    assert.deepEqual([lines.length, lines[1]], [2, ""], "exactly one line of output");
    const parsed = JSON.parse(lines[0]) as { decision: string; policy: string | null; reason: string };
    assert.deepEqual(Object.keys(parsed), ["decision", "policy", "reason"]);
    return parsed;
}

function usageError(r: CliResult, pattern: RegExp): void {
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, "one line on stderr");
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
}

describe("authz command", () => {
    it("allows frontend -> backend POST /api/payments and names the policy", async () => {
        const d = json(await run(`--stack dev --from ${FRONTEND} --to payments/payments-backend-v1 --port 8080 --method POST --path /api/payments`));
        assert.deepEqual([d.decision, d.policy], ["ALLOW", "payments/allow-frontend-to-backend"]);
        assert.equal(loaded.at(-1), "dev");
    });

    it("denies frontend -> postgres and anonymous -> backend (exit code 0)", async () => {
        assert.deepEqual(json(await run(`--stack prod --from ${FRONTEND} --to payments/postgres --port 5432`)), {
            decision: "DENY",
            policy: null,
            reason: "no rule matched in the ALLOW policies that apply: payments/allow-backend-to-postgres, payments/default-deny (allow-nothing)",
        });
        assert.equal(json(await run("--stack dev --from anonymous --to payments/payments-backend-v2 --port 8080 --path /api/payments")).decision, "DENY");
    });

    it("accepts --from <namespace>/<workload> and uses that workload's principal", async () => {
        const d = json(await run("--stack staging --from payments/payments-backend-v2 --to payments/postgres --port 5432"));
        assert.deepEqual([d.decision, d.policy], ["ALLOW", "payments/allow-backend-to-postgres"]);
        assert.equal(json(await run(`--stack staging --from ${BACKEND} --to payments/postgres --port 5432`)).decision, "ALLOW");
    });

    it("defaults HTTP probes to GET / and says when HTTP flags hit a TCP port", async () => {
        assert.equal(json(await run(`--stack dev --from ${FRONTEND} --to payments/payments-backend-v1 --port 8080`)).decision, "DENY");
        const d = json(await run(`--stack dev --from ${BACKEND} --to payments/postgres --port 5432 --method GET`));
        assert.equal(d.decision, "ALLOW");
        assert.match(d.reason, /port 5432 is TCP/);
    });

    it("evaluates the Helm-installed ingress gateway as a target", async () => {
        const withGatewayPolicy = async (): Promise<KubeObject[]> => [
            ...paymentsManifests(),
            authorizationPolicy({
                name: "deny-admin-at-edge",
                namespace: "istio-ingress",
                spec: { selector: { matchLabels: { istio: "ingressgateway" } }, action: "DENY", rules: [{ to: [{ operation: { paths: ["/admin/*"] } }] }] },
            }),
        ];
        const argv = (path: string): string[] => ["--stack", "dev", "--from", "anonymous", "--to", "istio-ingress/istio-ingressgateway", "--port", "443", "--path", path];
        const denied = json(await runAuthzCli(argv("/admin/users"), withGatewayPolicy));
        assert.deepEqual([denied.decision, denied.policy], ["DENY", "istio-ingress/deny-admin-at-edge"]);
        assert.equal(json(await runAuthzCli(argv("/api/payments"), withGatewayPolicy)).decision, "ALLOW");
    });

    it("prints the Markdown matrix with --matrix", async () => {
        const r = await run("--stack dev --matrix");
        assert.equal(r.code, 0);
        assert.match(r.stdout, /^# Authorization matrix\n/);
        assert.match(r.stdout, /## payments\/postgres/);
        assert.match(r.stdout, /## istio-ingress\/istio-ingressgateway\n\nDeployment, service account `istio-ingressgateway`, ports 80\/HTTP, 443\/HTTP\./);
    });

    it("rejects bad arguments with one line and exit code 2", async () => {
        usageError(await run(`--from ${FRONTEND} --to payments/postgres --port 5432`), /--stack must be one of dev, staging, prod/);
        usageError(await run(`--stack dev --from ${FRONTEND} --to payments/postgres --port 70000`), /--port must be an integer 1-65535 \(got "70000"\)/);
        usageError(await run(`--stack dev --from ${FRONTEND} --to payments/postgres`), /--port is required/);
        usageError(await run("--stack dev --from spiffe://x --to payments/postgres --port 1"), /--from must be/);
        usageError(await run(`--stack dev --from ${FRONTEND} --to payments/postgres --port 5432 --method get`), /--method must be an uppercase/);
        usageError(await run(`--stack dev --from ${FRONTEND} --to payments/postgres --port 5432 --path api`), /--path must start with "\/"/);
        usageError(await run("--stack dev --bogus"), /unknown option --bogus/);
        usageError(await run(`--stack dev --from ${FRONTEND} --to payments/nope --port 80`), /no Deployment, StatefulSet, Service or app label "payments\/nope"/);
        usageError(await run("--stack dev --matrix --port 80"), /--matrix cannot be combined with --port/);
    });

    it("reports a stack that fails to render on one line with exit code 1", async () => {
        const r = await runAuthzCli(["--stack", "dev", "--matrix"], async () => {
            throw new Error("payments.canary.weight must be between 0 and 100 (got 120)\n    at somewhere");
        });
        assert.deepEqual(r, { code: 1, stdout: "", stderr: "error: cannot render stack dev: payments.canary.weight must be between 0 and 100 (got 120)\n" });
    });

    it("parses --flag=value forms", () => {
        assert.deepEqual(parseAuthzArgs(["--stack=dev", "--from=anonymous", "--to=payments/postgres", "--port=5432"]), {
            stack: "dev",
            matrix: false,
            from: "anonymous",
            to: "payments/postgres",
            port: 5432,
            method: undefined,
            path: undefined,
            host: undefined,
        });
    });
});
