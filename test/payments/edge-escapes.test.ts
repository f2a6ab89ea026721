// The evaluator knows what a caller's own proxy answers: the first route of payments-edge (the
// ingress gateway) and of backend-canary (every sidecar calling the backend) refuses escaped
// slashes (400), so the review's `/api/payments/x%2F..%2Fadmin%2Frefunds` never reaches the backend.
import { strict as assert } from "node:assert";
import { evaluateRequest } from "../../components/istio/authz";
import { edgeRejectionsFrom } from "../../components/istio/authz-edge";
import { authorizationPoliciesFrom, workloadsFromManifests } from "../../components/istio/authz-matrix";
import { KubeObject } from "../../components/k8s";
import { INGRESS_GATEWAY_PRINCIPAL } from "../../components/mesh/topology";
import { principals } from "../../components/payments/names";
import { ESCAPED_SLASH_PATH_REGEX } from "../../components/payments/traffic";
import { AUTHZ_OPTIONS } from "../../scripts/authz";
import { manifestsFor } from "./fixtures";

const ESCAPED = "/api/payments/x%2F..%2Fadmin%2Frefunds";

function objects(): KubeObject[] {
    const m = manifestsFor("dev");
    return [...m.security, ...m.base, ...m.workloads, ...m.routing, ...m.ingress];
}

function decide(manifests: KubeObject[], from: string, path: string, host?: string) {
    const edgeRejections = edgeRejectionsFrom(manifests, workloadsFromManifests(manifests, AUTHZ_OPTIONS));
    return evaluateRequest(authorizationPoliciesFrom(manifests), {
        source: { principal: from },
        destination: { namespace: "dodo-payments", labels: { app: "backend", version: "v1" } },
        port: 3000,
        method: "GET",
        path,
        ...(host ? { host } : {}),
    }, { ...AUTHZ_OPTIONS, edgeRejections });
}

describe("payments authz: what the caller's proxy refuses itself", () => {
    it("refuses %2F and %5C in any case at the edge, before the policies (the review's case)", () => {
        for (const path of [ESCAPED, "/api/payments/x%2f..%2fadmin", "/api/payments/x%5C..%5Cadmin", "/api/payments/x%5c"]) {
            const d = decide(objects(), INGRESS_GATEWAY_PRINCIPAL, path);
            assert.deepEqual([d.decision, d.policy, d.rejectedBy], ["DENY", null, "dodo-payments/payments-edge#reject-escaped-slashes"], path);
            assert.match(d.reason, /the caller's own proxy answers 400 \(route dodo-payments\/payments-edge#reject-escaped-slashes/);
        }
        assert.deepEqual([decide(objects(), INGRESS_GATEWAY_PRINCIPAL, "/api/payments/pay_123").decision, decide(objects(), INGRESS_GATEWAY_PRINCIPAL, "/api/payments/pay_123?next=%2Fhome").decision], ["ALLOW", "ALLOW"], "a query string keeps its escapes");
    });

    it("without the routes, the escaped path is one {*} segment and the public rules admit it", () => {
        const without = objects().map((o) =>
            o.kind === "VirtualService" ? { ...o, spec: { ...(o.spec as object), http: (o.spec as { http: { name: string }[] }).http.filter((r) => r.name !== "reject-escaped-slashes") } } : o,
        );
        assert.deepEqual([decide(without, INGRESS_GATEWAY_PRINCIPAL, ESCAPED).decision, decide(without, INGRESS_GATEWAY_PRINCIPAL, ESCAPED).policy], ["ALLOW", "dodo-payments/allow-ingress-to-backend"]);
        assert.deepEqual([decide(without, principals.frontend, ESCAPED).decision, decide(without, principals.frontend, ESCAPED).policy], ["ALLOW", "dodo-payments/allow-frontend-to-backend"]);
    });

    it("refuses it in the mesh too: the frontend's sidecar applies backend-canary's first route", () => {
        // A frontend that decoded a visitor's %252F to %2F cannot forward it.
        const d = decide(objects(), principals.frontend, ESCAPED);
        assert.deepEqual([d.decision, d.rejectedBy], ["DENY", "dodo-payments/backend-canary#reject-escaped-slashes"]);
        assert.ok(decide(objects(), principals.frontend, ESCAPED, "backend-service.dodo-payments.svc.cluster.local:3000").rejectedBy);
        assert.ok(decide(objects(), principals.frontend, ESCAPED, "backend-service").rejectedBy, "a short name stands for the FQDN");
        // Not a sidecar's route: plaintext callers have no proxy (and no policy admits them).
        const anonymous = evaluateRequest(authorizationPoliciesFrom(objects()), { source: {}, destination: { namespace: "dodo-payments", labels: { app: "backend", version: "v1" } }, port: 3000, method: "GET", path: ESCAPED }, { ...AUTHZ_OPTIONS, edgeRejections: edgeRejectionsFrom(objects(), workloadsFromManifests(objects(), AUTHZ_OPTIONS)) });
        assert.equal(anonymous.rejectedBy, undefined);
    });

    it("models only what first-match-wins makes certain", () => {
        const base = objects();
        const edge = base.find((o) => o.kind === "VirtualService" && o.metadata.name === "payments-edge")!;
        const http = (edge.spec as { http: Record<string, unknown>[] }).http;
        const withSpec = (spec: Record<string, unknown>, gatewayNs?: string) =>
            base.map((o) => (o === edge ? { ...o, spec: { ...(o.spec as object), ...spec } } : o.kind === "Gateway" && gatewayNs ? { ...o, metadata: { ...o.metadata, namespace: gatewayNs } } : o));
        // A forwarding route first shadows the rejection: Envoy never reaches it.
        assert.equal(decide(withSpec({ http: [http[1], ...http] }), INGRESS_GATEWAY_PRINCIPAL, ESCAPED).rejectedBy, undefined);
        // The mesh route applies to sidecars calling the backend's Service, not to the gateway or to other targets.
        const frontendTarget = evaluateRequest(authorizationPoliciesFrom(base), { source: { principal: INGRESS_GATEWAY_PRINCIPAL }, destination: { namespace: "dodo-payments", labels: { app: "frontend", version: "v1" } }, port: 8080, method: "GET", path: ESCAPED }, { ...AUTHZ_OPTIONS, edgeRejections: edgeRejectionsFrom(withSpec({ http: [http[1], ...http] }), workloadsFromManifests(base, AUTHZ_OPTIONS)) });
        assert.equal(frontendTarget.rejectedBy, undefined, "the gateway does not apply backend-canary");
        // A rejection that also matches a header may not apply: not modelled.
        const narrowed = { ...http[0], match: [{ uri: { regex: ESCAPED_SLASH_PATH_REGEX }, headers: { "x-a": { exact: "b" } } }] };
        assert.equal(decide(withSpec({ http: [narrowed, ...http.slice(1)] }), INGRESS_GATEWAY_PRINCIPAL, ESCAPED).rejectedBy, undefined);
        // Another host's requests never meet these routes; a Gateway outside the gateway pods' namespace binds nothing.
        assert.equal(decide(objects(), INGRESS_GATEWAY_PRINCIPAL, ESCAPED, "other.example.com").rejectedBy, undefined);
        assert.ok(decide(objects(), INGRESS_GATEWAY_PRINCIPAL, ESCAPED, "PAY.dev.dodopayments.com:443").rejectedBy);
        assert.equal(decide(withSpec({ gateways: ["dodo-payments/dodo-gateway"] }, "dodo-payments"), INGRESS_GATEWAY_PRINCIPAL, ESCAPED).rejectedBy, undefined);
    });
});
