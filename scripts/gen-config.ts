// Writes Pulumi.yaml's `config:` section from the key declarations, so the CLI's schema and the
// parser cannot drift. `npm run gen:config` rewrites it; a test fails when it is stale.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { allKeySpecs } from "../components/config";
import { isPerEnvironment, unsetSentinel, usesSentinel } from "../components/settings";

export const PULUMI_YAML = path.resolve(__dirname, "..", "Pulumi.yaml");

const HEADER = `# Generated config section: edit the key declarations in components/**/settings.ts and
# components/config.ts, then run \`npm run gen:config\`. Keys whose default depends on the
# environment are declared with an "unset" default (-1, "" or []): the program then applies the
# environment's default named in the description. Keys with no default are required.
`;

export function projectFile(): string {
    const config: Record<string, Record<string, unknown>> = {};
    for (const spec of [...allKeySpecs()].sort((a, b) => (a.key < b.key ? -1 : 1))) {
        const decl: Record<string, unknown> = { type: spec.type };
        if (spec.type === "array") decl.items = { type: "string" };
        decl.description = spec.description;
        if (usesSentinel(spec)) {
            const sentinel = unsetSentinel(spec.type);
            if (sentinel === undefined) throw new Error(`${spec.key}: a boolean key needs a constant default (override it in the stack file), not a per-environment or optional one`);
            decl.default = sentinel;
        } else if (spec.default !== undefined && !isPerEnvironment(spec.default) && !spec.secret) {
            const d = spec.default as unknown;
            // The CLI has no object type: key=value maps are declared as lists of strings.
            decl.default = d !== null && typeof d === "object" && !Array.isArray(d) ? Object.entries(d).map(([k, v]) => `${k}=${v}`) : d;
        }
        if (spec.secret) decl.secret = true;
        config[spec.key] = decl;
    }
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
    console.log(`wrote ${path.relative(process.cwd(), PULUMI_YAML)} (${allKeySpecs().length} keys)`);
}
