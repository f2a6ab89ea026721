import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ensureShellcheck, PLANTED_WORKFLOW, plantedFindings, SHELLCHECK, shellcheckInstall, shellcheckVersion, shellScripts } from "../../scripts/lint-workflows";
import { ROOT } from "./workflow-files";

describe("delivery: workflow linting (npm run lint:workflows, in .ci/run)", () => {
    it("pins shellcheck to one Debian package version and reads the version shellcheck prints", () => {
        assert.equal(SHELLCHECK.debianVersion.split("-")[0], SHELLCHECK.version);
        assert.equal(shellcheckVersion("ShellCheck - shell script analysis tool\nversion: 0.9.0\nlicense: GNU General Public License, version 3\n"), "0.9.0");
        assert.equal(shellcheckVersion("shellcheck: command not found"), undefined);
    });

    describe("installs the pinned shellcheck on a machine without it", () => {
        // A stand-in apt-get that behaves like one on a fresh Debian image: no package lists until
        // `apt-get update`, so `install` finds no package before it.
        let dir: string;
        const log = () => fs.readFileSync(path.join(dir, "apt.log"), "utf8").trim().split("\n");
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "lint-workflows-"));
            for (const tool of ["sh", "bash"]) fs.symlinkSync(`/bin/${tool}`, path.join(dir, tool));
            const apt = [
                "#!/bin/bash",
                `dir=${dir}`,
                'echo "$*" >> "$dir/apt.log"',
                'case "$1" in',
                '  update) : > "$dir/lists" ;;',
                '  install) [ -f "$dir/lists" ] || { echo "E: Unable to locate package shellcheck" >&2; exit 100; }',
                `    printf '#!/bin/bash\\necho "version: ${SHELLCHECK.version}"\\n' > "$dir/shellcheck"; /bin/chmod +x "$dir/shellcheck" ;;`,
                "esac",
                "",
            ].join("\n");
            fs.writeFileSync(path.join(dir, "apt-get"), apt, { mode: 0o755 });
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("updates the package lists before it installs (the stand-in can fail)", () => {
            assert.deepEqual(shellcheckInstall(), [["update"], ["install", "-y", "--no-install-recommends", `shellcheck=${SHELLCHECK.debianVersion}`]]);
            const found = ensureShellcheck({ env: { PATH: dir }, root: true });
            assert.equal(found, path.join(dir, "shellcheck"));
            assert.deepEqual(log(), ["update", `install -y --no-install-recommends shellcheck=${SHELLCHECK.debianVersion}`]);
            // Install alone, as before the fix, is what a fresh image refuses.
            fs.rmSync(path.join(dir, "lists"));
            fs.rmSync(path.join(dir, "shellcheck"));
            assert.equal(spawnSync(path.join(dir, "apt-get"), ["install", "-y", `shellcheck=${SHELLCHECK.debianVersion}`], { env: { PATH: dir } }).status, 100);
        });

        it("refuses to install without root, printing both commands", () => {
            assert.throws(() => ensureShellcheck({ env: { PATH: dir }, root: false }), /sudo apt-get update && sudo apt-get install -y --no-install-recommends shellcheck=0\.9\.0-1/);
            assert.equal(fs.existsSync(path.join(dir, "apt.log")), false);
        });
    });

    it("trusts actionlint only once it reported both planted defects", () => {
        assert.match(PLANTED_WORKFLOW, /echo \$PLANTED_UNQUOTED/);
        const both = "<stdin>:6:9: shellcheck reported issue in this script: SC2086:info:1:6: Double quote to prevent globbing [shellcheck]\n<stdin>:7:24: property \"no_such_property\" is not defined in object type [expression]\n";
        assert.deepEqual(plantedFindings(both), { shellcheck: true, expression: true });
        assert.deepEqual(plantedFindings(both.split("\n")[1]), { shellcheck: false, expression: true }, "shellcheck not wired in");
        assert.deepEqual(plantedFindings(""), { shellcheck: false, expression: false });
    });

    it("shellchecks every script the workflows call, and .ci/run", () => {
        const called = new Set<string>();
        for (const f of fs.readdirSync(path.join(ROOT, ".github", "workflows"))) {
            for (const m of fs.readFileSync(path.join(ROOT, ".github", "workflows", f), "utf8").matchAll(/(scripts\/ci\/[\w-]+\.sh)/g)) called.add(m[1]);
        }
        assert.ok(called.size > 0);
        for (const script of called) assert.ok(shellScripts().includes(script), script);
        assert.ok(shellScripts().includes(".ci/run"));
        assert.match(fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8"), /^npm run -s lint:workflows$/m);
    });
});
