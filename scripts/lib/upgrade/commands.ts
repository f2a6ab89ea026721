// The config commands of an upgrade step applied to a stack's `dodo-platform:mesh` object, the
// way the CLI applies them, and read back through the mesh section's parser.
import { MeshRevisions } from "../../../components/mesh/revisions";
import { meshSection } from "../../../components/mesh/settings";
import { ConfigCommand } from "../../../components/mesh/upgrade-steps";
import { ConfigReader, Environment, fullKey } from "../../../components/settings";
import { parseConfigPath, setAtPath } from "../config-path";

/** `mesh` after `commands` (paths inside the project, starting with `mesh.`); the input is not changed. */
export function applyCommands(mesh: Record<string, unknown>, commands: readonly ConfigCommand[]): Record<string, unknown> {
    const root: Record<string, unknown> = { mesh: structuredClone(mesh) };
    for (const c of commands) setAtPath(root, parseConfigPath(c.path), c.op === "set" ? c.value : undefined);
    return root.mesh as Record<string, unknown>;
}

/** The revisions a mesh object configures, and what the mesh section says about it. */
export function readRevisions(mesh: Record<string, unknown>, environment: Environment): { revisions: MeshRevisions; problems: string[] } {
    const reader = new ConfigReader(environment, { values: { [fullKey("mesh")]: JSON.stringify(mesh) } });
    const config = meshSection.read(reader);
    return { revisions: config.revisions, problems: reader.problems };
}
