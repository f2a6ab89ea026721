// Istio control planes as the stack's config describes them: the installed revisions, the revision
// tags namespaces point at, the gateway's and the default revision, and the explicitly moved
// StatefulSets. Pure: config validation, the Mesh component and `npm run upgrade:plan` share it.
// Istio's model: istio.io/latest/docs/setup/upgrade/canary ("Stable revision labels"), and
// istio.io/latest/docs/setup/upgrade/helm (the base chart's defaultRevision flipped last).
import { ISTIO_RELEASES, UNREVISIONED_ISTIO_VERSION } from "../versions";

/** Istio's name for the control plane installed without a revision (its objects carry istio.io/rev=default). */
export const DEFAULT_REVISION = "default";
/** The tag every namespace follows unless mesh.namespaces moves it. */
export const STABLE_TAG = "prod-stable";
/** The tag namespaces move to, one at a time, during an upgrade. */
export const CANARY_TAG = "prod-canary";
export const REVISION_TAGS = [STABLE_TAG, CANARY_TAG] as const;
export type RevisionTag = (typeof REVISION_TAGS)[number];

export interface MeshRevisions {
    /** Installed istiod control planes: `1-31-4` runs Istio 1.31.4; `default` is the unrevisioned istiod. */
    revisions: string[];
    /** Revision tags: prod-stable always, prod-canary during an upgrade. */
    tags: { [STABLE_TAG]: string; [CANARY_TAG]?: string };
    /** Namespaces that follow another tag than prod-stable (steps 3-4 of an upgrade). */
    namespaces: Record<string, RevisionTag>;
    /** The revision whose injector the ingress gateway's pods come from. */
    gatewayRevision: string;
    /** The revision whose release the base chart (the CRDs, the default validator) runs. */
    baseRevision: string;
    /** The base chart's defaultRevision: the default validator and the `default` tag. */
    defaultRevision: string;
    /** Meshed StatefulSets (`<namespace>/<name>`) and the revision they were last moved to. */
    statefulSets: Record<string, string>;
}

/** What the stack renders that the mesh must account for (from the other sections' config). */
export interface MeshedWorkloads {
    /** Workload namespaces in the mesh (the ingress namespace is the gateway's). */
    namespaces: readonly string[];
    /** Meshed StatefulSets as `<namespace>/<name>`. */
    statefulSets: readonly string[];
}

export interface RevisionProblem {
    /** The key (path inside the project namespace) the message is about. */
    key: string;
    message: string;
}

const REVISION_NAME = /^(\d+)-(\d+)-(\d+)$/;

/** `1-31-4` -> `1.31.4`; `default` -> the release the unrevisioned istiod runs. */
export function releaseOfRevision(revision: string): string {
    if (revision === DEFAULT_REVISION) return UNREVISIONED_ISTIO_VERSION;
    const m = REVISION_NAME.exec(revision);
    if (!m) throw new Error(`revision "${revision}" is not named after an Istio release (e.g. 1-31-4)`);
    return `${m[1]}.${m[2]}.${m[3]}`;
}

/** The revision that runs `release` when it is the only one: the unrevisioned istiod's own release keeps it. */
export function revisionRunning(release: string): string {
    return release === UNREVISIONED_ISTIO_VERSION ? DEFAULT_REVISION : revisionOfRelease(release);
}

/** `1.31.4` -> `1-31-4`: dots are not allowed in a revision (a DNS label). */
export function revisionOfRelease(release: string): string {
    return release.replace(/\./g, "-");
}

function releaseParts(release: string): number[] {
    return release.split("-")[0].split(".").map(Number);
}

/** Compares two releases (`1.30.4`, `1.31.0-rc.1`) by major, minor and patch. */
export function compareReleases(a: string, b: string): number {
    const [x, y] = [releaseParts(a), releaseParts(b)];
    for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
}

/** Orders revisions by release; the unrevisioned istiod predates a named revision of its release. */
export function compareRevisions(a: string, b: string): number {
    return compareReleases(releaseOfRevision(a), releaseOfRevision(b)) || (a === b ? 0 : a === DEFAULT_REVISION ? -1 : b === DEFAULT_REVISION ? 1 : a < b ? -1 : 1);
}

/** The newest installed revision: the base chart (CRDs) runs its release. */
export function newestRevision(m: Pick<MeshRevisions, "revisions">): string {
    return [...m.revisions].sort(compareRevisions)[m.revisions.length - 1];
}

export function tagOfNamespace(m: MeshRevisions, namespace: string): RevisionTag {
    return m.namespaces[namespace] ?? STABLE_TAG;
}

/** The revision whose injector a namespace's new pods get: its tag's revision. */
export function revisionOfNamespace(m: MeshRevisions, namespace: string): string {
    const tag = tagOfNamespace(m, namespace);
    return m.tags[tag] ?? m.tags[STABLE_TAG];
}

/** Why a revision name cannot be installed, or undefined when it can. */
export function revisionNameProblem(revision: string): string | undefined {
    if (revision === DEFAULT_REVISION) return undefined;
    if (!REVISION_NAME.test(revision)) return `"${revision}" is not a revision named after an Istio release (e.g. 1-31-4 for 1.31.4, or "default" for the unrevisioned istiod)`;
    const release = releaseOfRevision(revision);
    if (!(ISTIO_RELEASES as readonly string[]).includes(release)) {
        return `revision ${revision} runs Istio ${release}, which components/versions.ts does not list in ISTIO_RELEASES (${ISTIO_RELEASES.join(", ")}): add it there once its chart values are checked`;
    }
    return undefined;
}

/** Who still uses a revision: one phrase per user, each naming the key that points at it. */
function usersOf(m: MeshRevisions, revision: string, workloads: MeshedWorkloads): string[] {
    const users: string[] = [];
    for (const tag of REVISION_TAGS) {
        if (m.tags[tag] !== revision) continue;
        const namespaces = workloads.namespaces.filter((ns) => tagOfNamespace(m, ns) === tag);
        if (namespaces.length === 0) users.push(`tag ${tag} (mesh.tags.${tag})`);
        else users.push(...namespaces.map((ns) => `namespace ${ns} through mesh.tags.${tag}`));
    }
    if (m.gatewayRevision === revision) users.push("the ingress gateway (mesh.gateway.revision)");
    if (m.defaultRevision === revision) users.push("the default revision (mesh.defaultRevision)");
    for (const [sts, rev] of Object.entries(m.statefulSets)) if (rev === revision) users.push(`StatefulSet ${sts} (mesh.statefulSets)`);
    return users;
}

/**
 * Every way the config breaks the chain of an upgrade, each naming the key to change. A step is
 * one config change; these are the ones that would restart or strand workloads out of order.
 */
export function revisionProblems(config: MeshRevisions, workloads: MeshedWorkloads): RevisionProblem[] {
    // An entry for a StatefulSet the stack does not run (dev on RDS) pins nothing.
    const m = { ...config, statefulSets: Object.fromEntries(Object.entries(config.statefulSets).filter(([sts]) => workloads.statefulSets.includes(sts))) };
    const problems: RevisionProblem[] = [];
    const installed = new Set(m.revisions);
    if (m.revisions.length === 0) problems.push({ key: "mesh.revisions", message: "must list at least one revision (e.g. [\"1-31-4\"])" });
    if (installed.size !== m.revisions.length) problems.push({ key: "mesh.revisions", message: `lists a revision twice (${m.revisions.join(", ")})` });
    if (installed.size > 2) problems.push({ key: "mesh.revisions", message: `at most two control planes run at once, the one in use and the one being moved to (got ${m.revisions.join(", ")})` });
    m.revisions.forEach((r, i) => {
        const p = revisionNameProblem(r);
        if (p) problems.push({ key: `mesh.revisions[${i}]`, message: p });
    });

    // A reference to a revision that is not installed: the step removed it too early.
    // (An empty reference is a required key left unset, reported where it is read.)
    const referenced = new Set<string>([...Object.values(m.tags), m.gatewayRevision, m.defaultRevision, ...Object.values(m.statefulSets)].filter((r): r is string => !!r));
    for (const revision of [...referenced].filter((r) => !installed.has(r)).sort()) {
        const users = usersOf(m, revision, workloads);
        problems.push({ key: "mesh.revisions", message: `revision ${revision} is not installed but is still used by ${users.join(", ")}: move them to an installed revision first, or keep ${revision} in mesh.revisions` });
    }

    // CRDs first: never older than an istiod (Istio's Helm guide upgrades base before the canary).
    const newest = m.revisions.length > 0 && m.revisions.every((r) => !revisionNameProblem(r)) ? newestRevision(m) : undefined;
    const baseProblem = m.baseRevision ? revisionNameProblem(m.baseRevision) : undefined;
    if (baseProblem) problems.push({ key: "mesh.base.revision", message: baseProblem });
    else if (newest && m.baseRevision && compareReleases(releaseOfRevision(m.baseRevision), releaseOfRevision(newest)) < 0) {
        problems.push({ key: "mesh.base.revision", message: `the CRDs (${releaseOfRevision(m.baseRevision)}) are older than revision ${newest} (${releaseOfRevision(newest)}): move mesh.base.revision to ${newest} first` });
    }

    for (const [ns, tag] of Object.entries(m.namespaces)) {
        if (!(REVISION_TAGS as readonly string[]).includes(tag)) problems.push({ key: `mesh.namespaces.${ns}`, message: `expected one of ${REVISION_TAGS.join(", ")}, got "${tag}"` });
        else if (m.tags[tag] === undefined) problems.push({ key: `mesh.namespaces.${ns}`, message: `follows tag ${tag}, which mesh.tags does not define: set mesh.tags.${tag} first` });
        if (!workloads.namespaces.includes(ns)) problems.push({ key: `mesh.namespaces.${ns}`, message: `is not a meshed namespace of this stack (${workloads.namespaces.join(", ") || "none"})` });
    }

    for (const sts of workloads.statefulSets) {
        if (m.statefulSets[sts] === undefined) {
            problems.push({
                key: "mesh.statefulSets",
                message: `StatefulSet ${sts} is in the mesh: say which revision its pods run (e.g. mesh.statefulSets["${sts}"] set to ${m.tags[STABLE_TAG]}); it moves only when that entry changes`,
            });
        }
    }

    // The default flips last: only once every namespace and the gateway run on (at least) it.
    const comparable = [...installed].every((r) => !revisionNameProblem(r)) && !!m.tags[STABLE_TAG] && !!m.gatewayRevision;
    if (comparable && installed.has(m.defaultRevision) && [...referenced].every((r) => installed.has(r))) {
        const behind = [
            ...workloads.namespaces.filter((ns) => compareRevisions(revisionOfNamespace(m, ns), m.defaultRevision) < 0).map((ns) => `namespace ${ns} (${revisionOfNamespace(m, ns)})`),
            ...(compareRevisions(m.gatewayRevision, m.defaultRevision) < 0 ? [`the ingress gateway (${m.gatewayRevision})`] : []),
        ];
        if (behind.length > 0) {
            problems.push({ key: "mesh.defaultRevision", message: `${m.defaultRevision} cannot be the default before everything has moved to it: ${behind.join(", ")} still run an older revision` });
        }
    }
    return problems;
}
