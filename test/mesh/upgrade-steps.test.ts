// The upgrade sequence walked on the pure builders (fast; the full walk over whole-program renders
// with the validators is `npm run upgrade:walk`, run by .ci/run): every step's commands give the
// next config and its undo gives the previous one, every config passes validation, and each step
// restarts exactly what it says.
import { strict as assert } from "assert";
import { gatewayValues } from "../../components/mesh/builders";
import { chartRevision } from "../../components/mesh/control-planes";
import { MeshedWorkloads, MeshRevisions, releaseOfRevision, revisionProblems } from "../../components/mesh/revisions";
import { revisionsConfig } from "../../components/mesh/settings";
import { meshMembership } from "../../components/mesh/topology";
import { commandLine, UpgradeStep, upgradeSteps } from "../../components/mesh/upgrade-steps";
import { PAYMENTS_NAMESPACE } from "../../components/payments/names";
import { applyCommands, readRevisions } from "../../scripts/lib/upgrade/commands";
import { stepsFor } from "../../scripts/lib/upgrade/plan";
import { movesOnRecreate } from "../../scripts/lib/upgrade/effects";
import { manifestsFor } from "../payments/fixtures";
import { onRevision } from "./fixtures";

const DEV: MeshedWorkloads = { namespaces: [PAYMENTS_NAMESPACE], statefulSets: [`${PAYMENTS_NAMESPACE}/postgres`] };
const START: MeshRevisions = onRevision("default");

/** Pod templates of everything the mesh can restart, by name: the payments workloads and the gateway. */
function podTemplates(m: MeshRevisions): Record<string, string> {
    const payments = manifestsFor("dev", {}, meshMembership(m, PAYMENTS_NAMESPACE));
    const out: Record<string, string> = Object.fromEntries(payments.workloads.map((w) => [`${w.kind} ${w.metadata.namespace}/${w.metadata.name}`, JSON.stringify((w.spec as { template: unknown }).template)]));
    // The gateway chart's pods change with its values (revision) and its release.
    out["gateway"] = JSON.stringify([releaseOfRevision(m.gatewayRevision), gatewayValues({ environment: "dev", revision: chartRevision(m.gatewayRevision) || undefined, replicas: { min: 1, max: 2 } })]);
    return out;
}

function expectedRestarts(step: UpgradeStep, templates: Record<string, string>): string[] {
    return Object.keys(templates)
        .filter((k) => (k.startsWith("Deployment ") && step.restarts.namespaces.includes(k.split(" ")[1].split("/")[0])) || step.restarts.statefulSets.some((s) => k === `StatefulSet ${s}`) || (k === "gateway" && step.restarts.gateway))
        .sort();
}

describe("Istio upgrade sequence (pure walk)", () => {
    const steps = upgradeSteps(START, "1-31-4", DEV);

    it("is Istio's order: install, canary tag, namespaces, the StatefulSet, stable tag, gateway, default, remove", () => {
        assert.deepEqual(steps.map((s) => s.kind), ["crds", "install", "canary-tag", "namespace", "statefulset", "stable-tag", "gateway", "default", "remove"]);
        assert.deepEqual(steps[steps.length - 1].state, { revisions: ["1-31-4"], tags: { "prod-stable": "1-31-4" }, namespaces: {}, gatewayRevision: "1-31-4", baseRevision: "1-31-4", defaultRevision: "1-31-4", statefulSets: { "dodo-payments/postgres": "1-31-4" } });
    });

    it("prints commands the CLI takes (paths with list indices and quoted keys)", () => {
        assert.equal(commandLine(steps[1].commands[0]), "pulumi config set --path 'dodo-platform:mesh.revisions[1]' 1-31-4");
        assert.equal(commandLine(steps[4].commands[0]), `pulumi config set --path 'dodo-platform:mesh.statefulSets["dodo-payments/postgres"]' 1-31-4`);
        assert.equal(commandLine(steps[8].commands[0]), "pulumi config rm --path 'dodo-platform:mesh.revisions[0]'");
    });

    let before = START;
    for (const [i, step] of steps.entries()) {
        const previous = before;
        before = step.state;
        it(`step ${i + 1} (${step.kind}): its commands give the next config, its undo the previous one, both accepted`, () => {
            const prevObject = revisionsConfig(previous);
            const next = readRevisions(applyCommands(prevObject, step.commands), "dev");
            assert.deepEqual(next.problems, []);
            assert.deepEqual(next.revisions, step.state);
            assert.deepEqual(revisionProblems(next.revisions, DEV), []);
            const undone = readRevisions(applyCommands(revisionsConfig(step.state), step.undo), "dev");
            assert.deepEqual(undone.revisions, previous);
            assert.deepEqual(revisionProblems(undone.revisions, DEV), []);
        });

        it(`step ${i + 1} (${step.kind}): restarts exactly ${JSON.stringify(step.restarts)}`, () => {
            const [a, b] = [podTemplates(previous), podTemplates(step.state)];
            const changed = Object.keys(b).filter((k) => a[k] !== b[k]).sort();
            assert.deepEqual(changed, expectedRestarts(step, b));
        });
    }

    it("never restarts PostgreSQL except in its own step", () => {
        assert.deepEqual(steps.filter((s) => s.restarts.statefulSets.length > 0).map((s) => s.kind), ["statefulset"]);
    });

    it("refuses skipping ahead: the default before the gateway, the removal before everything has moved", () => {
        const at = (kind: string) => steps.findIndex((s) => s.kind === kind);
        const skip = (from: MeshRevisions, kind: string) => revisionProblems(readRevisions(applyCommands(revisionsConfig(from), steps[at(kind)].commands), "dev").revisions, DEV).map((p) => `${p.key}: ${p.message}`);
        assert.match(skip(steps[at("stable-tag")].state, "default").join("\n"), /mesh\.defaultRevision: 1-31-4 cannot be the default before everything has moved to it: the ingress gateway \(default\)/);
        for (const k of ["crds", "install", "canary-tag", "namespace", "stable-tag", "gateway"]) {
            assert.ok(skip(steps[at(k)].state, "remove").some((p) => /^mesh\.revisions: revision default is not installed but is still used by/.test(p)), `remove right after ${k}`);
        }
    });

    it("resumes a stack mid-upgrade at the next step, and refuses a config that is no step of it", () => {
        const mid = stepsFor({ environment: "dev", revisions: steps[2].state, workloads: DEV }, "1.31.4");
        assert.deepEqual([mid.done.length, mid.todo[0].kind], [3, "namespace"]);
        const odd = { ...steps[2].state, gatewayRevision: "1-31-4" };
        assert.throws(() => stepsFor({ environment: "dev", revisions: odd, workloads: DEV }, "1.31.4"), /not a step of the upgrade from default to 1-31-4/);
        assert.throws(() => stepsFor({ environment: "dev", revisions: START, workloads: DEV }, "1.32.0"), /does not list in ISTIO_RELEASES/);
    });

    describe("pods that follow a tag only when recreated (injection happens at pod creation)", () => {
        // What dev renders in the mesh, restarted or not by each step as the pure walk computes it.
        const owners = manifestsFor("dev", {}, meshMembership(START, PAYMENTS_NAMESPACE)).workloads.map((w) => ({ kind: w.kind, namespace: w.metadata.namespace ?? "", name: w.metadata.name }));
        const moves = steps.map((step, i) => {
            const prev = i === 0 ? START : steps[i - 1].state;
            const templates = [podTemplates(prev), podTemplates(step.state)];
            const restarted = Object.keys(templates[1]).filter((k) => templates[0][k] !== templates[1][k]);
            return movesOnRecreate(prev, step.state, DEV.namespaces, owners, restarted);
        });

        it("names dev's PostgreSQL when its namespace moves, with the step that restarts it, and nothing else in any step", () => {
            assert.ok(owners.some((o) => o.kind === "StatefulSet" && o.name === "postgres"), "dev renders the in-cluster PostgreSQL");
            const ns = steps.findIndex((s) => s.kind === "namespace");
            assert.deepEqual(moves[ns], [
                `StatefulSet ${PAYMENTS_NAMESPACE}/postgres: new pods get 1-31-4 (tag prod-canary); running pods stay on default until recreated (node drain or image change, eviction, delete); to move it now: its own step (mesh.statefulSets["${PAYMENTS_NAMESPACE}/postgres"]) restarts it`,
            ]);
            assert.deepEqual(moves.filter((_, i) => i !== ns), steps.slice(1).map(() => []), "the Deployments restart in their namespace's step; no other step changes an injector");
        });

        it("names a workload the step does not restart, with the command that moves it", () => {
            const ns = steps.findIndex((s) => s.kind === "namespace");
            const lines = movesOnRecreate(steps[ns - 1].state, steps[ns].state, DEV.namespaces, [{ kind: "Deployment", namespace: PAYMENTS_NAMESPACE, name: "batch" }], []);
            assert.match(lines[0], new RegExp(`^Deployment ${PAYMENTS_NAMESPACE}/batch: .* to move it now: kubectl -n ${PAYMENTS_NAMESPACE} rollout restart deployment/batch$`));
            assert.deepEqual(movesOnRecreate(steps[ns - 1].state, steps[ns].state, DEV.namespaces, [{ kind: "Deployment", namespace: "observability", name: "grafana" }], []), [], "outside the mesh nothing is injected");
        });
    });
});
