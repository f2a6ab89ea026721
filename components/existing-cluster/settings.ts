// cluster.mode: the AWS layer (VPC, EKS, IAM, Route 53) or an existing cluster reached through a
// kubeconfig (kind, k3d, a cluster another stack owns). Keys under `cluster.existing.*`.
import { z } from "zod";
import { ConfigReader, ConfigSection, defineKey, oneOf } from "../settings";

export type ClusterMode = "eks" | "existing";
export type GatewayServiceType = "LoadBalancer" | "NodePort";

export interface ExistingClusterConfig {
    /** Path of the kubeconfig file; undefined: $KUBECONFIG or ~/.kube/config. */
    kubeconfig?: string;
    /** Context in the kubeconfig; undefined: its current context. */
    context?: string;
    /** `<org>/<project>/<stack>` whose `kubeconfig` output reaches the cluster (instead of a file). */
    stackReference?: string;
    /** StorageClass of every volume claim (the cluster's own, e.g. kind's `standard`). */
    storageClass: string;
    /** Install metrics-server (the resource metrics API the HPAs need); off where the cluster has one. */
    metricsServer: boolean;
    /** How the ingress gateway is reached: a plain LoadBalancer Service, or NodePorts. */
    gatewayServiceType: GatewayServiceType;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const existingClusterKeys = {
    mode: defineKey<ClusterMode>({
        key: "cluster.mode",
        type: "string",
        description: "`eks`: the blueprint builds the VPC, the EKS cluster and its AWS resources. `existing`: it installs the Kubernetes layer (mesh, payments, observability) on a cluster it reaches through cluster.existing.*, with in-cluster fallbacks for what needs AWS (docs/architecture.md); dev-environment stacks only.",
        schema: oneOf(["eks", "existing"] as const),
        default: "eks",
    }),
    kubeconfig: defineKey({
        key: "cluster.existing.kubeconfig",
        type: "string",
        description: "Existing cluster: path of its kubeconfig file. Unset: $KUBECONFIG, else ~/.kube/config.",
        schema: z.string().min(1),
        optional: true,
    }),
    context: defineKey({
        key: "cluster.existing.context",
        type: "string",
        description: "Existing cluster: the kubeconfig context to use (e.g. kind-dodo). Unset: the kubeconfig's current context.",
        schema: z.string().min(1),
        optional: true,
    }),
    stackReference: defineKey({
        key: "cluster.existing.stackReference",
        type: "string",
        description: "Existing cluster: <org>/<project>/<stack> of a stack that exports the cluster's `kubeconfig` (e.g. an eks-mode stack of this project), instead of a kubeconfig file.",
        schema: z.string().regex(/^[\w.-]+\/[\w.-]+\/[\w.-]+$/, { message: "expected <org>/<project>/<stack>" }),
        optional: true,
    }),
    storageClass: defineKey({
        key: "cluster.existing.storageClass",
        type: "string",
        description: "Existing cluster: the StorageClass of every volume claim (kind: standard, k3d: local-path).",
        schema: z.string().regex(DNS_SUBDOMAIN, { message: "expected a StorageClass name (DNS subdomain)" }),
        default: "standard",
    }),
    metricsServer: defineKey({
        key: "cluster.existing.metricsServer",
        type: "boolean",
        description: "Existing cluster: install metrics-server, which the HorizontalPodAutoscalers need. Turn off where the cluster has one (k3d) or the chart cannot be fetched.",
        schema: z.boolean(),
        default: true,
    }),
    gatewayServiceType: defineKey<GatewayServiceType>({
        key: "cluster.existing.gatewayServiceType",
        type: "string",
        description: "Existing cluster: the ingress gateway's Service type, LoadBalancer (a cloud or MetalLB/cloud-provider-kind load balancer) or NodePort.",
        schema: oneOf(["LoadBalancer", "NodePort"] as const),
        default: "LoadBalancer",
    }),
} as const;

export interface ClusterTargetConfig {
    mode: ClusterMode;
    /** Only with mode `existing`. */
    existing?: ExistingClusterConfig;
}

export const existingClusterSection: ConfigSection<ClusterTargetConfig> = {
    keys: Object.values(existingClusterKeys),
    read(reader: ConfigReader): ClusterTargetConfig {
        const k = existingClusterKeys;
        const mode = reader.get(k.mode);
        const existingKeys = [k.kubeconfig, k.context, k.stackReference, k.storageClass, k.metricsServer, k.gatewayServiceType];
        if (mode === "eks") {
            for (const spec of existingKeys) if (reader.isSet(spec)) reader.fail(spec.key, "only applies with cluster.mode existing");
            return { mode };
        }
        const existing: ExistingClusterConfig = {
            kubeconfig: reader.get(k.kubeconfig, "optional"),
            context: reader.get(k.context, "optional"),
            stackReference: reader.get(k.stackReference, "optional"),
            storageClass: reader.get(k.storageClass),
            metricsServer: reader.get(k.metricsServer),
            gatewayServiceType: reader.get(k.gatewayServiceType),
        };
        if (existing.stackReference && (existing.kubeconfig || existing.context)) {
            reader.fail(k.stackReference.key, "reaches the cluster through the stack's kubeconfig output; unset cluster.existing.kubeconfig and cluster.existing.context");
        }
        return { mode, existing };
    },
};

/** What an existing-cluster stack needs of the other sections: everything AWS-backed falls back. */
export interface ExistingModeInputs {
    environment: string;
    tlsIssuer: string;
    hostedZone?: string;
    lokiStorage: string;
    /** Keys of the AWS layer (network.*, nodes.*, cluster.* of EKS) the stack sets: they would do nothing. */
    awsKeysSet: readonly string[];
}

/** Problems of an existing-cluster stack, by key; none when it is in the dev environment with in-cluster fallbacks. */
export function existingModeProblems(inputs: ExistingModeInputs): { key: string; message: string }[] {
    const problems: { key: string; message: string }[] = [];
    if (inputs.environment !== "dev") {
        problems.push({ key: existingClusterKeys.mode.key, message: `existing clusters run dev-environment stacks only (got ${inputs.environment}): staging and prod need the AWS layer (public certificates, DNS, the NLB, S3 logs)` });
    }
    if (inputs.tlsIssuer !== "selfSigned") {
        problems.push({ key: "payments.tls.issuer", message: `with cluster.mode existing the certificate comes from the in-cluster CA ("selfSigned"); ACME DNS-01 needs the Route 53 zone and IAM role the eks mode builds (got "${inputs.tlsIssuer}")` });
    }
    if (inputs.hostedZone !== undefined) problems.push({ key: "payments.tls.hostedZone", message: "has no effect with cluster.mode existing (no Route 53 record is written); point your DNS at the gateway Service" });
    if (inputs.lokiStorage !== "filesystem") problems.push({ key: "observability.loki.storage", message: `with cluster.mode existing Loki keeps logs on its volume ("filesystem"); the S3 bucket and its IAM role are built in eks mode (got "${inputs.lokiStorage}")` });
    for (const key of inputs.awsKeysSet) problems.push({ key, message: "has no effect with cluster.mode existing (the AWS layer is not built); remove it" });
    return problems;
}
