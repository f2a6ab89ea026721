// The platform's resource footprint: the CPU and memory every workload it installs asks for, per
// stack, so a reader sees what a cluster must hold before anything else runs on it. Counted from
// the render alone: Deployments, StatefulSets and DaemonSets the program creates (with the Istio
// sidecar each injected pod gets), the values given to each Helm chart the platform knows, and the
// EKS managed add-ons at their published default requests (estimates: AWS sizes them). Then what
// the node groups can hold: allocatable CPU, memory and pods per instance type, as EKS computes them.
import { KubeObject } from "../../components/k8s";
import { RegisteredResource } from "./mock-engine";
import { Render } from "./render";

export interface Quantity {
    /** CPU in millicores. */
    cpu: number;
    /** Memory in bytes. */
    memory: number;
}

export interface FootprintItem {
    /** What runs, e.g. `payments backend-v1` or `kube-prometheus-stack: prometheus`. */
    component: string;
    namespace: string;
    /** Where the numbers come from: an object the program creates, a chart's values, or an EKS add-on's defaults. */
    source: "manifest" | "helm" | "eks-addon";
    kind: "Deployment" | "StatefulSet" | "DaemonSet";
    /** Replicas (the HPA's minimum when one scales it), or nodes for a DaemonSet. */
    pods: number;
    /** Per pod, containers plus the Istio sidecar when injected. */
    perPod: { requests: Quantity; limits: Quantity };
    /** Containers of the pod without a CPU or memory limit. */
    unlimited: { cpu: number; memory: number };
    /** The Istio sidecar's share of perPod (injected pods only). */
    sidecar?: { requests: Quantity; limits: Quantity };
    /** The numbers are the add-on's published defaults, not values this program sets. */
    estimate?: boolean;
}

export interface NotCounted {
    what: string;
    namespace: string;
    reason: string;
}

export interface FootprintReport {
    stack: string;
    /** Nodes DaemonSets run on: the node groups' desired sizes. */
    nodes: number;
    /** Instance types of the node groups, for a reader comparing the totals with what the nodes hold. */
    instanceTypes: string[];
    items: FootprintItem[];
    notCounted: NotCounted[];
    total: { requests: Quantity; limits: Quantity; pods: number };
    byNamespace: { namespace: string; requests: Quantity; pods: number }[];
    /** What the nodes can hold, for the smallest configured instance type (undefined: a type not in NODE_TYPES). */
    capacity?: NodeCapacity;
}

export interface NodeCapacity {
    /** The instance type with the least allocatable CPU, memory or pods (each taken at its minimum). */
    instanceType: string;
    perNode: Allocatable;
    nodes: number;
    total: Allocatable;
    /** Requests and pods within total. */
    fits: boolean;
    /** The pod with the largest requests fits on one node. */
    largestPodFits: boolean;
}

// ---------------------------------------------------------------- quantities

const MEMORY_SUFFIX: Record<string, number> = {
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
};

/** Kubernetes CPU quantity ("250m", "1", "0.5", 2) in millicores. */
export function parseCpu(value: unknown): number {
    if (value === undefined || value === null || value === "") return 0;
    const s = String(value).trim();
    const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(s);
    if (!m) throw new Error(`not a CPU quantity: ${JSON.stringify(value)}`);
    return m[2] === "m" ? Number(m[1]) : Math.round(Number(m[1]) * 1000);
}

/** Kubernetes memory quantity ("128Mi", "1Gi", "512M", 1073741824) in bytes. */
export function parseMemory(value: unknown): number {
    if (value === undefined || value === null || value === "") return 0;
    const s = String(value).trim();
    const m = /^(\d+(?:\.\d+)?)(?:e(\d+))?(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(s);
    if (!m) throw new Error(`not a memory quantity: ${JSON.stringify(value)}`);
    return Math.round(Number(m[1]) * (m[2] ? 10 ** Number(m[2]) : 1) * MEMORY_SUFFIX[m[3] ?? ""]);
}

const ZERO: Quantity = { cpu: 0, memory: 0 };

function add(a: Quantity, b: Quantity): Quantity {
    return { cpu: a.cpu + b.cpu, memory: a.memory + b.memory };
}

function times(a: Quantity, n: number): Quantity {
    return { cpu: a.cpu * n, memory: a.memory * n };
}

function max(a: Quantity, b: Quantity): Quantity {
    return { cpu: Math.max(a.cpu, b.cpu), memory: Math.max(a.memory, b.memory) };
}

interface ResourceSpec {
    requests?: { cpu?: unknown; memory?: unknown };
    limits?: { cpu?: unknown; memory?: unknown };
}

interface ContainerFootprint {
    requests: Quantity;
    limits: Quantity;
    unlimited: { cpu: number; memory: number };
}

function container(resources: unknown): ContainerFootprint {
    const r = (resources ?? {}) as ResourceSpec;
    // Kubernetes defaults a missing request to the limit.
    const limits = { cpu: parseCpu(r.limits?.cpu), memory: parseMemory(r.limits?.memory) };
    const requests = {
        cpu: r.requests?.cpu !== undefined ? parseCpu(r.requests.cpu) : limits.cpu,
        memory: r.requests?.memory !== undefined ? parseMemory(r.requests.memory) : limits.memory,
    };
    return { requests, limits, unlimited: { cpu: limits.cpu === 0 ? 1 : 0, memory: limits.memory === 0 ? 1 : 0 } };
}

function sum(containers: ContainerFootprint[]): ContainerFootprint {
    return containers.reduce(
        (acc, c) => ({
            requests: add(acc.requests, c.requests),
            limits: add(acc.limits, c.limits),
            unlimited: { cpu: acc.unlimited.cpu + c.unlimited.cpu, memory: acc.unlimited.memory + c.unlimited.memory },
        }),
        { requests: ZERO, limits: ZERO, unlimited: { cpu: 0, memory: 0 } },
    );
}

// ---------------------------------------------------------------- workloads the program creates

interface PodSpec {
    containers?: { resources?: unknown }[];
    initContainers?: { resources?: unknown; restartPolicy?: string }[];
}

/**
 * A pod's effective requests as the scheduler computes them: app containers plus restartable
 * (sidecar) init containers, or the largest ordinary init container if that is bigger.
 */
export function podFootprint(spec: PodSpec): ContainerFootprint {
    const inits = spec.initContainers ?? [];
    const running = sum([...(spec.containers ?? []), ...inits.filter((c) => c.restartPolicy === "Always")].map((c) => container(c.resources)));
    const ordinary = inits.filter((c) => c.restartPolicy !== "Always").map((c) => container(c.resources));
    const biggestInit = ordinary.reduce((acc, c) => max(acc, c.requests), ZERO);
    return { ...running, requests: max(running.requests, biggestInit) };
}

/** Sidecar resources the mesh gives every injected pod: istiod's `global.proxy.resources`. */
function proxyResources(resources: RegisteredResource[]): unknown {
    const istiod = helmReleases(resources).find((r) => r.chart === "istiod" && !r.values.revision) ?? helmReleases(resources).find((r) => r.chart === "istiod");
    return at(istiod?.values, "global.proxy.resources");
}

function injectedNamespaces(manifests: KubeObject[]): Set<string> {
    return new Set(
        manifests
            .filter((m) => m.kind === "Namespace")
            .filter((m) => {
                const labels = m.metadata.labels ?? {};
                return labels["istio-injection"] === "enabled" || (labels["istio.io/rev"] !== undefined && labels["istio-injection"] !== "disabled");
            })
            .map((m) => m.metadata.name),
    );
}

/** The sidecar for one pod, honouring the per-pod annotations Istio's injector reads. */
function sidecarFor(template: Record<string, unknown>, proxy: unknown): ContainerFootprint {
    const annotations = (at(template, "metadata.annotations") ?? {}) as Record<string, string>;
    const base = (proxy ?? {}) as ResourceSpec;
    return container({
        requests: {
            cpu: annotations["sidecar.istio.io/proxyCPU"] ?? base.requests?.cpu,
            memory: annotations["sidecar.istio.io/proxyMemory"] ?? base.requests?.memory,
        },
        limits: {
            cpu: annotations["sidecar.istio.io/proxyCPULimit"] ?? base.limits?.cpu,
            memory: annotations["sidecar.istio.io/proxyMemoryLimit"] ?? base.limits?.memory,
        },
    });
}

function isInjected(template: Record<string, unknown>, namespace: string, injected: Set<string>): boolean {
    const optOut = (o: unknown) => String(o).toLowerCase() === "false";
    const labels = (at(template, "metadata.labels") ?? {}) as Record<string, string>;
    const annotations = (at(template, "metadata.annotations") ?? {}) as Record<string, string>;
    if (optOut(labels["sidecar.istio.io/inject"]) || optOut(annotations["sidecar.istio.io/inject"])) return false;
    return injected.has(namespace) || labels["sidecar.istio.io/inject"] === "true";
}

function hpaMinimum(manifests: KubeObject[], kind: string, namespace: string, name: string): number | undefined {
    const hpa = manifests.find(
        (m) =>
            m.kind === "HorizontalPodAutoscaler" &&
            (m.metadata.namespace ?? "default") === namespace &&
            at(m, "spec.scaleTargetRef.kind") === kind &&
            at(m, "spec.scaleTargetRef.name") === name,
    );
    const min = at(hpa, "spec.minReplicas");
    return hpa ? (typeof min === "number" ? min : 1) : undefined;
}

function manifestItems(render: Render, nodes: number, proxy: unknown): FootprintItem[] {
    const injected = injectedNamespaces(render.manifests);
    return render.manifests
        .filter((m): m is KubeObject & { kind: FootprintItem["kind"] } => ["Deployment", "StatefulSet", "DaemonSet"].includes(m.kind))
        .map((m) => {
            const namespace = m.metadata.namespace ?? "default";
            const template = (at(m, "spec.template") ?? {}) as Record<string, unknown>;
            const pod = podFootprint((template.spec ?? {}) as PodSpec);
            const replicas = typeof at(m, "spec.replicas") === "number" ? (at(m, "spec.replicas") as number) : 1;
            const pods = m.kind === "DaemonSet" ? nodes : (hpaMinimum(render.manifests, m.kind, namespace, m.metadata.name) ?? replicas);
            const sidecar = isInjected(template, namespace, injected) ? sidecarFor(template, proxy) : undefined;
            const total = sidecar ? sum([pod, sidecar]) : pod;
            return {
                component: m.metadata.name,
                namespace,
                source: "manifest" as const,
                kind: m.kind,
                pods,
                perPod: { requests: total.requests, limits: total.limits },
                unlimited: total.unlimited,
                ...(sidecar ? { sidecar: { requests: sidecar.requests, limits: sidecar.limits } } : {}),
            };
        });
}

// ---------------------------------------------------------------- Helm releases

interface HelmRelease {
    name: string;
    namespace: string;
    chart: string;
    values: Record<string, unknown>;
}

function at(value: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), value);
}

function helmReleases(resources: RegisteredResource[]): HelmRelease[] {
    return resources
        .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
        .map((r) => {
            const p = r.props as { name?: string; namespace?: string; chart?: string; values?: Record<string, unknown> };
            // An OCI chart is named by its reference (oci://<registry>/<path>/<chart>).
            const chart = (p.chart ?? "").startsWith("oci://") ? (p.chart ?? "").split("/").pop()! : (p.chart ?? "");
            return { name: p.name ?? r.name, namespace: p.namespace ?? "default", chart, values: p.values ?? {} };
        });
}

/** One workload of a chart: how many pods and which value paths hold each container's resources. */
interface ChartWorkload {
    component: string;
    kind: FootprintItem["kind"];
    pods: number;
    /** Resources of each container of the pod (undefined: the chart's default, unknown here). */
    containers: unknown[];
}

function num(value: unknown, fallback: number): number {
    return typeof value === "number" ? value : fallback;
}

function enabled(value: unknown, fallback = true): boolean {
    return typeof value === "boolean" ? value : fallback;
}

/**
 * The value paths of the charts the platform installs, at the pinned versions. A chart missing
 * here is listed as "not counted" rather than guessed.
 */
const CHART_WORKLOADS: Record<string, (v: Record<string, unknown>, nodes: number) => ChartWorkload[]> = {
    base: () => [],
    istiod: (v) => [
        { component: "istiod", kind: "Deployment", pods: v.autoscaleEnabled === false ? num(v.replicaCount, 1) : num(v.autoscaleMin, 1), containers: [v.resources] },
    ],
    gateway: (v) => [
        {
            component: "gateway",
            kind: "Deployment",
            pods: enabled(at(v, "autoscaling.enabled")) ? num(at(v, "autoscaling.minReplicas"), 1) : num(v.replicaCount, 1),
            containers: [v.resources],
        },
    ],
    "aws-load-balancer-controller": (v) => [{ component: "controller", kind: "Deployment", pods: num(v.replicaCount, 2), containers: [v.resources] }],
    "metrics-server": (v) => [{ component: "metrics-server", kind: "Deployment", pods: num(v.replicas, 1), containers: [v.resources] }],
    "cert-manager": (v) => [
        { component: "controller", kind: "Deployment", pods: num(v.replicaCount, 1), containers: [v.resources] },
        { component: "webhook", kind: "Deployment", pods: num(at(v, "webhook.replicaCount"), 1), containers: [at(v, "webhook.resources")] },
        ...(enabled(at(v, "cainjector.enabled"))
            ? [{ component: "cainjector", kind: "Deployment" as const, pods: num(at(v, "cainjector.replicaCount"), 1), containers: [at(v, "cainjector.resources")] }]
            : []),
    ],
    "external-secrets": (v) => [
        { component: "controller", kind: "Deployment", pods: num(v.replicaCount, 1), containers: [v.resources] },
        ...(enabled(at(v, "webhook.create"))
            ? [{ component: "webhook", kind: "Deployment" as const, pods: num(at(v, "webhook.replicaCount"), 1), containers: [at(v, "webhook.resources")] }]
            : []),
        ...(enabled(at(v, "certController.create"))
            ? [{ component: "cert-controller", kind: "Deployment" as const, pods: num(at(v, "certController.replicaCount"), 1), containers: [at(v, "certController.resources")] }]
            : []),
    ],
    "kube-prometheus-stack": (v, nodes) => {
        const reloader = at(v, "prometheusOperator.prometheusConfigReloader.resources");
        const out: ChartWorkload[] = [];
        if (enabled(at(v, "prometheusOperator.enabled"))) {
            out.push({ component: "prometheus-operator", kind: "Deployment", pods: 1, containers: [at(v, "prometheusOperator.resources")] });
        }
        if (enabled(at(v, "prometheus.enabled"))) {
            out.push({ component: "prometheus", kind: "StatefulSet", pods: num(at(v, "prometheus.prometheusSpec.replicas"), 1), containers: [at(v, "prometheus.prometheusSpec.resources"), reloader] });
        }
        if (enabled(at(v, "alertmanager.enabled"))) {
            out.push({ component: "alertmanager", kind: "StatefulSet", pods: num(at(v, "alertmanager.alertmanagerSpec.replicas"), 1), containers: [at(v, "alertmanager.alertmanagerSpec.resources"), reloader] });
        }
        if (enabled(at(v, "kubeStateMetrics.enabled"))) {
            out.push({ component: "kube-state-metrics", kind: "Deployment", pods: num(at(v, "kube-state-metrics.replicas"), 1), containers: [at(v, "kube-state-metrics.resources")] });
        }
        if (enabled(at(v, "nodeExporter.enabled"))) {
            out.push({ component: "node-exporter", kind: "DaemonSet", pods: nodes, containers: [at(v, "prometheus-node-exporter.resources")] });
        }
        return out;
    },
    grafana: (v) => [
        {
            component: "grafana",
            kind: "Deployment",
            pods: num(v.replicas, 1),
            containers: [v.resources, ...(enabled(at(v, "sidecar.dashboards.enabled"), false) || enabled(at(v, "sidecar.datasources.enabled"), false) ? [at(v, "sidecar.resources")] : [])],
        },
    ],
    loki: (v) => [{ component: "single-binary", kind: "StatefulSet", pods: num(at(v, "singleBinary.replicas"), 0), containers: [at(v, "singleBinary.resources")] }],
    alloy: (v, nodes) => [
        {
            component: "alloy",
            kind: at(v, "controller.type") === "deployment" ? "Deployment" : at(v, "controller.type") === "statefulset" ? "StatefulSet" : "DaemonSet",
            pods: at(v, "controller.type") === "daemonset" || at(v, "controller.type") === undefined ? nodes : num(at(v, "controller.replicas"), 1),
            containers: [at(v, "alloy.resources"), ...(enabled(at(v, "configReloader.enabled")) ? [at(v, "configReloader.resources")] : [])],
        },
    ],
    jaeger: (v) => [{ component: "jaeger", kind: "Deployment", pods: num(at(v, "jaeger.replicas"), 1), containers: [at(v, "jaeger.resources")] }],
    // Karpenter's controller runs on the system node group; karpenter-crd installs CRDs only.
    karpenter: (v) => [{ component: "controller", kind: "Deployment", pods: num(v.replicas, 2), containers: [at(v, "controller.resources")] }],
    "karpenter-crd": () => [],
    "kiali-server": (v) => [{ component: "kiali", kind: "Deployment", pods: num(at(v, "deployment.replicas"), 1), containers: [at(v, "deployment.resources")] }],
};

function helmItems(render: Render, nodes: number, notCounted: NotCounted[]): FootprintItem[] {
    const items: FootprintItem[] = [];
    for (const release of helmReleases(render.resources)) {
        const known = CHART_WORKLOADS[release.chart];
        if (!known) {
            notCounted.push({ what: `${release.name} (chart ${release.chart})`, namespace: release.namespace, reason: "chart not known to the footprint" });
            continue;
        }
        for (const w of known(release.values, nodes)) {
            if (w.pods === 0) continue;
            const missing = w.containers.filter((c) => c === undefined || (typeof c === "object" && c !== null && Object.keys(c).length === 0)).length;
            if (missing > 0) {
                notCounted.push({ what: `${release.name}: ${w.component}`, namespace: release.namespace, reason: `${missing} container(s) without resources in the values (chart default)` });
            }
            const pod = sum(w.containers.map(container));
            items.push({
                component: `${release.name}: ${w.component}`,
                namespace: release.namespace,
                source: "helm",
                kind: w.kind,
                pods: w.pods,
                perPod: { requests: pod.requests, limits: pod.limits },
                unlimited: pod.unlimited,
            });
        }
    }
    return items;
}


// ---------------------------------------------------------------- EKS managed add-ons

/**
 * Requests of the EKS managed add-ons this platform installs (components/cluster), at their
 * defaults: AWS sizes them, the program sets only the EBS CSI driver's volume tags. Sources: the
 * add-ons' Helm charts (aws-vpc-cni: aws-node 25m CPU; eks-pod-identity-agent: no requests;
 * aws-ebs-csi-driver: 10m/40Mi per container, memory limit 256Mi) and the EKS CoreDNS and
 * kube-proxy manifests (CoreDNS 2 x 100m/70Mi, limit 170Mi; kube-proxy 100m). Container counts of
 * the EBS CSI pods (controller: plugin, provisioner, attacher, snapshotter, resizer, liveness
 * probe; node: plugin, registrar, liveness probe) are the driver's default layout, and giving each
 * sidecar the plugin's 10m/40Mi is an estimate. A new add-on version can move these.
 */
interface AddonWorkload {
    component: string;
    kind: FootprintItem["kind"];
    /** Fixed replicas; undefined: a DaemonSet, one per node. */
    replicas?: number;
    containers: { requests: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } }[];
}

const EBS_CSI_CONTAINER = { requests: { cpu: "10m", memory: "40Mi" }, limits: { memory: "256Mi" } };

export const EKS_ADDON_DEFAULTS: Record<string, AddonWorkload[]> = {
    coredns: [{ component: "coredns", kind: "Deployment", replicas: 2, containers: [{ requests: { cpu: "100m", memory: "70Mi" }, limits: { memory: "170Mi" } }] }],
    "kube-proxy": [{ component: "kube-proxy", kind: "DaemonSet", containers: [{ requests: { cpu: "100m" } }] }],
    "vpc-cni": [{ component: "aws-node", kind: "DaemonSet", containers: [{ requests: { cpu: "25m" } }] }],
    "eks-pod-identity-agent": [{ component: "eks-pod-identity-agent", kind: "DaemonSet", containers: [{ requests: {} }] }],
    "aws-ebs-csi-driver": [
        { component: "ebs-csi-controller", kind: "Deployment", replicas: 2, containers: Array(6).fill(EBS_CSI_CONTAINER) },
        { component: "ebs-csi-node", kind: "DaemonSet", containers: Array(3).fill(EBS_CSI_CONTAINER) },
    ],
};

function addonItems(render: Render, nodes: number, notCounted: NotCounted[]): FootprintItem[] {
    const items: FootprintItem[] = [];
    for (const addon of render.resources.filter((r) => r.type === EKS_ADDON)) {
        const name = String((addon.props as { addonName?: string }).addonName);
        const workloads = EKS_ADDON_DEFAULTS[name];
        if (!workloads) {
            notCounted.push({ what: `EKS add-on ${name}`, namespace: "kube-system", reason: "add-on not known to the footprint" });
            continue;
        }
        for (const w of workloads) {
            const pod = sum(w.containers.map(container));
            items.push({
                component: `${name}: ${w.component}`,
                namespace: "kube-system",
                source: "eks-addon",
                kind: w.kind,
                pods: w.replicas ?? nodes,
                perPod: { requests: pod.requests, limits: pod.limits },
                unlimited: pod.unlimited,
                estimate: true,
            });
        }
    }
    return items;
}

// ---------------------------------------------------------------- what the nodes hold

export interface Allocatable {
    /** Millicores. */
    cpu: number;
    /** Bytes. */
    memory: number;
    pods: number;
}

/**
 * The instance types the stacks use: vCPUs, memory, and the VPC CNI's ENI limits (network
 * interfaces, IPv4 addresses per interface; EC2's published limits for each type). Add a row when
 * a stack configures a new type; test/footprint fails until it is here.
 */
export const NODE_TYPES: Record<string, { vcpu: number; memoryGiB: number; enis: number; ipsPerEni: number }> = {
    "t3.large": { vcpu: 2, memoryGiB: 8, enis: 3, ipsPerEni: 12 },
    "t3a.large": { vcpu: 2, memoryGiB: 8, enis: 3, ipsPerEni: 12 },
    "t3.xlarge": { vcpu: 4, memoryGiB: 16, enis: 4, ipsPerEni: 15 },
    "m5.large": { vcpu: 2, memoryGiB: 8, enis: 3, ipsPerEni: 10 },
    "m5.xlarge": { vcpu: 4, memoryGiB: 16, enis: 4, ipsPerEni: 15 },
    "m5.2xlarge": { vcpu: 8, memoryGiB: 32, enis: 4, ipsPerEni: 15 },
    "m6i.large": { vcpu: 2, memoryGiB: 8, enis: 3, ipsPerEni: 10 },
    "m6i.xlarge": { vcpu: 4, memoryGiB: 16, enis: 4, ipsPerEni: 15 },
    "m6i.2xlarge": { vcpu: 8, memoryGiB: 32, enis: 4, ipsPerEni: 15 },
};

/**
 * Share of the nominal memory the kubelet reports as capacity: firmware and the kernel keep the
 * rest (an m5.large's 8 GiB shows as ~7.6 GiB). An estimate on the safe side.
 */
const MEMORY_CAPACITY_SHARE = 0.94;
/** The kubelet's hard eviction threshold on EKS AMIs (memory.available<100Mi). */
const EVICTION_HARD_MEMORY = 100 * MEMORY_SUFFIX.Mi;

/** Max pods per node without prefix delegation: ENIs x (IPs per ENI - 1) + 2 (host-network pods). */
export function maxPods(type: string): number {
    const t = NODE_TYPES[type];
    if (!t) throw new Error(`instance type ${type} is not in NODE_TYPES (scripts/lib/footprint.ts)`);
    return t.enis * (t.ipsPerEni - 1) + 2;
}

/** EKS's kube-reserved CPU: 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% of the rest. */
export function reservedCpu(vcpu: number): number {
    const tiers: [number, number][] = [[1, 0.06], [1, 0.01], [2, 0.005], [Infinity, 0.0025]];
    let left = vcpu;
    let reserved = 0;
    for (const [cores, share] of tiers) {
        const n = Math.min(left, cores);
        reserved += n * 1000 * share;
        left -= n;
    }
    return Math.round(reserved);
}

/** EKS's kube-reserved memory: 255 MiB plus 11 MiB per pod the node can run. */
export function reservedMemory(type: string): number {
    return (255 + 11 * maxPods(type)) * MEMORY_SUFFIX.Mi;
}

/** What the scheduler can place on one node of the type. */
export function allocatable(type: string): Allocatable {
    const t = NODE_TYPES[type];
    if (!t) throw new Error(`instance type ${type} is not in NODE_TYPES (scripts/lib/footprint.ts)`);
    return {
        cpu: t.vcpu * 1000 - reservedCpu(t.vcpu),
        memory: Math.floor(t.memoryGiB * MEMORY_SUFFIX.Gi * MEMORY_CAPACITY_SHARE) - reservedMemory(type) - EVICTION_HARD_MEMORY,
        pods: maxPods(type),
    };
}

/** The node group's floor: each dimension at the smallest of its instance types (any may be launched). */
function capacity(instanceTypes: string[], nodes: number, items: FootprintItem[], total: { requests: Quantity; pods: number }): NodeCapacity | undefined {
    if (instanceTypes.length === 0 || instanceTypes.some((t) => !NODE_TYPES[t])) return undefined;
    const each = instanceTypes.map((t) => ({ type: t, a: allocatable(t) }));
    const perNode: Allocatable = {
        cpu: Math.min(...each.map((e) => e.a.cpu)),
        memory: Math.min(...each.map((e) => e.a.memory)),
        pods: Math.min(...each.map((e) => e.a.pods)),
    };
    const smallest = [...each].sort((x, y) => x.a.cpu - y.a.cpu || x.a.memory - y.a.memory || x.a.pods - y.a.pods)[0].type;
    const all: Allocatable = { cpu: perNode.cpu * nodes, memory: perNode.memory * nodes, pods: perNode.pods * nodes };
    return {
        instanceType: smallest,
        perNode,
        nodes,
        total: all,
        fits: total.requests.cpu <= all.cpu && total.requests.memory <= all.memory && total.pods <= all.pods,
        largestPodFits: items.every((i) => i.perPod.requests.cpu <= perNode.cpu && i.perPod.requests.memory <= perNode.memory),
    };
}

// ---------------------------------------------------------------- report

const EKS_ADDON = "aws:eks/addon:Addon";

export function footprint(render: Render): FootprintReport {
    const nodeGroups = render.resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
    const nodes = nodeGroups.reduce((n, r) => n + num(at(r.props, "scalingConfig.desiredSize"), 0), 0);
    const instanceTypes = [...new Set(nodeGroups.flatMap((r) => (at(r.props, "instanceTypes") ?? []) as string[]))];
    const notCounted: NotCounted[] = [];
    const items = [...manifestItems(render, nodes, proxyResources(render.resources)), ...helmItems(render, nodes, notCounted), ...addonItems(render, nodes, notCounted)].sort(
        (a, b) => (a.namespace === b.namespace ? (a.component < b.component ? -1 : 1) : a.namespace < b.namespace ? -1 : 1),
    );

    let requests = ZERO;
    let limits = ZERO;
    let pods = 0;
    const namespaces = new Map<string, { requests: Quantity; pods: number }>();
    for (const item of items) {
        requests = add(requests, times(item.perPod.requests, item.pods));
        limits = add(limits, times(item.perPod.limits, item.pods));
        pods += item.pods;
        const ns = namespaces.get(item.namespace) ?? { requests: ZERO, pods: 0 };
        namespaces.set(item.namespace, { requests: add(ns.requests, times(item.perPod.requests, item.pods)), pods: ns.pods + item.pods });
    }
    const total = { requests, limits, pods };
    return {
        stack: render.stack,
        nodes,
        instanceTypes,
        items,
        notCounted,
        total,
        byNamespace: [...namespaces.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([namespace, v]) => ({ namespace, ...v })),
        capacity: capacity(instanceTypes, nodes, items, total),
    };
}

// ---------------------------------------------------------------- markdown

export function formatCpu(millicores: number): string {
    if (millicores === 0) return "0";
    return millicores < 1000 ? `${millicores}m` : `${Number((millicores / 1000).toFixed(2))}`;
}

export function formatMemory(bytes: number): string {
    const gi = bytes / 1024 ** 3;
    if (gi >= 1) return `${Number(gi.toFixed(2))}Gi`;
    return `${Number((bytes / 1024 ** 2).toFixed(0))}Mi`;
}

function limit(value: number, unlimited: number, format: (n: number) => string): string {
    if (unlimited === 0) return format(value);
    return value === 0 ? "none" : `${format(value)} + ${unlimited} unlimited`;
}

export function footprintMarkdown(report: FootprintReport): string {
    const r = report.total.requests;
    const unlimitedCpu = report.items.filter((i) => i.unlimited.cpu > 0);
    const unlimitedOwn = unlimitedCpu.filter((i) => i.source !== "eks-addon");
    const injected = report.items.filter((i) => i.sidecar);
    const sidecarPods = injected.reduce((n, i) => n + i.pods, 0);
    const c = report.capacity;
    const lines = [
        "## Footprint",
        "",
        `What the platform asks the scheduler for in \`${report.stack}\`: **${formatCpu(r.cpu)} CPU and ${formatMemory(r.memory)} memory requested by ${report.total.pods} pods** ` +
            `(limits: ${formatCpu(report.total.limits.cpu)} CPU, ${formatMemory(report.total.limits.memory)} memory), EKS add-ons included at their default requests. ` +
            `DaemonSets count once per node (${report.nodes} nodes, the node groups' desired size${report.instanceTypes.length > 0 ? `, of ${report.instanceTypes.join(" / ")}` : ""}); autoscaled workloads count at their minimum.` +
            (sidecarPods > 0 ? ` ${sidecarPods} pods get an Istio sidecar, included below.` : ""),
        "",
        c
            ? `Allocatable on ${c.nodes} nodes, each dimension at the smallest of ${report.instanceTypes.join(" / ")} (EKS's reserved CPU and memory, VPC CNI max pods): ` +
              `${formatCpu(c.total.cpu)} CPU, ${formatMemory(c.total.memory)} memory, ${c.total.pods} pods. ` +
              `Requests use ${percent(r.cpu, c.total.cpu)} of the CPU, ${percent(r.memory, c.total.memory)} of the memory and ${percent(report.total.pods, c.total.pods)} of the pod slots: ` +
              (c.fits && c.largestPodFits ? "**fits**." : "**does not fit**.")
            : `Allocatable: unknown for ${report.instanceTypes.join(" / ") || "no node group"} (add the type to NODE_TYPES in scripts/lib/footprint.ts).`,
        "",
        "| namespace | pods | CPU requests | memory requests |",
        "| --- | ---: | ---: | ---: |",
        ...report.byNamespace.map((n) => `| ${n.namespace} | ${n.pods} | ${formatCpu(n.requests.cpu)} | ${formatMemory(n.requests.memory)} |`),
        `| **total** | **${report.total.pods}** | **${formatCpu(r.cpu)}** | **${formatMemory(r.memory)}** |`,
        "",
        "| workload | namespace | kind | pods | CPU request / pod | memory request / pod | CPU limit / pod | memory limit / pod |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
        ...report.items.map(
            (i) =>
                `| ${i.component}${i.sidecar ? " (+ sidecar)" : ""}${i.estimate ? " (EKS add-on default)" : ""} | ${i.namespace} | ${i.kind} | ${i.pods} | ${formatCpu(i.perPod.requests.cpu)} | ${formatMemory(i.perPod.requests.memory)} | ` +
                `${limit(i.perPod.limits.cpu, i.unlimited.cpu, formatCpu)} | ${limit(i.perPod.limits.memory, i.unlimited.memory, formatMemory)} |`,
        ),
        "",
    ];
    if (unlimitedOwn.length > 0) {
        lines.push(`Containers without a CPU limit in values this program sets: ${unlimitedOwn.map((i) => `${i.component} (${i.namespace})`).join(", ")}.`, "");
    }
    if (unlimitedCpu.length > unlimitedOwn.length) lines.push("The EKS add-ons keep AWS's defaults, which set no CPU limits.", "");
    if (report.notCounted.length > 0) {
        lines.push("Not counted:", "", ...report.notCounted.map((n) => `- ${n.what} (${n.namespace}): ${n.reason}`), "");
    }
    return lines.join("\n");
}

function percent(part: number, whole: number): string {
    return `${Math.round((100 * part) / whole)} %`;
}

/** The summary section the synth writes (registered in scripts/lib/synth-output.ts). */
export function footprintSection(render: Render): string {
    return footprintMarkdown(footprint(render));
}
