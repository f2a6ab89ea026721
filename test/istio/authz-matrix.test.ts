import { strict as assert } from "node:assert";
import { authorizationPoliciesFrom, buildAuthzMatrix, evaluateMatrix, gatewayWorkload, portProtocol, probesFor, resolveTarget, resolveTargets, samplePath, workloadsFromManifests } from "../../components/istio/authz-matrix";
import { BACKEND, FRONTEND, INGRESS, paymentsManifests } from "./fixtures";

/** Cell of a Markdown table under "## <target>" for a caller row and a probe column. */
function cell(markdown: string, target: string, caller: string, probe: string): string {
    const section = markdown.split(`\n## ${target}\n`)[1].split("\n## ")[0];
    const lines = section.split("\n").filter((l) => l.startsWith("|"));
    const split = (l: string): string[] => l.slice(1, -1).split(" | ").map((c) => c.trim());
    const header = split(lines[0]);
    const row = lines.slice(2).map(split).find((r) => r[0] === caller);
    assert.ok(row, `no row for caller ${caller} under ${target}`);
    const col = header.indexOf(probe);
    assert.ok(col > 0, `no column ${probe} under ${target}: ${header.join(", ")}`);
    return row[col];
}

describe("istio authz matrix", () => {
    const manifests = paymentsManifests();

    it("reads workloads with pod labels, service account principal and ports", () => {
        const ws = workloadsFromManifests(manifests);
        assert.deepEqual(ws.map((w) => `${w.namespace}/${w.name}`), [
            "payments/batch",
            "payments/payments-backend-v1",
            "payments/payments-backend-v2",
            "payments/payments-frontend",
            "payments/postgres",
        ]);
        const backend = ws.find((w) => w.name === "payments-backend-v2")!;
        assert.equal(backend.principal, BACKEND);
        assert.deepEqual(backend.labels, { app: "payments-backend", version: "v2" });
        assert.deepEqual(backend.ports, [{ port: 8080, name: "http", protocol: "HTTP" }]);
        const pg = ws.find((w) => w.name === "postgres")!;
        assert.equal(pg.kind, "StatefulSet");
        assert.deepEqual(pg.ports, [{ port: 5432, name: "tcp-postgres", protocol: "TCP" }]);
        assert.equal(ws.find((w) => w.name === "batch")!.principal, "cluster.local/ns/payments/sa/default");
    });

    it("adds hand-described workloads (the Helm-installed gateway) unless a manifest already defines them", () => {
        const gw = gatewayWorkload({ namespace: "istio-ingress", name: "istio-ingressgateway", labels: { istio: "ingressgateway" }, ports: [{ port: 443, protocol: "HTTP" }] });
        assert.equal(gw.principal, INGRESS);
        const ws = workloadsFromManifests(manifests, { extraWorkloads: [gw] });
        assert.deepEqual(ws.map((w) => w.name).slice(0, 1), ["istio-ingressgateway"]);
        const shadow = gatewayWorkload({ namespace: "payments", name: "postgres", labels: {}, ports: [] });
        assert.equal(workloadsFromManifests(manifests, { extraWorkloads: [shadow] }).find((w) => w.name === "postgres")!.kind, "StatefulSet");
    });

    it("selects protocols the way Istio does: appProtocol, then port-name prefix", () => {
        assert.equal(portProtocol({ name: "http-web", number: 80 }), "HTTP");
        assert.equal(portProtocol({ name: "grpc", number: 9000 }), "HTTP");
        assert.equal(portProtocol({ name: "web", appProtocol: "tcp", number: 80 }), "TCP");
        assert.equal(portProtocol({ name: "https", number: 443 }), "TCP");
        assert.equal(portProtocol({ number: 5432 }), "TCP");
        assert.equal(portProtocol({ number: 8081 }), "HTTP");
    });

    it("resolves a target or lists the known workloads", () => {
        assert.equal(resolveTarget("payments/postgres", manifests).principal, "cluster.local/ns/payments/sa/postgres");
        assert.throws(() => resolveTarget("payments/nope", manifests), /no Deployment or StatefulSet "payments\/nope" \(known: payments\/batch, /);
        assert.throws(() => resolveTarget("postgres", manifests), /"<namespace>\/<name>"/);
    });

    it("resolves a Service name or an app label to every workload it stands for", () => {
        const names = (ref: string) => resolveTargets(ref, manifests).workloads.map((w) => w.name);
        assert.deepEqual(names("payments/payments-backend"), ["payments-backend-v1", "payments-backend-v2"]);
        assert.equal(resolveTargets("payments/payments-backend", manifests).via, "Service payments-backend");
        assert.deepEqual(names("payments/payments-backend-v2"), ["payments-backend-v2"]);
        assert.deepEqual(names("payments/batch"), ["batch"]);
        assert.throws(() => resolveTargets("payments/nope", manifests), /no Deployment, StatefulSet, Service or app label "payments\/nope"/);
    });

    it("records which Service ports forward to which container port", () => {
        const fe = workloadsFromManifests(manifests).find((w) => w.name === "payments-frontend")!;
        assert.deepEqual(fe.servicePorts, [{ service: "payments-frontend", port: 80, targetPort: 3000 }]);
    });

    it("derives the probes from the policies: every named method and path plus one outside each", () => {
        const ws = workloadsFromManifests(manifests);
        const policies = authorizationPoliciesFrom(manifests);
        const backend = probesFor(ws.find((w) => w.name === "payments-backend-v1")!, policies);
        assert.deepEqual(backend.methods, ["GET", "POST", "DELETE"]);
        assert.deepEqual(backend.paths, ["/api/sample", "/"]);
        assert.deepEqual(backend.ports.map((p) => p.port), [8080]);
        // The frontend's policy names a port only: one GET / probe.
        const fe = probesFor(ws.find((w) => w.name === "payments-frontend")!, policies);
        assert.deepEqual([fe.methods, fe.paths], [["GET"], ["/"]]);
        // A method the policies name shows up as a probe (HEAD was missing from fixed probes).
        const withHead = policies.map((p) => (p.metadata.name === "allow-frontend-to-backend" ? { ...p, spec: { ...p.spec, rules: [{ to: [{ operation: { methods: ["HEAD"], paths: ["/api", "/api/*", "/v{*}/x/{**}"] } }] }] } } : p));
        const probes = probesFor(ws.find((w) => w.name === "payments-backend-v1")!, withHead);
        assert.deepEqual(probes.methods, ["HEAD", "DELETE"]);
        assert.deepEqual(probes.paths, ["/api", "/api/sample", "/vsample/x/sample/sample", "/"]);
    });

    it("makes a concrete path for each Istio path pattern", () => {
        assert.deepEqual(["/api/*", "*.json", "*", "/exact", "/a/{*}/b/{**}"].map(samplePath), ["/api/sample", "/sample.json", "/", "/exact", "/a/sample/b/sample/sample"]);
    });

    it("evaluates every caller against every target, with one probe per TCP port", () => {
        const rows = evaluateMatrix(manifests);
        // 5 workloads x (4 distinct identities + ingress + anonymous) callers
        assert.equal(rows.length, 5 * 6);
        const pg = rows.find((r) => r.target.name === "postgres" && r.caller.principal === BACKEND)!;
        assert.deepEqual(pg.cells.map((c) => [c.port, c.protocol, c.method, c.decision.decision]), [[5432, "TCP", undefined, "ALLOW"]]);
        const be = rows.find((r) => r.target.name === "payments-backend-v1" && r.caller.principal === FRONTEND)!;
        assert.equal(be.cells.length, 3 * 2);
    });

    it("renders a Markdown table per target with the deciding policy", () => {
        const md = buildAuthzMatrix(manifests);
        const backendCallers = "payments/payments-backend-v1, payments/payments-backend-v2";
        assert.equal(cell(md, "payments/payments-backend-v1", "payments/payments-frontend", "8080 POST /api/sample"), "ALLOW · allow-frontend-to-backend");
        assert.equal(cell(md, "payments/payments-backend-v1", "payments/payments-frontend", "8080 DELETE /api/sample"), "DENY · no rule matched");
        assert.equal(cell(md, "payments/payments-backend-v1", "payments/payments-frontend", "8080 GET /"), "DENY · no rule matched");
        assert.equal(cell(md, "payments/payments-backend-v1", "ingress gateway", "8080 GET /api/sample"), "DENY · no rule matched");
        assert.equal(cell(md, "payments/payments-frontend", "ingress gateway", "3000 GET /"), "ALLOW · allow-ingress-to-frontend");
        assert.equal(cell(md, "payments/postgres", backendCallers, "5432/tcp"), "ALLOW · allow-backend-to-postgres");
        assert.equal(cell(md, "payments/postgres", "payments/payments-frontend", "5432/tcp"), "DENY · no rule matched");
        assert.equal(cell(md, "payments/postgres", "anonymous", "5432/tcp"), "DENY · no rule matched");
        assert.match(md, new RegExp(`ingress gateway: \`${INGRESS}\``));
        assert.match(md, /## payments\/batch\n\nDeployment, service account `default`, ports none declared\./);
    });

    it("marks requests as allowed by default where no ALLOW policy applies", () => {
        const withoutDefaultDeny = manifests.filter((o) => o.metadata.name !== "default-deny");
        const md = buildAuthzMatrix(withoutDefaultDeny);
        assert.equal(cell(md, "payments/postgres", "payments/payments-frontend", "5432/tcp"), "DENY · no rule matched");
        const noPolicies = manifests.filter((o) => o.kind !== "AuthorizationPolicy");
        assert.equal(cell(buildAuthzMatrix(noPolicies), "payments/postgres", "anonymous", "5432/tcp"), "ALLOW · no ALLOW policy");
    });
});
