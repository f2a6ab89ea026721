// Times the policy checker over generated renders of 2,500 / 5,000 / 10,000 objects and
// reports objects per second. Run alone: `node -r ts-node/register/transpile-only scripts/bench-policy.ts`.
import { performance } from "perf_hooks";
import { checkObjects } from "../policy/check";
import type { KubeObject } from "../policy/rules/types";

export interface BenchResult {
    objects: number;
    seconds: number;
    objectsPerSecond: number;
}

const securityContext = {
    allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 10001,
    capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
};

/** One meshed namespace worth of objects (10), in the shapes the platform renders. */
function namespaceObjects(i: number): KubeObject[] {
    const ns = `team-${i}`;
    const app = `svc-${i}`;
    const labels = { "app.kubernetes.io/name": app };
    const host = `${app}.${ns}.svc.cluster.local`;
    return [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { "istio-injection": "enabled" } } },
        { apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata: { name: "default-deny", namespace: ns }, spec: {} },
        {
            apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata: { name: `allow-${app}`, namespace: ns },
            spec: { selector: { matchLabels: labels }, action: "ALLOW", rules: [{ from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/client`] } }], to: [{ operation: { methods: ["GET"], paths: ["/api/*"] } }] }] },
        },
        { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name: "default", namespace: ns }, spec: { mtls: { mode: "STRICT" } } },
        { apiVersion: "v1", kind: "Service", metadata: { name: app, namespace: ns }, spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: 8080 }] } },
        {
            apiVersion: "apps/v1", kind: "Deployment", metadata: { name: app, namespace: ns },
            spec: {
                replicas: 3, selector: { matchLabels: labels },
                template: { metadata: { labels: { ...labels, version: "v1" } }, spec: { containers: [{
                    name: "app", image: `ghcr.io/dodopayments/${app}:1.0.${i}`, securityContext,
                    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                    readinessProbe: { httpGet: { path: "/ready", port: 8080 } }, livenessProbe: { httpGet: { path: "/live", port: 8080 } },
                }] } },
            },
        },
        { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: app, namespace: ns }, spec: { minAvailable: 1, selector: { matchLabels: labels } } },
        {
            apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: { name: app, namespace: ns },
            spec: { host, trafficPolicy: { tls: { mode: "ISTIO_MUTUAL" } }, subsets: [{ name: "v1", labels: { version: "v1" } }, { name: "v2", labels: { version: "v2" } }] },
        },
        {
            apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: app, namespace: ns },
            spec: { hosts: [host], http: [{ route: [{ destination: { host, subset: "v1" }, weight: 90 }, { destination: { host, subset: "v2" }, weight: 10 }] }] },
        },
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: app, namespace: ns } },
    ];
}

/** A render of about `n` objects: a mesh-wide STRICT policy plus meshed namespaces. */
export function generateObjects(n: number): KubeObject[] {
    const out: KubeObject[] = [{ apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name: "default", namespace: "istio-system" }, spec: { mtls: { mode: "STRICT" } } }];
    for (let i = 0; out.length < n; i++) out.push(...namespaceObjects(i));
    return out.slice(0, n);
}

function timeOnce(objects: KubeObject[]): number {
    const start = performance.now();
    const findings = checkObjects(objects);
    const seconds = (performance.now() - start) / 1000;
    if (findings.length > 0) throw new Error(`bench input should be compliant, got ${findings.length} findings (first: ${findings[0]?.rule}: ${findings[0]?.message})`);
    return seconds;
}

/** Best of five timed runs per size, after warming up on the largest input, so JIT and GC noise do not dominate. */
export async function benchPolicyChecker(sizes: readonly number[] = [2500, 5000, 10000]): Promise<BenchResult[]> {
    const warm = generateObjects(Math.max(...sizes));
    for (let r = 0; r < 3; r++) timeOnce(warm);
    const results: BenchResult[] = [];
    for (const objects of sizes) {
        const input = generateObjects(objects);
        let best = Infinity;
        for (let r = 0; r < 5; r++) best = Math.min(best, timeOnce(input));
        results.push({ objects, seconds: best, objectsPerSecond: Math.round(objects / best) });
        await new Promise((resolve) => setImmediate(resolve));
    }
    return results;
}

if (require.main === module) {
    void benchPolicyChecker().then((results) => {
        for (const r of results) {
            console.log(`policy-check: ${String(r.objects).padStart(6)} objects in ${r.seconds.toFixed(3)} s = ${r.objectsPerSecond.toLocaleString("en-US")} objects/s`);
        }
    });
}
