// The conformance run: the local stack through the real engine onto a local control plane, then
// checked against the offline synth and the policy rules. Steps and what each proves: docs/conformance.md.
import { KubeObject as ComponentObject } from "../../../components/k8s";
import { KubeObject } from "../cluster/client";
import { LocalCluster, startLocalCluster } from "../cluster";
import { certificateCrdStandIn } from "../cluster/smoke";
import { eventCollector, programStack } from "../engine";
import { renderStack } from "../render";
import { describeDifferences, objectDifferences } from "./compare";
import { describeExemption } from "../../../policy/exemptions";
import { judge, Verdict } from "./judge";
import { platformObjects } from "./live";
import { checkPlanChain } from "./plan-chain";
import { plantedViolation, PLANTED_RULE } from "./planted";
import { checkPreviewRole } from "./preview-role";
import { LOCAL_STACK, localStackWorkspace } from "./workspace";

export interface StepReport {
    step: string;
    seconds: number;
    detail: string;
}

export interface ConformanceReport {
    steps: StepReport[];
    created: number;
    compared: number;
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

/**
 * Why an object may outlive `pulumi destroy`: the harness made it (the stand-in for a
 * pre-installed cert-manager, and what Kubernetes puts in every namespace), or its chart keeps it
 * on uninstall (`helm.sh/resource-policy: keep`: Istio's CRDs, so custom resources are never lost
 * with a release). undefined: it is the stack's, and must be gone.
 */
export function allowedLeftover(o: { kind?: string; metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> } }): "harness" | "kept by its chart" | undefined {
    if (o.metadata?.annotations?.["helm.sh/resource-policy"] === "keep") return "kept by its chart";
    const ns = o.metadata?.namespace;
    const inEveryNamespace = (o.kind === "ServiceAccount" && o.metadata?.name === "default") || (o.kind === "ConfigMap" && o.metadata?.name === "kube-root-ca.crt");
    return ns === "cert-manager" && inEveryNamespace ? "harness" : undefined;
}

export async function runConformance(log: (line: string) => void): Promise<ConformanceReport> {
    const report: ConformanceReport = { steps: [], created: 0, compared: 0, judged: 0, keptByCharts: [], failures: [] };
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
            const render = await renderStack(LOCAL_STACK, { config: local.overrides });
            const problems: string[] = [];
            for (const obj of render.manifests as ComponentObject[]) {
                const live = await cluster!.client.get(await cluster!.client.objectPath(obj as KubeObject));
                if (!live) problems.push(`${obj.kind} ${obj.metadata.namespace ?? ""}/${obj.metadata.name}: rendered, not on the API server`);
                else problems.push(...describeDifferences(obj, objectDifferences(obj, live)));
            }
            report.compared = render.manifests.length;
            if (problems.length > 0) fail(`the cluster differs from the synth:\n${problems.join("\n")}`);
            return { value: undefined, detail: `${report.compared} objects as rendered` };
        });

        await step("preview, expecting no changes", async () => {
            await stack.preview({ expectNoChanges: true, color: "never" }).catch((e: Error) => fail(`a second preview wants changes:\n${e.message.slice(0, 4000)}`));
            return { value: undefined, detail: "no changes" };
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
        await step("plan, then up --plan", () => checkPlanChain(stack, local.ws, cluster!.client));

        await step("destroy", async () => {
            const r = await stack.destroy({ onOutput: output, color: "never" });
            // Whatever platform object is left but what allowedLeftover() names.
            const left = await platformObjects(cluster!.client);
            const ours = left.filter((o) => !allowedLeftover(o));
            if (ours.length > 0) fail(`left behind after destroy: ${ours.map((o) => `${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}`).join(", ")}`);
            const kept = left.filter((o) => allowedLeftover(o) === "kept by its chart");
            report.keptByCharts = kept.map((o) => `${o.kind} ${o.metadata?.name}`);
            return { value: r, detail: `${r.summary.resourceChanges?.delete ?? 0} resources deleted, nothing of the stack left (${kept.length} CRDs kept by their chart's helm.sh/resource-policy: keep)` };
        });
    } catch (err) {
        const message = (err as Error).message;
        if (!report.failures.includes(message)) report.failures.push(message);
    } finally {
        if (cluster) {
            const t0 = Date.now();
            await cluster.stop();
            report.steps.push({ step: "stop", seconds: (Date.now() - t0) / 1000, detail: "every process stopped" });
        }
    }
    return report;
}
