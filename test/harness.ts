// Shared test harness: run a component or the whole program under Pulumi mocks and get back
// every registered resource with its inputs, parent, dependsOn and provider.
import * as k8s from "@pulumi/kubernetes";
import { KubeObject } from "../components/k8s";
import { PROJECT } from "../components/settings";
import { RegisteredResource, runProgram } from "../scripts/lib/mock-engine";
import { Render, renderStack } from "../scripts/lib/render";

export { RegisteredResource, Render };

/** Runs `program` (typically `() => new SomeComponent(...)`) as a stack and returns what it registered. */
export async function runComponent(
    program: () => unknown,
    options: { stack?: string; config?: Record<string, string> } = {},
): Promise<RegisteredResource[]> {
    const run = await runProgram(program, {
        project: PROJECT,
        stack: options.stack ?? "dev",
        config: { "aws:region": "ap-south-1", ...(options.config ?? {}) },
    });
    return run.resources;
}

/** A kubernetes Provider to hand components under test (mocked like everything else). */
export function testProvider(): k8s.Provider {
    return new k8s.Provider("test-k8s", { kubeconfig: "{}" });
}

const renders = new Map<string, Promise<Render>>();

/** The whole program for a stack, rendered once per test process (renders are deterministic). */
export function renderCached(stack: "dev" | "staging" | "prod" | "local"): Promise<Render> {
    let render = renders.get(stack);
    if (!render) {
        render = renderStack(stack);
        renders.set(stack, render);
    }
    return render;
}

export function ofType(resources: RegisteredResource[], type: string): RegisteredResource[] {
    return resources.filter((r) => r.type === type);
}

/** The one resource of `type` named `name`; throws with the names that do exist otherwise. */
export function get(resources: RegisteredResource[], type: string, name: string): RegisteredResource {
    const found = resources.find((r) => r.type === type && r.name === name);
    if (!found) {
        const names = ofType(resources, type).map((r) => r.name);
        throw new Error(`no ${type} named ${name}; registered: ${names.join(", ") || "none"}`);
    }
    return found;
}

/** Kubernetes objects of a kind (optionally in a namespace) from a render's manifests. */
export function manifests(render: Render, kind: string, namespace?: string): KubeObject[] {
    return render.manifests.filter((m) => m.kind === kind && (namespace === undefined || m.metadata.namespace === namespace));
}

/** Props typed loosely for assertions. */
export function props<T = Record<string, unknown>>(r: RegisteredResource): T {
    return r.props as T;
}
