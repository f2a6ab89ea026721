// A quick end-to-end check of the local cluster: a Deployment, a LoadBalancer Service and a claim
// used by a pod, then the same effects a real EKS cluster would show (pods Running on the nodes
// with pod IPs, endpoints, an LB hostname, a bound gp3 volume), and clean removal.
import { KubeClient, KubeObject, waitFor } from "./client";
import { CERTIFICATE_RESOURCE } from "./stages";

const NS = "dodo-smoke";
const labels = { "app.kubernetes.io/name": "smoke", "app.kubernetes.io/part-of": "dodo-payments" };

export function smokeObjects(): KubeObject[] {
    const container = { name: "app", image: "registry.example/smoke:1.0.0", ports: [{ containerPort: 8080 }], resources: { requests: { cpu: "100m", memory: "64Mi" } } };
    return [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "smoke-web", namespace: NS },
            spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container] } } },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "smoke-web", namespace: NS },
            spec: { type: "LoadBalancer", selector: labels, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
        },
        {
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            metadata: { name: "smoke-data", namespace: NS },
            spec: { storageClassName: "gp3", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
        },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "smoke-db", namespace: NS },
            spec: {
                replicas: 1,
                selector: { matchLabels: { "app.kubernetes.io/name": "smoke-db" } },
                template: {
                    metadata: { labels: { "app.kubernetes.io/name": "smoke-db" } },
                    spec: { containers: [{ ...container, volumeMounts: [{ name: "data", mountPath: "/data" }] }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "smoke-data" } }] },
                },
            },
        },
    ];
}

interface Pod {
    metadata: { name: string };
    spec: { nodeName?: string };
    status: { phase?: string; podIP?: string };
}

export interface SmokeResult {
    pods: { name: string; node: string; ip: string }[];
    lbHostname: string;
    volume: string;
    endpoints: string[];
    seconds: number;
}

/** Applies the objects, waits for what EKS would do, then deletes them and waits until the volume is gone. */
export async function smokeTest(client: KubeClient, nodeNames: readonly string[], timeoutMs = 90_000): Promise<SmokeResult> {
    const t0 = Date.now();
    for (const obj of smokeObjects()) await client.apply(obj);
    const pods = await waitFor("3 smoke pods Running on the fake nodes", async () => {
        const list = await client.get<{ items: Pod[] }>(`/api/v1/namespaces/${NS}/pods`);
        const running = (list?.items ?? []).filter((p) => p.status.phase === "Running" && p.status.podIP && nodeNames.includes(p.spec.nodeName ?? ""));
        return running.length === 3 ? running.map((p) => ({ name: p.metadata.name, node: p.spec.nodeName!, ip: p.status.podIP! })) : undefined;
    }, timeoutMs);
    const lbHostname = await waitFor("the LoadBalancer hostname", async () => {
        const svc = await client.get<{ status?: { loadBalancer?: { ingress?: { hostname?: string }[] } } }>(`/api/v1/namespaces/${NS}/services/smoke-web`);
        return svc?.status?.loadBalancer?.ingress?.[0]?.hostname;
    }, timeoutMs);
    const volume = await waitFor("the claim Bound", async () => {
        const pvc = await client.get<{ spec: { volumeName?: string }; status?: { phase?: string } }>(`/api/v1/namespaces/${NS}/persistentvolumeclaims/smoke-data`);
        return pvc?.status?.phase === "Bound" ? pvc.spec.volumeName : undefined;
    }, timeoutMs);
    const endpoints = await waitFor("EndpointSlice addresses for the Service", async () => {
        const list = await client.get<{ items: { endpoints?: { addresses: string[] }[] }[] }>(`/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dsmoke-web`);
        const ips = (list?.items ?? []).flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses));
        return ips.length === 2 ? ips.sort() : undefined;
    }, timeoutMs);
    await client.delete({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    await waitFor("the smoke namespace and its volume gone", async () => {
        const ns = await client.get(`/api/v1/namespaces/${NS}`);
        const pv = await client.get(`/api/v1/persistentvolumes/${volume}`);
        return ns === undefined && pv === undefined ? true : undefined;
    }, timeoutMs);
    return { pods, lbHostname, volume: volume ?? "", endpoints, seconds: (Date.now() - t0) / 1000 };
}

/**
 * A stand-in for cert-manager's Certificate CRD (any fields accepted), for checking the
 * certificate stage only: the real CRD comes with the cert-manager chart, when a stack installs it.
 */
export function certificateCrdStandIn(): KubeObject {
    const c = CERTIFICATE_RESOURCE;
    const schema = { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } };
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `${c.plural}.${c.group}` },
        spec: { group: c.group, scope: "Namespaced", names: { plural: c.plural, singular: "certificate", kind: c.kind }, versions: [{ name: c.version, served: true, storage: true, schema, subresources: { status: {} } }] },
    };
}

/** Applies the stand-in CRD, lets kwok pick up the certificate stage, and waits for a Certificate to turn Ready. */
export async function certificateSmokeTest(client: KubeClient, restartKwok: () => Promise<void>, timeoutMs = 60_000): Promise<number> {
    const t0 = Date.now();
    const c = CERTIFICATE_RESOURCE;
    await client.apply(certificateCrdStandIn());
    await restartKwok();
    const cert = { apiVersion: `${c.group}/${c.version}`, kind: c.kind, metadata: { name: "smoke-tls", namespace: "default" }, spec: { secretName: "smoke-tls", dnsNames: ["smoke.example"] } };
    await client.apply(cert);
    await waitFor("the Certificate Ready", async () => {
        const got = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(`/apis/${c.group}/${c.version}/namespaces/default/${c.plural}/smoke-tls`);
        return got?.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True") ? true : undefined;
    }, timeoutMs);
    await client.delete(cert);
    await client.delete(certificateCrdStandIn());
    return (Date.now() - t0) / 1000;
}
