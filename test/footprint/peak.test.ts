import { strict as assert } from "assert";
import { KubeObject } from "../../components/k8s";
import { allocatable, NODE_TYPES } from "../../scripts/lib/footprint";
import { HOURS_PER_MONTH, ON_DEMAND_USD_PER_HOUR, peakFootprint, peakMarkdown, peakSection, referenceType } from "../../scripts/lib/footprint-peak";
import { RegisteredResource } from "../../scripts/lib/mock-engine";
import { Render } from "../../scripts/lib/render";
import { renderCached } from "../harness";

function resource(type: string, name: string, props: Record<string, unknown>): RegisteredResource {
    return { type, name, ref: `${type}::${name}`, parent: null, dependsOn: [], provider: null, custom: true, props };
}

const cpu = (c: string, m = "1Gi") => ({ requests: { cpu: c, memory: m }, limits: { memory: m } });

/** Two m6i.large system nodes; an API that scales 2 -> 8 at 1 CPU a pod; a DaemonSet; a NodePool of m6i up to 2xlarge. */
function fixture(limits = { cpu: "32", memory: "128Gi", nodes: "4" }): Render {
    const manifests: KubeObject[] = [
        { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", namespace: "shop" }, spec: { replicas: 2, template: { spec: { containers: [{ resources: cpu("1") }] } } } },
        {
            apiVersion: "autoscaling/v2",
            kind: "HorizontalPodAutoscaler",
            metadata: { name: "api", namespace: "shop" },
            spec: { scaleTargetRef: { kind: "Deployment", name: "api" }, minReplicas: 2, maxReplicas: 8 },
        },
        { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", namespace: "tools" }, spec: { template: { spec: { containers: [{ resources: cpu("100m", "128Mi") }] } } } },
        {
            apiVersion: "karpenter.sh/v1",
            kind: "NodePool",
            metadata: { name: "autoscaled" },
            spec: {
                template: { spec: { requirements: [{ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["m6i", "m5"] }, { key: "karpenter.k8s.aws/instance-size", operator: "In", values: ["xlarge", "2xlarge"] }] } },
                limits,
            },
        },
    ];
    const resources = [resource("aws:eks/nodeGroup:NodeGroup", "nodes", { scalingConfig: { desiredSize: 2, maxSize: 2 }, instanceTypes: ["m6i.large"] })];
    return { stack: "test", resources, manifests, outputs: {}, missingSecrets: [] };
}

describe("footprint at the peak", () => {
    it("counts autoscaled workloads at their HPA maximum and DaemonSets on every node, old and new", () => {
        const r = peakFootprint(fixture());
        const api = r.items.find((i) => i.component === "api")!;
        assert.deepEqual([api.podsAtMin, api.podsAtMax], [2, 8]);
        // 8 CPU of API on 2 x m6i.large (1.93 CPU each) needs Karpenter's m6i.2xlarge (7.91): one more node.
        assert.equal(r.karpenter!.instanceType, "m6i.2xlarge");
        assert.equal(r.karpenter!.nodes, 1);
        assert.equal(r.totalNodes, 3);
        assert.equal(r.requests.cpu, 8000 + 3 * 100, "the DaemonSet on all three nodes");
        assert.ok(r.requests.cpu <= 2 * allocatable("m6i.large").cpu + allocatable("m6i.2xlarge").cpu);
        assert.equal(r.fits, true);
    });

    it("prices the peak: system nodes at their first type, Karpenter's at the reference type", () => {
        const r = peakFootprint(fixture());
        assert.equal(r.usdPerHour, 2 * ON_DEMAND_USD_PER_HOUR["m6i.large"] + ON_DEMAND_USD_PER_HOUR["m6i.2xlarge"]);
        assert.equal(r.usdPerMonth, r.usdPerHour * HOURS_PER_MONTH);
        for (const type of Object.keys(NODE_TYPES)) assert.ok(ON_DEMAND_USD_PER_HOUR[type] > 0, `${type} has no price`);
    });

    it("says when the peak does not fit the NodePool's limits", () => {
        const r = peakFootprint(fixture({ cpu: "4", memory: "128Gi", nodes: "4" }));
        assert.equal(r.karpenter!.withinLimits, false, "one m6i.2xlarge is 8 vCPU, over a 4 CPU limit");
        assert.equal(r.fits, false);
        assert.match(peakMarkdown(r), /\*\*does not fit\*\*: raise the limits or nodes\.maxSize/);
        assert.equal(peakFootprint(fixture({ cpu: "32", memory: "128Gi", nodes: "0" })).fits, false, "no node left under the ceiling");
    });

    it("sizes Karpenter's nodes as the first family's largest allowed size", () => {
        assert.equal(referenceType(["m6i", "m5"], ["large", "2xlarge", "xlarge"]), "m6i.2xlarge");
    });

    it("does not size an existing cluster's nodes", () => {
        assert.match(peakSection({ stack: "local", resources: [], manifests: [], outputs: {}, missingSecrets: [] }), /Not sized: the stack installs onto an existing cluster/);
    });

    describe("of the real stacks", () => {
        for (const stack of ["dev", "staging", "prod"] as const) {
            it(`${stack}: the HPA maxima fit under nodes.maxSize and the NodePool's limits, and the report prices them`, async () => {
                const render = await renderCached(stack);
                const r = peakFootprint(render);
                assert.ok(r.karpenter, "a NodePool");
                assert.ok(r.fits, peakMarkdown(r));
                assert.ok(r.totalNodes <= r.maxNodes);
                const group = render.resources.find((x) => x.type === "aws:eks/nodeGroup:NodeGroup")!.props as { scalingConfig: { desiredSize: number } };
                assert.equal(r.system.nodes, group.scalingConfig.desiredSize);
                const md = peakMarkdown(r);
                assert.match(md, /^## Peak/);
                assert.match(md, new RegExp(`That takes \\*\\*${r.totalNodes} nodes\\*\\*`));
                assert.match(md, /per hour, about \$\d+\.\d\d per month/);
            });
        }

        it("prod at its maxima (backend 10 + 10, frontend 10, gateway 10, istiod 5) needs Karpenter's nodes beside the system group", async () => {
            const r = peakFootprint(await renderCached("prod"));
            const max = (name: string) => r.items.find((i) => i.component === name || i.component.endsWith(`: ${name}`))!.podsAtMax;
            assert.deepEqual(["backend-v1", "backend-v2", "frontend", "gateway", "istiod"].map(max), [10, 10, 10, 10, 5]);
            assert.ok(r.karpenter!.nodes >= 1, peakMarkdown(r));
        });
    });
});
