// Defaults and the enforcement decision, in one place so the CLI, the synth and the
// CrossGuard pack can never disagree about what "mandatory in prod" means.
import type { ConfiguredEnforcement, Enforcement, Environment, PolicyConfig, ResolvedConfig, Rule } from "./rules/types";

/** Namespaces that never get a sidecar: Kubernetes' own and Istio's control plane. */
export const DEFAULT_INJECTION_EXEMPT_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "istio-system"] as const;

/** Workload hardening rules skip only Kubernetes' own namespaces (EKS add-ons need host access there). */
export const DEFAULT_WORKLOAD_EXEMPT_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease"] as const;

export const DEFAULT_INGRESS_NAMESPACES = ["istio-ingress"] as const;
export const DEFAULT_ROOT_NAMESPACE = "istio-system";

export const DEFAULT_TRUSTED_REPOSITORIES = [
    "https://istio-release.storage.googleapis.com/charts",
    "https://aws.github.io/eks-charts",
    "https://charts.jetstack.io",
    "https://prometheus-community.github.io/helm-charts",
    "https://grafana.github.io/helm-charts",
    "https://jaegertracing.github.io/helm-charts",
    "https://kiali.org/helm-charts",
] as const;

/**
 * EKS minor versions in standard support as of November 2026 (AWS: 14 months of standard
 * support per minor). 1.33 left standard support on 2026-07-29; 1.34 leaves it on 2026-12-02,
 * 1.35 on 2027-03-27; 1.36 reached EKS on 2026-06-02. Update this list, not the rule.
 */
export const SUPPORTED_EKS_VERSIONS = ["1.34", "1.35", "1.36"] as const;

export const ENVIRONMENTS: readonly Environment[] = ["dev", "staging", "prod"];

export function isEnvironment(v: unknown): v is Environment {
    return typeof v === "string" && (ENVIRONMENTS as readonly string[]).includes(v);
}

export function resolveConfig(config: PolicyConfig = {}, env?: Environment): ResolvedConfig {
    const environment = env ?? config.environment ?? "prod";
    if (!isEnvironment(environment)) {
        throw new Error(`policy config environment must be one of dev, staging, prod (got ${String(environment)})`);
    }
    return {
        environment,
        rules: config.rules ?? {},
        injectionExemptNamespaces: [...DEFAULT_INJECTION_EXEMPT_NAMESPACES, ...(config.exemptNamespaces ?? [])],
        ingressNamespaces: config.ingressNamespaces ?? [...DEFAULT_INGRESS_NAMESPACES],
        rootNamespace: config.rootNamespace ?? DEFAULT_ROOT_NAMESPACE,
        trustedRepositories: config.trustedRepositories ?? [...DEFAULT_TRUSTED_REPOSITORIES],
        supportedEksVersions: config.supportedEksVersions ?? [...SUPPORTED_EKS_VERSIONS],
    };
}

/**
 * The level a rule runs at. Only dev may downgrade (or disable) a mandatory rule; staging
 * rehearses prod, so it refuses too. Any environment may raise an advisory rule to mandatory.
 */
export function effectiveEnforcement(rule: Pick<Rule, "id" | "enforcement">, config: ResolvedConfig): Enforcement | "disabled" {
    const wanted: ConfiguredEnforcement | undefined = config.rules[rule.id]?.enforcement;
    if (wanted === undefined) return rule.enforcement;
    if (rule.enforcement === "mandatory" && wanted !== "mandatory" && config.environment !== "dev") return "mandatory";
    return wanted;
}

export function exemptNamespaces(rule: Rule, config: ResolvedConfig): ReadonlySet<string> {
    const base = rule.defaultExemptNamespaces?.(config) ?? [];
    return new Set([...base, ...(config.rules[rule.id]?.exemptNamespaces ?? [])]);
}
