// The repository's GitHub workflows, parsed, for the delivery tests.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export const ROOT = path.resolve(__dirname, "..", "..");
export const WORKFLOWS = path.join(ROOT, ".github", "workflows");

export type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string; id?: string };
export type RunsOn = string | { group?: string; labels?: string | string[] };
export type Job = {
    name?: string;
    "runs-on"?: RunsOn;
    "timeout-minutes"?: number;
    env?: Record<string, string>;
    needs?: string | string[];
    if?: string;
    uses?: string;
    with?: Record<string, unknown>;
    environment?: string | { name: string };
    permissions?: Record<string, string> | string;
    strategy?: { "fail-fast"?: boolean; matrix?: { stack?: string[]; include?: Record<string, string>[] } };
    concurrency?: { group: string; "cancel-in-progress"?: boolean };
    outputs?: Record<string, string>;
    defaults?: { run?: { shell?: string } };
    steps?: Step[];
};
export type Workflow = {
    name: string;
    on: Record<string, unknown>;
    permissions?: Record<string, string> | string;
    concurrency?: { group: string; "cancel-in-progress"?: boolean };
    env?: Record<string, string>;
    jobs: Record<string, Job>;
};

export const files = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();
export const text = (f: string) => fs.readFileSync(path.join(WORKFLOWS, f), "utf8");
export const load = (f: string) => YAML.parse(text(f)) as Workflow;
export const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps ?? []);
export const usesOf = (job: Job, action: string) => (job.steps ?? []).filter((s) => s.uses?.startsWith(`${action}@`));

/** The stacks a job runs for: its matrix (`stack` or the include entries' `stack`). */
export const stacksOf = (job: Job): string[] => job.strategy?.matrix?.stack ?? (job.strategy?.matrix?.include ?? []).map((e) => e.stack);

const SKIP = new Set(["node_modules", ".git", "out"]);

/** Every file of the repository (relative, `/`-separated), without dependencies and build output. */
export function repoFiles(dir = ROOT, prefix = ""): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        if (SKIP.has(e.name)) return [];
        const rel = prefix ? `${prefix}/${e.name}` : e.name;
        return e.isDirectory() ? repoFiles(path.join(dir, e.name), rel) : [rel];
    });
}
