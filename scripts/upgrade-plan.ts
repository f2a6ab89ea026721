// npm run --silent upgrade:plan -- --stack <dev|staging|prod|local> --to <istio-release>
// Prints the config steps that move the stack's Istio onto `--to` as Istio documents a canary
// upgrade, each one `pulumi up`: the commands, the pods that restart and the objects that change,
// from offline renders of consecutive steps diffed with the repo's diff machinery (no
// credentials), and the commands that undo it. Exit codes: 0 printed, 1 a render failed, 2 usage.
import { parseArgs, runCommand, UsageError } from "./lib/args";
import { ALL_STACKS } from "./lib/render";
import { commandLine } from "../components/mesh/upgrade-steps";
import { ISTIO_RELEASES, ISTIO_VERSION } from "../components/versions";
import { planUpgrade, UpgradePlan } from "./lib/upgrade/plan";

const USAGE = `usage: npm run --silent upgrade:plan -- --stack <${ALL_STACKS.join("|")}> --to <istio-release> (e.g. --to ${ISTIO_VERSION}; releases: ${ISTIO_RELEASES.join(", ")})`;

export function planText(plan: UpgradePlan): string {
    const out: string[] = [];
    const total = plan.done.length + plan.steps.length;
    out.push(`Upgrade plan for ${plan.stack}: Istio revision ${plan.from} -> ${plan.to}, ${total} steps, each one \`pulumi up\` (README, "Upgrading Istio").`);
    if (plan.done.length > 0) out.push(`Done already: ${plan.done.map((s, i) => `${i + 1}. ${s.title}`).join("; ")}.`);
    plan.steps.forEach((p, i) => {
        const n = plan.done.length + i + 1;
        out.push("", `Step ${n} of ${total}: ${p.step.title}`);
        for (const c of p.step.commands) out.push(`  ${commandLine(c)}`);
        out.push(`  restarts: ${p.effects.restarts.length > 0 ? p.effects.restarts.join(", ") : "nothing"}`);
        // Injection happens at pod creation: these follow the new tag only when rescheduled.
        if (p.onRecreate.length > 0) out.push("  moves only when its pods are recreated (restart to move):", ...p.onRecreate.map((l) => `    ${l}`));
        out.push(`  changes (${p.effects.changes.length}):`, ...p.effects.changes.map((c) => `    ${c}`));
        const mandatory = p.report.findings.added.filter((f) => f.enforcement === "mandatory");
        if (mandatory.length > 0) out.push(`  NEW MANDATORY POLICY FINDINGS: ${mandatory.map((f) => `${f.rule} ${f.kind} ${f.namespace ?? ""}/${f.name}`).join(", ")}`);
        out.push(`  verify: ${p.step.verify}`);
        out.push(`  undo: ${p.step.undo.map((c) => commandLine(c)).join(" && ")}`);
    });
    return out.join("\n") + "\n";
}

async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv, { stack: "string", to: "string" }, USAGE);
    if (!args.stack || !(ALL_STACKS as readonly string[]).includes(args.stack)) throw new UsageError(`--stack must be one of ${ALL_STACKS.join(", ")}\n${USAGE}`);
    if (!args.to || !/^\d+\.\d+\.\d+$/.test(args.to)) throw new UsageError(`--to needs an Istio release such as ${ISTIO_VERSION}\n${USAGE}`);
    if (args._.length > 0) throw new UsageError(`unexpected argument ${args._[0]}\n${USAGE}`);
    process.stdout.write(planText(await planUpgrade(args.stack, args.to)));
    return 0;
}

if (require.main === module) runCommand("upgrade:plan", main);
