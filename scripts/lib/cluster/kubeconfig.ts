// Kubeconfig files for the local control plane: one per client identity, all pointing at the
// API server on 127.0.0.1 inside the network namespace, certificates referenced by path.
import { stringify } from "yaml";

export interface KubeconfigInput {
    server: string;
    caFile: string;
    certFile: string;
    keyFile: string;
    /** Context, cluster and user name. */
    name: string;
}

export function kubeconfig(input: KubeconfigInput): string {
    return stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: input.name, cluster: { server: input.server, "certificate-authority": input.caFile } }],
        users: [{ name: input.name, user: { "client-certificate": input.certFile, "client-key": input.keyFile } }],
        contexts: [{ name: input.name, context: { cluster: input.name, user: input.name } }],
        "current-context": input.name,
    });
}
