import { strict as assert } from "assert";
import { policyFindings } from "../../scripts/lib/synth-sections";
import { checkPulumiResources } from "../../policy/check";
import { shippedPackConfig } from "../../policy/config-files";
import { renderCached } from "../harness";

describe("policy over every environment's render", () => {
    for (const stack of ["dev", "staging", "prod"] as const) {
        it(`${stack} has zero mandatory findings under its shipped pack config`, async () => {
            const findings = policyFindings(await renderCached(stack));
            assert.deepEqual(findings.filter((f) => f.enforcement === "mandatory"), []);
        });
    }

    it("dev's only relaxation is the public API endpoint, and only as advisory", async () => {
        const findings = policyFindings(await renderCached("dev"));
        assert.deepEqual(findings.map((f) => `${f.enforcement} ${f.rule}`), ["advisory eks-endpoint-restricted"]);
    });

    it("catches a prod render that loses its default-deny AuthorizationPolicy", async () => {
        const render = await renderCached("prod");
        const without = render.resources.filter((r) => !(r.type.endsWith(":AuthorizationPolicy") && (r.props as { metadata?: { name?: string } }).metadata?.name === "default-deny"));
        assert.equal(without.length, render.resources.length - 1);
        const findings = checkPulumiResources(without, { env: "prod", config: shippedPackConfig("prod") });
        assert.ok(findings.some((f) => f.rule === "istio-authz-default-deny" && f.enforcement === "mandatory"), JSON.stringify(findings));
    });
});
