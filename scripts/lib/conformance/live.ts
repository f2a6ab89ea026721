// Reads the platform's objects back from the API server: discovery of every served resource,
// then a list of each, keeping what isPlatformObject() says the platform declared.
import type { KubeClient } from "../cluster/client";
import type { KubeObject } from "../../../policy/rules/types";
import { asManifest, isPlatformObject } from "./judge";

interface ApiResource {
    name: string;
    kind: string;
    namespaced: boolean;
    verbs: string[];
}

/** Group versions the server serves (the preferred and every other version of each group). */
async function groupVersions(client: KubeClient): Promise<string[]> {
    const core = (await client.get<{ versions: string[] }>("/api"))?.versions ?? [];
    const groups = (await client.get<{ groups: { versions: { groupVersion: string }[] }[] }>("/apis"))?.groups ?? [];
    return [...core, ...groups.flatMap((g) => g.versions.map((v) => v.groupVersion))];
}

/**
 * Every platform object, each once: a kind served in several versions (autoscaling v1/v2) is read
 * in the version discovery lists first for its group (the preferred one).
 */
export async function platformObjects(client: KubeClient): Promise<KubeObject[]> {
    const seen = new Set<string>();
    const out: KubeObject[] = [];
    for (const gv of await groupVersions(client)) {
        const group = gv.includes("/") ? gv.split("/")[0] : "";
        const list = await client.get<{ resources: ApiResource[] }>(gv.includes("/") ? `/apis/${gv}` : `/api/${gv}`);
        for (const r of list?.resources ?? []) {
            if (r.name.includes("/") || !r.verbs.includes("list")) continue;
            const kindKey = `${group}/${r.kind}`;
            if (seen.has(kindKey)) continue;
            seen.add(kindKey);
            const items = (await client.get<{ items: Record<string, unknown>[] }>(gv.includes("/") ? `/apis/${gv}/${r.name}` : `/api/${gv}/${r.name}`))?.items ?? [];
            for (const item of items) {
                const obj = asManifest({ apiVersion: gv, kind: r.kind, ...item });
                if (isPlatformObject(obj, r.namespaced)) out.push(obj);
            }
        }
    }
    return out;
}
