import { strict as assert } from "node:assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { genericStageResources } from "../../scripts/lib/cluster";
import { certificateReadyStage, KWOK_DEFAULT_STAGE_FILES, kwokDefaultStages, loadBalancerStage, Stage, volumeStages } from "../../scripts/lib/cluster/stages";

interface Expr {
    key?: string;
    operator?: string;
    values?: string[];
}
const exprs = (s: Stage) => ((s.spec.selector as { matchExpressions: Expr[] }).matchExpressions);
const steps = (s: Stage) => s.spec.steps as { patch?: { root?: string; subresource?: string; template: string }; apply?: { template: string }; delete?: boolean }[];

describe("local cluster: kwok stages standing in for AWS", () => {
    it("gives LoadBalancer Services without one a hostname in status, under a reserved domain", () => {
        const s = loadBalancerStage();
        assert.deepEqual(s.spec.resourceRef, { apiGroup: "v1", kind: "Service" });
        assert.deepEqual(exprs(s).find((e) => e.key === ".spec.type"), { key: ".spec.type", operator: "In", values: ["LoadBalancer"] });
        assert.ok(exprs(s).some((e) => e.key === ".status.loadBalancer.ingress" && e.operator === "DoesNotExist"));
        const patch = steps(s)[0].patch!;
        assert.equal(patch.subresource, "status");
        assert.match(patch.template, /hostname: .*\.elb\.kwok\.example/);
    });

    it("provisions a gp3 claim only once the scheduler picked a node (WaitForFirstConsumer), as EBS does", () => {
        const [provision, release] = volumeStages({ storageClass: "gp3", driver: "ebs.csi.aws.com", reclaimPolicy: "Delete", waitForFirstConsumer: true });
        assert.deepEqual(provision.spec.resourceRef, { apiGroup: "v1", kind: "PersistentVolumeClaim" });
        assert.ok(exprs(provision).some((e) => e.key?.includes("volume.kubernetes.io/selected-node") && e.operator === "Exists"));
        assert.ok(exprs(provision).some((e) => e.key === ".spec.storageClassName" && e.values?.[0] === "gp3"));
        const [pv, , volumeName, status] = steps(provision);
        assert.match(pv.apply!.template, /kind: PersistentVolume/);
        assert.match(pv.apply!.template, /driver: ebs\.csi\.aws\.com/);
        assert.match(pv.apply!.template, /persistentVolumeReclaimPolicy: Delete/);
        assert.match(volumeName.patch!.template, /volumeName: pvc-\{\{ \.metadata\.uid \}\}/);
        assert.equal(status.patch!.subresource, "status");
        assert.match(status.patch!.template, /phase: Bound/);
        assert.deepEqual(release.spec.resourceRef, { apiGroup: "v1", kind: "PersistentVolume" });
        assert.deepEqual(steps(release), [{ delete: true }]);
        const immediate = volumeStages({ storageClass: "fast", driver: "d", reclaimPolicy: "Retain", waitForFirstConsumer: false })[0];
        assert.ok(!exprs(immediate).some((e) => e.key?.includes("selected-node")));
    });

    it("marks cert-manager Certificates Ready, and only those not Ready yet", () => {
        const s = certificateReadyStage();
        assert.deepEqual(s.spec.resourceRef, { apiGroup: "cert-manager.io/v1", kind: "Certificate" });
        assert.ok(exprs(s).some((e) => e.operator === "NotIn" && e.values?.[0] === "True"));
        assert.match(steps(s)[0].patch!.template, /type: Ready\n {2}status: "True"/);
    });

    it("reads kwok's own node and pod stages from the pinned module instead of copying them", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kwok-module-"));
        try {
            for (const f of KWOK_DEFAULT_STAGE_FILES) {
                fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
                fs.writeFileSync(path.join(dir, f), `apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata:\n  name: ${path.basename(f, ".yaml")}\nspec: {}\n`);
            }
            assert.deepEqual(kwokDefaultStages(dir).map((s) => s.metadata.name), ["node-initialize", "node-heartbeat-with-lease", "pod-ready", "pod-complete", "pod-delete"]);
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });

    it("counts the resources kwok must set up a stage controller for before it is started (all but nodes and pods)", () => {
        const node = { apiVersion: "kwok.x-k8s.io/v1alpha1", kind: "Stage", metadata: { name: "n" }, spec: { resourceRef: { apiGroup: "v1", kind: "Node" } } } as const;
        const stages = [node, loadBalancerStage(), ...volumeStages({ storageClass: "gp3", driver: "d", reclaimPolicy: "Delete", waitForFirstConsumer: true }), certificateReadyStage()];
        assert.equal(genericStageResources(stages), 4);
    });
});
