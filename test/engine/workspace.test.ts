// How the real-CLI tests run: isolated from the network, and leaving nothing behind.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { isIsolated, nonLoopbackInterfaces } from "../../scripts/lib/cluster/netns";
import { openWorkspaces, pulumi, pulumiBinary, removeWorkspaces, shell, tempWorkspace } from "../../scripts/lib/engine";
import { ok } from "./helpers";

describe("the real-CLI test run", function () {
    this.timeout(120_000);

    before(function () {
        this.timeout(60 * 60_000);
        pulumiBinary();
    });

    it("runs inside a network namespace with only loopback (npm run test:engine: scripts/test-engine.ts)", () => {
        assert.deepEqual(nonLoopbackInterfaces(), [], "run it with `npm run test:engine`, not mocha directly");
        assert.equal(isIsolated(), true);
    });

    it("removes a workspace with its state and encrypted secrets, and removeWorkspaces() every one still open", () => {
        const ws = tempWorkspace(["dev"]);
        ok(pulumi(ws, ["stack", "init", "dev"]), "stack init");
        ok(shell(ws, "pulumi config set --secret --path dodo-platform:payments.postgres.password workspace-test-password-0123"), "config set --secret");
        assert.ok(fs.readdirSync(path.join(ws.root, "state")).length > 0, "the local backend wrote its state");
        ws.remove();
        assert.equal(fs.existsSync(ws.root), false);
        ws.remove();
        const [a, b] = [tempWorkspace(["dev"]), tempWorkspace(["local"])];
        assert.deepEqual(openWorkspaces(), [a.root, b.root]);
        removeWorkspaces();
        assert.deepEqual([fs.existsSync(a.root), fs.existsSync(b.root), openWorkspaces()], [false, false, []]);
    });
});
