import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PLANTED_WORKFLOW, plantedFindings, SHELLCHECK, shellcheckVersion, shellScripts } from "../../scripts/lint-workflows";
import { ROOT } from "./workflow-files";

describe("delivery: workflow linting (npm run lint:workflows, in .ci/run)", () => {
    it("pins shellcheck to one Debian package version and reads the version shellcheck prints", () => {
        assert.equal(SHELLCHECK.debianVersion.split("-")[0], SHELLCHECK.version);
        assert.equal(shellcheckVersion("ShellCheck - shell script analysis tool\nversion: 0.9.0\nlicense: GNU General Public License, version 3\n"), "0.9.0");
        assert.equal(shellcheckVersion("shellcheck: command not found"), undefined);
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
