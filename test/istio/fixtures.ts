// Hand-made manifests shaped like the payments stack: frontend -> backend (v1, v2) -> postgres.
import { KubeObject } from "../../components/k8s";
import { allowNothing, authorizationPolicy } from "../../components/istio/builders";

const NS = "payments";
export const FRONTEND = "cluster.local/ns/payments/sa/payments-frontend";
export const BACKEND = "cluster.local/ns/payments/sa/payments-backend";
export const INGRESS = "cluster.local/ns/istio-ingress/sa/istio-ingressgateway";

function deployment(kind: "Deployment" | "StatefulSet", name: string, labels: Record<string, string>, sa: string | undefined, ports: Array<{ name: string; containerPort: number }>): KubeObject {
    return {
        apiVersion: "apps/v1",
        kind,
        metadata: { name, namespace: NS, labels },
        spec: {
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: { ...(sa ? { serviceAccountName: sa } : {}), containers: [{ name: "app", image: "example", ports }] },
            },
        },
    };
}

function service(name: string, selector: Record<string, string>, ports: Array<{ name: string; port: number; targetPort: number | string }>): KubeObject {
    return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: NS }, spec: { selector, ports } };
}

export function paymentsManifests(): KubeObject[] {
    return [
        deployment("Deployment", "payments-frontend", { app: "payments-frontend", version: "v1" }, "payments-frontend", [{ name: "http", containerPort: 3000 }]),
        deployment("Deployment", "payments-backend-v1", { app: "payments-backend", version: "v1" }, "payments-backend", [{ name: "http", containerPort: 8080 }]),
        deployment("Deployment", "payments-backend-v2", { app: "payments-backend", version: "v2" }, "payments-backend", [{ name: "http", containerPort: 8080 }]),
        deployment("StatefulSet", "postgres", { app: "postgres" }, "postgres", [{ name: "pg", containerPort: 5432 }]),
        deployment("Deployment", "batch", { app: "batch" }, undefined, []),
        service("payments-frontend", { app: "payments-frontend" }, [{ name: "http", port: 80, targetPort: 3000 }]),
        service("payments-backend", { app: "payments-backend" }, [{ name: "http", port: 8080, targetPort: "http" }]),
        service("postgres", { app: "postgres" }, [{ name: "tcp-postgres", port: 5432, targetPort: 5432 }]),
        allowNothing(NS),
        authorizationPolicy({
            name: "allow-ingress-to-frontend",
            namespace: NS,
            spec: { selector: { matchLabels: { app: "payments-frontend" } }, rules: [{ from: [{ source: { principals: [INGRESS] } }], to: [{ operation: { ports: ["3000"] } }] }] },
        }),
        authorizationPolicy({
            name: "allow-frontend-to-backend",
            namespace: NS,
            spec: {
                selector: { matchLabels: { app: "payments-backend" } },
                rules: [{ from: [{ source: { principals: [FRONTEND] } }], to: [{ operation: { ports: ["8080"], methods: ["GET", "POST"], paths: ["/api/*"] } }] }],
            },
        }),
        authorizationPolicy({
            name: "allow-backend-to-postgres",
            namespace: NS,
            spec: { selector: { matchLabels: { app: "postgres" } }, rules: [{ from: [{ source: { principals: [BACKEND] } }], to: [{ operation: { ports: ["5432"] } }] }] },
        }),
    ];
}
