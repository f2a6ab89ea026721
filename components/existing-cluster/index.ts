import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartSources, releaseChart } from "../charts";
import { metricsServerValues } from "../cluster/builders";
import { ExistingClusterConfig } from "./settings";

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
        // The provider reads a kubeconfig path or its content (pulumi-kubernetes Provider
        // `kubeconfig`); with neither it uses $KUBECONFIG or ~/.kube/config.
        const kubeconfig = config.stackReference
            ? new pulumi.StackReference(`${name}-stack`, { name: config.stackReference }, { parent: this }).requireOutput("kubeconfig").apply((k) => (typeof k === "string" ? k : JSON.stringify(k)))
            : config.kubeconfig;
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
