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
 * The base chart installs the CRDs and the `istiod-default-validator` webhook, which validates Istio
 * config for the revision named here (mesh.defaultRevision, flipped last in an upgrade).
 */
export function baseValues(defaultRevision: string): Record<string, unknown> {
    return {
        defaultRevision,
        global: { istioNamespace: ISTIO_ROOT_NAMESPACE },
    };
}
