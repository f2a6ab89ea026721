// What a config step does to a stack, read from the diff of two offline renders
// (scripts/lib/diff.ts): which pods restart, which nodes are replaced, and which objects change.
import { MeshRevisions, revisionOfNamespace, tagOfNamespace } from "../../../components/mesh/revisions";
import type { DiffReport, ObjectChange, ResourceChange } from "../diff";

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);
const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
/** Charts whose Helm release runs no pods of its own (base: CRDs and webhooks). */
const PODLESS_CHARTS = new Set(["base"]);

export interface StepEffects {
    /**
     * `Deployment dodo-payments/frontend`, `Helm release istio-ingressgateway`: pods that roll; and
     * `nodes of NodeGroup cluster-general replaced (releaseVersion)`: a node image change drains and
     * replaces every node, so every pod on them restarts.
     */
    restarts: string[];
    /** Everything else that changes, one line each. */
    changes: string[];
}

function workloadRestart(o: ObjectChange): string | undefined {
    if (!WORKLOAD_KINDS.has(o.kind)) return undefined;
    return o.fields.some((f) => f.path.startsWith("spec.template")) ? `${o.kind} ${o.namespace}/${o.name}` : undefined;
}

/**
 * Chart values no pod template reads: istiod's global.operatorManageWebhooks only decides whether
 * its injector webhook is rendered (istio-discovery 1.30.4 templates/mutatingwebhook.yaml and
 * revision-tags-mwc.yaml; components/mesh/control-planes.ts withoutOwnInjector).
 */
const POD_NEUTRAL_VALUES: Readonly<Record<string, readonly string[]>> = { istiod: ["props.values.global.operatorManageWebhooks"] };

/** A Helm release rolls its pods when the chart version or its values change (not its repository). */
function releaseRestart(r: ResourceChange, chartOf: (name: string) => string | undefined): string | undefined {
    const chart = chartOf(r.name) ?? "";
    if (r.type !== RELEASE_TYPE || PODLESS_CHARTS.has(chart)) return undefined;
    const neutral = POD_NEUTRAL_VALUES[chart] ?? [];
    return r.fields.some((f) => f.path === "props.version" || (f.path.startsWith("props.values") && !neutral.includes(f.path))) ? `Helm release ${r.name}` : undefined;
}

const NODE_GROUP_TYPE = "aws:eks/nodeGroup:NodeGroup";
/**
 * Node group fields whose change makes EKS replace every node (a new launch template version:
 * UpdateNodegroupVersion for version/releaseVersion, EKS API reference), and the EC2NodeClass
 * fields whose change Karpenter treats as drift and replaces its nodes for (karpenter.sh docs,
 * "Disruption", drift on amiSelectorTerms).
 */
const NODE_GROUP_IMAGE_FIELDS = ["props.releaseVersion", "props.version", "props.amiType", "props.launchTemplate"];

/** A change that replaces nodes, or undefined. */
export function nodeReplacement(r: ResourceChange): string | undefined {
    if (r.type !== NODE_GROUP_TYPE) return undefined;
    const fields = r.fields.filter((f) => NODE_GROUP_IMAGE_FIELDS.some((p) => f.path === p || f.path.startsWith(`${p}.`)));
    return fields.length > 0 ? `nodes of NodeGroup ${r.name} replaced (${fields.map((f) => `${f.path.replace(/^props\./, "")} ${JSON.stringify(f.before)} -> ${JSON.stringify(f.after)}`).join(", ")})` : undefined;
}

function nodeClassDrift(o: ObjectChange): string | undefined {
    if (o.kind !== "EC2NodeClass") return undefined;
    return o.fields.some((f) => f.path.startsWith("spec.amiSelectorTerms")) ? `nodes of EC2NodeClass ${o.name} replaced by Karpenter (drift: spec.amiSelectorTerms)` : undefined;
}

/** dependsOn orders operations; a change of it alone updates nothing, so it is left out. */
function withoutOrdering(r: ResourceChange): ResourceChange {
    return { ...r, fields: r.fields.filter((f) => !/^dependsOn\[/.test(f.path)) };
}

export function stepEffects(full: DiffReport, chartOf: (resourceName: string) => string | undefined): StepEffects {
    const report = { ...full, resources: { ...full.resources, changed: full.resources.changed.map(withoutOrdering).filter((r) => r.fields.length > 0) } };
    const restarts = [
        ...report.objects.changed.map(workloadRestart),
        ...report.resources.changed.map((r) => releaseRestart(r, chartOf)),
        ...report.resources.changed.map(nodeReplacement),
        ...report.objects.changed.map(nodeClassDrift),
    ].filter((x): x is string => x !== undefined);
    const changes = [
        ...report.resources.added.map((r) => `+ ${r.type === RELEASE_TYPE ? "Helm release" : r.type} ${r.name}`),
        ...report.resources.removed.map((r) => `- ${r.type === RELEASE_TYPE ? "Helm release" : r.type} ${r.name}`),
        ...report.resources.changed.map((r) => `~ ${r.type === RELEASE_TYPE ? "Helm release" : r.type} ${r.name}: ${r.fields.map((f) => f.path.replace(/^props\./, "")).join(", ")}`),
        ...report.objects.added.map((o) => `+ ${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`),
        ...report.objects.removed.map((o) => `- ${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`),
        ...report.objects.changed.map((o) => `~ ${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}: ${o.fields.map((f) => f.path).join(", ")}`),
    ];
    return { restarts: restarts.sort(), changes };
}

/** A workload whose pods a namespace's injector creates. */
export interface PodOwner {
    kind: string;
    namespace: string;
    name: string;
}

/**
 * Pods whose injector changes in a step that does not restart them. Injection happens only when a
 * pod is created (Istio's sidecar injector is a mutating webhook on pod CREATE), so a running pod
 * keeps its proxy and control plane until it is recreated: by a node drain or node image change,
 * an eviction or a delete, at a moment nobody chose. One line each, saying how to move it now.
 */
export function movesOnRecreate(prev: MeshRevisions, next: MeshRevisions, meshedNamespaces: readonly string[], owners: readonly PodOwner[], restarts: readonly string[]): string[] {
    return owners
        .filter((o) => WORKLOAD_KINDS.has(o.kind) && meshedNamespaces.includes(o.namespace))
        .filter((o) => revisionOfNamespace(prev, o.namespace) !== revisionOfNamespace(next, o.namespace) && !restarts.includes(`${o.kind} ${o.namespace}/${o.name}`))
        .map((o) => {
            const sts = `${o.namespace}/${o.name}`;
            const how = o.kind === "StatefulSet" && sts in next.statefulSets
                ? `its own step (mesh.statefulSets["${sts}"]) restarts it`
                : `kubectl -n ${o.namespace} rollout restart ${o.kind.toLowerCase()}/${o.name}`;
            return `${o.kind} ${sts}: new pods get ${revisionOfNamespace(next, o.namespace)} (tag ${tagOfNamespace(next, o.namespace)}); running pods stay on ${revisionOfNamespace(prev, o.namespace)} until recreated (node drain or image change, eviction, delete); to move it now: ${how}`;
        })
        .sort();
}
