// Canary capacity first: how many backend-v2 pods a canary weight needs, and the gate that holds
// the routes back until they are ready. Pure; manifests.ts and the component wire it.
import { BackendVersion } from "./names";
import { ReplicaBounds } from "./settings";

/**
 * backend-v2's minimum for a weight: its share of the backend's HPA maximum (the peak), rounded up,
 * never below two pods while it serves (when the maximum allows two), so one node drain cannot take
 * its whole share. The share of the peak, not of the minimum: a weight raised while traffic is at
 * its peak moves that share of the peak at once, faster than an HPA scales (it acts on averaged
 * metrics, then waits for pods and nodes). v2's minimum never exceeds its maximum, so the peak
 * the nodes are sized for (v1 and v2 each at the maximum, footprint-peak.ts) still holds it. At
 * weight 0 it only answers `x-canary: always` probes: one pod.
 */
export function canaryMinReplicas(bounds: ReplicaBounds, weight: number): number {
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) throw new Error(`payments.canary.weight must be an integer 0-100 (got ${weight})`);
    if (weight === 0) return 1;
    const share = Math.ceil((bounds.max * weight) / 100);
    return Math.min(bounds.max, Math.max(share, Math.min(2, bounds.max)));
}

/**
 * Replica bounds per backend version: v1 keeps the configured bounds (the rollback target), v2's
 * minimum follows the weight at the peak (canaryMinReplicas) and its maximum is the configured one.
 */
export function backendReplicaBounds(replicas: ReplicaBounds, canaryWeight: number): Record<BackendVersion, ReplicaBounds> {
    return { v1: replicas, v2: { min: canaryMinReplicas(replicas, canaryWeight), max: replicas.max } };
}

/**
 * The annotation that makes `pulumi up` wait, on the object carrying it, until v2 has `pods` ready
 * pods. It goes on v2's PodDisruptionBudget, whose status counts the Ready pods it selects
 * (`status.currentHealthy`), and changes with the weight, so Pulumi updates and awaits it on
 * every weight change, after v2's HPA (the component orders them) and before the routes.
 *
 * pulumi-kubernetes reads `pulumi.com/waitFor` as `jsonpath={<RFC 9535 path>}` and is satisfied
 * once the path selects something (provider pkg/jsonpath, github.com/theory/jsonpath; it also
 * waits for status.observedGeneration to catch up). `$[?@.currentHealthy > n]` selects the status
 * object once more than n pods are healthy: `>` because an `=` would be read as the value to match.
 */
export function capacityGate(pods: number): Record<string, string> {
    if (!Number.isInteger(pods) || pods < 1) throw new Error(`a capacity gate needs a whole number of pods >= 1 (got ${pods})`);
    return { "pulumi.com/waitFor": `jsonpath={$[?@.currentHealthy > ${pods - 1}]}` };
}
