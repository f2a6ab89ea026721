// An Istio upgrade as Istio documents it (istio.io/latest/docs/setup/upgrade/canary, "Stable
// revision labels"; .../upgrade/helm for the base chart), one config step per `pulumi up`, each
// undone by the opposite config step. Pure: `npm run upgrade:plan`, the walk in .ci/run and the
// tests compute the same sequence.
import { CANARY_TAG, compareRevisions, MeshedWorkloads, MeshRevisions, revisionOfNamespace, STABLE_TAG } from "./revisions";

/** One `pulumi config set --path` or `pulumi config rm --path`, on a path inside the project. */
export type ConfigCommand = { op: "set"; path: string; value: string } | { op: "rm"; path: string };

export type StepKind = "crds" | "install" | "canary-tag" | "namespace" | "statefulset" | "stable-tag" | "gateway" | "default" | "remove";

export interface UpgradeStep {
    kind: StepKind;
    title: string;
    /** What to check before the next step. */
    verify: string;
    commands: ConfigCommand[];
    /** Undoes the step: applied to this step's config, gives the previous one back. */
    undo: ConfigCommand[];
    /** The config after the step. */
    state: MeshRevisions;
    /** What the step restarts: namespaces whose Deployments roll, StatefulSets, the gateway. */
    restarts: { namespaces: string[]; statefulSets: string[]; gateway: boolean };
}

export function commandLine(c: ConfigCommand, project = "dodo-platform"): string {
    const path = `'${project}:${c.path}'`;
    return c.op === "set" ? `pulumi config set --path ${path} ${c.value}` : `pulumi config rm --path ${path}`;
}

const set = (path: string, value: string): ConfigCommand => ({ op: "set", path, value });
const rm = (path: string): ConfigCommand => ({ op: "rm", path });
const stsPath = (sts: string) => `mesh.statefulSets["${sts}"]`;

function restartsBetween(a: MeshRevisions, b: MeshRevisions, workloads: MeshedWorkloads): UpgradeStep["restarts"] {
    return {
        namespaces: workloads.namespaces.filter((ns) => revisionOfNamespace(a, ns) !== revisionOfNamespace(b, ns)),
        statefulSets: workloads.statefulSets.filter((s) => a.statefulSets[s] !== b.statefulSets[s]),
        gateway: a.gatewayRevision !== b.gatewayRevision,
    };
}

/**
 * The steps from a stack on one revision (`from.revisions` has one entry) to `target`: upgrade the
 * CRDs (Istio's Helm guide upgrades base first and leaves it when a canary is removed), install it
 * beside the old one, point prod-canary at it, move namespaces one at a time, move each listed
 * StatefulSet (a database restart, scheduled by hand), move prod-stable (namespaces back onto it),
 * move the gateway, flip the default, remove the old revision and the canary tag.
 */
export function upgradeSteps(from: MeshRevisions, target: string, workloads: MeshedWorkloads): UpgradeStep[] {
    if (from.revisions.length !== 1) throw new Error(`the sequence starts from a stack on one revision; mesh.revisions is ${JSON.stringify(from.revisions)}`);
    const old = from.revisions[0];
    if (compareRevisions(target, old) === 0 || target === old) throw new Error(`the stack already runs ${old}`);
    const steps: UpgradeStep[] = [];
    let state: MeshRevisions = from;
    const push = (kind: StepKind, title: string, verify: string, commands: ConfigCommand[], undo: ConfigCommand[], next: MeshRevisions) => {
        steps.push({ kind, title, verify, commands, undo, state: next, restarts: restartsBetween(state, next, workloads) });
        state = next;
    };

    push("crds", `upgrade the CRDs (base chart) to ${target}'s release`, `kubectl get crd virtualservices.networking.istio.io shows the new release's labels; the running istiod is unaffected`,
        [set("mesh.base.revision", target)], [set("mesh.base.revision", old)], { ...state, baseRevision: target });
    push("install", `install revision ${target} beside ${old}`, `kubectl -n istio-system get pods -l app=istiod,istio.io/rev=${target} is Ready; nothing else restarted`,
        [set("mesh.revisions[1]", target)], [rm("mesh.revisions[1]")], { ...state, revisions: [old, target] });
    push("canary-tag", `point ${CANARY_TAG} at ${target}`, `istioctl tag list shows ${CANARY_TAG} -> ${target}`,
        [set(`mesh.tags.${CANARY_TAG}`, target)], [rm(`mesh.tags.${CANARY_TAG}`)], { ...state, tags: { ...state.tags, [CANARY_TAG]: target } });
    for (const ns of workloads.namespaces) {
        push("namespace", `move namespace ${ns} to ${CANARY_TAG} (its Deployments restart onto ${target})`,
            `istioctl proxy-status shows ${ns}'s pods on istiod-${target}; error rates unchanged in Grafana's Istio dashboards`,
            [set(`mesh.namespaces.${ns}`, CANARY_TAG)], [rm(`mesh.namespaces.${ns}`)], { ...state, namespaces: { ...state.namespaces, [ns]: CANARY_TAG } });
    }
    for (const sts of workloads.statefulSets) {
        const before = state.statefulSets[sts];
        push("statefulset", `move StatefulSet ${sts} to ${target} (a restart of its pods: schedule it)`, `the StatefulSet's pods are Ready and on istiod-${target}`,
            [set(stsPath(sts), target)], [set(stsPath(sts), before)], { ...state, statefulSets: { ...state.statefulSets, [sts]: target } });
    }
    const moved = Object.fromEntries(Object.entries(state.namespaces).filter(([ns]) => !workloads.namespaces.includes(ns)));
    push("stable-tag", `point ${STABLE_TAG} at ${target}; namespaces back on ${STABLE_TAG} (same revision: no restart)`, `istioctl tag list shows ${STABLE_TAG} -> ${target}`,
        [set(`mesh.tags.${STABLE_TAG}`, target), ...workloads.namespaces.map((ns) => rm(`mesh.namespaces.${ns}`))],
        [set(`mesh.tags.${STABLE_TAG}`, old), ...workloads.namespaces.map((ns) => set(`mesh.namespaces.${ns}`, CANARY_TAG))],
        { ...state, tags: { ...state.tags, [STABLE_TAG]: target }, namespaces: moved });
    push("gateway", `move the ingress gateway to ${target} (its pods roll under their PDB)`, `the gateway pods are Ready on istiod-${target}; the NLB's targets are healthy`,
        [set("mesh.gateway.revision", target)], [set("mesh.gateway.revision", old)], { ...state, gatewayRevision: target });
    push("default", `make ${target} the default revision (validation, istio-injection=enabled)`, `kubectl get validatingwebhookconfiguration istiod-default-validator points at istiod-${target}`,
        [set("mesh.defaultRevision", target)], [set("mesh.defaultRevision", old)], { ...state, defaultRevision: target });
    const { [CANARY_TAG]: _canary, ...tags } = state.tags;
    push("remove", `remove revision ${old} and the ${CANARY_TAG} tag`, `before: kubectl get pods -A -l istio.io/rev=${old} is empty (every proxy has left ${old})`,
        [rm("mesh.revisions[0]"), rm(`mesh.tags.${CANARY_TAG}`)], [set("mesh.revisions[0]", old), set("mesh.revisions[1]", target), set(`mesh.tags.${CANARY_TAG}`, target)],
        { ...state, revisions: [target], tags: { ...tags, [STABLE_TAG]: target } });
    return steps;
}
