// Defaults and the enforcement decision, in one place so the CLI, the synth and the
// CrossGuard pack can never disagree about what "mandatory in prod" means.
import { parseExemptions } from "./exemptions";
import { DEFAULT_MAX_PUBLIC_ACCESS_PERCENT } from "./rules/aws-values";
import type { ConfiguredEnforcement, Enforcement, Environment, PolicyConfig, ResolvedConfig, Rule, WorkloadExemption } from "./rules/types";

/** Namespaces that never get a sidecar: Kubernetes' own and Istio's control plane. */
export const DEFAULT_INJECTION_EXEMPT_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "istio-system"] as const;

/**
 * Workload hardening rules skip only the namespaces that hold no workloads. kube-system is judged:
 * the charts put the LB controller and metrics-server there; a system workload that must run
 * otherwise gets a named exemption (policy/exemptions.ts), not a namespace.
 */
export const DEFAULT_WORKLOAD_EXEMPT_NAMESPACES = ["kube-public", "kube-node-lease"] as const;

/**
 * Where the injector takes Istio's proxyv2 image from: components/versions.ts ISTIO_HUB, which the
 * mesh sets as the charts' `global.hub` (a test keeps the two equal). Only containers of that image
 * get Istio's exemptions.
 */
export const DEFAULT_ISTIO_HUBS = ["docker.io/istio"] as const;

export const DEFAULT_INGRESS_NAMESPACES = ["istio-ingress"] as const;
export const DEFAULT_ROOT_NAMESPACE = "istio-system";

export const DEFAULT_TRUSTED_REPOSITORIES = [
    "https://istio-release.storage.googleapis.com/charts",
    // Istio's charts since its move off Google Cloud (1.31+ are published here only; istio.io blog, 2026-08-21).
    "https://blob.istio.io/istio-release/charts",
    "https://aws.github.io/eks-charts",
    "https://kubernetes-sigs.github.io/metrics-server/",
    "https://charts.jetstack.io",
    "https://prometheus-community.github.io/helm-charts",
    "https://grafana.github.io/helm-charts",
    // Grafana's OSS Loki and Grafana charts moved here in March 2026 (grafana/loki#20705).
    "https://grafana-community.github.io/helm-charts",
    "https://jaegertracing.github.io/helm-charts",
    "https://kiali.org/helm-charts",
    "https://charts.external-secrets.io",
    // Karpenter publishes its charts (karpenter, karpenter-crd) to its public ECR registry only.
    "oci://public.ecr.aws/karpenter",
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

const STRICTNESS: Record<Environment, number> = { dev: 0, staging: 1, prod: 2 };

/**
 * The environment to enforce when several sources name one (CLI flag, stack tag, environment
 * variable, config): the strictest wins, so a dev config file used on prod cannot relax prod.
 * Nothing stated means prod.
 */
export function strictestEnvironment(...stated: (string | undefined)[]): Environment {
    let out: Environment | undefined;
    for (const s of stated) {
        if (s === undefined || s === "") continue;
        if (!isEnvironment(s)) throw new Error(`policy environment must be one of dev, staging, prod (got ${JSON.stringify(s)})`);
        if (out === undefined || STRICTNESS[s] > STRICTNESS[out]) out = s;
    }
    return out ?? "prod";
}

/**
 * The environment a run enforces. Only `stated` (the CLI's --env, the synth's env, the stack tag
 * or $DODO_POLICY_ENVIRONMENT) can relax: with none of them it is prod. A config's own
 * `environment` only ever tightens, so a dev config file never relaxes a stack on its own.
 */
export function enforcedEnvironment(stated: readonly (string | undefined)[], configEnvironment?: string): Environment {
    const base = stated.some((s) => s !== undefined && s !== "") ? strictestEnvironment(...stated) : "prod";
    return strictestEnvironment(base, configEnvironment);
}

/**
 * Fills in defaults. The environment is `env` (prod when absent), tightened by
 * `config.environment` if that is stricter; the config alone never relaxes.
 */
export function resolveConfig(config: PolicyConfig = {}, env?: Environment): ResolvedConfig {
    const environment = enforcedEnvironment([env], config.environment);
    return {
        environment,
        rules: config.rules ?? {},
        injectionExemptNamespaces: [...DEFAULT_INJECTION_EXEMPT_NAMESPACES, ...(config.exemptNamespaces ?? [])],
        ingressNamespaces: config.ingressNamespaces ?? [...DEFAULT_INGRESS_NAMESPACES],
        rootNamespace: config.rootNamespace ?? DEFAULT_ROOT_NAMESPACE,
        trustedRepositories: config.trustedRepositories ?? [...DEFAULT_TRUSTED_REPOSITORIES],
        supportedEksVersions: config.supportedEksVersions ?? [...SUPPORTED_EKS_VERSIONS],
        istioHubs: config.istioHubs ?? [...DEFAULT_ISTIO_HUBS],
        maxPublicAccessPercent: config.maxPublicAccessPercent ?? DEFAULT_MAX_PUBLIC_ACCESS_PERCENT,
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

// ---- The CrossGuard pack-config format, shared by `pulumi preview --policy-pack-config` and the CLI ----

/** Settings one policy accepts in the pack config, besides enforcementLevel. */
export interface PackPolicySettings {
    enforcementLevel?: ConfiguredEnforcement | "remediate";
    environment?: Environment;
    exemptNamespaces?: string[];
    /** Workloads this rule does not judge, each with its reason (policy/exemptions.ts). */
    exemptions?: WorkloadExemption[];
    rootNamespace?: string;
    ingressNamespaces?: string[];
    trustedRepositories?: string[];
    supportedEksVersions?: string[];
    istioHubs?: string[];
    maxPublicAccessPercent?: number;
}

/** `{ "all": "<level>", "<rule-id>": "<level>" | { enforcementLevel, ...settings } }`, as Pulumi reads it. */
export type PackConfig = Record<string, ConfiguredEnforcement | "remediate" | PackPolicySettings>;

const LEVELS = ["mandatory", "advisory", "disabled", "remediate"];
const LIST_KEYS = ["exemptNamespaces", "ingressNamespaces", "trustedRepositories", "supportedEksVersions", "istioHubs"] as const;

/**
 * Converts a pack config (JSON or YAML already parsed) into the checker's PolicyConfig, with
 * the same precedence Pulumi applies (a rule's own level over "all"). Throws on anything it
 * does not understand, naming the key.
 */
export function fromPackConfig(pack: unknown, ruleIds: readonly string[]): PolicyConfig {
    if (typeof pack !== "object" || pack === null || Array.isArray(pack)) throw new Error("policy pack config must be an object keyed by rule id");
    const entries = Object.entries(pack as Record<string, unknown>);
    const rules: NonNullable<PolicyConfig["rules"]> = {};
    const environments: string[] = [];
    const shared: Pick<PolicyConfig, "rootNamespace" | "ingressNamespaces" | "trustedRepositories" | "supportedEksVersions" | "istioHubs" | "maxPublicAccessPercent"> = {};
    const levelOf = (key: string, v: unknown): ConfiguredEnforcement => {
        if (typeof v !== "string" || !LEVELS.includes(v)) throw new Error(`${key}: enforcementLevel must be one of ${LEVELS.join(", ")} (got ${JSON.stringify(v)})`);
        return v === "remediate" ? "mandatory" : (v as ConfiguredEnforcement); // our rules do not remediate
    };
    let all: ConfiguredEnforcement | undefined;
    for (const [key, value] of entries) {
        if (key !== "all" && !ruleIds.includes(key)) throw new Error(`${key}: not a rule id of this pack`);
        if (typeof value === "string") {
            if (key === "all") all = levelOf(key, value);
            else rules[key] = { ...rules[key], enforcement: levelOf(key, value) };
            continue;
        }
        if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${key}: must be an enforcement level or an object`);
        const v = value as Record<string, unknown>;
        for (const k of Object.keys(v)) {
            if (!["enforcementLevel", "environment", "rootNamespace", "exemptions", "maxPublicAccessPercent", ...LIST_KEYS].includes(k)) throw new Error(`${key}.${k}: unknown setting`);
        }
        if (v.exemptions !== undefined) {
            if (key === "all") throw new Error("all.exemptions: exemptions are per rule; name the rule");
            rules[key] = { ...rules[key], exemptions: parseExemptions(key, v.exemptions) };
        }
        if (v.enforcementLevel !== undefined) {
            if (key === "all") all = levelOf(`${key}.enforcementLevel`, v.enforcementLevel);
            else rules[key] = { ...rules[key], enforcement: levelOf(`${key}.enforcementLevel`, v.enforcementLevel) };
        }
        if (v.environment !== undefined) {
            if (!isEnvironment(v.environment)) throw new Error(`${key}.environment must be one of dev, staging, prod (got ${JSON.stringify(v.environment)})`);
            environments.push(v.environment);
        }
        for (const k of LIST_KEYS) {
            const list = v[k];
            if (list === undefined) continue;
            if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) throw new Error(`${key}.${k} must be a list of strings`);
            if (k === "exemptNamespaces") rules[key] = { ...rules[key], exemptNamespaces: list as string[] };
            else shared[k] = list as string[];
        }
        if (v.maxPublicAccessPercent !== undefined) {
            const n = v.maxPublicAccessPercent;
            if (typeof n !== "number" || !(n > 0 && n <= 100)) throw new Error(`${key}.maxPublicAccessPercent must be a number above 0 and at most 100 (got ${JSON.stringify(n)})`);
            shared.maxPublicAccessPercent = n;
        }
        if (v.rootNamespace !== undefined) {
            if (typeof v.rootNamespace !== "string" || v.rootNamespace === "") throw new Error(`${key}.rootNamespace must be a namespace name`);
            if (shared.rootNamespace !== undefined && shared.rootNamespace !== v.rootNamespace) throw new Error(`${key}.rootNamespace disagrees with another rule's (${shared.rootNamespace})`);
            shared.rootNamespace = v.rootNamespace;
        }
    }
    if (all !== undefined) {
        for (const id of ruleIds) if (rules[id]?.enforcement === undefined) rules[id] = { ...rules[id], enforcement: all };
    }
    return { ...shared, rules, ...(environments.length ? { environment: strictestEnvironment(...environments) } : {}) };
}
