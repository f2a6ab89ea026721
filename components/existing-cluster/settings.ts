// cluster.mode: the AWS layer (VPC, EKS, IAM, Route 53) or an existing cluster reached through a
// kubeconfig (kind, k3d, a cluster another stack owns). Keys under `cluster.existing.*`.
import { z } from "zod";
import { ConfigReader, ConfigSection, defineKey, oneOf, PROJECT } from "../settings";
import { minifiedKubeconfig, readKubeconfigFile } from "./kubeconfig";

export type ClusterMode = "eks" | "existing";
export type GatewayServiceType = "LoadBalancer" | "NodePort";

export interface ExistingClusterConfig {
    /** Path of the kubeconfig file, as configured; undefined: $KUBECONFIG or ~/.kube/config at each run. */
    kubeconfig?: string;
    /** That file's contents when the config was parsed, reduced to `context` (kubeconfig.ts): what the provider gets, as a secret. */
    kubeconfigContents?: string;
    /** The kubeconfig context: as configured, or the only one of the kubeconfig file; undefined only with a stackReference. */
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
        description: "Existing cluster: path of its kubeconfig file (~/ allowed), read when the config is parsed: the provider gets its contents (one context, as a secret), not the path. Unset: $KUBECONFIG, else ~/.kube/config, read by the provider at every run.",
        schema: z.string().min(1),
        optional: true,
    }),
    context: defineKey({
        key: "cluster.existing.context",
        type: "string",
        description: "Existing cluster: the kubeconfig context to use (e.g. kind-dodo). Required unless cluster.existing.kubeconfig names a file with exactly one context, or cluster.existing.stackReference is set: a current context kubectl can switch would move later runs to another cluster.",
        schema: z.string().min(1),
        optional: true,
    }),
    stackReference: defineKey({
        key: "cluster.existing.stackReference",
        type: "string",
        description: "Existing cluster: <org>/<project>/<stack> of another project's stack that owns the cluster and exports its `kubeconfig` (a string or an object), instead of a kubeconfig file. Not a stack of this project: an eks-mode stack already installs the same namespaces and Helm releases.",
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
        if (existing.stackReference) {
            if (existing.kubeconfig || existing.context) {
                reader.fail(k.stackReference.key, "reaches the cluster through the stack's kubeconfig output; unset cluster.existing.kubeconfig and cluster.existing.context");
            }
            if (existing.stackReference.split("/")[1] === PROJECT) {
                reader.fail(k.stackReference.key, `names a stack of this project (${PROJECT}): an eks-mode stack already installs istio-system, dodo-payments and the same Helm releases, so a second stack would fight over them; reference a stack of another project that owns only the cluster`);
            }
            return { mode, existing };
        }
        return { mode, existing: withKubeconfig(reader, existing) };
    },
};

/**
 * Makes the target unambiguous (README, "An existing cluster"): a kubeconfig file is read now and
 * must hold the context (or exactly one context when none is named); without a file the provider
 * reads $KUBECONFIG or ~/.kube/config at every run, so the context must be named.
 */
function withKubeconfig(reader: ConfigReader, existing: ExistingClusterConfig): ExistingClusterConfig {
    const k = existingClusterKeys;
    if (existing.kubeconfig === undefined) {
        if (existing.context === undefined) {
            reader.fail(k.context.key, "required: without cluster.existing.kubeconfig the provider reads $KUBECONFIG or ~/.kube/config at every run, whose current context `kubectl config use-context` can switch to another cluster; name the context (e.g. `pulumi config set --path dodo-platform:cluster.existing.context kind-dodo`)");
        }
        return existing;
    }
    const file = readKubeconfigFile(existing.kubeconfig);
    if (!file.ok) {
        reader.fail(k.kubeconfig.key, file.problem);
        return existing;
    }
    const { contexts } = file.config;
    const context = existing.context ?? (contexts.length === 1 ? contexts[0] : undefined);
    if (context === undefined) {
        reader.fail(k.context.key, `required: ${existing.kubeconfig} has ${contexts.length} contexts (${contexts.join(", ")}); name the one to deploy to`);
        return existing;
    }
    if (!contexts.includes(context)) {
        reader.fail(k.context.key, `${context} is not a context of ${existing.kubeconfig} (it has ${contexts.join(", ")})`);
        return existing;
    }
    try {
        return { ...existing, context, kubeconfigContents: minifiedKubeconfig(file.config, context, file.dir) };
    } catch (err) {
        reader.fail(k.kubeconfig.key, `${existing.kubeconfig}: ${(err as Error).message}`);
        return existing;
    }
}

/** What an existing-cluster stack needs of the other sections: everything AWS-backed falls back. */
export interface ExistingModeInputs {
    environment: string;
    tlsIssuer: string;
    hostedZone?: string;
    lokiStorage: string;
    /** Keys of the AWS layer (network.*, nodes.*, cluster.* of EKS) the stack sets: they would do nothing. */
    awsKeysSet: readonly string[];
    /** Keys the stack sets that name AWS Secrets Manager secrets (observability's credentials). */
    secretsManagerKeysSet: readonly string[];
    gatewayServiceType: GatewayServiceType;
    /** mesh.gateway.loadBalancerSourceRanges */
    gatewaySourceRanges: readonly string[];
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
    // External Secrets Operator and the IRSA role that reads Secrets Manager come with the AWS layer.
    for (const key of inputs.secretsManagerKeysSet) {
        const instead = key === "observability.grafana.adminPasswordSecret" ? "set observability.grafana.adminPassword with `pulumi config set --secret --path` instead" : key.startsWith("observability.kiali.openid.") ? "Kiali's openid login needs it: use observability.kiali.authStrategy anonymous or token" : "remove it (docs/observability.md)";
        problems.push({ key, message: `names an AWS Secrets Manager secret, which only cluster.mode eks copies into the cluster (External Secrets Operator with an IRSA role); ${instead}` });
    }
    if (inputs.gatewayServiceType === "NodePort" && inputs.gatewaySourceRanges.length > 0) {
        problems.push({ key: "mesh.gateway.loadBalancerSourceRanges", message: "has no effect with cluster.existing.gatewayServiceType NodePort (a NodePort Service has no load balancer to restrict); restrict the nodes' ports in the cluster's own firewall, or use gatewayServiceType LoadBalancer" });
    }
    return problems;
}
