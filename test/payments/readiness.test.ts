import { strict as assert } from "assert";
import { manifests, renderCached } from "../harness";

describe("readiness the deploy waits for", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: pulumi up waits for every cert-manager Certificate to be issued`, async () => {
            const certs = manifests(await renderCached(stack), "Certificate");
            assert.ok(certs.length > 0);
            for (const c of certs) {
                assert.equal(c.metadata.annotations?.["pulumi.com/waitFor"], "condition=Ready", c.metadata.name);
                assert.ok(Number(c.metadata.annotations?.["pulumi.com/timeoutSeconds"]) >= 300, c.metadata.name);
            }
        });
    }

    it("the ingress gateway's namespace asks the LB controller for pod readiness gates", async () => {
        const ns = manifests(await renderCached("prod"), "Namespace").find((n) => n.metadata.name === "istio-ingress")!;
        assert.equal(ns.metadata.labels?.["elbv2.k8s.aws/pod-readiness-gate-inject"], "enabled");
    });
});
