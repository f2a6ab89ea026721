// A small Kubernetes API client for the harness: client-certificate auth, server-side apply,
// discovery of resource paths, and polling. Enough for fixtures and checks; the engine brings
// its own client.
import * as fs from "fs";
import * as https from "https";

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; [k: string]: unknown };
    [k: string]: unknown;
}

export interface ApiResponse {
    status: number;
    body: unknown;
    text: string;
}

export class ApiError extends Error {
    constructor(
        message: string,
        readonly status: number,
    ) {
        super(message);
        this.name = "ApiError";
    }
}

/** The API path of an object's collection: core group under /api, others under /apis. */
export function collectionPath(apiVersion: string, plural: string, namespace?: string): string {
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}` : `${base}/${plural}`;
}

const FIELD_MANAGER = "dodo-local-cluster";

export class KubeClient {
    private readonly agent: https.Agent;
    private readonly resources = new Map<string, { plural: string; namespaced: boolean }>();

    constructor(
        readonly server: string,
        tls: { ca: string; cert: string; key: string },
    ) {
        this.agent = new https.Agent({ ca: fs.readFileSync(tls.ca), cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key), keepAlive: true });
    }

    /** `headers`: extra request headers, e.g. Impersonate-User / Impersonate-Group (a list sends one header per value). */
    request(method: string, path: string, body?: unknown, contentType = "application/json", headers: Record<string, string | string[]> = {}): Promise<ApiResponse> {
        const url = new URL(path, this.server);
        const payload = body === undefined ? undefined : JSON.stringify(body);
        return new Promise((resolve, reject) => {
            const req = https.request(url, { method, agent: this.agent, headers: { Accept: "application/json", ...(payload ? { "Content-Type": contentType } : {}), ...headers }, timeout: 30_000 }, (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    let parsed: unknown = text;
                    try {
                        parsed = JSON.parse(text);
                    } catch {
                        // plain text (healthz) stays text
                    }
                    resolve({ status: res.statusCode ?? 0, body: parsed, text });
                });
            });
            req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
            req.on("error", reject);
            if (payload) req.write(payload);
            req.end();
        });
    }

    /** GET returning the parsed body; undefined on 404; throws on other errors. */
    async get<T = Record<string, unknown>>(path: string): Promise<T | undefined> {
        const r = await this.request("GET", path);
        if (r.status === 404) return undefined;
        if (r.status >= 400) throw new ApiError(`GET ${path}: ${r.status} ${r.text.slice(0, 300)}`, r.status);
        return r.body as T;
    }

    /** Plural name and scope of a kind, from discovery (cached per group/version). */
    async resource(apiVersion: string, kind: string): Promise<{ plural: string; namespaced: boolean }> {
        const key = `${apiVersion}/${kind}`;
        if (!this.resources.has(key)) {
            const list = await this.get<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
            for (const r of list?.resources ?? []) if (!r.name.includes("/")) this.resources.set(`${apiVersion}/${r.kind}`, { plural: r.name, namespaced: r.namespaced });
        }
        const found = this.resources.get(key);
        if (!found) throw new ApiError(`${kind} (${apiVersion}) is not served by the API server`, 404);
        return found;
    }

    async objectPath(obj: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): Promise<string> {
        const r = await this.resource(obj.apiVersion, obj.kind);
        return `${collectionPath(obj.apiVersion, r.plural, r.namespaced ? (obj.metadata.namespace ?? "default") : undefined)}/${encodeURIComponent(obj.metadata.name)}`;
    }

    /** Server-side apply (creates or updates), as kubectl apply --server-side would. */
    async apply(obj: KubeObject): Promise<KubeObject> {
        const path = `${await this.objectPath(obj)}?fieldManager=${FIELD_MANAGER}&force=true`;
        const r = await this.request("PATCH", path, obj, "application/apply-patch+yaml");
        if (r.status >= 400) throw new ApiError(`apply ${obj.kind} ${obj.metadata.namespace ?? ""}/${obj.metadata.name}: ${r.status} ${r.text.slice(0, 500)}`, r.status);
        return r.body as KubeObject;
    }

    async delete(obj: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): Promise<void> {
        const path = await this.objectPath(obj);
        const r = await this.request("DELETE", path);
        if (r.status >= 400 && r.status !== 404) throw new ApiError(`DELETE ${path}: ${r.status} ${r.text.slice(0, 300)}`, r.status);
    }

    /**
     * Whether a group/version serves a resource, in the group list too: clients that build a
     * REST mapper from discovery (kwok at start) read /apis first, and a new CRD's group shows up
     * there a moment after its own /apis/<group>/<version> does.
     */
    async serves(apiVersion: string, plural: string): Promise<boolean> {
        if (apiVersion.includes("/")) {
            const groups = await this.request("GET", "/apis");
            const listed = ((groups.body as { groups?: { versions: { groupVersion: string }[] }[] }).groups ?? []).some((g) => g.versions.some((v) => v.groupVersion === apiVersion));
            if (groups.status !== 200 || !listed) return false;
        }
        const r = await this.request("GET", apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
        return r.status === 200 && ((r.body as { resources?: { name: string }[] }).resources ?? []).some((x) => x.name === plural);
    }

    /**
     * Whether the OpenAPI v3 document of a group/version describes the resource. kwok reads it at
     * start for each stage's resource (pkg/utils/patch/openapi.go) and exits when it is missing,
     * which for a new CRD it is for a moment after discovery lists it.
     */
    async inOpenApi(apiVersion: string, plural: string): Promise<boolean> {
        const gv = apiVersion.includes("/") ? `apis/${apiVersion}` : `api/${apiVersion}`;
        const doc = await this.get<{ paths?: Record<string, unknown> }>(`/openapi/v3/${gv}`);
        return Object.keys(doc?.paths ?? {}).some((p) => p.endsWith(`/${plural}/{name}`) && !p.includes("/watch/"));
    }

    close(): void {
        this.agent.destroy();
    }
}

/**
 * Polls `check` until it returns a value (not undefined), or fails after `timeoutMs` naming `what`.
 * Errors from `check` count as "not yet"; errors from `abort` (e.g. a process died) end the wait.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 250, abort?: () => void): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        abort?.();
        try {
            const v = await check();
            if (v !== undefined) return v;
        } catch (err) {
            last = err;
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}
