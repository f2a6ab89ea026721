// npm run lint:workflows
// actionlint (pinned Go module, tools/actionlint, built into the tools cache) over
// .github/workflows, running shellcheck on every `run:` script; then shellcheck over the scripts
// the workflows call (scripts/ci/*.sh) and .ci/run. shellcheck is the Debian package, pinned
// below: installed with apt-get (update, then install) when it is missing and this runs as root
// (CI), refused when another version is installed. Each tool first proves it reports a planted
// defect.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { runCommand } from "./lib/args";
import { buildGoTools, selectTools } from "./lib/engine-tools/build";
import { REPO_ROOT } from "./lib/stack-config";

/** Debian bookworm's shellcheck; `apt-get install shellcheck=<debianVersion>` installs exactly it. */
export const SHELLCHECK = { debianVersion: "0.9.0-1", version: "0.9.0" } as const;

/** The version `shellcheck --version` prints, or undefined. */
export function shellcheckVersion(output: string): string | undefined {
    return /^version: (\S+)$/m.exec(output)?.[1];
}

/** A workflow with two defects: an unquoted expansion (shellcheck SC2086), an unknown context property. */
export const PLANTED_WORKFLOW = [
    "on: push",
    "jobs:",
    "  planted:",
    "    runs-on: ubuntu-24.04",
    "    steps:",
    "      - run: echo $PLANTED_UNQUOTED",
    "      - run: echo \"${{ github.no_such_property }}\"",
    "",
].join("\n");

/** Which planted defects the actionlint output (one finding per line) reports. */
export function plantedFindings(output: string): { shellcheck: boolean; expression: boolean } {
    return { shellcheck: /SC2086/.test(output), expression: /no_such_property/.test(output) };
}

/** Scripts shellcheck reads directly: those the workflows run, and the CI entry point. */
export function shellScripts(root = REPO_ROOT): string[] {
    const ci = path.join(root, "scripts", "ci");
    const own = fs.existsSync(ci) ? fs.readdirSync(ci).filter((f) => f.endsWith(".sh")).map((f) => path.join("scripts", "ci", f)) : [];
    return [...own.sort(), ".ci/run"];
}

function run(cmd: string, args: string[], input?: string, env: NodeJS.ProcessEnv = process.env) {
    const r = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: "utf8", input, env });
    return { status: r.status ?? (r.error ? 127 : 1), out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/**
 * The apt-get runs that install the pinned shellcheck, in order. The package lists come first: a
 * fresh Debian image (the official images empty /var/lib/apt/lists) has none, and `install` then
 * fails with "Unable to locate package".
 */
export function shellcheckInstall(): string[][] {
    return [["update"], ["install", "-y", "--no-install-recommends", `shellcheck=${SHELLCHECK.debianVersion}`]];
}

export interface ShellcheckHost {
    /** PATH and the rest of the environment the lookups and apt-get run with. */
    env: NodeJS.ProcessEnv;
    root: boolean;
}

/** The pinned shellcheck's path, installing it (root + apt-get) when there is none. */
export function ensureShellcheck(host: ShellcheckHost = { env: process.env, root: process.getuid?.() === 0 }): string {
    const which = () => run("sh", ["-c", "command -v shellcheck"], undefined, host.env).out.trim();
    let found = which();
    if (!found) {
        const steps = shellcheckInstall();
        const manual = steps.map((a) => `sudo apt-get ${a.join(" ")}`).join(" && ");
        if (!host.root || run("sh", ["-c", "command -v apt-get"], undefined, host.env).status !== 0) throw new Error(`shellcheck is not installed: run \`${manual}\``);
        for (const args of steps) {
            const r = spawnSync("apt-get", args, { stdio: "inherit", env: { ...host.env, DEBIAN_FRONTEND: "noninteractive" } });
            if (r.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed`);
        }
        found = which();
    }
    const version = shellcheckVersion(run(found, ["--version"], undefined, host.env).out);
    if (version !== SHELLCHECK.version) throw new Error(`${found} is shellcheck ${version ?? "(unknown)"}; the pinned version is ${SHELLCHECK.version} (apt-get install shellcheck=${SHELLCHECK.debianVersion})`);
    return found;
}

async function main(): Promise<number> {
    const shellcheck = ensureShellcheck();
    const actionlint = buildGoTools(selectTools([], ["actionlint"])).actionlint?.bins.actionlint;
    if (!actionlint) throw new Error("actionlint did not build (npm run tools:build -- --only actionlint)");
    const lint = ["-shellcheck", shellcheck, "-oneline", "-no-color"];

    const planted = plantedFindings(run(actionlint, [...lint, "-"], PLANTED_WORKFLOW).out);
    if (!planted.shellcheck || !planted.expression) {
        console.error(`lint:workflows: actionlint did not report the planted defects (${JSON.stringify(planted)}); its findings cannot be trusted`);
        return 2;
    }
    const workflows = run(actionlint, lint);
    const scripts = run(shellcheck, shellScripts());
    for (const r of [workflows, scripts]) if (r.out.trim()) console.log(r.out.trimEnd());
    console.log(`lint:workflows: actionlint ${workflows.status === 0 ? "clean" : "found problems"} (.github/workflows), shellcheck ${SHELLCHECK.version} ${scripts.status === 0 ? "clean" : "found problems"} (${shellScripts().join(", ")})`);
    return workflows.status === 0 && scripts.status === 0 ? 0 : 1;
}

if (require.main === module) runCommand("lint:workflows", () => main());
