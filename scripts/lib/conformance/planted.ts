// The violation the judge step must catch: an AuthorizationPolicy that allows everyone, applied
// to the cluster like any other object and read back through the same path.
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
