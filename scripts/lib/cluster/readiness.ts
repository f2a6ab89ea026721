// How the harness knows each piece is up: etcd's /health, the API server's /readyz, the
// controllers' /healthz, and kwok's nodes reporting Ready.
import * as http from "http";
import * as https from "https";
import { KubeClient } from "./client";

function get(url: string): Promise<{ status: number; text: string }> {
    const mod = url.startsWith("https:") ? https : http;
    return new Promise((resolve, reject) => {
        // The controllers serve /healthz with a certificate they made themselves (on loopback, in
        // the namespace): only the answer matters, not who signed it.
        const req = mod.get(url, { timeout: 5_000, ...(url.startsWith("https:") ? { rejectUnauthorized: false } : {}) }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on("timeout", () => req.destroy(new Error(`${url}: timed out`)));
        req.on("error", reject);
    });
}

export async function etcdHealthy(port: number): Promise<true | undefined> {
    const r = await get(`http://127.0.0.1:${port}/health`);
    return r.status === 200 && /"health":\s*"true"/.test(r.text) ? true : undefined;
}

export async function healthz(port: number): Promise<true | undefined> {
    const r = await get(`https://127.0.0.1:${port}/healthz`);
    return r.status === 200 && r.text.trim() === "ok" ? true : undefined;
}

export async function apiserverReady(client: KubeClient): Promise<true | undefined> {
    const r = await client.request("GET", "/readyz");
    return r.status === 200 ? true : undefined;
}

interface NodeList {
    items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
}

/** Names of the nodes whose Ready condition is True, once `count` of them are. */
export async function nodesReady(client: KubeClient, count: number): Promise<string[] | undefined> {
    const list = await client.get<NodeList>("/api/v1/nodes");
    const ready = (list?.items ?? []).filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).map((n) => n.metadata.name);
    return ready.length >= count ? ready : undefined;
}

/** The `default` ServiceAccount of a namespace: pods cannot be created there before it exists. */
export async function defaultServiceAccount(client: KubeClient, namespace = "default"): Promise<true | undefined> {
    return (await client.get(`/api/v1/namespaces/${namespace}/serviceaccounts/default`)) ? true : undefined;
}
