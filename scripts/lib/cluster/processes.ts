// The control plane's processes: started with their output in log files, each in its own process
// group (so a Ctrl-C reaches the harness only, which then stops them in order), and stopped by PID:
// SIGTERM, then SIGKILL after a grace period. Anything still running when Node exits is killed
// synchronously from the exit handler.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ProcessSpec } from "./components";

export interface Running {
    name: string;
    pid: number;
    log: string;
    /** Set once the process has exited. */
    exit?: { code: number | null; signal: NodeJS.Signals | null };
}

export class ProcessGroup {
    private readonly running: { r: Running; child: ChildProcess }[] = [];
    private readonly onExit = () => this.killAllNow();

    constructor(private readonly logDir: string) {
        fs.mkdirSync(logDir, { recursive: true });
        process.on("exit", this.onExit);
    }

    start(spec: ProcessSpec): Running {
        const log = path.join(this.logDir, `${spec.name}.log`);
        const fd = fs.openSync(log, "a");
        const child = spawn(spec.bin, spec.args, { stdio: ["ignore", fd, fd], detached: true, env: { ...process.env, ...spec.env } });
        fs.closeSync(fd);
        if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.bin}`);
        const r: Running = { name: spec.name, pid: child.pid, log };
        child.on("exit", (code, signal) => (r.exit = { code, signal }));
        child.on("error", (err) => {
            r.exit = { code: -1, signal: null };
            fs.appendFileSync(log, `\n${err.message}\n`);
        });
        this.running.push({ r, child });
        return r;
    }

    /** Processes that exited on their own while they should be running. */
    died(): Running[] {
        return this.running.map((x) => x.r).filter((r) => r.exit !== undefined);
    }

    list(): Running[] {
        return this.running.map((x) => ({ ...x.r }));
    }

    /** Last lines of a process's log, for error messages. */
    tail(name: string, lines = 15): string {
        const r = this.running.find((x) => x.r.name === name)?.r;
        if (!r || !fs.existsSync(r.log)) return "";
        return fs.readFileSync(r.log, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    }

    /** Stops one process (by name) and waits for it to exit. */
    async stop(name: string, graceMs = 10_000): Promise<void> {
        const i = this.running.findIndex((x) => x.r.name === name);
        if (i < 0) return;
        const [{ r, child }] = this.running.splice(i, 1);
        if (r.exit) return;
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        signal(r.pid, "SIGTERM");
        const timer = setTimeout(() => signal(r.pid, "SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
    }

    /** Stops everything, last started first (kwok before the API server before etcd). */
    async stopAll(graceMs = 10_000): Promise<void> {
        for (const { r } of [...this.running].reverse()) await this.stop(r.name, graceMs);
        process.off("exit", this.onExit);
    }

    private killAllNow(): void {
        for (const { r } of this.running) if (!r.exit) signal(r.pid, "SIGKILL");
    }
}

function signal(pid: number, sig: NodeJS.Signals): void {
    try {
        process.kill(pid, sig);
    } catch {
        // already gone
    }
}
