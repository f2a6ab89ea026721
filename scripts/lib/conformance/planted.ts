// What the checks must catch, planted by the harness's own client (server-side apply), not by the
// engine: an AuthorizationPolicy that allows everyone, read back through the judge's path (it
// proves the judge reads and judges live objects), and a hand-made change to a live object (it
// proves the no-change preview sees drift).
import type { KubeObject } from "../cluster/client";

export const PLANTED_RULE = "istio-authz-no-allow-all";

export function plantedViolation(): KubeObject {
    return {
        apiVersion: "security.istio.io/v1",
        kind: "AuthorizationPolicy",
        metadata: { name: "planted-allow-everyone", namespace: "dodo-payments" },
        // One empty rule: every request, from anyone, is allowed.
        spec: { action: "ALLOW", rules: [{}] },
    };
}

/** The resource the drift changes, as the engine names it (components/apply.ts, resourceName). */
export const PLANTED_DRIFT_REF = "kubernetes:security.istio.io/v1:PeerAuthentication::dodo-payments-peerauthentication-default";

/**
 * The drift the no-change preview must catch: someone relaxes the payments namespace's mTLS by
 * hand (server-side apply by the harness's field manager, forced). `pulumi preview --refresh`
 * reads the live object, and the provider diffs inputs against the refreshed state (no dry run
 * since pulumi-kubernetes#2445, which fixed drift detection after a refresh), so the preview must
 * then want to change it back.
 */
export function plantedDrift(): KubeObject {
    return {
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name: "default", namespace: "dodo-payments" },
        spec: { mtls: { mode: "PERMISSIVE" } },
    };
}
