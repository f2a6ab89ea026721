// Capabilities.APIVersions for each Release's `helm template`: what the cluster will serve when
// the Release installs. Against a cluster, helm lists every served group/version and, for each
// resource, group/version/Kind (helm.sh/helm/v4 pkg/action/action.go GetVersionSet), and
// `.Capabilities.APIVersions.Has` is an exact match (pkg/chart/common/capabilities.go). Offline,
// helm knows only group/versions of its client-go scheme (DefaultVersionSet, no Kinds, and removed
// betas such as policy/v1beta1), and `--api-versions` adds to that set (pkg/cmd/template.go). So a
// template gated on "policy/v1/PodDisruptionBudget" or "monitoring.coreos.com/v1/ServiceMonitor"
// would render its fallback, or nothing, unless the check passes what the cluster serves. Pure.
import type { KubeObject } from "../../../policy/rules/types";
import { RELEASE_TYPE, type ChartRelease } from "./releases";

/**
 * Built-in GA APIs (group/version: kinds) that charts gate on, served by every Kubernetes version
 * the platform supports (1.34 and later: VolumeAttributesClass and resource.k8s.io/v1 went GA in
 * 1.34; nothing here is removed by 1.36). The check raises no API removed since.
 */
export const BUILTIN_APIS: Readonly<Record<string, readonly string[]>> = {
    v1: ["ConfigMap", "Endpoints", "Namespace", "PersistentVolume", "PersistentVolumeClaim", "Pod", "Secret", "Service", "ServiceAccount"],
    "admissionregistration.k8s.io/v1": ["MutatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ValidatingWebhookConfiguration"],
    "apiextensions.k8s.io/v1": ["CustomResourceDefinition"],
    "apps/v1": ["DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"],
    "autoscaling/v2": ["HorizontalPodAutoscaler"],
    "batch/v1": ["CronJob", "Job"],
    "coordination.k8s.io/v1": ["Lease"],
    "discovery.k8s.io/v1": ["EndpointSlice"],
    "flowcontrol.apiserver.k8s.io/v1": ["FlowSchema", "PriorityLevelConfiguration"],
    "networking.k8s.io/v1": ["Ingress", "IngressClass", "NetworkPolicy"],
    "node.k8s.io/v1": ["RuntimeClass"],
    "policy/v1": ["PodDisruptionBudget"],
    "rbac.authorization.k8s.io/v1": ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
    "resource.k8s.io/v1": ["DeviceClass", "ResourceClaim", "ResourceClaimTemplate", "ResourceSlice"],
    "scheduling.k8s.io/v1": ["PriorityClass"],
    "storage.k8s.io/v1": ["CSIDriver", "StorageClass", "VolumeAttachment", "VolumeAttributesClass"],
};
/** The oldest Kubernetes minor BUILTIN_APIS was checked against; a test holds components/versions.ts to it. */
export const BUILTIN_APIS_FROM = "1.34";

const entries = (gv: string, kinds: Iterable<string>): string[] => [gv, ...[...kinds].map((k) => `${gv}/${k}`)];

/** The built-in APIs as helm's VersionSet spells them: group/version and group/version/Kind. */
export function builtinApiVersions(): string[] {
    return Object.entries(BUILTIN_APIS).flatMap(([gv, kinds]) => entries(gv, kinds));
}

/** What the served versions of each CustomResourceDefinition among `objects` add. */
export function crdApiVersions(objects: readonly KubeObject[]): string[] {
    return objects
        .filter((o) => o.kind === "CustomResourceDefinition" && o.apiVersion?.startsWith("apiextensions.k8s.io/"))
        .flatMap((o) => {
            const spec = (o.spec ?? {}) as { group?: unknown; names?: { kind?: unknown }; versions?: { name?: unknown; served?: unknown }[] };
            if (typeof spec.group !== "string" || typeof spec.names?.kind !== "string") return [];
            const kind = spec.names.kind;
            return (spec.versions ?? []).filter((v) => v.served !== false && typeof v.name === "string").flatMap((v) => entries(`${spec.group}/${v.name as string}`, [kind]));
        });
}

/** The custom APIs the program itself creates objects of (the cluster must serve them), with their kinds. */
export function programApiVersions(manifests: readonly KubeObject[]): string[] {
    return manifests.filter((m) => m.apiVersion?.includes(".") && m.apiVersion.includes("/") && typeof m.kind === "string").flatMap((m) => entries(m.apiVersion as string, [m.kind as string]));
}

/** A synth resource as far as ordering needs it (resources.json records dependsOn as `type::name`). */
export interface OrderedResource {
    type: string;
    name: string;
    dependsOn?: readonly string[];
}

const refOf = (r: { type: string; name: string }): string => `${r.type}::${r.name}`;

/**
 * For each Release (by Pulumi resource name), the Releases installed before it: those it depends
 * on, directly or through other resources. Pulumi orders nothing else, so a Release outside that
 * chain may install later and its CRDs cannot be counted on.
 */
export function releasesInstalledBefore(releases: readonly ChartRelease[], resources: readonly OrderedResource[]): Map<string, string[]> {
    const deps = new Map(resources.map((r) => [refOf(r), r.dependsOn ?? []]));
    const names = new Set(releases.map((r) => r.resource));
    const out = new Map<string, string[]>();
    for (const release of releases) {
        const seen = new Set<string>();
        const stack = [...(deps.get(refOf({ type: RELEASE_TYPE, name: release.resource })) ?? [])];
        while (stack.length > 0) {
            const ref = stack.pop() as string;
            if (seen.has(ref)) continue;
            seen.add(ref);
            stack.push(...(deps.get(ref) ?? []));
        }
        out.set(release.resource, [...seen].filter((ref) => ref.startsWith(`${RELEASE_TYPE}::`)).map((ref) => ref.slice(RELEASE_TYPE.length + 2)).filter((n) => names.has(n)).sort());
    }
    return out;
}

/** Releases in an order where each comes after those installed before it (ties keep the synth's order). */
export function installOrder(releases: readonly ChartRelease[], before: ReadonlyMap<string, readonly string[]>): ChartRelease[] {
    const done = new Set<string>();
    const out: ChartRelease[] = [];
    while (out.length < releases.length) {
        const next = releases.find((r) => !done.has(r.resource) && (before.get(r.resource) ?? []).every((d) => done.has(d)));
        if (!next) throw new Error(`Releases depend on each other in a cycle: ${releases.filter((r) => !done.has(r.resource)).map((r) => r.resource).join(", ")}`);
        done.add(next.resource);
        out.push(next);
    }
    return out;
}

/** Capabilities.APIVersions for one Release: built-ins, the program's own APIs and CRDs, and the CRDs of the Releases installed before it. */
export function apiVersionsFor(manifests: readonly KubeObject[], installedBefore: readonly (readonly KubeObject[])[]): string[] {
    return [...new Set([...builtinApiVersions(), ...programApiVersions(manifests), ...crdApiVersions(manifests), ...installedBefore.flatMap((objects) => crdApiVersions(objects))])].sort();
}

