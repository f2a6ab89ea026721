// What a runner image must hold for the jobs that call AWS: the AWS CLI v2, checked before the
// first call by scripts/ci/require-aws-cli.sh, so a self-hosted image without it fails naming it.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { files, Job, load, ROOT } from "./workflow-files";

const SCRIPT = path.join(ROOT, "scripts/ci/require-aws-cli.sh");
const CHECK = "scripts/ci/require-aws-cli.sh";

/** Runs the check with PATH holding only a fake `aws` printing `version` (none when undefined). */
function check(version: string | undefined): { status: number | null; stdout: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-cli-"));
    try {
        if (version !== undefined) fs.writeFileSync(path.join(dir, "aws"), `#!/bin/sh\necho '${version}'\n`, { mode: 0o755 });
        const r = spawnSync("/bin/bash", [SCRIPT], { env: { PATH: dir }, encoding: "utf8" });
        return { status: r.status, stdout: r.stdout };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("delivery: the runner image's AWS CLI", () => {
    it("passes with the AWS CLI v2 and prints its version", () => {
        const r = check("aws-cli/2.27.50 Python/3.13.4 Linux/6.8.0 exe/x86_64.ubuntu.24");
        assert.equal(r.status, 0);
        assert.match(r.stdout, /AWS CLI: aws-cli\/2\.27\.50/);
    });

    it("fails naming the gap when aws is missing, or is v1", () => {
        const missing = check(undefined);
        assert.equal(missing.status, 1);
        assert.match(missing.stdout, /::error::no aws command on this runner: its image needs the AWS CLI v2/);
        const v1 = check("aws-cli/1.36.40 Python/3.12.3 Linux/6.8.0 botocore/1.35.99");
        assert.equal(v1.status, 1);
        assert.match(v1.stdout, /::error::aws on this runner is "aws-cli\/1\.36\.40 [^"]*", not the AWS CLI v2/);
    });

    it("runs the check right after checkout in every job that calls aws, before the first call", () => {
        const jobs: [string, Job][] = files.flatMap((f) => Object.entries(load(f).jobs).map(([name, job]) => [`${f}: ${name}`, job] as [string, Job]));
        const callers = jobs.filter(([, job]) => (job.steps ?? []).some((s) => /\baws |require-preview-role\.sh|configure-aws-credentials/.test(`${s.run ?? ""} ${s.uses ?? ""}`)));
        assert.ok(callers.length >= 4, `preview-dev, preview, plan and up call AWS (${callers.map(([n]) => n).join(", ")})`);
        for (const [name, job] of callers) {
            const steps = job.steps ?? [];
            const at = steps.findIndex((s) => s.run === CHECK);
            const checkout = steps.findIndex((s) => s.uses?.startsWith("actions/checkout@") === true);
            const first = steps.findIndex((s) => /\baws |require-preview-role\.sh/.test(s.run ?? "") || s.uses?.startsWith("aws-actions/") === true);
            assert.equal(at, checkout + 1, `${name}: right after checkout`);
            assert.ok(at < first, `${name}: before the first AWS step`);
        }
    });
});
