// The local stack in a throwaway Pulumi workspace: the real CLI and the Kubernetes provider built
// here, a local backend, and the config a user of an existing cluster would set.
import * as fs from "fs";
import * as path from "path";
import { buildGoTools, selectTools } from "../engine-tools/build";
import { installKubernetesPlugin, PluginInstall } from "../engine-tools/plugin";
import { pulumi, shell, tempWorkspace, Workspace } from "../engine";
import { readKubeconfigFile } from "../../../components/existing-cluster/kubeconfig";
import { revisionRunning } from "../../../components/mesh/revisions";
import { singleRevisionPaths } from "../../../components/mesh/settings";
import { PAYMENTS_NAMESPACE, POSTGRES } from "../../../components/payments/names";
import { ISTIO_VALIDATOR_VERSION } from "../../../components/versions";
import { istioModuleCharts } from "../rendered-charts/sources";
import { Render, renderStack } from "../render";

// Istio's charts in the pinned istio.io/istio module; the rendered-chart check renders the same ones.
export { istioModuleCharts };

export interface LocalStackWorkspace {
    ws: Workspace;
    plugin: PluginInstall;
    /** The `config set --path` values this run set, for the offline render of the same config. */
    overrides: Record<string, string>;
}

export const LOCAL_STACK = "local";
/** Stands in for the secret a user sets with `config set --secret --path`. */
const TEST_PASSWORD = "conformance-only-password-0123456789";

function ok(r: { status: number; stdout: string; stderr: string }, what: string): void {
    if (r.status !== 0) throw new Error(`${what} failed:\n${r.stdout}${r.stderr}`);
}

/** A workspace for the local stack, pointed at `kubeconfig`, with Istio's charts from the module. Removed on failure. */
export function localStackWorkspace(kubeconfig: string): LocalStackWorkspace {
    const tools = buildGoTools(selectTools(["engine"], ["pulumi", "pulumi-resource-kubernetes"]), () => undefined);
    const ws = tempWorkspace([LOCAL_STACK]);
    try {
        return setUp(ws, tools, kubeconfig);
    } catch (err) {
        ws.remove();
        throw err;
    }
}

/** The harness kubeconfig's one context (scripts/lib/cluster/kubeconfig.ts names it). */
function harnessContext(kubeconfig: string): string {
    const file = readKubeconfigFile(kubeconfig);
    if (!file.ok) throw new Error(`the harness kubeconfig ${file.problem}`);
    return file.config.contexts[0];
}

function setUp(ws: Workspace, tools: ReturnType<typeof buildGoTools>, kubeconfig: string): LocalStackWorkspace {
    // Only the pinned provider: the engine must not look for another one.
    const plugin = installKubernetesPlugin(tools.pulumi!.bins.pulumi, tools["pulumi-resource-kubernetes"]!.bins["pulumi-resource-kubernetes"], ws.env.PULUMI_HOME);
    const istio = istioModuleCharts();
    const overrides: Record<string, string> = {
        // The harness's kubeconfig file and its context, as a user names theirs (README, "Which cluster").
        "dodo-platform:cluster.existing.kubeconfig": kubeconfig,
        "dodo-platform:cluster.existing.context": harnessContext(kubeconfig),
        // The StorageClass the harness provides, as EKS would (the stack's default is kind's `standard`).
        "dodo-platform:cluster.existing.storageClass": "gp3",
        "dodo-platform:charts.sources.istioBase": istio.base,
        "dodo-platform:charts.sources.istiod": istio.istiod,
        "dodo-platform:charts.sources.istioGateway": istio.gateway,
        // The module holds one release's charts (the validator's, 1.30.4): the stack runs that
        // release's revision alone, the unrevisioned istiod every stack ran before revisions.
        ...singleRevisionPaths(revisionRunning(ISTIO_VALIDATOR_VERSION), [`${PAYMENTS_NAMESPACE}/${POSTGRES.statefulSet}`]),
    };
    ok(pulumi(ws, ["stack", "init", LOCAL_STACK]), "pulumi stack init");
    ok(shell(ws, `pulumi config set --secret --path dodo-platform:payments.postgres.password '${TEST_PASSWORD}'`), "config set --secret");
    for (const [key, value] of Object.entries(overrides)) ok(pulumi(ws, ["config", "set", "--path", key, value]), `config set --path ${key}`);
    if (!fs.existsSync(path.join(istio.istiod, "Chart.yaml"))) throw new Error(`no istiod chart in ${istio.module}`);
    return { ws, plugin, overrides: { ...overrides, "dodo-platform:payments.postgres.password": TEST_PASSWORD } };
}

/**
 * The offline synth of the config the run set, secrets revealed: the harness set them, so the
 * Secret's data is compared with what the run set instead of being skipped as "[secret]".
 */
export function comparisonRender(overrides: Record<string, string>): Promise<Render> {
    return renderStack(LOCAL_STACK, { config: overrides, revealSecrets: true });
}
