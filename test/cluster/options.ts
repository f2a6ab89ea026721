// Runs a component under the shared harness and also records what the mocks never see and the
// harness cannot resolve: each resource's aliases, and dependsOn given as a promise (the cluster's
// Kubernetes provider waits for admin entries registered after an invoke returns).
import * as pulumi from "@pulumi/pulumi";
import { RegisteredResource, runComponent } from "../harness";

export interface RecordedOptions {
    /** Alias names (`{ name }` aliases) in the order given. */
    aliases: string[];
    /** `<type>::<name>` of every explicit dependency, promises awaited. */
    dependsOn: string[];
    /** Property paths the resource's ignoreChanges lists. */
    ignoreChanges: string[];
}

export interface RecordedRun {
    resources: RegisteredResource[];
    options: Map<string, RecordedOptions>;
}

const refOf = (r: pulumi.Resource): string => {
    const res = r as unknown as { __pulumiType: string; __name: string };
    return `${res.__pulumiType}::${res.__name}`;
};

// The SDK merges options, turning a promised dependsOn into an Output.
async function flatten(deps: unknown): Promise<pulumi.Resource[]> {
    const value = deps instanceof Promise ? await deps : pulumi.Output.isInstance(deps) ? await (deps as unknown as { promise(): Promise<unknown> }).promise() : deps;
    if (value === undefined) return [];
    if (Array.isArray(value)) return (await Promise.all(value.map(flatten))).flat();
    return [value as pulumi.Resource];
}

export async function runRecording(program: () => unknown, options: { stack?: string; config?: Record<string, string> } = {}): Promise<RecordedRun> {
    const raw = new Map<string, pulumi.ResourceOptions>();
    const resources = await runComponent(() => {
        pulumi.runtime.registerStackTransformation((args) => {
            raw.set(`${args.type}::${args.name}`, args.opts);
            return undefined;
        });
        return program();
    }, options);
    const recorded = new Map<string, RecordedOptions>();
    for (const [ref, opts] of raw) {
        const aliases = (opts.aliases ?? []).map((a) => (typeof a === "object" && a !== null && "name" in a ? String((a as { name: unknown }).name) : String(a)));
        recorded.set(ref, { aliases, dependsOn: (await flatten(opts.dependsOn)).map(refOf).sort(), ignoreChanges: [...(opts.ignoreChanges ?? [])] });
    }
    return { resources, options: recorded };
}
