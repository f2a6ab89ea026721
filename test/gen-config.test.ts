import { strict as assert } from "assert";
import * as fs from "fs";
import * as YAML from "yaml";
import { allKeySpecs } from "../components/config";
import { topLevelKey } from "../components/settings";
import { projectFile, PULUMI_YAML } from "../scripts/gen-config";

type Declaration = { type: string; description: string; default?: unknown; items?: unknown; secret?: boolean };

describe("Pulumi.yaml config schema", () => {
    const doc = YAML.parse(projectFile()) as { config: Record<string, Declaration> };

    it("is current with the key declarations (run `npm run gen:config` when this fails)", () => {
        assert.equal(fs.readFileSync(PULUMI_YAML, "utf8"), projectFile());
    });

    it("declares only top-level keys, since the CLI reads every declared key as a path", () => {
        // A declared `payments.host` would be looked up as payments -> host (pkg/workspace/config.go).
        assert.deepEqual(Object.keys(doc.config).filter((k) => k.includes(".")), []);
        assert.deepEqual(Object.keys(doc.config).sort(), ["autoscaling", "charts", "cluster", "environment", "mesh", "network", "nodes", "observability", "payments", "registry", "tags"]);
    });

    it("declares each capability as an object with a default, listing its keys", () => {
        for (const spec of allKeySpecs().filter((s) => s.key.includes("."))) {
            const top = topLevelKey(spec.key);
            const decl = doc.config[top];
            assert.equal(decl.type, "object", `${top}`);
            assert.deepEqual(decl.default, {}, `${top} would be required by the CLI`);
            assert.ok(decl.description.includes(spec.key.slice(top.length + 1)), `${top}'s description does not list ${spec.key}`);
        }
    });

    it("gives every top-level key a type the CLI accepts, a default and a description", () => {
        for (const [key, decl] of Object.entries(doc.config)) {
            assert.ok(["string", "integer", "boolean", "array", "object"].includes(decl.type), key);
            assert.ok(decl.description.length > 10, `${key} has no real description`);
            assert.ok("default" in decl, `${key} would be required by the CLI`);
            assert.equal(decl.secret, undefined, `${key}: a secret flag on a whole object would force every value into ciphertext`);
        }
        assert.deepEqual(doc.config.tags, { type: "object", description: doc.config.tags.description, default: {} });
        assert.equal(doc.config.environment.default, "");
    });
});
