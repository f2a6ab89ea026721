import { strict as assert } from "assert";
import { KubeObject } from "../../components/k8s";
import { footprint, footprintMarkdown, formatCpu, formatMemory, parseCpu, parseMemory, podFootprint } from "../../scripts/lib/footprint";
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

    it("totals requests and limits over all pods, and per namespace", () => {
        const report = footprint(fixture());
        // api 3x150m, batch 2x100m, debug 1x100m, istiod 2x100m, alloy 2x110m
        assert.equal(report.total.requests.cpu, 450 + 200 + 100 + 200 + 220);
        assert.equal(report.total.pods, 3 + 2 + 1 + 2 + 2);
        const shop = report.byNamespace.find((n) => n.namespace === "shop")!;
        assert.deepEqual(shop.requests, { cpu: 650, memory: (3 * 192 + 2 * 128) * Mi });
        assert.equal(report.total.limits.cpu, 3 * 1000, "only the sidecars set CPU limits");
    });

    it("lists charts it cannot size and managed add-ons as not counted, instead of guessing", () => {
        const report = footprint(fixture());
        assert.deepEqual(
            report.notCounted.map((n) => n.what),
            ["mystery (chart mystery-chart)", "EKS add-on coredns"],
        );
    });

    it("writes a summary section with the totals a dev cluster must hold", () => {
        const md = footprintMarkdown(footprint(fixture()));
        assert.match(md, /^## Footprint/);
        assert.match(md, /\*\*1\.17 CPU and 1\.5Gi memory requested by 10 pods\*\*/);
        assert.match(md, /\| \*\*total\*\* \| \*\*10\*\* \| \*\*1\.17\*\* \| \*\*1\.5Gi\*\* \|/);
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
        it("sizes every release the platform installs (nothing but EKS add-ons left uncounted)", async () => {
            for (const stack of ["dev", "prod"] as const) {
                const report = footprint(await renderCached(stack));
                const unexplained = report.notCounted.filter((n) => !n.what.startsWith("EKS add-on"));
                assert.deepEqual(unexplained, [], stack);
                assert.ok(report.items.some((i) => i.namespace === "observability"), stack);
                assert.ok(report.items.some((i) => i.sidecar), `${stack}: the payments pods carry sidecars`);
            }
        });

        it("keeps dev's requests within two t3.large nodes' allocatable capacity", async () => {
            const report = footprint(await renderCached("dev"));
            // t3.large: 2 vCPU / 8 GiB; EKS reserves ~70m CPU and ~1.4 GiB per node for the kubelet and system.
            assert.ok(report.total.requests.cpu < 2 * 1930, `${formatCpu(report.total.requests.cpu)} CPU requested`);
            assert.ok(report.total.requests.memory < 2 * 6.5 * Gi, `${formatMemory(report.total.requests.memory)} requested`);
        });
    });
});
