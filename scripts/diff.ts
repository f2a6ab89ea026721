// npm run --silent diff -- --stack <dev|staging|prod|local> [--base <git-ref>] [--head <git-ref>]
// Renders the stack offline at the base ref (default: the merge base with main) and at the
// working tree (or --head), and prints a Markdown report of what changes. No cloud credentials.
// Exit codes: 0 report printed (with or without changes), 1 a render failed, 2 bad usage.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs, runCommand, UsageError } from "./lib/args";
import { diffMarkdown, diffRenders, EMPTY_SNAPSHOT, RenderSnapshot, snapshotFromSynth } from "./lib/diff";
import { ALL_STACKS as STACKS, renderStack, REPO_ROOT } from "./lib/render";
import { manifestsYaml, resourcesJson } from "./lib/synth-output";
import { loadPackConfigFile, shippedPackConfig } from "../policy/config-files";
import type { Environment, PolicyConfig } from "../policy/rules/types";

const USAGE = "usage: npm run --silent diff -- --stack <dev|staging|prod|local> [--base <git-ref>] [--head <git-ref>]";

/** A failure to render one side, printed as one message without a stack trace. */
class RenderFailure extends Error {}

function git(args: string[], cwd = REPO_ROOT): string {
    const r = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new RenderFailure(`git ${args.join(" ")} failed: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout.trim();
}

function refExists(ref: string): boolean {
    return spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: REPO_ROOT }).status === 0;
}

/** The default base: where this branch left main (local main, else origin/main). */
export function defaultBase(): string {
    for (const main of ["main", "origin/main"]) {
        if (refExists(main)) return git(["merge-base", "HEAD", main]);
    }
    throw new UsageError(`no branch main or origin/main to take the merge base with; pass --base <git-ref>\n${USAGE}`);
}

interface Ran {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Runs a command without a shell; optionally pipes another process's stdout into it. */
function run(cmd: string, args: string[], options: { cwd: string; stdin?: NodeJS.ReadableStream }): Promise<Ran> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { cwd: options.cwd, stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        if (options.stdin && child.stdin) options.stdin.pipe(child.stdin);
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

/**
 * Renders `stack` at commit `sha`: extracts the commit into a temporary directory (the repo's
 * worktree list is never touched), links this checkout's node_modules into it and runs that
 * commit's own synth script there, so each side is rendered by its own code.
 */
export async function renderAtCommit(sha: string, stack: string, tmp: string, repo = REPO_ROOT): Promise<RenderSnapshot | "no-stack"> {
    const side = fs.mkdtempSync(path.join(tmp, `${sha.slice(0, 12)}-`));
    const tree = path.join(side, "tree");
    const out = path.join(side, "out");
    fs.mkdirSync(tree, { recursive: true });
    const archive = spawn("git", ["archive", "--format=tar", sha], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
    let archiveErr = "";
    archive.stderr.setEncoding("utf8").on("data", (d: string) => (archiveErr += d));
    const archived = new Promise<number | null>((resolve) => archive.on("close", resolve));
    const untar = await run("tar", ["-x", "-C", tree], { cwd: tmp, stdin: archive.stdout });
    if ((await archived) !== 0) throw new RenderFailure(`git archive ${sha} failed: ${archiveErr.trim()}`);
    if (untar.status !== 0) throw new RenderFailure(`extracting ${sha} failed: ${untar.stderr.trim()}`);
    if (!fs.existsSync(path.join(tree, "scripts", "synth.ts"))) {
        throw new RenderFailure(`${sha.slice(0, 12)} has no offline synth (scripts/synth.ts); choose a newer commit`);
    }
    if (!fs.existsSync(path.join(tree, `Pulumi.${stack}.yaml`))) return "no-stack";
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(tree, "node_modules"), "dir");
    // The repo's cached TypeScript loader where the commit has it (much faster than ts-node).
    const loader = fs.existsSync(path.join(tree, "scripts", "lib", "register-ts.js")) ? "./scripts/lib/register-ts.js" : "ts-node/register/transpile-only";
    const synth = await run(process.execPath, ["-r", loader, "scripts/synth.ts", "--stack", stack, "--out", out], { cwd: tree });
    if (synth.status !== 0) {
        throw new RenderFailure(`rendering ${stack} at ${sha.slice(0, 12)} failed:\n${(synth.stderr || synth.stdout).trim()}`);
    }
    return snapshotFromSynth(
        fs.readFileSync(path.join(out, "resources.json"), "utf8"),
        fs.readFileSync(path.join(out, "manifests.yaml"), "utf8"),
        stack as Environment,
        packConfigAt(tree, stack as Environment),
    );
}

/**
 * The pack config a commit ships for `stack` (policy/config/<stack>.json of that tree), so each
 * side is judged with its own config and a relaxed config shows as resolved findings. A commit
 * without one is judged with the rules' defaults; one this checkout's rules cannot read (a rule
 * since removed) with this checkout's config.
 */
function packConfigAt(tree: string, stack: Environment): PolicyConfig {
    const file = path.join(tree, "policy", "config", `${stack}.json`);
    if (!fs.existsSync(file)) return {};
    try {
        return loadPackConfigFile(file);
    } catch {
        return shippedPackConfig(stack);
    }
}

/** Renders the working tree in this process, through the same serialisation the synth writes. */
async function renderWorkingTree(stack: string): Promise<RenderSnapshot> {
    const render = await renderStack(stack);
    return snapshotFromSynth(resourcesJson(render.resources), manifestsYaml(render), stack as Environment);
}

async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv, { stack: "string", base: "string", head: "string" }, USAGE);
    const stack = args.stack;
    if (!stack || !(STACKS as readonly string[]).includes(stack)) throw new UsageError(`--stack must be one of ${STACKS.join(", ")}\n${USAGE}`);
    if (args._.length > 0) throw new UsageError(`unexpected argument ${args._[0]}\n${USAGE}`);
    const baseRef = args.base ?? defaultBase();
    const commit = (ref: string, flag: string) => {
        if (!refExists(ref)) throw new UsageError(`${flag} ${ref} is not a commit in this repository\n${USAGE}`);
        return git(["rev-parse", `${ref}^{commit}`]);
    };
    const sha = commit(baseRef, "--base");
    const headSha = args.head === undefined ? undefined : commit(args.head, "--head");
    const label = args.base ? `\`${args.base}\` (${sha.slice(0, 7)})` : `merge base with main (${sha.slice(0, 7)})`;
    const headLabel = args.head === undefined || headSha === undefined ? "working tree" : `\`${args.head}\` (${headSha.slice(0, 7)})`;

    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dodo-diff-"));
    try {
        // The base renders in a child process while the head renders here (or in a second child).
        const [base, head] = await Promise.all([
            renderAtCommit(sha, stack, tmp),
            headSha === undefined ? renderWorkingTree(stack) : renderAtCommit(headSha, stack, tmp),
        ]);
        if (head === "no-stack") throw new RenderFailure(`${args.head} has no Pulumi.${stack}.yaml`);
        const report = diffRenders(base === "no-stack" ? EMPTY_SNAPSHOT : base, head);
        const note = base === "no-stack" ? `\n_The base has no Pulumi.${stack}.yaml: everything in this stack is new._\n` : "";
        process.stdout.write(diffMarkdown(report, { stack, base: label, head: headLabel }) + note);
        return 0;
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

if (require.main === module) runCommand("diff", main, (err) => err instanceof RenderFailure);
