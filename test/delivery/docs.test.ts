import { strict as assert } from "assert";
import * as fs from "fs";
import { allKeySpecs } from "../../components/config";
import { BEGIN, CONFIG_REFERENCE, defaultCell, README, readmeWithReference, referenceBody, referencePage } from "../../scripts/gen-docs";
import { defineKey } from "../../components/settings";
import { z } from "zod";

describe("delivery: configuration reference", () => {
    it("docs/config-reference.md is current (run `npm run gen:docs` after changing a key)", () => {
        assert.equal(fs.readFileSync(CONFIG_REFERENCE, "utf8"), referencePage(), "docs/config-reference.md is stale: run `npm run gen:docs`");
    });

    it("README.md's reference between the markers is current (run `npm run gen:docs`)", () => {
        const readme = fs.readFileSync(README, "utf8");
        assert.ok(readme.includes(BEGIN), "README.md lost its config-reference markers");
        assert.equal(readme, readmeWithReference(readme), "README.md's configuration reference is stale: run `npm run gen:docs`");
    });

    it("documents every declared key exactly once, with its type", () => {
        const body = referenceBody();
        for (const spec of allKeySpecs()) {
            const rows = body.split("\n").filter((l) => l.startsWith(`| \`${spec.key}\` |`));
            assert.equal(rows.length, 1, spec.key);
            assert.match(rows[0] as string, new RegExp(`^\\| \`${spec.key.replace(/\./g, "\\.")}\` \\| ${spec.type === "array" ? "list of strings" : spec.type}`));
        }
    });

    it("shows per-environment defaults per environment, and secrets and required keys without a default", () => {
        const s = z.number();
        assert.equal(defaultCell(defineKey({ key: "a.b", type: "integer", description: "d", schema: s, default: { dev: 1, staging: 2, prod: 3 } })), "dev: `1`<br>staging: `2`<br>prod: `3`");
        assert.equal(defaultCell(defineKey({ key: "a.c", type: "string", description: "d", schema: z.string(), secret: true })), "none (required secret: `pulumi config set --secret`)");
        assert.equal(defaultCell(defineKey({ key: "a.d", type: "string", description: "d", schema: z.string() })), "none (required)");
        assert.equal(defaultCell(defineKey({ key: "a.e", type: "array", description: "d", schema: z.record(z.string(), z.string()), default: { Team: "platform" } })), '`{"Team":"platform"}`');
    });

    it("replaces only the region between the markers", () => {
        const before = `intro\n${BEGIN}\nold\n<!-- config-reference:end -->\noutro\n`;
        const after = readmeWithReference(before);
        assert.ok(after.startsWith(`intro\n${BEGIN}\n`));
        assert.ok(after.endsWith("<!-- config-reference:end -->\noutro\n"));
        assert.ok(!after.includes("\nold\n"));
        assert.throws(() => readmeWithReference("no markers"), /needs the markers/);
    });
});
