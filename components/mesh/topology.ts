// Names the mesh gives the rest of the platform: namespaces, the ingress gateway's identity and
// the labels that put a namespace in the mesh. Components use these instead of literals.
import { DEFAULT_REVISION, MeshRevisions, revisionOfNamespace, tagOfNamespace } from "./revisions";

export const ISTIO_ROOT_NAMESPACE = "istio-system";
export const INGRESS_NAMESPACE = "istio-ingress";
/** Helm release name of the ingress gateway; the chart names its Deployment and ServiceAccount after it. */
export const INGRESS_GATEWAY_NAME = "istio-ingressgateway";
/** Labels `Gateway` objects select the ingress gateway pods by. */
export const INGRESS_GATEWAY_SELECTOR: Readonly<Record<string, string>> = { istio: "ingressgateway" };
export const TRUST_DOMAIN = "cluster.local";

/** SPIFFE-style principal of a service account, as AuthorizationPolicies match it. */
export function principalOf(namespace: string, serviceAccount: string): string {
    return `${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
}

export const INGRESS_GATEWAY_PRINCIPAL = principalOf(INGRESS_NAMESPACE, INGRESS_GATEWAY_NAME);

/**
 * The labels of a namespace injected directly by a revision (the gateway's): istio.io/rev=<revision>,
 * or for the unrevisioned istiod istio-injection=enabled, the label it was always installed with.
 * Istio ignores istio.io/rev when istio-injection is present, so exactly one of the two is set.
 */
export function revisionInjectionLabels(revision: string): Record<string, string> {
    return revision === DEFAULT_REVISION ? { "istio-injection": "enabled" } : { "istio.io/rev": revision };
}

/** Pod-template annotation naming the revision a workload's pods were rolled onto. */
export const ROLLOUT_ANNOTATION = "dodo.dev/istio-revision";

/**
 * Naming the revision in the pod template makes a move to another revision change the template,
 * so the `pulumi up` that moves a workload also rolls its pods onto the new sidecar, and only then.
 */
export function revisionRolloutAnnotations(revision: string): Record<string, string> {
    return { [ROLLOUT_ANNOTATION]: revision };
}

/** How a namespace's workloads join the mesh; components label and annotate with it, never with literals. */
export interface MeshMembership {
    /** istio.io/rev=<tag>: the tag the namespace follows (mesh.namespaces, default prod-stable). */
    namespaceLabels: Record<string, string>;
    /** Deployments: roll when the namespace's tag resolves to another revision. */
    podAnnotations: Record<string, string>;
    /** StatefulSets by name: roll only when their mesh.statefulSets entry changes. */
    statefulSetAnnotations: Record<string, Record<string, string>>;
}

export function meshMembership(m: MeshRevisions, namespace: string): MeshMembership {
    return {
        namespaceLabels: { "istio.io/rev": tagOfNamespace(m, namespace) },
        podAnnotations: revisionRolloutAnnotations(revisionOfNamespace(m, namespace)),
        statefulSetAnnotations: Object.fromEntries(
            Object.entries(m.statefulSets)
                .filter(([sts]) => sts.startsWith(`${namespace}/`))
                .map(([sts, revision]) => [sts.slice(namespace.length + 1), revisionRolloutAnnotations(revision)]),
        ),
    };
}
