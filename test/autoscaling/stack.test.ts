import { strict as assert } from "assert";
import { disruptionFloor, DisruptedWorkload } from "../../components/autoscaling/builders";
import { disruptionsAllowed, evenSpread, replacementZones } from "../../components/autoscaling/disruption";
import { renderStack } from "../../scripts/lib/render";
import { Render, renderCached } from "../harness";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const STACKS = ["dev", "staging", "prod"] as const;

const manifest = (render: Render, kind: string, name: string): Obj => {
    const found = render.manifests.find((m) => m.kind === kind && m.metadata.name === name);
    assert.ok(found, `${render.stack}: no ${kind} ${name}`);
    return found as Obj;
};
const resource = (render: Render, type: string, name: string) => {
    const found = render.resources.find((r) => r.type === type && r.name === name);
    assert.ok(found, `${render.stack}: no ${type} ${name}`);
    return found;
};
const releasesOf = (render: Render, chart: string) =>
    render.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && String((r.props as Obj).chart).split("/").pop() === chart).map((r) => r.props as Obj);

/** The ingress gateway and every istiod as the charts render them: replicas at the HPA minimum and the PDB. */
function meshWorkloads(render: Render): { name: string; workload: DisruptedWorkload }[] {
    const gateways = releasesOf(render, "gateway").map((r) => {
        const v = r.values;
        const replicas = v.autoscaling?.enabled === false ? v.replicaCount : v.autoscaling.minReplicas;
        // The chart renders the PDB only with more than one replica.
        const pdb = replicas > 1 && Object.keys(v.podDisruptionBudget ?? {}).length > 0 ? v.podDisruptionBudget : undefined;
        return { name: `gateway ${r.name}`, workload: { replicas, pdb } };
    });
    const istiods = releasesOf(render, "istiod").map((r) => {
        const v = r.values;
        const replicas = v.autoscaleEnabled ? v.autoscaleMin : v.replicaCount;
        const pdb = replicas > 1 && v.global?.defaultPodDisruptionBudget?.enabled ? v.pdb : undefined;
        return { name: `istiod ${r.name}`, workload: { replicas, pdb } };
    });
    return [...gateways, ...istiods];
}

describe("autoscaling in the stacks", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            let render: Render;
            before(async () => {
                render = await renderCached(stack);
            });

            it("renders Karpenter: CRDs then controller, then the EC2NodeClass and the NodePool", () => {
                const crds = resource(render, "kubernetes:helm.sh/v3:Release", "autoscaling-crds");
                const controller = resource(render, "kubernetes:helm.sh/v3:Release", "autoscaling-controller");
                assert.ok(controller.dependsOn.includes(crds.ref));
                assert.equal((controller.props as Obj).skipCrds, true);
                const nodeClass = resource(render, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "ec2nodeclass-autoscaled");
                const pool = resource(render, "kubernetes:karpenter.sh/v1:NodePool", "nodepool-autoscaled");
                assert.ok(nodeClass.dependsOn.includes(controller.ref) && pool.dependsOn.includes(nodeClass.ref));
                assert.ok(nodeClass.dependsOn.includes(resource(render, "aws:eks/accessEntry:AccessEntry", "autoscaling-nodes").ref), "nodes can join before any launches");
            });

            it("lets the nodes join through an EC2_LINUX access entry and the program's instance profile", () => {
                const entry = resource(render, "aws:eks/accessEntry:AccessEntry", "autoscaling-nodes").props as Obj;
                assert.equal(entry.type, "EC2_LINUX");
                const profile = resource(render, "aws:iam/instanceProfile:InstanceProfile", "autoscaling-nodes").props as Obj;
                assert.equal(manifest(render, "EC2NodeClass", "autoscaled").spec.instanceProfile, profile.name);
            });

            it("feeds the interruption queue from EventBridge and names it to the controller", () => {
                const queue = resource(render, "aws:sqs/queue:Queue", "autoscaling-interruptions").props as Obj;
                const targets = render.resources.filter((r) => r.type === "aws:cloudwatch/eventTarget:EventTarget" && r.name.startsWith("autoscaling-"));
                assert.equal(targets.length, 5);
                assert.equal(queue.sqsManagedSseEnabled, true);
                assert.equal((resource(render, "kubernetes:helm.sh/v3:Release", "autoscaling-controller").props as Obj).values.settings.interruptionQueue, queue.name);
            });

            it("keeps the managed node group at its size and gives Karpenter the rest of nodes.maxSize", () => {
                const group = render.resources.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup")!.props as Obj;
                assert.equal(group.scalingConfig.maxSize, group.scalingConfig.desiredSize);
                const limits = manifest(render, "NodePool", "autoscaled").spec.limits;
                const ceiling = { dev: 4, staging: 6, prod: 9 }[stack];
                assert.equal(Number(limits.nodes) + group.scalingConfig.maxSize, ceiling, "system group + Karpenter = nodes.maxSize");
            });

            it("buys on-demand capacity only outside dev", () => {
                const types = manifest(render, "NodePool", "autoscaled").spec.template.spec.requirements.find((r: Obj) => r.key === "karpenter.sh/capacity-type").values;
                assert.deepEqual(types, stack === "dev" ? ["spot", "on-demand"] : ["on-demand"]);
            });

            it(stack === "dev" ? "creates the EC2 Spot service-linked role before the NodePool that buys spot" : "creates no Spot service-linked role (on-demand only)", () => {
                const roles = render.resources.filter((r) => r.type === "aws:iam/serviceLinkedRole:ServiceLinkedRole");
                if (stack !== "dev") return assert.deepEqual(roles, []);
                assert.equal(roles.length, 1);
                assert.equal((roles[0].props as Obj).awsServiceName, "spot.amazonaws.com");
                assert.ok(resource(render, "kubernetes:karpenter.sh/v1:NodePool", "nodepool-autoscaled").dependsOn.includes(roles[0].ref));
            });

            if (stack !== "dev") {
                it("at the HPA maxima, the gateway's and istiod's PDBs still let exactly one pod go, and its zone takes the replacement", () => {
                    const zones = new Set(render.resources.filter((r) => r.type === "aws:ec2/subnet:Subnet").map((r) => (r.props as Obj).availabilityZone)).size;
                    assert.equal(zones, 3, "staging and prod span three zones");
                    const maxima = [
                        ...releasesOf(render, "gateway").map((r) => ({ name: `gateway ${r.name}`, max: r.values.autoscaling.maxReplicas, pdb: r.values.podDisruptionBudget, spread: r.values.topologySpreadConstraints })),
                        ...releasesOf(render, "istiod").map((r) => ({ name: `istiod ${r.name}`, max: r.values.autoscaleMax, pdb: r.values.pdb, spread: r.values.topologySpreadConstraints })),
                    ];
                    assert.ok(maxima.some((w) => w.name.startsWith("gateway")) && maxima.some((w) => w.name.startsWith("istiod")));
                    for (const { name, max, pdb, spread } of maxima) {
                        assert.ok(max > 2, `${name}: the maximum is a real peak (${max})`);
                        assert.deepEqual(pdb, { maxUnavailable: 1 }, `${name}: maxUnavailable, so the budget does not grow with the replicas`);
                        assert.equal(disruptionsAllowed(max, pdb), 1, `${name} at ${max} replicas`);
                        const zone = spread.find((c: Obj) => c.topologyKey === "topology.kubernetes.io/zone");
                        const host = spread.find((c: Obj) => c.topologyKey === "kubernetes.io/hostname");
                        assert.equal(zone.whenUnsatisfiable, "DoNotSchedule", `${name}: a zone outage never takes most of it`);
                        assert.equal(host.whenUnsatisfiable, "ScheduleAnyway", `${name}: node spread never leaves a pod Pending`);
                        const counts = evenSpread(max, zones);
                        for (const from of counts.keys()) {
                            assert.ok(replacementZones(counts, from, zone.maxSkew).includes(from), `${name}: a pod evicted from zone ${from} of ${JSON.stringify(counts)} can come back there`);
                        }
                    }
                });

                it("cannot take the ingress gateway or istiod below their PDBs by consolidation, drift or expiry", () => {
                    const spec = manifest(render, "NodePool", "autoscaled").spec;
                    const pool = {
                        capacityTypes: spec.template.spec.requirements.find((r: Obj) => r.key === "karpenter.sh/capacity-type").values as string[],
                        terminationGracePeriod: spec.template.spec.terminationGracePeriod as string | undefined,
                    };
                    const workloads = meshWorkloads(render);
                    assert.ok(workloads.some((w) => w.name.startsWith("gateway")) && workloads.some((w) => w.name.startsWith("istiod")), workloads.map((w) => w.name).join());
                    for (const { name, workload } of workloads) {
                        assert.ok(workload.pdb, `${name} has no PDB`);
                        const floor = workload.pdb.minAvailable ?? workload.replicas - (workload.pdb.maxUnavailable ?? workload.replicas);
                        assert.ok(floor >= 1, `${name}: its PDB allows no pod to stay`);
                        assert.ok(floor < workload.replicas, `${name}: its PDB blocks every drain (Karpenter could never replace its nodes)`);
                        assert.equal(disruptionFloor(workload, pool), floor, `${name}: Karpenter can take it below its PDB`);
                    }
                    // And one node at a time: never two nodes' gateway pods in one round.
                    assert.deepEqual(spec.disruption.budgets, [{ nodes: "1" }]);
                });
            }
        });
    }
});

describe("autoscaling: an account that has the Spot service-linked role already", function () {
    this.timeout(60_000);
    it("creates none when autoscaling.spotServiceLinkedRole is exists (IAM would refuse a second), and still buys spot", async () => {
        const render = await renderStack("dev", { config: { "dodo-platform:autoscaling.spotServiceLinkedRole": "exists" } });
        assert.deepEqual(render.resources.filter((r) => r.type === "aws:iam/serviceLinkedRole:ServiceLinkedRole"), []);
        const types = manifest(render, "NodePool", "autoscaled").spec.template.spec.requirements.find((r: Obj) => r.key === "karpenter.sh/capacity-type").values;
        assert.deepEqual(types, ["spot", "on-demand"]);
    });
    it("refuses another value, naming the key", async () => {
        await assert.rejects(renderStack("dev", { config: { "dodo-platform:autoscaling.spotServiceLinkedRole": "import" } }), /autoscaling\.spotServiceLinkedRole/);
    });
});
