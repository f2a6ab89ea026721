// What may outlive `pulumi destroy`, and what counts as left behind: the platform's objects and
// every PersistentVolume (a volume is data, and on EKS a billed EBS volume).
import type { KubeClient } from "../cluster/client";
import type { KubeObject } from "../../../policy/rules/types";
import { waitFor } from "../cluster/client";

type Meta = { kind?: string; metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> } };

/**
 * Why an object may outlive `pulumi destroy`: the harness made it (the stand-in for a
 * pre-installed cert-manager, and what Kubernetes puts in every namespace), or its chart keeps it
 * on uninstall (`helm.sh/resource-policy: keep`: Istio's CRDs, so custom resources are never lost
 * with a release). undefined: it is the stack's, and must be gone.
 */
export function allowedLeftover(o: Meta): "harness" | "kept by its chart" | undefined {
    if (o.metadata?.annotations?.["helm.sh/resource-policy"] === "keep") return "kept by its chart";
    const ns = o.metadata?.namespace;
    const inEveryNamespace = (o.kind === "ServiceAccount" && o.metadata?.name === "default") || (o.kind === "ConfigMap" && o.metadata?.name === "kube-root-ca.crt");
    return ns === "cert-manager" && inEveryNamespace ? "harness" : undefined;
}

interface Volume {
    metadata?: { name?: string };
    spec?: { claimRef?: { namespace?: string; name?: string }; persistentVolumeReclaimPolicy?: string };
    status?: { phase?: string };
}

/** A volume still there after destroy, named with the claim it served. */
export function describeVolume(v: Volume): string {
    const claim = v.spec?.claimRef ? ` (claim ${v.spec.claimRef.namespace}/${v.spec.claimRef.name}, ${v.spec.persistentVolumeReclaimPolicy ?? "?"}, ${v.status?.phase ?? "?"})` : "";
    return `PersistentVolume ${v.metadata?.name}${claim}`;
}

export interface Leftovers {
    /** The stack's objects and volumes still on the API server: the run fails on any. */
    ours: string[];
    /** Objects their chart keeps (listed in the report). */
    keptByCharts: string[];
}

/** Sorts what is left after destroy. The harness cluster has no volume of its own, so every one is the stack's. */
export function leftovers(platform: readonly KubeObject[], volumes: readonly Volume[]): Leftovers {
    const name = (o: KubeObject) => `${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
    return {
        ours: [...platform.filter((o) => !allowedLeftover(o as Meta)).map(name), ...volumes.map(describeVolume)],
        keptByCharts: platform.filter((o) => allowedLeftover(o as Meta) === "kept by its chart").map((o) => `${o.kind} ${o.metadata?.name}`),
    };
}

/**
 * The volumes left, once deleting them has had its chance: claims go with their namespace, the PV
 * controller releases their volumes and the provisioner (a kwok stage here, the EBS CSI driver on
 * EKS) deletes released ones asynchronously, after `pulumi destroy` has returned.
 */
export async function volumesAfterDestroy(client: KubeClient, settleMs = 60_000): Promise<Volume[]> {
    const list = async () => (await client.get<{ items: Volume[] }>("/api/v1/persistentvolumes"))?.items ?? [];
    try {
        return await waitFor("PersistentVolumes to be deleted", async () => ((await list()).length === 0 ? [] : undefined), settleMs, 1000);
    } catch {
        return list();
    }
}
