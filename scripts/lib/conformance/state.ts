// Ties what the engine recorded (`pulumi stack export`) to what the offline synth registered: the
// same resources, each with the same parent and provider, in both directions. A resource only the
// engine has (a default provider reading the ambient kubeconfig, say) or only the synth has fails.
import { RegisteredResource, SECRET_SIG, SIG_KEY } from "../mock-engine";

/** A resource as `pulumi stack export` lists it (apitype.ResourceV3), the fields compared here. */
export interface StateResource {
    urn: string;
    type: string;
    parent?: string;
    /** `<provider urn>::<id>`, on custom resources. */
    provider?: string;
    inputs?: Record<string, unknown>;
}


/** `urn:pulumi:<stack>::<project>::<parent types$>type::name` -> `type::name`, as the synth's refs. */
export function refOfUrn(urn: string): string {
    const parts = urn.split("::");
    const qualified = parts[2] ?? "";
    return `${qualified.slice(qualified.lastIndexOf("$") + 1)}::${parts.slice(3).join("::")}`;
}

interface Shape {
    parent: string | null;
    provider: string | null;
}

function stateShapes(resources: readonly StateResource[]): Map<string, Shape> {
    const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
    const shapes = new Map<string, Shape>();
    for (const r of resources) {
        if (r.type === "pulumi:pulumi:Stack") continue;
        const provider = r.provider ? refOfUrn(r.provider.slice(0, r.provider.lastIndexOf("::"))) : null;
        shapes.set(refOfUrn(r.urn), { parent: r.parent && r.parent !== stack ? refOfUrn(r.parent) : null, provider });
    }
    return shapes;
}

/** Every way the engine's resources differ from the render's, one line each (empty: the same). */
export function resourceMismatches(state: readonly StateResource[], rendered: readonly RegisteredResource[]): string[] {
    const live = stateShapes(state);
    const synth = new Map(rendered.map((r) => [r.ref, { parent: r.parent, provider: r.provider } as Shape]));
    const problems: string[] = [];
    for (const [ref, s] of live) {
        const r = synth.get(ref);
        if (!r) problems.push(`${ref}: in the engine's state, not in the synth's render`);
        else {
            if (r.parent !== s.parent) problems.push(`${ref}: parent ${s.parent ?? "the stack"} in the state, ${r.parent ?? "the stack"} in the render`);
            if (r.provider !== s.provider) problems.push(`${ref}: provider ${s.provider ?? "none"} in the state, ${r.provider ?? "none"} in the render`);
        }
    }
    for (const ref of synth.keys()) if (!live.has(ref)) problems.push(`${ref}: in the synth's render, not in the engine's state`);
    return problems;
}

/**
 * Providers whose `kubeconfig` input the state holds in plain text (a path, or contents unencrypted).
 * A secret in state is `{ "<sig key>": "<secret sig>", ciphertext }` (sdk/go/common/resource/sig.go).
 */
export function plaintextKubeconfigs(state: readonly StateResource[]): string[] {
    return state
        .filter((r) => r.type === "pulumi:providers:kubernetes" && r.inputs?.kubeconfig !== undefined)
        .filter((r) => {
            const k = r.inputs!.kubeconfig as Record<string, unknown> | string;
            return typeof k !== "object" || k === null || k[SIG_KEY] !== SECRET_SIG;
        })
        .map((r) => refOfUrn(r.urn));
}
