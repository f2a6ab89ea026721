// Names the mesh gives the rest of the platform: namespaces, the ingress gateway's identity and
// the label that puts a namespace in the mesh. Components use these instead of literals.

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
 * The label that enrols a namespace in the mesh. With a revision (canary upgrades of Istio) it is
 * `istio.io/rev=<revision>`; Istio ignores `istio.io/rev` when `istio-injection` is present, so
 * exactly one of the two is set.
 */
export function injectionLabels(revision?: string): Record<string, string> {
    return revision ? { "istio.io/rev": revision } : { "istio-injection": "enabled" };
}

/**
 * Pod-template annotation naming the revision whose sidecar a workload runs. Putting it on a
 * Deployment's pod template makes a change of `mesh.revision` change the template, so the same
 * `pulumi up` that relabels the namespace also rolls the pods onto the new control plane.
 */
export function revisionRolloutAnnotations(revision?: string): Record<string, string> {
    return { "dodo.dev/istio-revision": revision ?? "default" };
}
