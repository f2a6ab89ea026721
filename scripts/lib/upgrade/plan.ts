// The upgrade plan of a stack: the documented steps from its current revisions to a release,
// each rendered offline and diffed against the one before with the repo's diff machinery.
import { isDeepStrictEqual } from "util";
import { MeshedWorkloads, MeshRevisions, compareRevisions, revisionNameProblem, revisionOfRelease, STABLE_TAG } from "../../../components/mesh/revisions";
import { upgradeSteps, UpgradeStep } from "../../../components/mesh/upgrade-steps";
import { DiffReport, diffRenders } from "../diff";
import { movesOnRecreate, StepEffects, stepEffects } from "./effects";
import { chartsByResource, meshObjectAt, RenderedState, renderWithMesh, StackMesh, stackMesh } from "./render";

export interface PlannedStep {
    step: UpgradeStep;
    rendered: RenderedState;
    report: DiffReport;
    effects: StepEffects;
    /** Pods the step moves to another injector without restarting them: they move when recreated. */
    onRecreate: string[];
}

export interface UpgradePlan {
    stack: string;
    from: string;
    to: string;
    /** Steps already done (the stack is mid-upgrade), not rendered again. */
    done: UpgradeStep[];
    /** The revisions the stack has now, and their render. */
    startRevisions: MeshRevisions;
    start: RenderedState;
    steps: PlannedStep[];
}

/** The stack as it was before the upgrade began: one revision, everything on it. */
export function steadyState(m: MeshRevisions, workloads: MeshedWorkloads): MeshRevisions {
    const old = [...m.revisions].sort(compareRevisions)[0];
    return {
        revisions: [old],
        tags: { [STABLE_TAG]: old },
        namespaces: {},
        gatewayRevision: old,
        baseRevision: old,
        defaultRevision: old,
        statefulSets: Object.fromEntries(workloads.statefulSets.map((s) => [s, old])),
    };
}

/** Comparable form: no unset tag, only the StatefulSets the stack runs. */
function normal(m: MeshRevisions, workloads: MeshedWorkloads): MeshRevisions {
    return {
        ...m,
        tags: Object.fromEntries(Object.entries(m.tags).filter(([, r]) => r !== undefined)) as MeshRevisions["tags"],
        statefulSets: Object.fromEntries(Object.entries(m.statefulSets).filter(([s]) => workloads.statefulSets.includes(s))),
    };
}

/** The steps from the stack's current revisions to `release`; those already done are split off. */
export function stepsFor(current: StackMesh, release: string): { done: UpgradeStep[]; todo: UpgradeStep[]; start: MeshRevisions } {
    const target = revisionOfRelease(release);
    const problem = revisionNameProblem(target);
    if (problem) throw new Error(problem);
    const now = normal(current.revisions, current.workloads);
    const steady = steadyState(now, current.workloads);
    const all = upgradeSteps(steady, target, current.workloads);
    if (isDeepStrictEqual(now, steady)) return { done: [], todo: all, start: now };
    const at = all.findIndex((s) => isDeepStrictEqual(normal(s.state, current.workloads), now));
    if (at < 0 || at === all.length - 1) {
        throw new Error(`the stack's mesh config is not a step of the upgrade from ${steady.revisions[0]} to ${target} (${JSON.stringify(now)}); finish or undo the step in progress first`);
    }
    return { done: all.slice(0, at + 1), todo: all.slice(at + 1), start: now };
}

/** Renders the start and every step, and what each changes. */
export async function planUpgrade(stack: string, release: string): Promise<UpgradePlan> {
    const current = stackMesh(stack);
    const { done, todo, start } = stepsFor(current, release);
    const render = (m: MeshRevisions) => renderWithMesh(stack, meshObjectAt(stack, m), current.environment);
    const first = await render(start);
    const steps: PlannedStep[] = [];
    let before = first;
    let state = start;
    for (const step of todo) {
        const rendered = await render(step.state);
        const report = diffRenders(before.snapshot, rendered.snapshot);
        const [was, is] = [chartsByResource(before.render), chartsByResource(rendered.render)];
        const effects = stepEffects(report, (name) => was(name) ?? is(name));
        const owners = rendered.render.manifests.map((o) => ({ kind: o.kind, namespace: o.metadata.namespace ?? "", name: o.metadata.name }));
        steps.push({ step, rendered, report, effects, onRecreate: movesOnRecreate(state, step.state, current.workloads.namespaces, owners, effects.restarts) });
        before = rendered;
        state = step.state;
    }
    return { stack, from: start.revisions.join(" + "), to: revisionOfRelease(release), done, startRevisions: start, start: first, steps };
}
