// npm run bench [-- --runs N]
// Speed targets live here, not in timed tests. Times the offline synth of each stack and
// `npm run policy:check` on a 10,000-object render as whole processes (median of N runs), and
// the rules' in-memory throughput, and prints the figures beside the targets.
//
// Reference: a comparable CDK EKS Blueprints app synthesizes in 1.06 s median on this kind of
// machine (90 resources, no Istio objects). Target: prod synth at most half of that. Runs the
// synth exactly as `npm run synth` does (scripts/lib/register-ts.js: cached sucrase transpile).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "./lib/args";
import { benchPolicyChecker, benchPolicyCommand, median } from "./bench-policy";
import { REPO_ROOT, STACKS } from "./lib/render";

const CDK_REFERENCE_SECONDS = 1.06;
const SYNTH_TARGET_SECONDS = CDK_REFERENCE_SECONDS / 2;
const POLICY_TARGET_OBJECTS_PER_SECOND = 20_000;

function timeSynth(stack: string, runs: number): { seconds: number[]; resources: number; objects: number } {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${stack}-`));
    const seconds: number[] = [];
    let line = "";
    for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        const res = spawnSync(process.execPath, ["-r", "./scripts/lib/register-ts.js", "scripts/synth.ts", "--stack", stack, "--out", out], { cwd: REPO_ROOT, encoding: "utf8" });
        seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
        if (res.status !== 0) throw new Error(`synth ${stack} failed:\n${res.stderr}`);
        line = res.stdout.split("\n")[0];
    }
    fs.rmSync(out, { recursive: true, force: true });
    const m = /(\d+) resources, (\d+) Kubernetes objects/.exec(line);
    return { seconds, resources: m ? Number(m[1]) : 0, objects: m ? Number(m[2]) : 0 };
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2), { runs: "string" }, "usage: npm run bench [-- --runs N]");
    const runs = Number(args.runs ?? 5);
    console.log(`# Benchmarks (${os.cpus().length} cores, Node ${process.version}, ${runs} runs each)\n`);
    console.log("## Offline synth, whole process (as `npm run synth`; first run warms the transpile cache)\n");
    console.log("| stack | resources | k8s objects | median s | min s | max s | target s | verdict |");
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for (const stack of STACKS) {
        const r = timeSynth(stack, runs);
        const target = stack === "prod" ? SYNTH_TARGET_SECONDS.toFixed(2) : "";
        const verdict = stack === "prod" ? (median(r.seconds) <= SYNTH_TARGET_SECONDS ? "meets target" : "MISSES target") : "";
        console.log(`| ${stack} | ${r.resources} | ${r.objects} | ${median(r.seconds).toFixed(2)} | ${Math.min(...r.seconds).toFixed(2)} | ${Math.max(...r.seconds).toFixed(2)} | ${target} | ${verdict} |`);
    }
    console.log("\n## `npm run policy:check` end to end, whole process (npm, Node start-up, YAML parsing, rules, report)\n");
    console.log("| objects | median s | min s | max s | objects/s (median) | target objects/s | verdict |");
    console.log("| ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    const e2e = benchPolicyCommand(runs);
    const verdict = e2e.objectsPerSecond >= POLICY_TARGET_OBJECTS_PER_SECOND ? "meets target" : "MISSES target";
    console.log(`| ${e2e.objects} | ${median(e2e.seconds).toFixed(3)} | ${Math.min(...e2e.seconds).toFixed(3)} | ${Math.max(...e2e.seconds).toFixed(3)} | ${e2e.objectsPerSecond} | ${POLICY_TARGET_OBJECTS_PER_SECOND} | ${verdict} |`);
    console.log(`\nLoad average while measuring: ${os.loadavg().map((l) => l.toFixed(1)).join(", ")} on ${os.cpus().length} cores (other work on the machine slows whole-process runs).`);
    console.log("\n## The rules alone, in memory (best of five after warm-up; no parsing, no start-up)\n");
    console.log("| objects | seconds | objects/s |");
    console.log("| ---: | ---: | ---: |");
    for (const r of await benchPolicyChecker()) console.log(`| ${r.objects} | ${r.seconds.toFixed(3)} | ${Math.round(r.objectsPerSecond)} |`);
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
});
