// Helpers of the real-CLI tests: the README's config commands, and reading what they wrote.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { Workspace } from "../../scripts/lib/engine";

const README = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");

/** The shell blocks of one README section. */
export function sectionBlocks(heading: string): string[][] {
    const start = README.indexOf(`\n## ${heading}\n`);
    assert.ok(start >= 0, `README has no "## ${heading}"`);
    const end = README.indexOf("\n## ", start + 1);
    const section = README.slice(start, end < 0 ? undefined : end);
    return [...section.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)].map((m) => m[1].split("\n"));
}

/** The lines of a block that change or read stack configuration, without trailing comments. */
export function configCommands(lines: readonly string[]): string[] {
    return lines
        .map((l) => l.replace(/\s+#.*$/, "").trim())
        .filter((l) => /^pulumi (config|stack (select|init|tag))\b/.test(l));
}

export function ok(r: { status: number; stdout: string; stderr: string }, what: string): string {
    assert.equal(r.status, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

export function stackFile(ws: Workspace, stack: string): { config: Record<string, unknown> } {
    return YAML.parse(fs.readFileSync(path.join(ws.dir, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
}
