// npm run synth -- --stack <dev|staging|prod|local> [--out <dir>]
// Renders a stack's whole desired state offline and writes resources.json, manifests.yaml and
// summary.md. Config errors print the message and exit 1 without writing anything.
import * as path from "path";
import { parseArgs, runCommand, UsageError } from "./lib/args";
import { writeFiles } from "./lib/synth-output";
import { allSynthFiles } from "./lib/synth-sections";
import { ALL_STACKS as STACKS, renderStack } from "./lib/render";

const USAGE = "usage: npm run synth -- --stack <dev|staging|prod|local> [--out <dir>] [--set <project:key>=<value> ...]";

async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv, { stack: "string", out: "string", set: "list" }, USAGE);
    const stack = args.stack;
    if (!stack || !(STACKS as readonly string[]).includes(stack)) throw new UsageError(`--stack must be one of ${STACKS.join(", ")}\n${USAGE}`);
    const out = path.resolve(args.out ?? path.join("out", stack));
    const started = process.hrtime.bigint();
    // --set overrides a stack value for this render only ("what would prod look like with ...").
    const overrides: Record<string, unknown> = {};
    for (const entry of args.set ?? []) {
        const eq = entry.indexOf("=");
        if (eq < 1) throw new UsageError(`--set expects <project:key>=<value>, got "${entry}"\n${USAGE}`);
        const raw = entry.slice(eq + 1);
        let value: unknown = raw;
        try {
            value = JSON.parse(raw);
        } catch {
            // a plain string
        }
        overrides[entry.slice(0, eq)] = value;
    }
    // The SDK formats a stack trace for every promise it creates (its leak detector); nothing reads
    // them offline and they cost an eighth of the synth. DODO_STACK_TRACES=1 keeps them for debugging.
    const stackTraceLimit = Error.stackTraceLimit;
    if (!process.env.DODO_STACK_TRACES) Error.stackTraceLimit = 0;
    let render;
    try {
        render = await renderStack(stack, { config: overrides });
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
    }
    const files = writeFiles(allSynthFiles(render), out);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`synth ${stack}: ${render.resources.length} resources, ${render.manifests.length} Kubernetes objects in ${ms.toFixed(0)} ms`);
    for (const f of files) console.log(`  ${path.relative(process.cwd(), f)}`);
    return 0;
}

runCommand("synth", main);
