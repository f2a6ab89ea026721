import { strict as assert } from "assert";
import { disruptionsAllowed, evenSpread, replacementZones } from "../../components/autoscaling/disruption";

describe("disruption of a spread, PDB-guarded workload", () => {
    it("maxUnavailable 1 lets one pod go at every size; minAvailable 1 lets all but one go at the peak", () => {
        for (const replicas of [2, 3, 10]) assert.equal(disruptionsAllowed(replicas, { maxUnavailable: 1 }), 1, String(replicas));
        assert.equal(disruptionsAllowed(10, { minAvailable: 1 }), 9);
        assert.equal(disruptionsAllowed(1, { minAvailable: 1 }), 0, "a minAvailable PDB over one pod blocks every drain");
    });

    it("refuses a PDB with both or neither field", () => {
        assert.throws(() => disruptionsAllowed(3, {}), /exactly one/);
        assert.throws(() => disruptionsAllowed(3, { minAvailable: 1, maxUnavailable: 1 }), /exactly one/);
    });

    it("spreads as evenly as maxSkew 1 allows", () => {
        assert.deepEqual(evenSpread(10, 3), [4, 3, 3]);
        assert.deepEqual(evenSpread(2, 3), [1, 1, 0]);
        assert.throws(() => evenSpread(3, 0), /zones/);
    });

    it("lets a replacement land only where the skew stays within maxSkew (the Kubernetes 2/2/1 example)", () => {
        // TopologySpreadConstraint docs: 2/2/1 with maxSkew 1 admits an incoming pod in zone3 only.
        assert.deepEqual(replacementZones([2, 2, 2], 2, 1), [2]);
        assert.deepEqual(replacementZones([4, 3, 3], 0, 1), [0, 1, 2]);
        assert.deepEqual(replacementZones([4, 3, 3], 1, 1), [1]);
        assert.deepEqual(replacementZones([4, 3, 3], 1, 2), [1, 2]);
        assert.throws(() => replacementZones([0, 1], 0, 1), /no pod/);
    });
});
