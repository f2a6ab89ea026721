// Offline renders of a stack at a given set of Istio revisions: the stack file with its
// `dodo-platform:mesh` revision keys replaced, through the same program and serialisation the
// synth uses, so the diff machinery (scripts/lib/diff.ts) compares them like two commits.
import { parsePlatformConfig } from "../../../components/config";
import { meshedWorkloads } from "../../../components/meshed-workloads";
import { MeshedWorkloads, MeshRevisions } from "../../../components/mesh/revisions";
import { revisionsConfig } from "../../../components/mesh/settings";
import { RenderSnapshot, snapshotFromSynth } from "../diff";
import { readStackConfig, Render, renderStack, REPO_ROOT } from "../render";
import { stackFileValue } from "../stack-config";
import { manifestsYaml, resourcesJson } from "../synth-output";
import type { Environment } from "../../../policy/rules/types";

export interface StackMesh {
    environment: Environment;
    revisions: MeshRevisions;
    workloads: MeshedWorkloads;
}

/** The stack's current revisions (from its stack file) and what it meshes. */
export function stackMesh(stack: string, root = REPO_ROOT): StackMesh {
    const { values, secretKeys } = readStackConfig(stack, root);
    const config = parsePlatformConfig({ stack, values, secretKeys });
    return { environment: config.environment, revisions: config.mesh.revisions, workloads: meshedWorkloads(config.payments) };
}

/** `dodo-platform:mesh` as the stack file has it, with the revision keys of `m`. */
export function meshObjectAt(stack: string, m: MeshRevisions, root = REPO_ROOT): Record<string, unknown> {
    const file = (stackFileValue(stack, "mesh", root) ?? {}) as Record<string, unknown>;
    const revisions = revisionsConfig(m);
    const merged = (key: "gateway" | "base") => ({ ...((file[key] as Record<string, unknown>) ?? {}), ...(revisions[key] as Record<string, unknown>) });
    return { ...file, ...revisions, gateway: merged("gateway"), base: merged("base") };
}

export interface RenderedState {
    render: Render;
    snapshot: RenderSnapshot;
}

/** Renders `stack` with its mesh object replaced by `mesh`; config errors reject with the program's message. */
export async function renderWithMesh(stack: string, mesh: Record<string, unknown>, env: Environment): Promise<RenderedState> {
    // The SDK formats a stack trace per promise for its leak detector; nothing reads them offline.
    const limit = Error.stackTraceLimit;
    if (!process.env.DODO_STACK_TRACES) Error.stackTraceLimit = 0;
    try {
        const render = await renderStack(stack, { config: { "dodo-platform:mesh": mesh } });
        return { render, snapshot: snapshotFromSynth(resourcesJson(render.resources), manifestsYaml(render), env) };
    } finally {
        Error.stackTraceLimit = limit;
    }
}

/** The chart of each Helm release in a render, by resource name (what restarts when it changes). */
export function chartsByResource(render: Render): (name: string) => string | undefined {
    const charts = new Map(render.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => [r.name, String((r.props as { chart?: unknown }).chart ?? "")]));
    return (name) => {
        const chart = charts.get(name);
        // A local chart is a path: its last directory names it (…/istio-discovery is istiod's).
        return chart?.split("/").pop()?.replace(/^istio-discovery$/, "istiod");
    };
}
