// What a node drain may do to a spread, PDB-guarded workload at any replica count. Pure; the
// stack tests apply it to the gateway and istiod at their HPA maxima (test/autoscaling).

/** A PodDisruptionBudget's spec as the charts render it: one of the two, never both. */
export interface BudgetSpec {
    minAvailable?: number;
    maxUnavailable?: number;
}

/**
 * How many pods the Eviction API lets go at once with all `replicas` healthy: the disruption
 * controller's `disruptionsAllowed = currentHealthy - desiredHealthy`, where desiredHealthy is
 * minAvailable, or expectedPods - maxUnavailable (kubernetes pkg/controller/disruption,
 * getExpectedPodCount). Integers only: the platform sets no percentages.
 */
export function disruptionsAllowed(replicas: number, pdb: BudgetSpec): number {
    if ((pdb.minAvailable === undefined) === (pdb.maxUnavailable === undefined)) throw new Error(`a PDB sets exactly one of minAvailable and maxUnavailable (got ${JSON.stringify(pdb)})`);
    const desiredHealthy = pdb.minAvailable ?? replicas - (pdb.maxUnavailable as number);
    return Math.max(0, replicas - desiredHealthy);
}

/** Pods per zone when `replicas` are spread over `zones` with maxSkew 1: as even as it gets. */
export function evenSpread(replicas: number, zones: number): number[] {
    if (!Number.isInteger(zones) || zones < 1) throw new Error(`zones must be a positive integer (got ${zones})`);
    return [...Array(zones).keys()].map((z) => Math.floor(replicas / zones) + (z < replicas % zones ? 1 : 0));
}

/**
 * The zones a replacement for a pod evicted from `evictedFrom` may be scheduled into under a
 * DoNotSchedule zone constraint: placing it must leave (that zone's count + 1) - the global
 * minimum <= maxSkew (TopologySpreadConstraint.maxSkew: "the maximum permitted difference between
 * the number of matching pods in the target topology and the global minimum"). Empty means the
 * evicted pod would stay Pending.
 */
export function replacementZones(counts: readonly number[], evictedFrom: number, maxSkew: number): number[] {
    const after = counts.map((n, z) => (z === evictedFrom ? n - 1 : n));
    if (after[evictedFrom] < 0) throw new Error(`zone ${evictedFrom} has no pod to evict`);
    const globalMin = Math.min(...after);
    return after.flatMap((n, z) => (n + 1 - globalMin <= maxSkew ? [z] : []));
}
