// An existing-cluster stack whose target is wrong, on the real Pulumi CLI: the preview stops with
// the key named and no stack trace, before any resource is registered.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { previewProgram, pulumi, pulumiBinary, shell, tempWorkspace, Workspace } from "../../scripts/lib/engine";
import { ok } from "./helpers";

function localWorkspace(): Workspace {
    const ws = tempWorkspace(["local"]);
    ok(pulumi(ws, ["stack", "init", "local"]), "stack init");
    ok(shell(ws, "pulumi config set --secret --path dodo-platform:payments.postgres.password existing-cluster-test-0123"), "config set --secret");
    return ws;
}

const STACK_TRACE = /\n\s+at .*\.(ts|js):\d+/;

describe("existing cluster: the target on the real Pulumi CLI", function () {
    this.timeout(120_000);

    before(function () {
        this.timeout(60 * 60_000);
        pulumiBinary();
    });

    it("a kubeconfig file that is not there stops the preview naming cluster.existing.kubeconfig", async () => {
        const ws = localWorkspace();
        const missing = path.join(ws.root, "moved", "kind.yaml");
        ok(pulumi(ws, ["config", "set", "--path", "dodo-platform:cluster.existing.kubeconfig", missing]), "config set");
        const preview = await previewProgram(ws, "local");
        const text = preview.errors.map((e) => e.message).join("\n");
        assert.equal(preview.ok, false);
        assert.match(text, new RegExp(`dodo-platform:cluster\\.existing\\.kubeconfig: ${missing.replace(/[/.]/g, "\\$&")} does not exist on this machine`));
        assert.doesNotMatch(text, STACK_TRACE);
        assert.deepEqual(preview.registered.filter((u) => !u.endsWith("pulumi:pulumi:Stack::dodo-platform-local")), [], "no resource before the config is valid");
    });

    it("a stack reference to a stack without a kubeconfig output fails with a RunError naming the key", async () => {
        const ws = localWorkspace();
        // A cluster-owning project's stack that exports nothing (never deployed).
        const other = path.join(ws.root, "cluster-only");
        fs.mkdirSync(other);
        fs.writeFileSync(path.join(other, "Pulumi.yaml"), "name: cluster-only\nruntime: nodejs\n");
        ok(shell(ws, `cd ${other} && pulumi stack init organization/cluster-only/base --non-interactive`), "stack init of the other project");
        ok(pulumi(ws, ["config", "rm", "--path", "dodo-platform:cluster.existing.context"]), "config rm");
        ok(pulumi(ws, ["config", "set", "--path", "dodo-platform:cluster.existing.stackReference", "organization/cluster-only/base"]), "config set");
        const preview = await previewProgram(ws, "local");
        const text = preview.errors.map((e) => e.message).join("\n");
        assert.equal(preview.ok, false);
        assert.match(text, /dodo-platform:cluster\.existing\.stackReference: stack organization\/cluster-only\/base has no `kubeconfig` output/, text);
        assert.doesNotMatch(text, /Required output 'kubeconfig' does not exist/);
        assert.doesNotMatch(text, STACK_TRACE, text);
        // The Kubernetes provider waits on the output, and every cluster object on that provider:
        // none is registered (the reference's own default `pulumi` provider is).
        const types = preview.registered.map((u) => u.split("::")[2].split("$").pop()!);
        assert.deepEqual(types.filter((t) => t.startsWith("kubernetes:") || t === "pulumi:providers:kubernetes"), [], preview.registered.join("\n"));
        assert.ok(types.includes("dodo:platform:ExistingCluster"), "the program ran up to the cluster");
    });
});
