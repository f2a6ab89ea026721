// The plain shape every builder returns: a Kubernetes object as it is sent to the API server.

export interface ObjectMeta {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: ObjectMeta;
    [field: string]: unknown;
}

/** Labels every object of the platform carries (Kubernetes recommended labels). */
export function standardLabels(name: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": "dodo-payments",
        "app.kubernetes.io/managed-by": "pulumi",
        ...extra,
    };
}
