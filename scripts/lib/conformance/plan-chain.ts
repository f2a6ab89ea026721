// The deploy workflow's plan -> apply chain on the real engine, through the CLI as pulumi-up.yml
// types it: `pulumi preview --save-plan` (the plan job), then `pulumi up --yes --plan` (the up job),
// which previews against the plan before it changes anything. The plan is saved with two changes:
// frontend's HPA maxReplicas +1, and payments.backend.maxConnections +1, which reaches the backend
// DestinationRule, routed after the HPAs (it depends on them). With maxConnections then +2 the HPA
// still matches the plan and the DestinationRule does not ("violates plan", pulumi
// pkg/resource/deploy/step_generator.go): the up must fail with nothing changed, the HPA included
// (an up that skipped its preview would have applied it first), and no update in the stack's
// history. With the config it was made from it applies. (Not the canary weight: the Payments
// component's own outputs carry it, so the engine refuses the component first, before any child.)
// The plan file is also read the way the plan job's summary reads it (scripts/lib/plan-unknowns.ts).
import * as fs from "fs";
import * as path from "path";
import { FRONTEND, PAYMENTS_NAMESPACE } from "../../../components/payments/names";
import { collectionPath, KubeClient } from "../cluster/client";
import { pulumi, pulumiOnProgram, Workspace } from "../engine";
import { unjudgedAtPreview } from "../plan-unknowns";

const CONNECTIONS_KEY = "dodo-platform:payments.backend.maxConnections";
const FRONTEND_MAX_KEY = "dodo-platform:payments.frontend.maxReplicas";
/** Resource names (the payments component's namespace-kind-name scheme). */
export const FRONTEND_HPA_NAME = `${PAYMENTS_NAMESPACE}-horizontalpodautoscaler-${FRONTEND.app}`;
const BACKEND_RULE = "backend";
export const BACKEND_RULE_NAME = `${PAYMENTS_NAMESPACE}-destinationrule-${BACKEND_RULE}`;

type ResourcePlans = Record<string, { goal?: { type?: string }; steps?: string[] }>;

/** The backend DestinationRule's TCP connection limit (payments.backend.maxConnections). */
export function ruleMaxConnections(dr: unknown): number | undefined {
    return (dr as { spec?: { trafficPolicy?: { connectionPool?: { tcp?: { maxConnections?: number } } } } }).spec?.trafficPolicy?.connectionPool?.tcp?.maxConnections;
}

/** Saved plans hold resourcePlans keyed by URN, each with goal.type (apitype.DeploymentPlanV1). */
export function planResourceTypes(plan: unknown): string[] {
    return Object.values((plan as { resourcePlans?: ResourcePlans }).resourcePlans ?? {}).map((rp) => rp.goal?.type ?? "");
}

/** URNs the plan updates (apitype.ResourcePlanV1.steps). */
export function plannedUpdates(plan: unknown): string[] {
    return Object.entries((plan as { resourcePlans?: ResourcePlans }).resourcePlans ?? {})
        .filter(([, rp]) => (rp.steps ?? []).includes("update"))
        .map(([urn]) => urn);
}

/**
 * Which of `names` the engine refused as violating the plan: named on a line that says so, as the
 * step generator's "resource <urn> violates plan" or a display row "<type> <name>  error: ...".
 */
export function refusedByPlan(output: string, names: readonly string[]): string[] {
    const lines = output.split("\n").filter((l) => l.includes("violates plan"));
    return names.filter((n) => lines.some((l) => new RegExp(`(::| )${n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\s|$)`).test(l)));
}

/** Entries of `pulumi stack history --json`: one per update that started, not per preview. */
function updateCount(ws: Workspace): number {
    const r = pulumi(ws, ["stack", "history", "--json"]);
    if (r.status !== 0) throw new Error(`pulumi stack history: ${r.stdout}${r.stderr}`);
    return (JSON.parse(r.stdout) as unknown[]).length;
}

function setConfig(ws: Workspace, key: string, value: number): void {
    const r = pulumi(ws, ["config", "set", "--path", key, String(value)]);
    if (r.status !== 0) throw new Error(`config set ${key} ${value}: ${r.stdout}${r.stderr}`);
}

/**
 * What the engine writes of the two objects: spec, labels and annotations. Not resourceVersion:
 * the HPA controller rewrites the HPA's status on its own (kube-controller-manager runs it here),
 * which bumps resourceVersion with no write of the engine's.
 */
type Live = { maxConnections?: number; frontendMax?: number; versions: string };
type Meta = { metadata?: { labels?: unknown; annotations?: unknown }; spec?: unknown };
const written = (o: Meta | undefined): string => JSON.stringify([o?.spec, o?.metadata?.labels, o?.metadata?.annotations]);

/** Runs the chain; restores the stack file's config (config only) before it returns or throws. */
export async function checkPlanChain(stackName: string, ws: Workspace, client: KubeClient): Promise<{ value: undefined; detail: string }> {
    const drPath = `${collectionPath("networking.istio.io/v1", "destinationrules", PAYMENTS_NAMESPACE)}/${BACKEND_RULE}`;
    const hpaPath = `${collectionPath("autoscaling/v2", "horizontalpodautoscalers", PAYMENTS_NAMESPACE)}/${FRONTEND.app}`;
    const live = async (): Promise<Live> => {
        const dr = await client.get<Meta>(drPath);
        const hpa = await client.get<Meta & { spec?: { maxReplicas?: number } }>(hpaPath);
        return { maxConnections: ruleMaxConnections(dr), frontendMax: hpa?.spec?.maxReplicas, versions: `${written(dr)}/${written(hpa)}` };
    };
    const before = await live();
    if (before.maxConnections === undefined || before.frontendMax === undefined) throw new Error(`the backend DestinationRule or the frontend HPA is missing before the chain: ${JSON.stringify(before)}`);
    const planned = { maxConnections: before.maxConnections + 1, frontendMax: before.frontendMax + 1 };
    const original = { connections: pulumi(ws, ["config", "get", "--path", CONNECTIONS_KEY]).stdout.trim(), max: pulumi(ws, ["config", "get", "--path", FRONTEND_MAX_KEY]).stdout.trim() };
    const planFile = path.join(ws.dir, "plan-chain.json");
    const up = () => pulumiOnProgram(ws, stackName, ["up", "--yes", "--color", "never", "--plan", planFile]);
    try {
        setConfig(ws, CONNECTIONS_KEY, planned.maxConnections);
        setConfig(ws, FRONTEND_MAX_KEY, planned.frontendMax);
        const previewed = await pulumiOnProgram(ws, stackName, ["preview", "--color", "never", "--save-plan", planFile]);
        if (previewed.status !== 0) throw new Error(`pulumi preview --save-plan failed:\n${(previewed.stdout + previewed.stderr).slice(-3000)}`);
        const saved = JSON.parse(fs.readFileSync(planFile, "utf8")) as unknown;
        const types = planResourceTypes(saved);
        if (types.length === 0 || types.some((t) => !t)) throw new Error(`${planFile}: no resourcePlans with goal.type; the plan job's summary could not read it`);
        const updates = plannedUpdates(saved);
        const names = [FRONTEND_HPA_NAME, BACKEND_RULE_NAME];
        const missing = names.filter((n) => !updates.some((u) => u.endsWith(`::${n}`)));
        if (missing.length > 0) throw new Error(`the plan should update ${missing.join(" and ")}; it updates ${updates.join(", ") || "nothing"}`);
        const unjudged = unjudgedAtPreview(saved);

        setConfig(ws, CONNECTIONS_KEY, planned.maxConnections + 1);
        const history = updateCount(ws);
        const stale = await up();
        const output = stale.stdout + stale.stderr;
        if (stale.status === 0) throw new Error(`pulumi up --plan applied a plan saved with maxConnections ${planned.maxConnections} with the config at ${planned.maxConnections + 1}`);
        const refused = refusedByPlan(output, names);
        if (refused.join() !== BACKEND_RULE_NAME) throw new Error(`pulumi up --plan should refuse ${BACKEND_RULE_NAME} alone as violating the plan; it refused ${refused.join(", ") || "none of them"}:\n${output.slice(-3000)}`);
        const after = await live();
        if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`the refused update changed live objects: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
        // The diy backend records an update in the history only once it runs for real (backend/diy/backend.go: no addToHistory on a dry run).
        const historyAfter = updateCount(ws);
        if (historyAfter !== history) throw new Error(`the refused up --plan started an update (stack history ${history} -> ${historyAfter}): it did not stop in its preview`);

        setConfig(ws, CONNECTIONS_KEY, planned.maxConnections);
        const applied = await up();
        if (applied.status !== 0) throw new Error(`pulumi up --plan with the planned config failed:\n${(applied.stdout + applied.stderr).slice(-3000)}`);
        const done = await live();
        if (done.maxConnections !== planned.maxConnections || done.frontendMax !== planned.frontendMax) throw new Error(`after up --plan, maxConnections is ${done.maxConnections} and frontend's maxReplicas ${done.frontendMax}, not as planned (${JSON.stringify(planned)})`);
        return {
            value: undefined,
            detail: `plan of ${types.length} resources (${updates.length} updates, ${unjudged.length} with inputs unknown at preview) saved with frontend maxReplicas ${planned.frontendMax}, maxConnections ${planned.maxConnections}; with maxConnections ${planned.maxConnections + 1} \`pulumi up --yes --plan\` refused ${BACKEND_RULE_NAME} in its preview, not the HPA before it, and changed nothing (maxReplicas ${before.frontendMax}, maxConnections ${before.maxConnections}, same specs, labels and annotations, ${history} updates in the history); applied as planned`,
        };
    } finally {
        // The stack file's values, or none (the default) when it set none.
        for (const [key, value] of [[CONNECTIONS_KEY, original.connections], [FRONTEND_MAX_KEY, original.max]] as const) {
            if (value) setConfig(ws, key, Number(value));
            else pulumi(ws, ["config", "rm", "--path", key]);
        }
    }
}
