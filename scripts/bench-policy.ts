// Times the policy checker over generated renders: the rules alone in memory (2,500 / 5,000 /
// 10,000 objects), and `npm run policy:check` end to end as whole processes on a 10,000-object
// multi-document YAML file. Run alone: `node -r ./scripts/lib/register-ts.js scripts/bench-policy.ts`.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { stringify } from "yaml";
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

export interface CommandBenchResult {
    objects: number;
    /** Wall-clock seconds of each whole `npm run policy:check` process. */
    seconds: number[];
    /** Objects over the median run. */
    objectsPerSecond: number;
}

export function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A generated render as one multi-document YAML file, the way renderers write them. */
export function writeRender(file: string, objects: number): void {
    fs.writeFileSync(file, generateObjects(objects).map((o) => stringify(o)).join("---\n"));
}

/**
 * Runs `npm run --silent policy:check -- <file>` as a user's shell would (npm on the PATH without
 * this project's node_modules/.bin), after one warm-up run that fills the transpile cache, and
 * times each whole process: npm, Node's start-up, reading, parsing, checking and the report.
 */
export function benchPolicyCommand(runs = 5, objects = 10_000): CommandBenchResult {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-policy-"));
    const file = path.join(dir, "render.yaml");
    writeRender(file, objects);
    const PATH = (process.env.PATH ?? "").split(path.delimiter).filter((p) => !p.endsWith(path.join("node_modules", ".bin"))).join(path.delimiter);
    const root = path.join(__dirname, "..");
    const seconds: number[] = [];
    try {
        for (let i = 0; i <= runs; i++) {
            const start = process.hrtime.bigint();
            const res = spawnSync("npm", ["run", "--silent", "policy:check", "--", file], { cwd: root, encoding: "utf8", env: { ...process.env, PATH } });
            const s = Number(process.hrtime.bigint() - start) / 1e9;
            if (res.status !== 0 || !res.stdout.includes(`in ${objects} objects: PASS`)) throw new Error(`policy:check failed on the bench render:\n${res.stdout}${res.stderr}`);
            if (i > 0) seconds.push(s);
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return { objects, seconds, objectsPerSecond: Math.round(objects / median(seconds)) };
}

if (require.main === module) {
    void benchPolicyChecker().then((results) => {
        for (const r of results) {
            console.log(`rules in memory: ${String(r.objects).padStart(6)} objects in ${r.seconds.toFixed(3)} s = ${r.objectsPerSecond.toLocaleString("en-US")} objects/s`);
        }
        const e2e = benchPolicyCommand();
        console.log(`npm run policy:check: ${e2e.objects} objects, median ${median(e2e.seconds).toFixed(3)} s = ${e2e.objectsPerSecond.toLocaleString("en-US")} objects/s`);
    });
}
