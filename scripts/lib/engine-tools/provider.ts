// pulumi-resource-kubernetes from github.com/pulumi/pulumi-kubernetes/provider/v4. Its main
// package (cmd/pulumi-resource-kubernetes/main.go) //go:embeds schema-embed.json and
// terraform-mapping-embed.json, which upstream's `go generate` (generate.go beside it) writes from
// schema.json and terraform-mapping.json, and which the module zip lacks. So the build copies
// that package's main.go and the two JSON files out of the module cache into a folder in the tools
// cache, writes the embed files the way generate.go does, and builds that folder with the go.mod
// and go.sum committed in tools/pulumi-resource-kubernetes. Nothing upstream is committed.
import * as fs from "fs";
import * as path from "path";

/**
 * What the binary reports (its pkg/version.Version and the embedded schema's version). The pinned
 * commit is newer than provider 4.24.0 (it requires sdk/v4 v4.24.0) and is no release, hence -dev.
 * The engine installs it under the npm SDK's version (4.34.2) and warns that the two differ.
 */
export const PROVIDER_REPORTED_VERSION = "4.24.0-dev";

/** The package inside the module that holds main.go and the generated files' sources. */
export const PROVIDER_MAIN_DIR = "cmd/pulumi-resource-kubernetes";

/**
 * generate.go's schema step: parse, set `version`, re-serialize without indentation. (Go's
 * json.Marshal of schema.PackageSpec also drops empty fields; the engine reads both alike.)
 */
export function embedSchema(schemaJson: string, version: string): string {
    const spec = JSON.parse(schemaJson) as Record<string, unknown>;
    if (typeof spec.name !== "string" || typeof spec.resources !== "object") throw new Error("schema.json: not a Pulumi package schema (no name/resources)");
    return JSON.stringify({ ...spec, version });
}

/** generate.go's mapping step: parse and re-serialize without indentation. */
export function embedMapping(mappingJson: string): string {
    return JSON.stringify(JSON.parse(mappingJson));
}

/**
 * Fills `buildDir` with what `go build .` needs: the wrapper's go.mod/go.sum, upstream's main.go,
 * and the two embed files. Idempotent; returns the folder.
 */
export function prepareProviderBuildDir(moduleDir: string, wrapperDir: string, buildDir: string): string {
    const src = path.join(moduleDir, PROVIDER_MAIN_DIR);
    fs.mkdirSync(buildDir, { recursive: true });
    for (const f of ["go.mod", "go.sum"]) fs.copyFileSync(path.join(wrapperDir, f), path.join(buildDir, f));
    // Module cache files are read-only; write a copy instead of preserving the mode.
    fs.writeFileSync(path.join(buildDir, "main.go"), fs.readFileSync(path.join(src, "main.go")));
    fs.writeFileSync(path.join(buildDir, "schema-embed.json"), embedSchema(fs.readFileSync(path.join(src, "schema.json"), "utf8"), PROVIDER_REPORTED_VERSION));
    fs.writeFileSync(path.join(buildDir, "terraform-mapping-embed.json"), embedMapping(fs.readFileSync(path.join(src, "terraform-mapping.json"), "utf8")));
    return buildDir;
}
