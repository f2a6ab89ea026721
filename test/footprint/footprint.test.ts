import { strict as assert } from "assert";
import { KubeObject } from "../../components/k8s";
import { allocatable, footprint, footprintMarkdown, formatCpu, formatMemory, maxPods, NODE_TYPES, parseCpu, parseMemory, podFootprint, reservedCpu } from "../../scripts/lib/footprint";
import { RegisteredResource } from "../../scripts/lib/mock-engine";
import { Render } from "../../scripts/lib/render";
import { renderCached } from "../harness";

const Mi = 1024 ** 2;
const Gi = 1024 ** 3;

function resource(type: string, name: string, props: Record<string, unknown>): RegisteredResource {
    return { type, name, ref: `${type}::${name}`, parent: null, dependsOn: [], provider: null, custom: true, props };
}

function release(name: string, chart: string, namespace: string, values: Record<string, unknown>): RegisteredResource {
    return resource("kubernetes:helm.sh/v3:Release", name, { name, chart, namespace, values });
}

function deployment(namespace: string, name: string, replicas: number, containers: unknown[], extra: Record<string, unknown> = {}): KubeObject {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace },
        spec: { replicas, template: { metadata: { labels: { app: name }, ...extra }, spec: { containers } } },
    };
}

const small = { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } };
const proxy = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "512Mi" } };

/** Two nodes; a meshed namespace with an HPA-scaled Deployment; istiod; a DaemonSet chart; an unknown chart. */
function fixture(): Render {
    const manifests: KubeObject[] = [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { "istio-injection": "enabled" } } },
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "tools" } },
        deployment("shop", "api", 1, [{ name: "api", resources: small }]),
        {
            apiVersion: "autoscaling/v2",
            kind: "HorizontalPodAutoscaler",
            metadata: { name: "api", namespace: "shop" },
            spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" }, minReplicas: 3, maxReplicas: 6 },
        },
        deployment("shop", "batch", 2, [{ name: "batch", resources: small }], { annotations: { "sidecar.istio.io/inject": "false" } }),
        deployment("tools", "debug", 1, [{ name: "debug", resources: small }]),
    ];
    const resources = [
        resource("aws:eks/nodeGroup:NodeGroup", "nodes", { scalingConfig: { desiredSize: 2, minSize: 2, maxSize: 4 }, instanceTypes: ["t3.large"] }),
        release("istiod", "istiod", "istio-system", { autoscaleEnabled: true, autoscaleMin: 2, resources: small, global: { proxy: { resources: proxy } } }),
        release("alloy", "alloy", "observability", { controller: { type: "daemonset" }, alloy: { resources: small }, configReloader: { resources: { requests: { cpu: "10m", memory: "32Mi" } } } }),
        release("mystery", "mystery-chart", "observability", { replicas: 5 }),
        resource("aws:eks/addon:Addon", "coredns", { addonName: "coredns" }),
        resource("aws:eks/addon:Addon", "kube-proxy", { addonName: "kube-proxy" }),
        resource("aws:eks/addon:Addon", "someday", { addonName: "someday-addon" }),
    ];
    return { stack: "test", resources, manifests, outputs: {}, missingSecrets: [] };
}

describe("footprint", () => {
    it("reads Kubernetes CPU and memory quantities", () => {
        assert.equal(parseCpu("250m"), 250);
        assert.equal(parseCpu("2"), 2000);
        assert.equal(parseCpu("0.5"), 500);
        assert.equal(parseCpu(1), 1000);
        assert.equal(parseMemory("128Mi"), 128 * Mi);
        assert.equal(parseMemory("1Gi"), Gi);
        assert.equal(parseMemory("500M"), 500e6);
        assert.equal(parseMemory(1073741824), Gi);
        assert.throws(() => parseCpu("lots"), /not a CPU quantity/);
        assert.throws(() => parseMemory("1 gig"), /not a memory quantity/);
    });

    it("computes a pod's requests as the scheduler does: containers plus sidecar inits, or the largest init", () => {
        const pod = podFootprint({
            containers: [{ resources: small }],
            initContainers: [
                { restartPolicy: "Always", resources: { requests: { cpu: "50m", memory: "64Mi" } } },
                { resources: { requests: { cpu: "1", memory: "64Mi" } } },
            ],
        });
        assert.deepEqual(pod.requests, { cpu: 1000, memory: 192 * Mi });
        // A request defaults to the limit when only the limit is set.
        assert.deepEqual(podFootprint({ containers: [{ resources: { limits: { cpu: "200m", memory: "1Gi" } } }] }).requests, { cpu: 200, memory: Gi });
    });

    it("counts HPA minimums, DaemonSets per node, and an Istio sidecar on every injected pod", () => {
        const report = footprint(fixture());
        assert.equal(report.nodes, 2);
        const byName = Object.fromEntries(report.items.map((i) => [i.component, i]));

        assert.equal(byName.api.pods, 3, "the HPA's minReplicas, not spec.replicas");
        assert.deepEqual(byName.api.perPod.requests, { cpu: 150, memory: 192 * Mi }, "container + sidecar");
        assert.deepEqual(byName.api.sidecar!.requests, { cpu: 50, memory: 64 * Mi });
        assert.equal(byName.batch.sidecar, undefined, "opted out with sidecar.istio.io/inject=false");
        assert.equal(byName.debug.sidecar, undefined, "namespace not in the mesh");

        assert.equal(byName["istiod: istiod"].pods, 2);
        assert.equal(byName["alloy: alloy"].pods, 2);
        assert.equal(byName["alloy: alloy"].kind, "DaemonSet");
        assert.deepEqual(byName["alloy: alloy"].perPod.requests, { cpu: 110, memory: 160 * Mi });
    });

    it("counts the EKS add-ons at their default requests: CoreDNS twice, kube-proxy on every node", () => {
        const byName = Object.fromEntries(footprint(fixture()).items.map((i) => [i.component, i]));
        assert.equal(byName["coredns: coredns"].pods, 2);
        assert.deepEqual(byName["coredns: coredns"].perPod.requests, { cpu: 100, memory: 70 * Mi });
        assert.equal(byName["kube-proxy: kube-proxy"].pods, 2, "one per node");
        assert.equal(byName["kube-proxy: kube-proxy"].perPod.requests.cpu, 100);
        assert.equal(byName["kube-proxy: kube-proxy"].estimate, true);
        assert.equal(byName["kube-proxy: kube-proxy"].namespace, "kube-system");
    });

    it("totals requests and limits over all pods, and per namespace", () => {
        const report = footprint(fixture());
        // api 3x150m, batch 2x100m, debug 1x100m, istiod 2x100m, alloy 2x110m, coredns 2x100m, kube-proxy 2x100m
        assert.equal(report.total.requests.cpu, 450 + 200 + 100 + 200 + 220 + 200 + 200);
        assert.equal(report.total.pods, 3 + 2 + 1 + 2 + 2 + 2 + 2);
        const shop = report.byNamespace.find((n) => n.namespace === "shop")!;
        assert.deepEqual(shop.requests, { cpu: 650, memory: (3 * 192 + 2 * 128) * Mi });
        assert.equal(report.total.limits.cpu, 3 * 1000, "only the sidecars set CPU limits");
    });

    it("lists charts and add-ons it cannot size as not counted, instead of guessing", () => {
        const report = footprint(fixture());
        assert.deepEqual(
            report.notCounted.map((n) => n.what),
            ["mystery (chart mystery-chart)", "EKS add-on someday-addon"],
        );
    });

    it("computes a node's allocatable as EKS does: reserved CPU by tiers, 255Mi + 11Mi per pod, ENI-limited pods", () => {
        assert.equal(reservedCpu(2), 70);
        assert.equal(reservedCpu(4), 80);
        assert.equal(reservedCpu(8), 90);
        assert.equal(maxPods("t3.large"), 35);
        assert.equal(maxPods("m5.large"), 29);
        assert.equal(maxPods("m6i.2xlarge"), 58);
        const a = allocatable("t3.large");
        assert.equal(a.cpu, 1930);
        assert.ok(a.memory < 8 * Gi - (255 + 11 * 35 + 100) * Mi, "less than nominal memory minus EKS's reservation and eviction threshold");
        assert.ok(a.memory > 6 * Gi);
        assert.throws(() => allocatable("x9.huge"), /not in NODE_TYPES/);
    });

    it("compares the requests with the smallest configured type's allocatable, on every dimension", () => {
        const report = footprint(fixture());
        const c = report.capacity!;
        assert.equal(c.nodes, 2);
        assert.equal(c.instanceType, "t3.large");
        assert.deepEqual(c.total, { cpu: 2 * 1930, memory: 2 * allocatable("t3.large").memory, pods: 70 });
        assert.equal(c.fits, true);

        const crowded = fixture();
        const ng = crowded.resources.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup")!;
        ng.props = { ...ng.props, instanceTypes: ["t3.large", "m5.large"], scalingConfig: { desiredSize: 1 } };
        const one = footprint(crowded).capacity!;
        assert.equal(one.perNode.pods, 29, "m5.large holds fewer pods than t3.large");
        assert.equal(one.fits, true);
        (ng.props as { instanceTypes: string[] }).instanceTypes = ["unknown.type"];
        assert.equal(footprint(crowded).capacity, undefined);
        assert.match(footprintMarkdown(footprint(crowded)), /Allocatable: unknown for unknown\.type/);
    });

    it("writes a summary section with the totals a dev cluster must hold", () => {
        const md = footprintMarkdown(footprint(fixture()));
        assert.match(md, /^## Footprint/);
        assert.match(md, /\*\*1\.57 CPU and 1\.64Gi memory requested by 14 pods\*\*/);
        assert.match(md, /\| \*\*total\*\* \| \*\*14\*\* \| \*\*1\.57\*\* \| \*\*1\.64Gi\*\* \|/);
        assert.match(md, /Allocatable on 2 nodes, each dimension at the smallest of t3\.large .*: 3\.86 CPU, .* 70 pods\. Requests use 41 % of the CPU, .*\*\*fits\*\*\./);
        assert.match(md, /\| coredns: coredns \(EKS add-on default\) \| kube-system \| Deployment \| 2 \| 100m \| 70Mi \|/);
        assert.match(md, /\| api \(\+ sidecar\) \| shop \| Deployment \| 3 \| 150m \| 192Mi \|/);
        assert.match(md, /2 nodes, the node groups' desired size, of t3\.large/);
        assert.match(md, /- mystery \(chart mystery-chart\) \(observability\): chart not known to the footprint/);
    });

    it("formats CPU in millicores below a core and memory in Mi below a Gi", () => {
        assert.equal(formatCpu(250), "250m");
        assert.equal(formatCpu(1500), "1.5");
        assert.equal(formatMemory(512 * Mi), "512Mi");
        assert.equal(formatMemory(1.5 * Gi), "1.5Gi");
    });

    describe("of the real stacks", () => {
        it("sizes every release and EKS add-on the platform installs", async () => {
            for (const stack of ["dev", "prod"] as const) {
                const report = footprint(await renderCached(stack));
                assert.deepEqual(report.notCounted, [], stack);
                for (const addon of ["coredns", "kube-proxy", "vpc-cni", "eks-pod-identity-agent", "aws-ebs-csi-driver"]) {
                    assert.ok(report.items.some((i) => i.source === "eks-addon" && i.component.startsWith(`${addon}: `)), `${stack}: ${addon}`);
                }
                assert.ok(report.items.some((i) => i.namespace === "observability"), stack);
                assert.ok(report.items.some((i) => i.sidecar), `${stack}: the payments pods carry sidecars`);
            }
        });

        for (const stack of ["dev", "staging", "prod"] as const) {
            it(`fits ${stack}'s requests, add-ons included, on its node group's desired size of its smallest instance type`, async () => {
                const render = await renderCached(stack);
                const report = footprint(render);
                for (const type of report.instanceTypes) assert.ok(NODE_TYPES[type], `${stack}: ${type} is not in NODE_TYPES`);
                const c = report.capacity!;
                const used = `${formatCpu(report.total.requests.cpu)} CPU / ${formatMemory(report.total.requests.memory)} / ${report.total.pods} pods`;
                const room = `${formatCpu(c.total.cpu)} CPU / ${formatMemory(c.total.memory)} / ${c.total.pods} pods on ${c.nodes} x ${c.instanceType}`;
                assert.ok(report.total.requests.cpu <= c.total.cpu, `${stack}: ${used} requested, ${room}`);
                assert.ok(report.total.requests.memory <= c.total.memory, `${stack}: ${used} requested, ${room}`);
                assert.ok(report.total.pods <= c.total.pods, `${stack}: ${used} requested, ${room}`);
                assert.ok(c.largestPodFits, `${stack}: a pod larger than one ${c.instanceType}`);
                assert.ok(c.fits);
                // The nodes come from the rendered node groups, not from a constant of this test.
                const groups = render.resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
                assert.equal(c.nodes, groups.reduce((n, g) => n + (g.props as { scalingConfig: { desiredSize: number } }).scalingConfig.desiredSize, 0));
            });
        }
    });
});
