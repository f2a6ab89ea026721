// npm run upgrade:walk [-- --stack <s> ...] [--to <istio-release>]
// Walks the whole Istio upgrade of each stack (default: dev, which moves its in-cluster
// PostgreSQL, and prod) on offline renders: the first move onto revision tags restarts nothing
// (its commit against its parent), every step validated by `npm run validate` and the
// policy pack, its restarts exactly the ones the step names, and its undo rendered and diffed
// against the step before (no changes). Run by .ci/run after the validators are built.
// A step that changes a Helm release validate could not render fails, unless --allow-unrendered
// names that chart and version (a machine without chart access: .ci/run names Istio's charts of
// the target release, which the module proxy does not serve); such steps print NOT VERIFIED, the
// summary counts them, and an allowance that covers nothing fails as stale.
import { ISTIO_VERSION } from "../components/versions";
import { parseArgs, runCommand, UsageError } from "./lib/args";
import { ALL_STACKS } from "./lib/render";
import { buildTools } from "./lib/validate-tools";
import { firstMove } from "./lib/upgrade/first-move";
import { renderWithMesh, stackMesh, meshObjectAt } from "./lib/upgrade/render";
import { tagObjectDifferences } from "./lib/upgrade/tag-check";
import { revisionTagService, revisionTagWebhook } from "../components/mesh/tags";
import { allowanceMarker } from "./lib/upgrade/unrendered";
import { walkStack } from "./lib/upgrade/walk";
import { ISTIO_VALIDATOR_VERSION } from "../components/versions";

const USAGE = `usage: npm run upgrade:walk [-- --stack <${ALL_STACKS.join("|")}> ...] [--to <istio-release>] [--allow-unrendered <chart>@<version> ...]`;

async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv, { stack: "list", to: "string", "allow-unrendered": "list" }, USAGE);
    const allowances = args["allow-unrendered"] ?? [];
    for (const a of allowances) if (allowanceMarker(a) === undefined) throw new UsageError(`--allow-unrendered takes <chart>@<version>, e.g. istiod@${ISTIO_VERSION} (got ${a})\n${USAGE}`);
    const used = new Set<string>();
    const stacks = args.stack ?? ["dev", "prod"];
    for (const s of stacks) if (!(ALL_STACKS as readonly string[]).includes(s)) throw new UsageError(`--stack must be one of ${ALL_STACKS.join(", ")}\n${USAGE}`);
    const started = Date.now();
    // The tag objects the steps move are ours (components/mesh/tags.ts): first, they must be Istio's.
    const istioctl = buildTools({ istioVersion: ISTIO_VALIDATOR_VERSION }).istioctl.bin;
    const tagProblems = tagObjectDifferences(istioctl, [["prod-stable", "default"], ["prod-canary", "1-30-4"], ["default", "1-30-4"], ["default", "default"]]);
    // Self-check: a tag pointing at the wrong istiod must be told apart.
    const planted = tagObjectDifferences(istioctl, [["prod-stable", "1-30-4"]], (tag) => [revisionTagWebhook(tag, "default"), revisionTagService(tag, "default")]);
    if (planted.length === 0) tagProblems.push("self-check: a tag webhook pointing at the wrong istiod was not caught");
    console.log(tagProblems.length === 0 ? `ok   revision tags: the webhooks and Services match istioctl ${ISTIO_VALIDATOR_VERSION}'s chart render` : `FAIL revision tags:\n${tagProblems.join("\n")}`);
    let failed = tagProblems.length > 0 ? 1 : 0;
    let steps = 0;
    let unverified = 0;
    for (const stack of stacks) {
        // The first up of revisions: no restart (its commit against its parent).
        const now = stackMesh(stack);
        const current = await renderWithMesh(stack, meshObjectAt(stack, now.revisions), now.environment);
        const first = await firstMove(stack, current.snapshot);
        if (first === undefined) console.log(`skip ${stack} first move: the commit that introduced revisions is not in this clone's history`);
        else console.log(first.problems.length === 0 ? `ok   ${stack} first move onto revision tags: no pod template, no Helm chart or values change, no node replaced` : `FAIL ${stack} first move:\n       ${first.problems.join("\n       ")}`);
        // Not a failure: pinning the node image is its own change, a no-op when the pin is what runs.
        for (const n of first?.nodes ?? []) console.log(`note ${stack} since the install before revisions: ${n}: every node is drained and replaced unless nodes.imageRelease is set to the release the nodes run (npm run check:addons -- --cluster <name>)`);
        if (first && first.problems.length > 0) failed++;
        const checks = await walkStack(stack, args.to ?? ISTIO_VERSION, (line) => console.log(line), allowances, used);
        steps += checks.length;
        failed += checks.filter((c) => c.problems.length > 0).length;
        unverified += checks.filter((c) => c.problems.length === 0 && c.unverified.length > 0).length;
    }
    for (const stale of allowances.filter((a) => !used.has(a))) {
        console.log(`FAIL --allow-unrendered ${stale}: no step changes a release of that chart left unrendered; drop the allowance`);
        failed++;
    }
    console.log(`upgrade walk: ${steps} steps on ${stacks.join(", ")}, ${failed} failed, ${unverified} passed all but the unrendered charts they change (NOT VERIFIED above), ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return failed === 0 ? 0 : 1;
}

runCommand("upgrade:walk", main);
