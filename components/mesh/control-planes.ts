// Which istiod releases and base chart a stack runs, from its revisions (components/mesh/revisions.ts).
import { DEFAULT_REVISION, MeshRevisions, releaseOfRevision } from "./revisions";
import { ISTIO_ROOT_NAMESPACE } from "./topology";

/** One istiod control plane the stack runs. */
export interface ControlPlane {
    /** `default` for the unrevisioned istiod. */
    revision: string;
    /** Istio release (chart version and image tag), from the revision's name. */
    version: string;
}

/** Helm release name of an istiod: `istiod`, or `istiod-<revision>` (the chart names its objects alike). */
export function istiodReleaseName(revision: string): string {
    return revision === DEFAULT_REVISION ? "istiod" : `istiod-${revision}`;
}

/** The istiod chart's `revision` value: empty for the unrevisioned istiod. */
export function chartRevision(revision: string): string {
    return revision === DEFAULT_REVISION ? "" : revision;
}

/** One control plane per installed revision, each at its own release, so adding one never touches another. */
export function controlPlanes(m: Pick<MeshRevisions, "revisions">): ControlPlane[] {
    return m.revisions.map((revision) => ({ revision, version: releaseOfRevision(revision) }));
}

/**
 * The base chart's release (it carries the CRDs): mesh.base.revision's. Istio's Helm canary guide
 * upgrades base before installing the canary istiod, and removing the canary leaves it there:
 * older CRDs would prune fields objects may already use (an AuthorizationPolicy's new
 * notTrustDomains, say), so CRDs go back only by undoing their own step, on purpose.
 */
export function baseChartVersion(m: Pick<MeshRevisions, "baseRevision">): string {
    return releaseOfRevision(m.baseRevision);
}

/**
 * Whether a control plane's own injector webhook must go: the unrevisioned istiod once another
 * revision is the default. Its chart's `istio-sidecar-injector` injects `istio-injection=enabled`
 * namespaces, `sidecar.istio.io/inject=true` pods and `istio.io/rev=default` (istio-discovery
 * templates/mutatingwebhook.yaml, revision ""), exactly what the `default` tag now sends to the new
 * revision: left in place, both control planes would inject the same pods. Istio: "When using the
 * default tag alongside an existing non-revisioned Istio installation it is recommended to remove
 * the old MutatingWebhookConfiguration (typically called istio-sidecar-injector) to avoid having
 * both the older and newer control planes attempt injection" (istio.io/latest/docs/setup/upgrade/
 * canary, "Default tag"). A named revision's own webhook selects only istio.io/rev=<revision>.
 */
export function injectorRetired(revision: string, defaultRevision: string): boolean {
    return revision === DEFAULT_REVISION && defaultRevision !== DEFAULT_REVISION;
}

/**
 * An istiod's chart values with its own injector webhook removed: `global.operatorManageWebhooks`
 * is read only by templates/mutatingwebhook.yaml and revision-tags-mwc.yaml (istio-discovery
 * 1.30.4), so istiod's pods do not roll; its webhook patcher skips a configuration that is gone
 * (pkg/webhooks/webhookpatch.go: errNotFound is not retried).
 */
export function withoutOwnInjector(values: Record<string, unknown>): Record<string, unknown> {
    return { ...values, global: { ...((values.global as Record<string, unknown>) ?? {}), operatorManageWebhooks: true } };
}

/**
 * The base chart installs the CRDs and the `istiod-default-validator` webhook, which validates Istio
 * config for the revision named here (mesh.defaultRevision, flipped last in an upgrade).
 */
export function baseValues(defaultRevision: string): Record<string, unknown> {
    return {
        defaultRevision,
        global: { istioNamespace: ISTIO_ROOT_NAMESPACE },
    };
}
