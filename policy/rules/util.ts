// Small readers for loosely typed objects. Rules read YAML and Pulumi inputs that can hold
// anything, so every accessor checks the shape instead of trusting a cast.
import type { KubeObject, ObjectRef, PulumiResource, Violation } from "./types";

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}
export function obj(v: unknown): Obj {
    return isObj(v) ? v : {};
}
export function arr(v: unknown): unknown[] {
    return Array.isArray(v) ? v : [];
}
export function objs(v: unknown): Obj[] {
    return arr(v).filter(isObj);
}
export function str(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}
export function strs(v: unknown): string[] {
    return arr(v).filter((x): x is string => typeof x === "string");
}
/** Own-property presence without reading the value (so Pulumi's unknown-checking proxy does not throw). */
export function has(o: unknown, key: string): boolean {
    return isObj(o) && Object.prototype.hasOwnProperty.call(o, key);
}
export function nonEmpty(v: unknown): boolean {
    if (Array.isArray(v)) return v.length > 0;
    if (isObj(v)) return Object.keys(v).length > 0;
    return v !== undefined && v !== null && v !== "";
}

// ---- Kubernetes object identity ----

const CLUSTER_SCOPED = new Set([
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "StorageClass", "PriorityClass", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    "APIService", "IngressClass", "RuntimeClass", "CSIDriver", "VolumeAttachment",
]);

export function group(o: KubeObject): string {
    const av = o.apiVersion ?? "";
    const i = av.indexOf("/");
    return i < 0 ? "" : av.slice(0, i);
}
export function nameOf(o: KubeObject): string {
    return str(o.metadata?.name) ?? "";
}
/** The namespace an object lives in; kubectl's "default" when a namespaced object names none. */
export function namespaceOf(o: KubeObject): string {
    if (CLUSTER_SCOPED.has(o.kind ?? "")) return o.kind === "Namespace" ? nameOf(o) : "";
    return str(o.metadata?.namespace) || "default";
}
export function labelsOf(o: KubeObject): Record<string, string> {
    return o.metadata?.labels && isObj(o.metadata.labels) ? o.metadata.labels : {};
}
export function refOf(subject: KubeObject | PulumiResource): ObjectRef {
    if (isPulumiResource(subject)) return { apiVersion: "", kind: subject.type, namespace: "", name: subject.name };
    return { apiVersion: subject.apiVersion ?? "", kind: subject.kind ?? "", namespace: namespaceOf(subject), name: nameOf(subject) };
}
export function isPulumiResource(v: KubeObject | PulumiResource): v is PulumiResource {
    return typeof (v as PulumiResource).type === "string" && isObj((v as PulumiResource).props);
}
export function violation(subject: KubeObject | PulumiResource, message: string, container?: string): Violation {
    return container === undefined ? { subject, message } : { subject, message, container };
}

// ---- Istio API groups and versions ----

/** Versions Istio serves for each kind we check (v1 since 1.22; older ones still served). */
const ISTIO_VERSIONS: Record<string, { group: string; versions: readonly string[] }> = {
    PeerAuthentication: { group: "security.istio.io", versions: ["v1", "v1beta1"] },
    AuthorizationPolicy: { group: "security.istio.io", versions: ["v1", "v1beta1"] },
    RequestAuthentication: { group: "security.istio.io", versions: ["v1", "v1beta1"] },
    VirtualService: { group: "networking.istio.io", versions: ["v1", "v1beta1", "v1alpha3"] },
    DestinationRule: { group: "networking.istio.io", versions: ["v1", "v1beta1", "v1alpha3"] },
    Gateway: { group: "networking.istio.io", versions: ["v1", "v1beta1", "v1alpha3"] },
    ServiceEntry: { group: "networking.istio.io", versions: ["v1", "v1beta1", "v1alpha3"] },
    Sidecar: { group: "networking.istio.io", versions: ["v1", "v1beta1", "v1alpha3"] },
};

/** Each kind's served apiVersions, as one set (a rule asks for every object it sees). */
const ISTIO_API_VERSIONS = new Map(Object.entries(ISTIO_VERSIONS).map(([kind, { group: g, versions }]) => [kind, new Set(versions.map((v) => `${g}/${v}`))]));

/** True for an Istio object of `kind` in any version Istio serves (not e.g. Gateway API's Gateway). */
export function isIstio(o: KubeObject, kind: string): boolean {
    return o.kind === kind && ISTIO_API_VERSIONS.get(kind)?.has(o.apiVersion ?? "") === true;
}
export function isIstioGroup(o: KubeObject): boolean {
    const g = group(o);
    return g.endsWith(".istio.io");
}

// ---- Workloads and pod templates ----

export const WORKLOAD_KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "ReplicationController"] as const;

export interface PodTemplate {
    /** Labels and annotations of the pod (template metadata, or the Pod's own). */
    meta: { labels: Record<string, string>; annotations: Record<string, string> };
    spec: Obj;
}

/** podTemplateOf's answer per object: a dozen rules ask for each workload. */
const templates = new WeakMap<KubeObject, PodTemplate | null>();

/** The pod spec a workload runs, wherever the kind keeps it (CronJob nests it two levels deep). */
export function podTemplateOf(o: KubeObject): PodTemplate | undefined {
    let t = templates.get(o);
    if (t === undefined) templates.set(o, (t = readPodTemplate(o) ?? null));
    return t ?? undefined;
}

function readPodTemplate(o: KubeObject): PodTemplate | undefined {
    let meta: unknown;
    let spec: unknown;
    switch (o.kind) {
        case "Pod":
            meta = o.metadata;
            spec = o.spec;
            break;
        case "CronJob": {
            const t = obj(obj(obj(obj(o.spec).jobTemplate).spec).template);
            meta = t.metadata;
            spec = t.spec;
            break;
        }
        case "Deployment": case "StatefulSet": case "DaemonSet": case "Job": case "ReplicaSet": case "ReplicationController": {
            const t = obj(obj(o.spec).template);
            meta = t.metadata;
            spec = t.spec;
            break;
        }
        default:
            return undefined;
    }
    if (!isObj(spec)) return undefined;
    const m = obj(meta);
    return { meta: { labels: strMap(m.labels), annotations: strMap(m.annotations) }, spec };
}

function strMap(v: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(obj(v))) if (typeof val === "string") out[k] = val;
    return out;
}

export type ContainerRole = "app" | "init" | "sidecar" | "ephemeral";

export interface ContainerView {
    c: Obj;
    name: string;
    role: ContainerRole;
    /** Istio's injected proxy or its init/validation container. */
    istio: "proxy" | "init" | "validation" | undefined;
}

/**
 * An image reference as Docker resolves it: a first component without `.` or `:` (and not
 * localhost) is a Docker Hub path, so `istio/proxyv2:1.30.4` is `docker.io/istio/proxyv2:1.30.4`.
 */
export function normalizeImage(image: string): string {
    const slash = image.indexOf("/");
    if (slash < 0) return `docker.io/library/${image}`;
    const first = image.slice(0, slash);
    if (first === "index.docker.io") return `docker.io${image.slice(slash)}`;
    return /[.:]/.test(first) || first === "localhost" ? image : `docker.io/${image}`;
}

/**
 * Whether an image is Istio's proxy image from one of the configured hubs. The injector writes
 * `<hub>/proxyv2:<tag>[-distroless]` (istio/istio pkg/kube/inject/inject.go, imageURL); a digest
 * is accepted too. Any other registry's `proxyv2` is an ordinary image.
 */
export function isIstioProxyImage(image: string, hubs: readonly string[]): boolean {
    const ref = normalizeImage(image);
    return hubs.some((hub) => {
        const prefix = normalizeImage(`${hub.replace(/\/+$/, "")}/proxyv2`);
        return ref.startsWith(prefix) && /^(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/.test(ref.slice(prefix.length)) && ref.length > prefix.length;
    });
}

/**
 * Istio's own containers, where its injection template puts them (istio/istio
 * manifests/charts/istio-control/istio-discovery/files/injection-template.yaml): istio-init, or
 * istio-validation with the CNI, as a plain init container; istio-proxy as an app container, or a
 * native sidecar (an init container with restartPolicy: Always). Each runs the hub's proxyv2 as
 * the template writes it: no `command` (the image's pilot-agent entrypoint), and `args` starting
 * with `istio-iptables` for the init containers, `proxy` for the proxy (the gateway chart's
 * pre-injection istio-proxy has none). Only the proxy may say `image: auto`, which the gateway
 * injection template replaces. A container that borrows a name in another position, another
 * registry's proxyv2, or proxyv2 running another command gets no exemption.
 */
function istioRole(c: Obj, role: ContainerRole, hubs: readonly string[]): ContainerView["istio"] {
    const name = str(c.name);
    // Name and position first: the image is read only for Istio's names, so an image unknown during preview stops nothing else.
    const kind = name === "istio-proxy" && (role === "app" || role === "sidecar") ? "proxy"
        : role === "init" && name === "istio-init" ? "init"
            : role === "init" && name === "istio-validation" ? "validation" : undefined;
    if (!kind || !runsAsInjected(c, kind)) return undefined;
    const image = str(c.image) ?? "";
    return isIstioProxyImage(image, hubs) || (kind === "proxy" && image === "auto") ? kind : undefined;
}

/** The command line the injection template writes: pilot-agent's subcommand, never a `command` of its own. */
function runsAsInjected(c: Obj, kind: "proxy" | "init" | "validation"): boolean {
    if (has(c, "command")) return false;
    if (kind !== "proxy") return arr(c.args)[0] === "istio-iptables";
    return !has(c, "args") || arr(c.args)[0] === "proxy";
}

/** containersOf's answer per pod spec and hub list: a dozen rules ask for each workload's. */
const containerViews = new WeakMap<Obj, { hubs: readonly string[]; views: ContainerView[] }>();

/** Every container of a pod spec with its position; `istioHubs` (ResolvedConfig.istioHubs) decides which are Istio's own. */
export function containersOf(spec: Obj, istioHubs: readonly string[]): ContainerView[] {
    const cached = containerViews.get(spec);
    if (cached?.hubs === istioHubs) return cached.views;
    const views = readContainers(spec, istioHubs);
    containerViews.set(spec, { hubs: istioHubs, views });
    return views;
}

function readContainers(spec: Obj, istioHubs: readonly string[]): ContainerView[] {
    const out: ContainerView[] = [];
    for (const c of objs(spec.initContainers)) {
        // Native sidecars (Kubernetes 1.29+) are init containers that keep running.
        const role: ContainerRole = c.restartPolicy === "Always" ? "sidecar" : "init";
        out.push({ c, name: str(c.name) ?? "", role, istio: istioRole(c, role, istioHubs) });
    }
    for (const c of objs(spec.containers)) out.push({ c, name: str(c.name) ?? "", role: "app", istio: istioRole(c, "app", istioHubs) });
    for (const c of objs(spec.ephemeralContainers)) out.push({ c, name: str(c.name) ?? "", role: "ephemeral", istio: undefined });
    return out;
}

/** Container-level securityContext field, falling back to the pod's where Kubernetes inherits it. */
export function effectiveSecurity(spec: Obj, c: Obj, field: "runAsUser" | "runAsGroup" | "runAsNonRoot" | "seccompProfile"): unknown {
    const own = obj(c.securityContext);
    if (has(own, field)) return own[field];
    return obj(spec.securityContext)[field];
}

// ---- Label selectors ----

export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
    const s = obj(selector);
    const ml = obj(s.matchLabels);
    const exprs = objs(s.matchExpressions);
    if (Object.keys(ml).length === 0 && exprs.length === 0) return false; // empty PDB selector matches nothing useful
    for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
    for (const e of exprs) {
        const key = str(e.key) ?? "";
        const values = strs(e.values);
        const present = Object.prototype.hasOwnProperty.call(labels, key);
        switch (e.operator) {
            case "In": if (!present || !values.includes(labels[key] as string)) return false; break;
            case "NotIn": if (present && values.includes(labels[key] as string)) return false; break;
            case "Exists": if (!present) return false; break;
            case "DoesNotExist": if (present) return false; break;
            default: return false;
        }
    }
    return true;
}

// ---- Hosts ----

/** Istio's short-name resolution: only dot-less names get `<ns>.svc.cluster.local` appended. */
export function fqdn(host: string, namespace: string): string {
    if (host === "*" || host.includes(".")) return host;
    return `${host}.${namespace}.svc.cluster.local`;
}

export function isWildcardHost(host: string): boolean {
    return host === "*" || host.startsWith("*.") || host.startsWith("*");
}

/** Does a Gateway server host (optionally `ns/host`) admit a VirtualService host? */
export function hostAdmits(serverHost: string, vsHost: string): boolean {
    if (serverHost === "*") return true;
    if (serverHost.startsWith("*")) return vsHost.endsWith(serverHost.slice(1)) || vsHost === serverHost;
    return serverHost.toLowerCase() === vsHost.toLowerCase();
}
