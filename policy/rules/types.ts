// Shared shapes for the pure rules. Nothing here knows about Pulumi's engine or files:
// rules see plain Kubernetes objects or a Pulumi resource's type and inputs.

export type Enforcement = "mandatory" | "advisory";
/** What a config may ask for; "disabled" is honoured only where downgrades are allowed. */
export type ConfiguredEnforcement = Enforcement | "disabled";
export type Environment = "dev" | "staging" | "prod";

export interface ObjectMeta {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
}

/** A Kubernetes object as it appears in YAML or in a Kubernetes resource's Pulumi inputs. */
export interface KubeObject {
    apiVersion?: string;
    kind?: string;
    metadata?: ObjectMeta;
    spec?: unknown;
    [key: string]: unknown;
}

/** A Pulumi resource reduced to what the cloud and Helm rules need. */
export interface PulumiResource {
    /** Pulumi type token, e.g. `aws:eks/cluster:Cluster`. */
    type: string;
    /** Pulumi resource name (the logical name, not the cloud name). */
    name: string;
    props: Record<string, unknown>;
    urn?: string;
}

/** The object a finding is about. For a missing object (stack rules) it names what should exist. */
export interface ObjectRef {
    apiVersion: string;
    kind: string;
    namespace: string;
    name: string;
}

/** What a rule returns: a message, and the object it is about. */
export interface Violation {
    message: string;
    /** The offending object; omitted when the finding is about something missing. */
    subject?: KubeObject | PulumiResource;
    /** Overrides the reference derived from `subject` (e.g. a missing PeerAuthentication). */
    ref?: ObjectRef;
    /** The container the violation is about, when it is about one (per-container workload rules). */
    container?: string;
    /** The host access a k8s-no-host-namespaces violation is about, which an exemption's `allow` must name. */
    host?: HostAccess;
}

/** One way a pod reaches into its node (k8s-no-host-namespaces reports each separately). */
export type HostAccess =
    | { kind: "hostNetwork" | "hostPID" | "hostIPC" }
    /** `readOnly`: every container that mounts the volume mounts it read-only. */
    | { kind: "hostPath"; path: string; readOnly: boolean }
    | { kind: "hostPort"; port: number };

/** A violation after the runner has applied enforcement and exemptions. */
export interface Finding extends ObjectRef {
    rule: string;
    enforcement: Enforcement;
    message: string;
    /** Position of the subject in the input list, when it came from one (used for SARIF locations). */
    index?: number;
    /** URN of the subject when it came from the Pulumi engine. */
    urn?: string;
    /** The container a per-container rule names. */
    container?: string;
    /** The host access a k8s-no-host-namespaces finding is about. */
    host?: HostAccess;
}

/**
 * What a k8s-no-host-namespaces exemption lets its workload do; any other host access of that
 * workload is still reported. Paths match exactly (no prefixes): "/" allows the root only.
 */
export interface HostAllowance {
    hostNetwork?: true;
    hostPID?: true;
    hostIPC?: true;
    /** hostPath volumes by path; `readOnly` (required with it) says whether every mount must be read-only. */
    hostPath?: string[];
    readOnly?: boolean;
    /** hostPort values (a hostNetwork pod's ports are the host's already: allowing hostNetwork covers them). */
    hostPort?: number[];
}

/**
 * One workload a rule does not judge: narrow (namespace, kind and name of the object the finding
 * names, optionally one container, and for host access exactly what it may use) and with the
 * reason it must run that way. Pack config key `exemptions`, per rule.
 */
export interface WorkloadExemption {
    namespace: string;
    kind: string;
    name: string;
    /** Only this container's findings (per-container rules); unset: the whole workload. */
    container?: string;
    /**
     * Every istiod revision: besides `<name>` itself, `<name>-<rev>` labelled istio.io/rev=<rev>
     * (the istiod chart's naming). Unset: `<name>` only.
     */
    istioRevisions?: true;
    /** k8s-no-host-namespaces (required there): the host access the workload needs. */
    allow?: HostAllowance;
    reason: string;
}

/** Per-rule settings. */
export interface RuleSettings {
    enforcement?: ConfiguredEnforcement;
    /** Added to the rule's default exempt namespaces. */
    exemptNamespaces?: string[];
    /** Workloads this rule does not judge (policy/exemptions.ts). */
    exemptions?: WorkloadExemption[];
}

/** The pack's configuration, as users write it (every field optional). */
export interface PolicyConfig {
    /** Defaults to "prod": the strictest reading when nobody says otherwise. */
    environment?: Environment;
    rules?: Record<string, RuleSettings>;
    /** Namespaces exempt from the sidecar-injection rules, added to kube-system, kube-public, kube-node-lease, istio-system. */
    exemptNamespaces?: string[];
    /** Namespaces allowed to expose LoadBalancer/NodePort Services. Default: ["istio-ingress"]. */
    ingressNamespaces?: string[];
    /** Istio's root namespace (meshConfig.rootNamespace). Default: "istio-system". */
    rootNamespace?: string;
    /** Helm repositories charts may come from. Default: see DEFAULT_TRUSTED_REPOSITORIES. */
    trustedRepositories?: string[];
    /** EKS minor versions in standard support. Default: SUPPORTED_EKS_VERSIONS. */
    supportedEksVersions?: string[];
    /** Registries Istio's proxyv2 image comes from (the mesh's `global.hub`). Default: DEFAULT_ISTIO_HUBS. */
    istioHubs?: string[];
    /** prod: the most of the IPv4 (or IPv6) address space, in percent, a public EKS endpoint may admit. Default: DEFAULT_MAX_PUBLIC_ACCESS_PERCENT. */
    maxPublicAccessPercent?: number;
}

/** PolicyConfig with every default filled in; what rules read. */
export interface ResolvedConfig {
    environment: Environment;
    rules: Record<string, RuleSettings>;
    injectionExemptNamespaces: readonly string[];
    ingressNamespaces: readonly string[];
    rootNamespace: string;
    trustedRepositories: readonly string[];
    supportedEksVersions: readonly string[];
    istioHubs: readonly string[];
    maxPublicAccessPercent: number;
}

/** Objects of one input, indexed once so stack rules stay linear. */
export interface KubeIndex {
    all: readonly KubeObject[];
    byKind(kind: string): readonly KubeObject[];
}

export interface RuleContext {
    config: ResolvedConfig;
}

interface RuleBase {
    id: string;
    description: string;
    enforcement: Enforcement;
    /** Namespaces this rule ignores unless the config says otherwise. */
    defaultExemptNamespaces?: (config: ResolvedConfig) => readonly string[];
}

/** Checks one Kubernetes object at a time. */
export interface KubeObjectRule extends RuleBase {
    target: "kubernetes";
    scope: "object";
    /** Kinds the rule looks at; the runner skips everything else. */
    kinds: readonly string[];
    check(obj: KubeObject, ctx: RuleContext): Violation[];
}

/** Checks all Kubernetes objects of one render/stack together. */
export interface KubeStackRule extends RuleBase {
    target: "kubernetes";
    scope: "stack";
    check(objects: KubeIndex, ctx: RuleContext): Violation[];
}

/** Checks one Pulumi resource (cloud or Helm) at a time. */
export interface ResourceRule extends RuleBase {
    target: "pulumi";
    scope: "object";
    types: readonly string[];
    check(resource: PulumiResource, ctx: RuleContext): Violation[];
}

export type Rule = KubeObjectRule | KubeStackRule | ResourceRule;
