// Renders a stack's whole desired state offline: reads Pulumi.yaml and Pulumi.<stack>.yaml the
// way the CLI does, then runs the real program (index.ts) under mocks.
import * as path from "path";
import { KubeObject } from "../../components/k8s";
import { PROJECT } from "../../components/settings";
import { RegisteredResource, runProgram } from "./mock-engine";
import { readStackConfig, REPO_ROOT } from "./stack-config";

export { ALL_STACKS, offlineSecret, readStackConfig, REPO_ROOT, StackConfig, StackName, STACKS } from "./stack-config";

export interface Render {
    stack: string;
    /** Declared secret keys not in the stack file (rendered as "[secret]"; required for `pulumi up`). */
    missingSecrets: string[];
    resources: RegisteredResource[];
    manifests: KubeObject[];
    outputs: Record<string, unknown>;
}

/** Kubernetes objects the program creates directly (not Helm releases, not providers). */
export function manifestsOf(resources: RegisteredResource[]): KubeObject[] {
    return resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/"))
        .map((r) => {
            const { apiVersion, kind, metadata, ...rest } = r.props as Record<string, unknown>;
            return { apiVersion, kind, metadata, ...rest } as KubeObject;
        })
        .sort((a, b) => {
            const ka = [a.kind, a.metadata.namespace ?? "", a.metadata.name].join("\u0000");
            const kb = [b.kind, b.metadata.namespace ?? "", b.metadata.name].join("\u0000");
            return ka < kb ? -1 : ka > kb ? 1 : 0;
        });
}

/** Runs index.ts for `stack` under mocks. Config errors reject with the program's message. */
export async function renderStack(stack: string, options: { root?: string; config?: Record<string, unknown>; revealSecrets?: boolean } = {}): Promise<Render> {
    const config = readStackConfig(stack, options.root ?? REPO_ROOT, options.config);
    const entry = require.resolve(path.join(REPO_ROOT, "index.ts"));
    const run = await runProgram(
        () => {
            // index.ts is the program: load it fresh so each render runs it again.
            delete require.cache[entry];
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            return { ...(require(entry) as Record<string, unknown>) };
        },
        { project: PROJECT, stack, config: config.values, secretKeys: config.secretKeys, revealSecrets: options.revealSecrets },
    );
    return { stack, missingSecrets: config.missingSecrets, resources: run.resources, manifests: manifestsOf(run.resources), outputs: run.outputs };
}
