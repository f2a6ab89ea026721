// The real Pulumi CLI, built from its pinned Go module (tools/pulumi), over a copy of the
// project: a local backend and PULUMI_HOME in a temporary folder, nothing shared with the user.
// Programs run through the Automation API's inline mode, which needs no Node.js language host
// (the module proxy does not serve it; see tools/README.md). Used by test/engine and the
// conformance run.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as auto from "@pulumi/pulumi/automation";
import { buildGoTools, selectTools } from "../../scripts/lib/engine-tools/build";

import { PROJECT } from "../../components/settings";
import { REPO_ROOT } from "../../scripts/lib/stack-config";

let cached: string | undefined;

/** The pinned CLI; builds it on first use (`npm run tools:build -- --engine` does it ahead). */
export function pulumiBinary(): string {
    cached ??= buildGoTools(selectTools(["engine"], ["pulumi"]), () => undefined).pulumi?.bins.pulumi;
    if (!cached) throw new Error("the pinned Pulumi CLI did not build (npm run tools:build -- --engine)");
    return cached;
}

export interface Workspace {
    /** The project copy the CLI runs in. */
    dir: string;
    /** The temporary folder holding it, the local backend's state and PULUMI_HOME. */
    root: string;
    env: Record<string, string>;
    /** Deletes `root` (state, encrypted test secrets and all); safe to call twice. */
    remove(): void;
}

const open = new Set<Workspace>();

/**
 * Removes every workspace this process made and did not remove yet: test/engine calls it after
 * each test (test/engine/hooks.ts), the conformance in its `finally`. Each one holds a stack's
 * state and secrets under a fixed passphrase, and a few hundred MB of plugins.
 */
export function removeWorkspaces(): void {
    for (const ws of [...open]) ws.remove();
}

/** Roots of the workspaces still on disk. */
export function openWorkspaces(): string[] {
    return [...open].map((ws) => ws.root);
}

// A last resort when a run ends in process.exit() (a signal handler, runCommand): 'exit' handlers run then.
process.on("exit", removeWorkspaces);

/** A copy of Pulumi.yaml and the stack files, with a fresh local backend and PULUMI_HOME. */
export function tempWorkspace(stacks: readonly string[]): Workspace {
    const bin = pulumiBinary();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "dodo-engine-"));
    const ws: Workspace = {
        dir: path.join(root, "project"),
        root,
        env: {
            PATH: `${path.dirname(bin)}:/usr/bin:/bin`,
            HOME: root,
            PULUMI_HOME: path.join(root, "home"),
            PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "engine-test-passphrase",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            // No plugin downloads: a missing provider is reported at once, and nothing leaves the machine.
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        },
        remove() {
            open.delete(ws);
            fs.rmSync(root, { recursive: true, force: true });
        },
    };
    open.add(ws);
    try {
        fs.mkdirSync(ws.dir);
        for (const f of ["Pulumi.yaml", ...stacks.map((s) => `Pulumi.${s}.yaml`)]) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(ws.dir, f));
        fs.mkdirSync(path.join(root, "state"));
    } catch (err) {
        ws.remove();
        throw err;
    }
    return ws;
}

export interface CliResult {
    status: number;
    stdout: string;
    stderr: string;
}

/** Runs a shell command line (as a user types it) in the workspace, with the pinned CLI on PATH. */
export function shell(ws: Workspace, line: string): CliResult {
    const r = spawnSync("bash", ["-c", line], { cwd: ws.dir, env: ws.env, encoding: "utf8", timeout: 60_000 });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function pulumi(ws: Workspace, args: readonly string[]): CliResult {
    const r = spawnSync(pulumiBinary(), [...args, "--non-interactive"], { cwd: ws.dir, env: ws.env, encoding: "utf8", timeout: 60_000 });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface PreviewOutcome {
    ok: boolean;
    /** Error diagnostics the engine reported, with the resource they belong to. */
    errors: { urn?: string; message: string }[];
    /** Resources the program registered (so it ran past its config parsing). */
    registered: string[];
    stdout: string;
    error?: string;
}

/** index.ts as an inline program: loaded afresh on every run, as `pulumi` runs it afresh. */
async function indexProgram(): Promise<Record<string, unknown>> {
    const entry = require.resolve(path.join(REPO_ROOT, "index.ts"));
    delete require.cache[entry];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { ...(require(entry) as Record<string, unknown>) };
}

/** The stack running index.ts on the real engine, through the Automation API's inline mode. */
export async function programStack(ws: Workspace, stack: string): Promise<auto.Stack> {
    const bin = pulumiBinary();
    const pulumiCommand = await auto.PulumiCommand.get({ root: path.dirname(path.dirname(bin)), skipVersionCheck: true });
    return auto.LocalWorkspace.selectStack({ stackName: stack, projectName: PROJECT, program: indexProgram }, { workDir: ws.dir, pulumiCommand, envVars: ws.env });
}

// The Automation API's own language host for inline programs (automation/server.js; internal, so
// typed here), served the way its stack.js serves it.
/* eslint-disable @typescript-eslint/no-require-imports */
const { LanguageServer } = require("@pulumi/pulumi/automation/server") as { LanguageServer: new (program: () => Promise<unknown>) => grpc.UntypedServiceImplementation };
const { LanguageRuntimeService } = require("@pulumi/pulumi/proto/language_grpc_pb") as { LanguageRuntimeService: grpc.ServiceDefinition };
const { grpcChannelOptions } = require("@pulumi/pulumi/runtime/settings") as { grpcChannelOptions: grpc.ChannelOptions };
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * `pulumi <args> --stack <stack>` on index.ts exactly as a workflow types it. The Automation API's
 * operations add flags of their own (its `up` always passes --skip-preview, automation/stack.js), so
 * this hosts the program itself and hands the CLI its address with --client, the hidden flag the
 * Automation API uses for inline programs (pkg cmd/pulumi/operations/up.go); nothing else is added.
 */
export async function pulumiOnProgram(ws: Workspace, stack: string, args: readonly string[], timeoutMs = 600_000): Promise<CliResult> {
    const server = new grpc.Server(grpcChannelOptions);
    server.addService(LanguageRuntimeService, new LanguageServer(indexProgram));
    const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    try {
        return await new Promise<CliResult>((resolve) => {
            const child = spawn(pulumiBinary(), [...args, "--stack", stack, "--non-interactive", `--client=127.0.0.1:${port}`], { cwd: ws.dir, env: ws.env });
            let stdout = "";
            let stderr = "";
            const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
            child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
            child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
            child.on("error", (err) => (stderr += String(err)));
            child.on("close", (code) => {
                clearTimeout(timer);
                resolve({ status: code ?? -1, stdout, stderr });
            });
        });
    } finally {
        server.forceShutdown();
    }
}

/** Collects error diagnostics and registered URNs from an operation's engine events. */
export function eventCollector(): { onEvent: (e: auto.EngineEvent) => void; errors: { urn?: string; message: string }[]; registered: string[] } {
    const errors: { urn?: string; message: string }[] = [];
    const registered: string[] = [];
    const onEvent = (e: auto.EngineEvent) => {
        if (e.diagnosticEvent?.severity === "error") errors.push({ urn: e.diagnosticEvent.urn, message: e.diagnosticEvent.message });
        if (e.resourcePreEvent) registered.push(e.resourcePreEvent.metadata.urn);
    };
    return { onEvent, errors, registered };
}

/** `pulumi preview` of index.ts on the real engine; never throws, the outcome says what happened. */
export async function previewProgram(ws: Workspace, stack: string): Promise<PreviewOutcome> {
    const workspace = await programStack(ws, stack);
    const events = eventCollector();
    let stdout = "";
    try {
        await workspace.preview({ onEvent: events.onEvent, onOutput: (s) => (stdout += s), color: "never" });
        return { ok: true, errors: events.errors, registered: events.registered, stdout };
    } catch (err) {
        return { ok: false, errors: events.errors, registered: events.registered, stdout, error: String(err) };
    }
}
