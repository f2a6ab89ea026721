import { strict as assert } from "assert";
import * as fs from "fs";
import * as YAML from "yaml";
import { allKeySpecs } from "../components/config";
import { isPerEnvironment } from "../components/settings";
import { projectFile, PULUMI_YAML } from "../scripts/gen-config";

describe("Pulumi.yaml config schema", () => {
    it("is current with the key declarations (run `npm run gen:config` when this fails)", () => {
        assert.equal(fs.readFileSync(PULUMI_YAML, "utf8"), projectFile());
    });

    it("declares every key with a type the CLI accepts and a description", () => {
        const doc = YAML.parse(projectFile()) as { config: Record<string, { type: string; description: string; default?: unknown; items?: unknown }> };
        for (const spec of allKeySpecs()) {
            const decl = doc.config[spec.key];
            assert.ok(decl, `${spec.key} is not declared`);
            assert.ok(["string", "integer", "boolean", "array"].includes(decl.type));
            assert.ok(decl.description.length > 10, `${spec.key} has no real description`);
            if (decl.type === "array") assert.deepEqual(decl.items, { type: "string" });
        }
    });

    it("gives per-environment keys the unset default so the CLI does not demand them", () => {
        const doc = YAML.parse(projectFile()) as { config: Record<string, { default?: unknown }> };
        for (const spec of allKeySpecs().filter((s) => isPerEnvironment(s.default))) {
            assert.ok("default" in doc.config[spec.key], `${spec.key} would be required by the CLI`);
            assert.ok([-1, "", "[]"].includes(JSON.stringify(doc.config[spec.key].default) === "[]" ? "[]" : (doc.config[spec.key].default as string)));
        }
        assert.equal(doc.config["network.availabilityZones"].default, -1);
    });
});
