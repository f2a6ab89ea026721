import { strict as assert } from "assert";
import { VirtualServiceSpec } from "../../components/istio/types";
import { manifests, renderCached } from "../harness";

const edge = async (stack: "dev" | "staging" | "prod") =>
    manifests(await renderCached(stack), "VirtualService", "dodo-payments").find((m) => m.metadata.name === "payments-edge")!.spec as VirtualServiceSpec;

describe("x-canary at the edge, per stack file", () => {
    it("staging's edge pins x-canary: always to v2 (payments.canary.edgeHeader defaults to true)", async () => {
        const routes = (await edge("staging")).http!.filter((r) => r.match?.some((m) => m.headers?.["x-canary"]));
        assert.ok(routes.length > 0);
        // All weight on v2 (v1 kept at 0 so the route keeps one shape at every step).
        for (const r of routes) assert.deepEqual(r.route!.filter((d) => (d.weight ?? 100) > 0).map((d) => [d.destination.subset, d.weight]), [["v2", 100]]);
    });

    it("prod's edge neither routes on x-canary nor forwards it (Pulumi.prod.yaml turns it off)", async () => {
        const http = (await edge("prod")).http!;
        assert.equal(http.filter((r) => r.match?.some((m) => m.headers?.["x-canary"])).length, 0);
        for (const r of http.filter((x) => x.route)) assert.ok(r.headers?.request?.remove?.includes("x-canary"), r.name);
        assert.deepEqual(http.filter((x) => !x.route).map((x) => [x.name, x.directResponse?.status]), [["reject-escaped-slashes", 400]], "the only route that does not forward answers itself");
    });
});
