// The workflows' script that reads stack config, scripts/ci/require-preview-role.sh (run before
// every preview and plan), against the real Pulumi CLI (`npm run test:engine`), with a stand-in
// `aws` answering get-caller-identity: only the real CLI shows that its config command reads the
// shipped stack files.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { roleNames } from "../../scripts/bootstrap";
import { pulumi, pulumiBinary, shell, tempWorkspace, Workspace } from "../../scripts/lib/engine";
import { REPO_ROOT, STACKS } from "../../scripts/lib/stack-config";
import { ok, stackFile } from "./helpers";

const SCRIPT = path.join(REPO_ROOT, "scripts", "ci", "require-preview-role.sh");

/** Runs the script as the preview and plan jobs do, with `aws sts get-caller-identity` answering `caller`. */
function requirePreviewRole(ws: Workspace, stack: string, caller: string): { status: number; out: string } {
    const bin = path.join(ws.root, "fake-bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "aws"), '#!/bin/sh\nprintf "%s\\n" "$FAKE_CALLER"\n', { mode: 0o755 });
    const r = shell({ ...ws, env: { ...ws.env, PATH: `${bin}:${ws.env.PATH}`, FAKE_CALLER: caller } }, `bash ${SCRIPT} ${stack}`);
    return { status: r.status, out: r.stdout + r.stderr };
}

describe("scripts/ci/require-preview-role.sh on the real Pulumi CLI", function () {
    this.timeout(120_000);

    before(function () {
        this.timeout(60 * 60_000);
        pulumiBinary();
    });

    it("reads cluster.previewRoleArn with the command the script runs", () => {
        assert.match(fs.readFileSync(SCRIPT, "utf8"), /pulumi config get --stack "\$stack" --path dodo-platform:cluster\.previewRoleArn/);
    });

    for (const stack of STACKS) {
        it(`${stack}: the stack file names the preview role npm run bootstrap creates, and only that role passes`, () => {
            const ws = tempWorkspace([stack]);
            ok(pulumi(ws, ["stack", "init", stack]), "stack init");
            const config = stackFile(ws, stack).config;
            const role = String((config["dodo-platform:cluster"] as { previewRoleArn?: unknown } | undefined)?.previewRoleArn);
            const [, account, name] = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(role) ?? [];
            assert.equal(name, roleNames(stack).preview, role);
            const pinned = config["aws:allowedAccountIds"] as string[] | undefined;
            if (pinned) assert.deepEqual([account], pinned.slice(0, 1), "the role lives in the stack's pinned account");

            const asPreview = requirePreviewRole(ws, stack, `arn:aws:sts::${account}:assumed-role/${name}/gha-preview-${stack}-1`);
            assert.equal(asPreview.status, 0, asPreview.out);
            assert.match(asPreview.out, new RegExp(`previewing ${stack} as its preview role ${role.replace(/[/.]/g, "\\$&")}`));
            const asDeploy = requirePreviewRole(ws, stack, `arn:aws:sts::${account}:assumed-role/${roleNames(stack).deploy}/gha-plan-${stack}-1`);
            assert.equal(asDeploy.status, 1, asDeploy.out);
            assert.match(asDeploy.out, /::error::these credentials are .*, not .*'s preview role/);
        });
    }

    it("stops a stack that names no preview role", () => {
        const ws = tempWorkspace(["dev"]);
        ok(pulumi(ws, ["stack", "init", "dev"]), "stack init");
        ok(pulumi(ws, ["config", "rm", "--path", "dodo-platform:cluster.previewRoleArn"]), "config rm");
        const r = requirePreviewRole(ws, "dev", "arn:aws:sts::777788889999:assumed-role/dodo-dev-github-preview/gha");
        assert.equal(r.status, 1, r.out);
        assert.match(r.out, /::error::dev sets no dodo-platform:cluster\.previewRoleArn/);
    });
});
