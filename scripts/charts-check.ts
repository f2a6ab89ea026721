// npm run charts:check -- [--stack <dev|staging|prod|local>]... [--fetch] [--chart <name>=<dir|tgz>]... [--require-all]
// The rendered-chart check: renders every helm.v3.Release of each stack with the pinned helm
// (tools/helm), the chart it names and the values the program passes, and runs the policy rules
// over those objects and the program's own, with the stack's shipped pack config (exemptions
// included). Offline, Istio's charts come from the pinned istio.io/istio module; other charts need
// --chart (a pulled chart) or --fetch (chart access). A self-check on a fixture chart runs first.
// Exit: 0 passed, 1 a mandatory finding, a stale exemption or (with --require-all) a chart not
// rendered, 2 bad usage. Rendered streams: out/<stack>/charts/<release>.yaml. See policy/README.md.
import * as fs from "fs";
import * as path from "path";
import { parsePlatformConfig } from "../components/config";
import { parseArgs, runCommand, UsageError } from "./lib/args";
import { ALL_STACKS, readStackConfig, renderStack, REPO_ROOT } from "./lib/render";
import { runChartCheck } from "./lib/rendered-charts";
import { istioModuleCharts } from "./lib/rendered-charts/sources";
import { ToolBuildError } from "./lib/validate-tools";

const USAGE = "usage: npm run charts:check -- [--stack <dev|staging|prod|local>]... [--fetch] [--chart <chart>=<dir|tgz>]... [--require-all]";

/** `--chart alloy=./charts/alloy-1.11.1.tgz` -> alloy -> absolute path. */
export function parseChartOverrides(entries: readonly string[], cwd: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const e of entries) {
        const eq = e.indexOf("=");
        if (eq < 1 || eq === e.length - 1) throw new UsageError(`--chart expects <chart>=<dir|tgz>, got "${e}"\n${USAGE}`);
        out.set(e.slice(0, eq), path.resolve(cwd, e.slice(eq + 1)));
    }
    return out;
}

async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv, { stack: "list", fetch: "boolean", chart: "list", "require-all": "boolean" }, USAGE);
    const stacks = args.stack ?? [...ALL_STACKS];
    for (const s of stacks) if (!(ALL_STACKS as readonly string[]).includes(s)) throw new UsageError(`--stack must be one of ${ALL_STACKS.join(", ")}\n${USAGE}`);
    const overrides = parseChartOverrides(args.chart ?? [], process.cwd());
    const istio = istioModuleCharts();
    let failed = false;
    for (const stack of stacks) {
        const t0 = Date.now();
        const config = readStackConfig(stack);
        const platform = parsePlatformConfig({ stack, values: config.values, secretKeys: config.secretKeys });
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0; // as the synth: the SDK's leak detector formats a trace per promise
        const render = await renderStack(stack).finally(() => (Error.stackTraceLimit = limit));
        const outDir = path.join(REPO_ROOT, "out", stack, "charts");
        fs.rmSync(outDir, { recursive: true, force: true });
        const run = runChartCheck({
            stack, env: platform.environment, resources: render.resources, manifests: render.manifests as never, kubeVersion: platform.cluster.kubernetesVersion, outDir,
            sources: { overrides, istio, fetch: args.fetch === true }, log: (l) => console.log(l),
        });
        process.stdout.write(run.report);
        console.log(`(${stack}: ${((Date.now() - t0) / 1000).toFixed(1)} s; rendered streams in ${path.relative(process.cwd(), outDir)}/)`);
        if (!run.passed) failed = true;
        if (args["require-all"] && run.verdict.skipped.length > 0) {
            console.log(`--require-all: ${run.verdict.skipped.length} chart(s) of ${stack} not rendered`);
            failed = true;
        }
    }
    return failed ? 1 : 0;
}

runCommand("charts:check", main, (err) => err instanceof ToolBuildError);
