// The Istio upgrade's config commands (what `npm run upgrade:plan` prints and the README lists)
// through the real Pulumi CLI: each step's commands turn the stack file into the step's config,
// and its undo commands turn it back, as the offline path functions assume
// (scripts/lib/config-path.ts). Not part of `npm test` (needs the CLI; `npm run test:engine`).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { revisionsConfig } from "../../components/mesh/settings";
import { commandLine } from "../../components/mesh/upgrade-steps";
import { pulumi, pulumiBinary, shell, tempWorkspace, Workspace } from "../../scripts/lib/engine";
import { ok } from "./helpers";
import { stepsFor } from "../../scripts/lib/upgrade/plan";
import { stackMesh } from "../../scripts/lib/upgrade/render";
import { ISTIO_VERSION } from "../../components/versions";

/** The revision keys of the stack file's `dodo-platform:mesh`, as revisionsConfig writes them. */
function meshRevisions(ws: Workspace, stack: string): Record<string, unknown> {
    const mesh = (YAML.parse(fs.readFileSync(path.join(ws.dir, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, Record<string, unknown>> }).config["dodo-platform:mesh"];
    return {
        revisions: mesh.revisions,
        tags: mesh.tags,
        namespaces: mesh.namespaces ?? {},
        gateway: { revision: (mesh.gateway as { revision?: unknown } | undefined)?.revision },
        base: { revision: (mesh.base as { revision?: unknown } | undefined)?.revision },
        defaultRevision: mesh.defaultRevision,
        statefulSets: mesh.statefulSets ?? {},
    };
}

describe("Istio upgrade commands on the real Pulumi CLI", function () {
    this.timeout(300_000);

    before(function () {
        this.timeout(60 * 60_000);
        pulumiBinary();
    });

    it("dev: every step's commands, then its undo and the step again, give the configs the plan renders", () => {
        const ws = tempWorkspace(["dev"]);
        ok(pulumi(ws, ["stack", "init", "dev"]), "stack init");
        const { todo } = stepsFor(stackMesh("dev"), ISTIO_VERSION);
        let previous = meshRevisions(ws, "dev");
        for (const step of todo) {
            for (const c of step.commands) ok(shell(ws, commandLine(c)), commandLine(c));
            assert.deepEqual(meshRevisions(ws, "dev"), revisionsConfig(step.state), step.title);
            for (const c of step.undo) ok(shell(ws, commandLine(c)), commandLine(c));
            assert.deepEqual(meshRevisions(ws, "dev"), previous, `undo of: ${step.title}`);
            for (const c of step.commands) ok(shell(ws, commandLine(c)), commandLine(c));
            previous = meshRevisions(ws, "dev");
        }
    });
});
