import { strict as assert } from "assert";
import { readToolInputs, selectTools } from "../../scripts/lib/engine-tools/build";
import { goToolSpec } from "../../scripts/lib/engine-tools/specs";

describe("tools: the helm the rendered-chart check runs (tools/helm)", () => {
    it("pins helm.sh/helm/v4 v4.3.2 and builds it with the validators, not with npm test", () => {
        const spec = goToolSpec("helm");
        assert.equal(readToolInputs(spec).version, "v4.3.2");
        assert.deepEqual(selectTools(["validators"]).map((t) => t.name), ["helm"]);
        assert.ok(!selectTools(["engine", "linters"]).some((t) => t.name === "helm"));
    });

    it("links the release into helm's version variable and expects `helm version --short` to print it", () => {
        const spec = goToolSpec("helm");
        assert.match(spec.ldflags({ version: "v4.3.2" }), /-X helm\.sh\/helm\/v4\/internal\/version\.version=v4\.3\.2/);
        assert.deepEqual(spec.versionProbe("helm", { version: "v4.3.2" }), { args: ["version", "--short"], expect: "v4.3.2" });
    });
});
