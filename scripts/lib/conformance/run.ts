// The conformance run: the local stack through the real engine onto a local control plane, then
// checked against the offline synth and the policy rules. Steps and what each proves: docs/conformance.md.
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { KubeObject as ComponentObject } from "../../../components/k8s";
import { KubeObject } from "../cluster/client";
import { LocalCluster, startLocalCluster } from "../cluster";
import { certificateCrdStandIn } from "../cluster/smoke";
import { eventCollector, programStack, removeWorkspaces } from "../engine";
import { describeDifferences, objectDifferences, unknowableFields } from "./compare";
import { describeExemption } from "../../../policy/exemptions";
import { leftovers, volumesAfterDestroy } from "./destroy";
import { judge, Verdict } from "./judge";
import { platformObjects } from "./live";
import { checkPlanChain } from "./plan-chain";
import { plantedDrift, PLANTED_DRIFT_REF, plantedViolation, PLANTED_RULE } from "./planted";
import { checkPreviewRole } from "./preview-role";
import { plaintextKubeconfigs, refOfUrn, resourceMismatches, StateResource } from "./state";
import { comparisonRender, LOCAL_STACK, localStackWorkspace } from "./workspace";

export { allowedLeftover } from "./destroy";

/** Engine steps that change nothing (a preview with --refresh reads every resource first). */
const QUIET_OPS = new Set<OpType>(["same", "read", "refresh"]);

export interface StepReport {
    step: string;
    seconds: number;
    detail: string;
}

export interface ConformanceReport {
    steps: StepReport[];
    created: number;
    compared: number;
    /** Resources of the engine's state matched with the render's (type, name, parent, provider). */
    resources: number;
    judged: number;
    /** Objects a chart keeps on uninstall (Istio's CRDs): expected after destroy, listed. */
    keptByCharts: string[];
    failures: string[];
}

/** cert-manager's ClusterIssuer, as a stand-in CRD: the local stack uses the cluster's cert-manager. */
export function clusterIssuerCrdStandIn(): KubeObject {
    const crd = certificateCrdStandIn();
    const spec = crd.spec as { names: Record<string, string>; scope: string };
    return { ...crd, metadata: { name: "clusterissuers.cert-manager.io" }, spec: { ...spec, scope: "Cluster", names: { plural: "clusterissuers", singular: "clusterissuer", kind: "ClusterIssuer" } } };
}

export async function runConformance(log: (line: string) => void): Promise<ConformanceReport> {
    const report: ConformanceReport = { steps: [], created: 0, compared: 0, resources: 0, judged: 0, keptByCharts: [], failures: [] };
    const step = async <T>(name: string, fn: () => Promise<{ value: T; detail: string }>): Promise<T> => {
        const t0 = Date.now();
        log(`conformance: ${name} ...`);
        const { value, detail } = await fn();
        const seconds = (Date.now() - t0) / 1000;
        report.steps.push({ step: name, seconds, detail });
        log(`conformance: ${name}: ${detail} (${seconds.toFixed(1)} s)`);
        return value;
    };
    const fail = (message: string): never => {
        report.failures.push(message);
        throw new Error(message);
    };

    let cluster: LocalCluster | undefined;
    try {
        cluster = await step("cluster", async () => {
            // The stack uses the cluster's own cert-manager (payments.tls.installCertManager false):
            // its CRDs and namespace stand in for it, and a kwok stage makes Certificates Ready.
            const certManager: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "cert-manager" } };
            const c = await startLocalCluster({ beforeKwok: [certificateCrdStandIn(), clusterIssuerCrdStandIn(), certManager], log });
            return { value: c, detail: `${c.nodes.length} fake nodes, ${c.steps.length} steps` };
        });
        const local = await step("workspace", async () => {
            const w = localStackWorkspace(cluster!.kubeconfig);
            return { value: w, detail: `kubernetes provider ${w.plugin.version}${w.plugin.output ? ` (${w.plugin.output.split("\n").find((l) => /warn/i.test(l)) ?? "installed"})` : ""}` };
        });
        const stack = await programStack(local.ws, LOCAL_STACK);
        const output = (s: string) => log(s.replace(/\n$/, ""));

        await step("preview", async () => {
            const events = eventCollector();
            const r = await stack.preview({ onEvent: events.onEvent, color: "never" });
            if (events.errors.length > 0) fail(`preview reported errors:\n${events.errors.map((e) => e.message).join("\n")}`);
            return { value: r, detail: `${r.changeSummary.create ?? 0} to create` };
        });
        await step("up", async () => {
            const r = await stack.up({ onOutput: output, color: "never" });
            if (r.summary.result !== "succeeded") fail(`up ended ${r.summary.result}`);
            report.created = r.summary.resourceChanges?.create ?? 0;
            return { value: r, detail: `${report.created} resources created` };
        });

        await step("compare with the offline synth", async () => {
            const render = await comparisonRender(local.overrides);
            const problems: string[] = [];
            for (const obj of render.manifests as ComponentObject[]) {
                const live = await cluster!.client.get(await cluster!.client.objectPath(obj as KubeObject));
                if (!live) problems.push(`${obj.kind} ${obj.metadata.namespace ?? ""}/${obj.metadata.name}: rendered, not on the API server`);
                else problems.push(...describeDifferences(obj, objectDifferences(obj, live)));
            }
            // The harness set every secret, so none may be skipped as "[secret]"; outputs of other
            // resources ("[unknown]") are listed in the report.
            const unknown = unknowableFields(render.manifests);
            problems.push(...unknown.filter((f) => f.endsWith("[secret]")).map((f) => `${f}: a secret the run set was not compared`));
            // The engine's resources are the render's: same type and name, parent and provider.
            const deployment = (await stack.exportStack()).deployment as { resources?: StateResource[] };
            const state = deployment.resources ?? [];
            problems.push(...resourceMismatches(state, render.resources));
            problems.push(...plaintextKubeconfigs(state).map((p) => `${p}: its kubeconfig is stored in plain text (a path, or contents not marked secret)`));
            report.compared = render.manifests.length;
            report.resources = render.resources.length;
            if (problems.length > 0) fail(`the cluster differs from the synth:\n${problems.join("\n")}`);
            return { value: undefined, detail: `${report.compared} objects as rendered (the Secret's data included; ${unknown.length} fields unknown offline${unknown.length ? `: ${unknown.join("; ")}` : ""}); ${report.resources} resources in the state as in the render` };
        });

        // --refresh: the engine reads every live object first, so drift from the state shows too.
        const noChangePreview = async () => {
            const changes: string[] = [];
            const onEvent = (e: EngineEvent) => {
                const m = e.resourcePreEvent?.metadata;
                if (m && !QUIET_OPS.has(m.op)) changes.push(`${m.op} ${refOfUrn(m.urn)}`);
            };
            const error = await stack.preview({ expectNoChanges: true, refresh: true, onEvent, color: "never" }).then(() => undefined, (e: Error) => e.message);
            return { changes, error };
        };
        await step("preview, expecting no changes", async () => {
            const r = await noChangePreview();
            if (r.error || r.changes.length > 0) fail(`a second preview wants changes: ${r.changes.join(", ") || "(none listed)"}\n${(r.error ?? "").slice(0, 4000)}`);
            return { value: undefined, detail: "no changes after a refresh of every live object" };
        });

        await step("judge the live objects", async () => {
            const verdict: Verdict = judge(await platformObjects(cluster!.client), "dev");
            report.judged = verdict.judged;
            const named = verdict.failures.map((f) => `${f.rule}: ${f.kind} ${f.namespace}/${f.name}: ${f.message}`);
            if (named.length > 0) fail(`mandatory findings on the live objects:\n${named.join("\n")}`);
            if (verdict.stale.length > 0) fail(`stale exemptions (the object is here, the rule finds nothing): ${verdict.stale.map(describeExemption).join(", ")}`);
            // The same path catches a planted violation, and names it.
            const planted = plantedViolation();
            await cluster!.client.apply(planted);
            const withPlanted = judge(await platformObjects(cluster!.client), "dev");
            await cluster!.client.delete(planted);
            const caught = withPlanted.failures.find((f) => f.rule === PLANTED_RULE && f.name === planted.metadata.name);
            if (!caught) fail(`the planted ${planted.kind} ${planted.metadata.namespace}/${planted.metadata.name} was not caught by ${PLANTED_RULE}`);
            return { value: undefined, detail: `${verdict.judged} objects, no mandatory finding, ${verdict.exempted.length} exempted (${verdict.exempted.map((f) => `${f.rule} ${f.kind} ${f.namespace}/${f.name}`).join(", ") || "none"}); planted violation caught: ${caught!.rule}` };
        });

        await step("preview role on the API server", () => checkPreviewRole(cluster!.client));

        await step("planted drift", async () => {
            const drift = plantedDrift();
            await cluster!.client.apply(drift);
            const r = await noChangePreview();
            const want = [`update ${PLANTED_DRIFT_REF}`];
            if (!r.error || JSON.stringify(r.changes) !== JSON.stringify(want)) {
                // Recorded, not thrown: destroy still runs and is checked.
                report.failures.push(`the no-change preview after ${drift.kind} ${drift.metadata.namespace}/${drift.metadata.name} was set PERMISSIVE by hand should want exactly ${want[0]}, and fail; it wants ${r.changes.join(", ") || "nothing"}${r.error ? "" : " and passed"}`);
                return { value: undefined, detail: "drift NOT caught" };
            }
            return { value: undefined, detail: `${drift.kind} ${drift.metadata.namespace}/${drift.metadata.name} set PERMISSIVE by hand: the preview fails, wanting ${want[0]}` };
        });

        // Last before destroy: it leaves the stack applied at the plan's config, which the
        // no-change previews above would report as changes.
        await step("plan, then up --plan", () => checkPlanChain(LOCAL_STACK, local.ws, cluster!.client));

        await step("destroy", async () => {
            // The stack's claims have volumes now (PostgreSQL's), or the volume check proves nothing.
            const volumes = (await cluster!.client.get<{ items: unknown[] }>("/api/v1/persistentvolumes"))?.items.length ?? 0;
            if (volumes === 0) fail("no PersistentVolume before destroy: the stack's claims were never provisioned, so the volume check would prove nothing");
            const r = await stack.destroy({ onOutput: output, color: "never" });
            // Whatever platform object or volume is left, but what allowedLeftover() names.
            const left = leftovers(await platformObjects(cluster!.client), await volumesAfterDestroy(cluster!.client));
            if (left.ours.length > 0) fail(`left behind after destroy: ${left.ours.join(", ")}`);
            report.keptByCharts = left.keptByCharts;
            return { value: r, detail: `${r.summary.resourceChanges?.delete ?? 0} resources deleted, nothing of the stack left, none of its ${volumes} PersistentVolume(s) (${left.keptByCharts.length} CRDs kept by their chart's helm.sh/resource-policy: keep)` };
        });
    } catch (err) {
        const message = (err as Error).message;
        if (!report.failures.includes(message)) report.failures.push(message);
    } finally {
        // The workspace holds the state and the test secrets: removed, also on failure.
        removeWorkspaces();
        if (cluster) {
            const t0 = Date.now();
            await cluster.stop();
            report.steps.push({ step: "stop", seconds: (Date.now() - t0) / 1000, detail: "every process stopped" });
        }
    }
    return report;
}
