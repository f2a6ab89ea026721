// The largest the platform can get: every autoscaled workload at its HPA maximum, DaemonSets on
// every node, and how many of Karpenter's nodes that takes beside the system node group, against
// the NodePool's limits and nodes.maxSize, with what it costs per hour at that size. Read from the
// render, like the footprint (footprint.ts) it builds on.
import { KubeObject } from "../../components/k8s";
import { Allocatable, allocatable, footprint, FootprintItem, formatCpu, formatMemory, NODE_TYPES, parseCpu, parseMemory, Quantity } from "./footprint";
import { RegisteredResource } from "./mock-engine";
import { Render } from "./render";

/**
 * On-demand Linux list prices in USD per hour (AWS EC2 pricing page, us-east-1, the reference
 * region; ap-south-1 and others differ by a few percent, spot is usually well below). An estimate
 * for comparing sizes, not a bill. Every NODE_TYPES row needs one (test/footprint/peak.test.ts).
 */
export const ON_DEMAND_USD_PER_HOUR: Readonly<Record<string, number>> = {
    "t3.large": 0.0832,
    "t3a.large": 0.0752,
    "t3.xlarge": 0.1664,
    "m5.large": 0.096,
    "m5.xlarge": 0.192,
    "m5.2xlarge": 0.384,
    "m6i.large": 0.096,
    "m6i.xlarge": 0.192,
    "m6i.2xlarge": 0.384,
};

/** Hours in an average month (8,760 / 12). */
export const HOURS_PER_MONTH = 730;

export interface PeakItem {
    component: string;
    namespace: string;
    kind: FootprintItem["kind"];
    /** Pods at the minimum (the footprint) and at the HPA maximum; DaemonSets: per node. */
    podsAtMin: number;
    podsAtMax: number;
    perPod: Quantity;
}

export interface NodeShare {
    instanceType: string;
    nodes: number;
    perNode: Allocatable;
    usdPerHour: number;
}

export interface PeakReport {
    stack: string;
    items: PeakItem[];
    /** What every pod asks for at the maxima, DaemonSets on every node. */
    requests: Quantity;
    pods: number;
    system: NodeShare;
    /** Karpenter's nodes at the peak (a reference type: the largest size of the first family). */
    karpenter?: NodeShare & { limits: { cpu: number; memory: number; nodes: number }; withinLimits: boolean };
    /** system + Karpenter nodes, and the ceiling they must stay under (nodes.maxSize). */
    totalNodes: number;
    maxNodes: number;
    /** The peak fits in the nodes Karpenter may add. */
    fits: boolean;
    usdPerHour: number;
    usdPerMonth: number;
}

function at(value: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), value);
}

function hpaMaximum(manifests: KubeObject[], item: FootprintItem): number | undefined {
    const hpa = manifests.find(
        (m) => m.kind === "HorizontalPodAutoscaler" && (m.metadata.namespace ?? "default") === item.namespace && at(m, "spec.scaleTargetRef.name") === item.component,
    );
    const max = at(hpa, "spec.maxReplicas");
    return typeof max === "number" ? max : undefined;
}

/** The charts that autoscale (gateway, istiod): their maxima from the release values. */
function chartMaximum(resources: RegisteredResource[], item: FootprintItem): number | undefined {
    const [release, component] = item.component.split(": ");
    const r = resources.find((x) => x.type === "kubernetes:helm.sh/v3:Release" && (x.props as { name?: string }).name === release);
    const v = (r?.props as { values?: Record<string, unknown> } | undefined)?.values ?? {};
    if (component === "gateway" && at(v, "autoscaling.enabled") !== false) return at(v, "autoscaling.maxReplicas") as number | undefined;
    if (component === "istiod" && v.autoscaleEnabled === true) return v.autoscaleMax as number | undefined;
    return undefined;
}

function nodePoolOf(manifests: KubeObject[]): KubeObject | undefined {
    return manifests.find((m) => m.kind === "NodePool");
}

function requirement(pool: KubeObject, key: string): string[] {
    const reqs = (at(pool, "spec.template.spec.requirements") ?? []) as { key: string; values?: string[] }[];
    return reqs.find((r) => r.key === key)?.values ?? [];
}

const SIZE_ORDER = ["medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"];

/** The type the peak is sized with: the first family at its largest allowed size. */
export function referenceType(families: string[], sizes: string[]): string {
    const largest = [...sizes].sort((a, b) => SIZE_ORDER.indexOf(b) - SIZE_ORDER.indexOf(a))[0];
    return `${families[0]}.${largest}`;
}

function price(type: string): number {
    const p = ON_DEMAND_USD_PER_HOUR[type];
    if (p === undefined) throw new Error(`no price for ${type}: add it to ON_DEMAND_USD_PER_HOUR (scripts/lib/footprint-peak.ts)`);
    return p;
}

export function peakFootprint(render: Render): PeakReport {
    const base = footprint(render);
    const items: PeakItem[] = base.items.map((i) => ({
        component: i.component,
        namespace: i.namespace,
        kind: i.kind,
        podsAtMin: i.pods,
        podsAtMax: i.kind === "DaemonSet" ? 1 : (hpaMaximum(render.manifests, i) ?? chartMaximum(render.resources, i) ?? i.pods),
        perPod: i.perPod.requests,
    }));
    const sum = (daemon: boolean) =>
        items.filter((i) => (i.kind === "DaemonSet") === daemon).reduce((q, i) => ({ cpu: q.cpu + i.perPod.cpu * i.podsAtMax, memory: q.memory + i.perPod.memory * i.podsAtMax, pods: q.pods + i.podsAtMax }), { cpu: 0, memory: 0, pods: 0 });
    const fixed = sum(false);
    const perNode = sum(true);

    const systemType = base.capacity?.instanceType ?? base.instanceTypes[0];
    const system: NodeShare = { instanceType: systemType, nodes: base.nodes, perNode: allocatable(systemType), usdPerHour: base.nodes * price(base.instanceTypes[0]) };
    const fitsOn = (extra: number, each: Allocatable) => {
        const nodes = system.nodes + extra;
        const need = { cpu: fixed.cpu + perNode.cpu * nodes, memory: fixed.memory + perNode.memory * nodes, pods: fixed.pods + perNode.pods * nodes };
        const have = { cpu: system.perNode.cpu * system.nodes + each.cpu * extra, memory: system.perNode.memory * system.nodes + each.memory * extra, pods: system.perNode.pods * system.nodes + each.pods * extra };
        return need.cpu <= have.cpu && need.memory <= have.memory && need.pods <= have.pods;
    };

    const pool = nodePoolOf(render.manifests);
    let karpenter: PeakReport["karpenter"];
    let extra = 0;
    let fits = fitsOn(0, { cpu: 0, memory: 0, pods: 0 });
    if (pool) {
        const type = referenceType(requirement(pool, "karpenter.k8s.aws/instance-family"), requirement(pool, "karpenter.k8s.aws/instance-size"));
        if (!NODE_TYPES[type]) throw new Error(`Karpenter's reference type ${type} is not in NODE_TYPES (scripts/lib/footprint.ts)`);
        const each = allocatable(type);
        const limits = { cpu: parseCpu(at(pool, "spec.limits.cpu")), memory: parseMemory(at(pool, "spec.limits.memory")), nodes: Number(at(pool, "spec.limits.nodes")) };
        while (!fitsOn(extra, each) && extra < limits.nodes) extra++;
        fits = fitsOn(extra, each);
        const t = NODE_TYPES[type];
        const withinLimits = extra * t.vcpu * 1000 <= limits.cpu && extra * t.memoryGiB * 1024 ** 3 <= limits.memory && extra <= limits.nodes;
        karpenter = { instanceType: type, nodes: extra, perNode: each, usdPerHour: extra * price(type), limits, withinLimits };
        fits = fits && withinLimits;
    }
    const nodes = system.nodes + extra;
    const usdPerHour = system.usdPerHour + (karpenter?.usdPerHour ?? 0);
    return {
        stack: render.stack,
        items,
        requests: { cpu: fixed.cpu + perNode.cpu * nodes, memory: fixed.memory + perNode.memory * nodes },
        pods: fixed.pods + perNode.pods * nodes,
        system,
        karpenter,
        totalNodes: nodes,
        maxNodes: system.nodes + (karpenter?.limits.nodes ?? 0),
        fits,
        usdPerHour,
        usdPerMonth: usdPerHour * HOURS_PER_MONTH,
    };
}

const usd = (n: number) => `$${n.toFixed(2)}`;

export function peakMarkdown(r: PeakReport): string {
    const k = r.karpenter;
    const scaled = r.items.filter((i) => i.kind !== "DaemonSet" && i.podsAtMax !== i.podsAtMin);
    return [
        "## Peak",
        "",
        `The largest \`${r.stack}\` gets: every autoscaled workload at its HPA maximum (${scaled.map((i) => `${i.component} ${i.podsAtMax}`).join(", ")}), ` +
            `DaemonSets on every node: **${formatCpu(r.requests.cpu)} CPU and ${formatMemory(r.requests.memory)} memory requested by ${r.pods} pods**.`,
        "",
        k
            ? `That takes **${r.totalNodes} nodes**: the system group's ${r.system.nodes} x ${r.system.instanceType} and ${k.nodes} of Karpenter's (sized as ${k.instanceType}, the largest allowed size of the first family; ` +
              `NodePool limits ${formatCpu(k.limits.cpu)} CPU, ${formatMemory(k.limits.memory)}, ${k.limits.nodes} nodes; ceiling nodes.maxSize ${r.maxNodes}): ` +
              (r.fits ? "**fits**" : "**does not fit**: raise the limits or nodes.maxSize") +
              " (requests summed over the nodes; pods that do not pack evenly can take one node more)."
            : `No Karpenter NodePool: the ${r.system.nodes} system nodes hold ${r.fits ? "it" : "**not** all of it"}.`,
        "",
        `Cost at that size, on-demand list prices (us-east-1 reference; not a bill, spot is lower): **${usd(r.usdPerHour)} per hour, about ${usd(r.usdPerMonth)} per month** ` +
            `(system ${usd(r.system.usdPerHour)}/h${k ? `, Karpenter ${usd(k.usdPerHour)}/h` : ""}).`,
        "",
    ].join("\n");
}

/** The summary section the synth writes after the footprint. */
export function peakSection(render: Render): string {
    if (!render.resources.some((r) => r.type === "aws:eks/nodeGroup:NodeGroup")) return "## Peak\n\nNot sized: the stack installs onto an existing cluster, whose nodes it does not manage.\n";
    return peakMarkdown(peakFootprint(render));
}
