// Isolation: the harness, the control plane and the engine run inside a fresh network namespace
// that has only a loopback interface. The API server dials webhook and Service ClusterIPs in
// private ranges; in such a namespace those dials fail at once and nothing leaves the machine.
// Node cannot enter a namespace itself (setns), so a command re-executes itself under
// `ip netns exec` (iproute2, root) and everything it starts inherits the namespace.
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as os from "os";

/** Set in the re-executed process: the namespace it runs in. */
export const NETNS_ENV = "DODO_NETNS";

/** Interfaces other than loopback that this process can see; empty inside an isolated namespace. */
export function nonLoopbackInterfaces(interfaces = os.networkInterfaces()): string[] {
    return Object.keys(interfaces).filter((name) => name !== "lo");
}

/** Whether this process runs in a namespace made by runIsolated (and it has loopback only). */
export function isIsolated(env: NodeJS.ProcessEnv = process.env): boolean {
    return Boolean(env[NETNS_ENV]) && nonLoopbackInterfaces().length === 0;
}

/** Throws unless isolated: the cluster must never start where it could reach the network. */
export function assertIsolated(): void {
    if (!process.env[NETNS_ENV]) throw new Error("not inside a network namespace made by runIsolated(): refusing to start a cluster that could reach the network");
    const others = nonLoopbackInterfaces();
    if (others.length > 0) throw new Error(`network namespace ${process.env[NETNS_ENV]} has interfaces other than loopback: ${others.join(", ")}`);
}

/** argv that runs a command inside a namespace (from outside it). */
export function netnsExecArgv(netns: string, argv: readonly string[]): string[] {
    return ["ip", "netns", "exec", netns, ...argv];
}

function ip(args: string[]): void {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    if (r.error) throw new Error(`ip ${args.join(" ")}: ${r.error.message} (iproute2 is needed)`);
    if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr.trim()}`);
}

/** PIDs of processes still inside the namespace (`ip netns pids`). */
export function netnsPids(netns: string): number[] {
    const r = spawnSync("ip", ["netns", "pids", netns], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
}

/** Creates a namespace with loopback up and nothing else. */
export function createNetns(name = `dodo-${process.pid}-${crypto.randomBytes(3).toString("hex")}`): string {
    if (process.getuid?.() !== 0) throw new Error("creating a network namespace needs root (ip netns add)");
    ip(["netns", "add", name]);
    ip(["-n", name, "link", "set", "lo", "up"]);
    return name;
}

/** Kills (by PID) whatever still runs in the namespace, then deletes it. */
export function deleteNetns(name: string): number[] {
    const left = netnsPids(name);
    for (const pid of left) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // gone already
        }
    }
    ip(["netns", "delete", name]);
    return left;
}

/**
 * Runs `main` inside a fresh loopback-only namespace. Outside one, this process re-executes itself
 * under `ip netns exec` (same Node, flags and arguments), waits for it, removes the namespace
 * (killing stragglers by PID) and resolves with its exit code. Inside, it just runs `main`.
 * Signals are passed on; the outer process only waits, the inner one cleans up.
 */
export async function runIsolated(main: () => Promise<number>, log: (line: string) => void = console.error): Promise<number> {
    if (process.env[NETNS_ENV]) {
        assertIsolated();
        return main();
    }
    const netns = createNetns();
    log(`netns: ${netns} (loopback only)`);
    const argv = netnsExecArgv(netns, [process.execPath, ...process.execArgv, ...process.argv.slice(1)]);
    const child = spawn(argv[0], argv.slice(1), { stdio: "inherit", env: { ...process.env, [NETNS_ENV]: netns } });
    // Passed on even when a terminal's Ctrl-C already reached the child: its cleanup runs once.
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const code = await new Promise<number>((resolve) => child.on("exit", (c, s) => resolve(c ?? (s === "SIGINT" ? 130 : 1))));
    for (const [s, h] of handlers) process.off(s, h);
    const stragglers = deleteNetns(netns);
    if (stragglers.length > 0) log(`netns: killed ${stragglers.length} process(es) left in ${netns}: ${stragglers.join(" ")}`);
    return code;
}
