// Writes Pulumi.yaml's `config:` section from the key declarations, so the CLI's schema and the
// parser cannot drift. `npm run gen:config` rewrites it; a test fails when it is stale.
//
// The CLI reads declared keys as paths (see components/settings.ts), so Pulumi.yaml declares the
// top-level keys only: `environment`, `tags`, and one `type: object` per capability. The keys
// inside each object are validated by the program and listed in docs/config-reference.md.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { allKeySpecs, SECTION_DESCRIPTIONS } from "../components/config";
import { KeySpec, topLevelKey } from "../components/settings";

export const PULUMI_YAML = path.resolve(__dirname, "..", "Pulumi.yaml");

const HEADER = `# Generated config section: edit the key declarations in components/**/settings.ts and
# components/config.ts, then run \`npm run gen:config\`. Each capability is one object; set a key
# inside it with \`pulumi config set --path dodo-platform:<capability>.<key> <value>\`. Every key,
# its type and per-environment default: docs/config-reference.md.
`;

/** A top-level key's declaration: the key itself, or the capability object holding its keys. */
function declaration(top: string, specs: readonly KeySpec<unknown>[]): Record<string, unknown> {
    const own = specs.find((s) => s.key === top);
    if (own) {
        if (own.secret) throw new Error(`${top}: secrets live inside a capability object, set with --secret --path`);
        const type = own.type === "map" ? "object" : own.type === "number" ? "string" : own.type;
        const decl: Record<string, unknown> = { type };
        if (type === "array") decl.items = { type: "string" };
        decl.description = own.description;
        // An optional top-level string is declared empty: the CLI demands declared keys without a default.
        decl.default = own.default !== undefined ? own.default : own.type === "string" ? "" : undefined;
        if (decl.default === undefined) delete decl.default;
        return decl;
    }
    const description = SECTION_DESCRIPTIONS[top];
    if (!description) throw new Error(`capability "${top}" has keys but no entry in SECTION_DESCRIPTIONS`);
    const keys = specs.filter((s) => topLevelKey(s.key) === top).map((s) => s.key.slice(top.length + 1));
    return { type: "object", description: `${description} Keys: ${keys.join(", ")}.`, default: {} };
}

export function projectFile(): string {
    const specs = allKeySpecs();
    const tops = [...new Set(specs.map((s) => topLevelKey(s.key)))].sort();
    const config = Object.fromEntries(tops.map((top) => [top, declaration(top, specs)]));
    const doc = {
        name: "dodo-platform",
        runtime: { name: "nodejs", options: { typescript: true, packagemanager: "npm" } },
        description: "Dodo Payments platform: EKS, Istio, payments on the mesh, observability, with a CrossGuard policy pack.",
        config,
    };
    return HEADER + YAML.stringify(doc, { lineWidth: 0 });
}

if (require.main === module) {
    fs.writeFileSync(PULUMI_YAML, projectFile());
    console.log(`wrote ${path.relative(process.cwd(), PULUMI_YAML)} (${allKeySpecs().length} keys in ${new Set(allKeySpecs().map((s) => topLevelKey(s.key))).size} top-level keys)`);
}
