// The deploy workflow's plan -> apply chain on the real engine: `pulumi preview --save-plan`
// (the plan job), then `pulumi up --plan` (the up job), on the local stack once it is up. A plan
// saved with payments.canary.weight 40 must not apply once the config says 50 ("violates plan",
// pulumi pkg/resource/deploy/step_generator.go), and must change nothing then; with the config it
// was made from it applies, and the route carries 40. The plan file is also read the way the plan
// job's summary reads it (scripts/lib/plan-unknowns.ts), so its format is the engine's.
import * as fs from "fs";
import * as path from "path";
import type * as auto from "@pulumi/pulumi/automation";
import { PAYMENTS_NAMESPACE } from "../../../components/payments/names";
import { collectionPath, KubeClient } from "../cluster/client";
import { pulumi, Workspace } from "../engine";
import { unjudgedAtPreview } from "../plan-unknowns";

const WEIGHT_KEY = "dodo-platform:payments.canary.weight";
export const PLANNED_WEIGHT = 40;
export const CHANGED_WEIGHT = 50;

type HttpRoute = { match?: { headers?: Record<string, unknown> }[]; route?: { destination?: { subset?: string }; weight?: number }[] };

/** The v2 weight of backend-canary's split: the routes that do not match the x-canary header. */
export function canaryWeight(vs: unknown): number | undefined {
    const http = (vs as { spec?: { http?: HttpRoute[] } }).spec?.http ?? [];
    const split = http.filter((h) => !(h.match ?? []).some((m) => m.headers?.["x-canary"] !== undefined));
    return split.flatMap((h) => h.route ?? []).find((d) => d.destination?.subset === "v2")?.weight;
}

/** Saved plans hold resourcePlans keyed by URN, each with goal.type (apitype.DeploymentPlanV1). */
export function planResourceTypes(plan: unknown): string[] {
    return Object.values((plan as { resourcePlans?: Record<string, { goal?: { type?: string } }> }).resourcePlans ?? {}).map((rp) => rp.goal?.type ?? "");
}

function setWeight(ws: Workspace, weight: number): void {
    const r = pulumi(ws, ["config", "set", "--path", WEIGHT_KEY, String(weight)]);
    if (r.status !== 0) throw new Error(`config set ${WEIGHT_KEY} ${weight}: ${r.stdout}${r.stderr}`);
}

/** Runs the chain; restores the stack file's weight (config only) before it returns or throws. */
export async function checkPlanChain(stack: auto.Stack, ws: Workspace, client: KubeClient): Promise<{ value: undefined; detail: string }> {
    const vsPath = `${collectionPath("networking.istio.io/v1", "virtualservices", PAYMENTS_NAMESPACE)}/backend-canary`;
    const live = async () => canaryWeight(await client.get(vsPath));
    const before = await live();
    const original = pulumi(ws, ["config", "get", "--path", WEIGHT_KEY]).stdout.trim();
    const planFile = path.join(ws.dir, "plan-chain.json");
    try {
        setWeight(ws, PLANNED_WEIGHT);
        await stack.preview({ plan: planFile, color: "never" });
        const saved = JSON.parse(fs.readFileSync(planFile, "utf8")) as unknown;
        const types = planResourceTypes(saved);
        if (types.length === 0 || types.some((t) => !t)) throw new Error(`${planFile}: no resourcePlans with goal.type; the plan job's summary could not read it`);
        const unjudged = unjudgedAtPreview(saved);

        setWeight(ws, CHANGED_WEIGHT);
        const stale = await stack.up({ plan: planFile, color: "never" }).then(() => undefined, (e: Error) => e.message);
        if (stale === undefined) throw new Error(`pulumi up --plan applied a plan saved at weight ${PLANNED_WEIGHT} with the config at ${CHANGED_WEIGHT}`);
        if (!/violates plan/.test(stale)) throw new Error(`pulumi up --plan failed, but not because the plan was violated:\n${stale.slice(0, 2000)}`);
        if ((await live()) !== before) throw new Error(`the refused update changed backend-canary's v2 weight from ${before} to ${await live()}`);

        setWeight(ws, PLANNED_WEIGHT);
        const applied = await stack.up({ plan: planFile, color: "never" });
        if (applied.summary.result !== "succeeded") throw new Error(`pulumi up --plan with the planned config ended ${applied.summary.result}`);
        if ((await live()) !== PLANNED_WEIGHT) throw new Error(`after up --plan, backend-canary's v2 weight is ${await live()}, not ${PLANNED_WEIGHT}`);
        return {
            value: undefined,
            detail: `plan of ${types.length} resources saved at weight ${PLANNED_WEIGHT} (${unjudged.length} with inputs unknown at preview): refused at ${CHANGED_WEIGHT} ("violates plan", weight stayed ${before}), applied at ${PLANNED_WEIGHT}`,
        };
    } finally {
        // The stack file's value, or none (the default) when it set none.
        if (original) setWeight(ws, Number(original));
        else pulumi(ws, ["config", "rm", "--path", WEIGHT_KEY]);
    }
}
