// npm run test:rules [-- --stack <dev|staging|prod|local>] [--out <dir>] [--keep]
// Renders each stack offline, writes its PrometheusRules as rule files next to a promtool test
// file generated from the outage scenarios (scripts/lib/rule-tests/), and runs
// `promtool check rules` (the rules, and the dashboards' queries) and `promtool test rules` from
// the pinned Prometheus module (built on first use into the tools cache, like the validators).
// Exits 1 if any stack's rules fail.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { parsePlatformConfig } from "../components/config";
import { parseArgs, runCommand, UsageError } from "./lib/args";
import { buildGoTools, selectTools } from "./lib/engine-tools/build";
import { ALL_STACKS, readStackConfig, renderStack } from "./lib/render";
import { dashboardQueryRules, promtoolSuite } from "./lib/rule-tests/suite";

const USAGE = "usage: npm run test:rules [-- --stack <dev|staging|prod|local>] [--out <dir>] [--keep]";

function promtoolBinary(): string {
    const built = buildGoTools(selectTools([], ["promtool"]));
    const bin = built.promtool?.bins.promtool;
    if (!bin) throw new Error("promtool was not built");
    return bin;
}

function run(bin: string, args: string[], cwd: string): { ok: boolean; output: string; seconds: number } {
    const started = Date.now();
    // No network: promtool needs none, and must not find any.
    const env = { ...process.env, HTTP_PROXY: "http://127.0.0.1:9", HTTPS_PROXY: "http://127.0.0.1:9", NO_PROXY: "" };
    const r = spawnSync(bin, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim(), seconds: (Date.now() - started) / 1000 };
}

async function testStack(stack: string, bin: string, outRoot: string): Promise<boolean> {
    const render = await renderStack(stack);
    const stackConfig = readStackConfig(stack);
    const config = parsePlatformConfig({ stack, values: stackConfig.values, secretKeys: stackConfig.secretKeys });
    if (!config.observability.enabled) {
        console.log(`${stack}: observability.enabled is false: no PrometheusRules rendered, nothing to test`);
        return true;
    }
    const suite = promtoolSuite(render.manifests, { slo: config.observability.slo, alerts: config.observability.alerts });
    const dir = path.join(outRoot, stack);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of suite.ruleFiles) fs.writeFileSync(path.join(dir, f.name), YAML.stringify(f.content, { lineWidth: 0 }));
    for (const t of suite.testFiles) fs.writeFileSync(path.join(dir, t.name), YAML.stringify(t.content, { lineWidth: 0 }));

    // The dashboards' queries too: a typo there shows as an empty panel during an incident.
    const dashboards = dashboardQueryRules(render.manifests);
    fs.writeFileSync(path.join(dir, dashboards.name), YAML.stringify(dashboards.content, { lineWidth: 0 }));
    const files = [...suite.ruleFiles.map((f) => f.name), dashboards.name];
    const check = run(bin, ["check", "rules", ...files], dir);
    console.log(`${stack}: promtool check rules (${files.length} files, ${check.seconds.toFixed(1)} s)\n${indent(check.output)}`);
    const test = run(bin, ["test", "rules", ...suite.testFiles.map((t) => t.name)], dir);
    console.log(`${stack}: promtool test rules: ${suite.scenarios.length} scenarios (${test.seconds.toFixed(1)} s)\n${indent(test.output)}`);
    for (const s of suite.scenarios) console.log(`    - ${s.name}`);
    return check.ok && test.ok;
}

function indent(text: string): string {
    return text
        .split("\n")
        .map((l) => `    ${l}`)
        .join("\n");
}

async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv, { stack: "list", out: "string", keep: "boolean" }, USAGE);
    const stacks = args.stack ?? [...ALL_STACKS];
    for (const s of stacks) if (!(ALL_STACKS as readonly string[]).includes(s)) throw new UsageError(`unknown stack ${s}\n${USAGE}`);
    const bin = promtoolBinary();
    const out = args.out ? path.resolve(args.out) : fs.mkdtempSync(path.join(os.tmpdir(), "dodo-rule-tests-"));
    let ok = true;
    try {
        for (const stack of stacks) ok = (await testStack(stack, bin, out)) && ok;
    } finally {
        if (!args.out && !args.keep) fs.rmSync(out, { recursive: true, force: true });
        else console.log(`rule files and tests kept in ${out}`);
    }
    console.log(ok ? "rule tests passed" : "rule tests FAILED");
    return ok ? 0 : 1;
}

runCommand("test:rules", main);
