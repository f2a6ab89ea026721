import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartSources, releaseChart } from "../charts";
import { metricsServerValues } from "../cluster/builders";
import { fullKey } from "../settings";
import { ExistingClusterConfig, existingClusterKeys } from "./settings";

export interface ExistingClusterArgs {
    config: ExistingClusterConfig;
    charts: ChartSources;
}

/**
 * A cluster the blueprint does not build (kind, k3d, another stack's EKS cluster), reached through
 * a kubeconfig file or another stack's `kubeconfig` output. It offers what the Kubernetes layer
 * needs of a cluster: a provider and what must run first (metrics-server, unless the cluster has one).
 */
export class ExistingCluster extends pulumi.ComponentResource {
    readonly provider: k8s.Provider;
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dodo:platform:ExistingCluster", name, {}, opts);
        const { config } = args;
        // Contents, never a path: the provider keeps its `kubeconfig` in state (encrypted, as a
        // secret) and would read a path again on later runs (kubeconfig.ts). Without a file the
        // provider reads $KUBECONFIG or ~/.kube/config itself, with the named context.
        const kubeconfig = config.stackReference
            ? stackKubeconfig(new pulumi.StackReference(`${name}-stack`, { name: config.stackReference }, { parent: this }), config.stackReference)
            : config.kubeconfigContents !== undefined ? pulumi.secret(config.kubeconfigContents) : undefined;
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig, context: config.context }, { parent: this });

        this.ready = [];
        if (config.metricsServer) {
            // The resource metrics API: without it every HorizontalPodAutoscaler stays at its minimum.
            this.ready.push(new k8s.helm.v3.Release(`${name}-metrics-server`, {
                name: "metrics-server",
                ...releaseChart("metricsServer", args.charts),
                namespace: "kube-system",
                atomic: true,
                timeout: 600,
                values: metricsServerValues(1),
            }, { parent: this, provider: this.provider }));
        }
        this.registerOutputs({});
    }
}

/**
 * The referenced stack's `kubeconfig` output (a string, or an object such as @pulumi/eks exports),
 * as a secret. A stack without it fails the run naming the key, with no stack trace (RunError).
 */
export function stackKubeconfig(ref: pulumi.StackReference, stack: string): pulumi.Output<string> {
    return pulumi.secret(ref.getOutput("kubeconfig").apply((k: unknown) => {
        if (typeof k === "string" && k !== "") return k;
        if (typeof k === "object" && k !== null) return JSON.stringify(k);
        throw new pulumi.RunError(`${fullKey(existingClusterKeys.stackReference.key)}: stack ${stack} has no \`kubeconfig\` output (expected the cluster's kubeconfig, a string or an object, e.g. \`export const kubeconfig = cluster.kubeconfig\` in the project that owns the cluster)`);
    }));
}
