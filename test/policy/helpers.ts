// Shared builders for the policy tests: small, valid objects that each test then breaks.
import { checkObjects, CheckOptions } from "../../policy/check";
import type { Finding, KubeObject } from "../../policy/rules/types";

/** Findings of one rule over the given objects. */
export function run(rule: string, objects: KubeObject[], options: CheckOptions = {}): Finding[] {
    return checkObjects(objects, { ...options, only: [rule] });
}

export function ns(name: string, labels: Record<string, string> = { "istio-injection": "enabled" }): KubeObject {
    return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } };
}

export function hardenedContainer(name = "app", extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name,
        image: "ghcr.io/dodopayments/backend:1.4.2",
        ports: [{ containerPort: 8080, name: "http" }],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        readinessProbe: { httpGet: { path: "/ready", port: 8080 } },
        livenessProbe: { httpGet: { path: "/live", port: 8080 } },
        securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: 10001,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        },
        ...extra,
    };
}

export function podSpec(containers: Record<string, unknown>[] = [hardenedContainer()], extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { containers, ...extra };
}

export function deployment(name: string, namespace: string, spec: Record<string, unknown> = podSpec(), opts: { replicas?: number; labels?: Record<string, string>; annotations?: Record<string, string> } = {}): KubeObject {
    const labels = opts.labels ?? { "app.kubernetes.io/name": name };
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace },
        spec: {
            replicas: opts.replicas ?? 2,
            selector: { matchLabels: labels },
            template: { metadata: { labels, ...(opts.annotations ? { annotations: opts.annotations } : {}) }, spec },
        },
    };
}

export function cronJob(name: string, namespace: string, spec: Record<string, unknown>): KubeObject {
    return {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name, namespace },
        spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { metadata: { labels: { app: name } }, spec } } } },
    };
}

export function istio(kind: string, name: string, namespace: string, spec: unknown, apiVersion?: string): KubeObject {
    const group = ["PeerAuthentication", "AuthorizationPolicy", "RequestAuthentication"].includes(kind) ? "security.istio.io" : "networking.istio.io";
    return { apiVersion: apiVersion ?? `${group}/v1`, kind, metadata: { name, namespace }, spec };
}

export function messages(findings: Finding[]): string[] {
    return findings.map((f) => f.message);
}
