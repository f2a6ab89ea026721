// CrossGuard adapters: turn each pure rule into a Pulumi policy. Kept apart from index.ts
// (which only constructs the PolicyPack and so starts a gRPC server) so tests can import it.
import {
    Policies, PolicyConfigSchema, PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy,
    StackValidationArgs, StackValidationPolicy, UnknownValueError,
} from "@pulumi/policy";
import { RULES, ruleArea } from "./catalog";
import { indexObjects, runRule } from "./check";
import { parseExemptions } from "./exemptions";
import { ALLOW_RULES } from "./host-allowance";
import { describeObject } from "./report";
import { DEFAULT_MAX_PUBLIC_ACCESS_PERCENT } from "./rules/aws-values";
import { namespaceOf } from "./rules/util";
import { DEFAULT_INGRESS_NAMESPACES, DEFAULT_ISTIO_HUBS, DEFAULT_ROOT_NAMESPACE, DEFAULT_TRUSTED_REPOSITORIES, ENVIRONMENTS, SUPPORTED_EKS_VERSIONS, enforcedEnvironment, PackPolicySettings, resolveConfig } from "./config";
import type { Finding, KubeObject, PolicyConfig, PulumiResource, ResolvedConfig, Rule } from "./rules/types";

/** Environment variable naming the environment when a policy's config does not. */
export const ENVIRONMENT_VARIABLE = "DODO_POLICY_ENVIRONMENT";

/** What a policy's CrossGuard config may hold (enforcementLevel is handled by the engine). */
export type PackPolicyConfig = Omit<PackPolicySettings, "enforcementLevel">;

const stringList = (description: string, dflt?: readonly string[]) => ({
    type: "array" as const, items: { type: "string" as const }, description, ...(dflt ? { default: [...dflt] } : {}),
});

const istioHubs = { istioHubs: stringList("Registries of Istio's proxyv2 image (the mesh's global.hub); only its containers get Istio's exemptions.", DEFAULT_ISTIO_HUBS) };

/** Settings a rule reads beyond the common ones, so each policy's schema lists only what it uses. */
const RULE_SETTINGS: Record<string, PolicyConfigSchema["properties"]> = {
    ...Object.fromEntries(["k8s-run-as-non-root", "k8s-drop-all-capabilities", "k8s-read-only-root-fs", "k8s-probes", "k8s-image-pinned", "istio-uid-not-1337"].map((id) => [id, istioHubs])),
    "istio-mtls-strict": { rootNamespace: { type: "string", default: DEFAULT_ROOT_NAMESPACE, description: "Istio root namespace (meshConfig.rootNamespace)." } },
    "istio-mesh-wide-strict": { rootNamespace: { type: "string", default: DEFAULT_ROOT_NAMESPACE, description: "Istio root namespace (meshConfig.rootNamespace)." } },
    "istio-authz-default-deny": { rootNamespace: { type: "string", default: DEFAULT_ROOT_NAMESPACE, description: "Istio root namespace (meshConfig.rootNamespace)." } },
    "k8s-no-public-services": { ingressNamespaces: stringList("Namespaces allowed to expose LoadBalancer/NodePort Services.", DEFAULT_INGRESS_NAMESPACES) },
    "helm-trusted-repository": { trustedRepositories: stringList("Helm repositories (https:// or oci:// prefixes) charts may come from.", DEFAULT_TRUSTED_REPOSITORIES) },
    "eks-supported-version": { supportedEksVersions: stringList("EKS minor versions in standard support.", SUPPORTED_EKS_VERSIONS) },
    "eks-endpoint-restricted": {
        maxPublicAccessPercent: { type: "number", default: DEFAULT_MAX_PUBLIC_ACCESS_PERCENT, description: "prod: the most of the IPv4 (or IPv6) address space, in percent, publicAccessCidrs may cover together (the stack's cluster.publicAccessMaxPercent)." },
    },
};

/** Workload exemptions (policy/exemptions.ts); the pack re-checks each entry's shape and reason. */
function exemptionsSchema(rule: Rule) {
    const hostAccess = ALLOW_RULES.has(rule.id);
    const strList = { type: "array" as const, items: { type: "string" as const } };
    const allow = {
        type: "object" as const,
        description: "The host access the workload needs; anything else it uses is still reported.",
        properties: { hostNetwork: { type: "boolean" as const }, hostPID: { type: "boolean" as const }, hostIPC: { type: "boolean" as const }, hostPath: strList, readOnly: { type: "boolean" as const }, hostPort: { type: "array" as const, items: { type: "integer" as const } } },
        additionalProperties: false,
    };
    return {
        type: "array" as const,
        description: "Workloads this rule does not judge: each names one object (namespace, kind, name; istioRevisions: every istiod revision) and why it must run that way.",
        items: {
            type: "object" as const,
            properties: {
                namespace: { type: "string" as const }, kind: { type: "string" as const }, name: { type: "string" as const }, container: { type: "string" as const },
                istioRevisions: { type: "boolean" as const }, reason: { type: "string" as const }, ...(hostAccess ? { allow } : {}),
            },
            required: ["namespace", "kind", "name", "reason", ...(hostAccess ? ["allow"] : [])],
            additionalProperties: false,
        },
    };
}

function configSchema(rule: Rule): PolicyConfigSchema {
    return {
        properties: {
            environment: {
                type: "string",
                enum: [...ENVIRONMENTS],
                description: `dev, staging or prod; can only tighten. The environment is the strictest of the ${ENVIRONMENT_TAG} stack tag and $${ENVIRONMENT_VARIABLE} (neither means prod), raised to this if stricter. Outside dev a mandatory rule reports as mandatory whatever its enforcementLevel says.`,
            },
            exemptNamespaces: stringList("Namespaces this rule ignores, in addition to its defaults."),
            ...(rule.target === "kubernetes" ? { exemptions: exemptionsSchema(rule) } : {}),
            ...(RULE_SETTINGS[rule.id] ?? {}),
        },
    };
}

/** Stack tag naming the stack's environment (`pulumi stack tag set dodo:environment prod`). */
export const ENVIRONMENT_TAG = "dodo:environment";

/**
 * The pure config for one policy run. The environment is the strictest of the stack tag and
 * the environment variable (neither means prod); the policy's config `environment` can only
 * tighten it, so a dev config file applied to a stack without a dev tag or variable relaxes nothing.
 */
export function toPolicyConfig(
    rule: Rule,
    raw: PackPolicyConfig,
    stackTags: ReadonlyMap<string, string> = new Map(),
    envVar: string | undefined = process.env[ENVIRONMENT_VARIABLE],
): ResolvedConfig {
    const environment = enforcedEnvironment([stackTags.get(ENVIRONMENT_TAG), envVar], raw.environment);
    const config: PolicyConfig = {
        environment,
        // Enforcement is applied by the engine (and forced below outside dev); exemptions are ours.
        rules: raw.exemptNamespaces || raw.exemptions
            ? { [rule.id]: { ...(raw.exemptNamespaces ? { exemptNamespaces: raw.exemptNamespaces } : {}), ...(raw.exemptions ? { exemptions: parseExemptions(rule.id, raw.exemptions) } : {}) } }
            : {},
        ...(raw.rootNamespace ? { rootNamespace: raw.rootNamespace } : {}),
        ...(raw.ingressNamespaces ? { ingressNamespaces: raw.ingressNamespaces } : {}),
        ...(raw.trustedRepositories ? { trustedRepositories: raw.trustedRepositories } : {}),
        ...(raw.supportedEksVersions ? { supportedEksVersions: raw.supportedEksVersions } : {}),
        ...(raw.istioHubs ? { istioHubs: raw.istioHubs } : {}),
        ...(raw.maxPublicAccessPercent !== undefined ? { maxPublicAccessPercent: raw.maxPublicAccessPercent } : {}),
    };
    return resolveConfig(config, environment);
}

/**
 * A Kubernetes object over a resource's (possibly unknown-checking) props. Fields are read
 * lazily, so an unknown value only stops a rule that actually reads it.
 */
export function kubeObjectFromResource(type: string, props: Record<string, unknown>): KubeObject | undefined {
    const m = /^kubernetes:([^/:]+)\/([^:]+):(.+)$/.exec(type);
    if (!m) return undefined;
    const [, grp, version, kind] = m as unknown as [string, string, string, string];
    if (grp === "helm.sh" || grp === "yaml" || grp === "kustomize" || kind.endsWith("List") || kind.endsWith("Patch")) return undefined;
    const o: KubeObject = { apiVersion: grp === "core" ? version : `${grp}/${version}`, kind };
    for (const key of Object.keys(props)) {
        if (key === "apiVersion" || key === "kind") continue;
        Object.defineProperty(o, key, { enumerable: true, get: () => props[key] });
    }
    return o;
}

type ViolationInfo = { message: string; urn?: string; enforcementLevel: "mandatory" };

/**
 * Reports a finding. Outside dev a mandatory rule is reported as mandatory even if the pack
 * config downgraded it: the analyzer honours an enforcementLevel passed with the violation.
 */
function report(reportViolation: ReportViolation, rule: Rule, config: ResolvedConfig, f: Finding, urn?: string): void {
    const where = f.kind && f.name ? `${describeObject(f)}: ` : "";
    const message = `${where}${f.message}`;
    if (rule.enforcement === "mandatory" && config.environment !== "dev") {
        const info: ViolationInfo = { message: `${rule.description}\n${message}`, enforcementLevel: "mandatory", ...(urn ? { urn } : {}) };
        (reportViolation as unknown as (i: ViolationInfo) => void)(info);
    } else {
        reportViolation(message, urn);
    }
}

/** Fields Pulumi Cloud shows with each policy. */
function metadata(rule: Rule) {
    return {
        name: rule.id,
        description: rule.description,
        enforcementLevel: rule.enforcement,
        severity: rule.enforcement === "mandatory" ? ("high" as const) : ("medium" as const),
        tags: ["security", ruleArea(rule.id)],
        configSchema: configSchema(rule),
    };
}

/** Runs `fn`, treating a read of a value unknown during preview as "cannot judge yet". */
function unlessUnknown(fn: () => void): void {
    try {
        fn();
    } catch (e) {
        if (e instanceof UnknownValueError) return; // checked again on update, when the value is known
        throw e;
    }
}

const EMPTY_INDEX = indexObjects([]);

const UNKNOWN: unique symbol = Symbol("unknown during preview");
const ALL = "\u0000all";

/** A plain deep copy of a value, or UNKNOWN if any part of it is unknown during preview. */
export function materialize(v: unknown | (() => unknown)): unknown {
    try {
        return copy(typeof v === "function" ? (v as () => unknown)() : v);
    } catch (e) {
        if (e instanceof UnknownValueError) return UNKNOWN;
        throw e;
    }
}

function copy(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(copy);
    if (v !== null && typeof v === "object") {
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(v)) out[k] = copy((v as Record<string, unknown>)[k]);
        return out;
    }
    return v;
}

/** The namespace an object's findings carry, or ALL when even that is unknown. */
function namespaceOrAll(o: KubeObject): string {
    const ns = materialize(() => ({ kind: o.kind, metadata: { name: o.metadata?.name, namespace: o.metadata?.namespace } }));
    return ns === UNKNOWN ? ALL : namespaceOf(ns as KubeObject);
}

function resourcePolicy(rule: Rule & { scope: "object" }): ResourceValidationPolicy {
    return {
        ...metadata(rule),
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
            if (rule.target === "pulumi" && !rule.types.includes(args.type)) return;
            const config = toPolicyConfig(rule, args.getConfig<PackPolicyConfig>(), args.stackTags);
            unlessUnknown(() => {
                let findings: Finding[];
                if (rule.target === "kubernetes") {
                    const kindFromType = args.type.slice(args.type.lastIndexOf(":") + 1);
                    if (!args.type.startsWith("kubernetes:") || !rule.kinds.includes(kindFromType)) return;
                    const o = kubeObjectFromResource(args.type, args.props);
                    if (!o) return;
                    findings = runRule(rule, indexObjects([o]), [], config);
                } else {
                    const r: PulumiResource = { type: args.type, name: args.name, props: args.props, urn: args.urn };
                    findings = runRule(rule, EMPTY_INDEX, [r], config);
                }
                for (const f of findings) report(reportViolation, rule, config, f);
            });
        },
    };
}

function stackPolicy(rule: Rule & { scope: "stack" }): StackValidationPolicy {
    return {
        ...metadata(rule),
        validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
            const config = toPolicyConfig(rule, args.getConfig<PackPolicyConfig>(), args.stackTags);
            const objects: KubeObject[] = [];
            const urns: PolicyResource["urn"][] = [];
            // Objects holding a value unknown during preview are left out, and so is every finding
            // in their namespace (a PDB with an unknown selector must not make its Deployment look
            // unprotected); the rest of the stack is still judged. `pulumi up` judges them all.
            const uncertain = new Set<string>();
            for (const r of args.resources) {
                const o = kubeObjectFromResource(r.type, r.props);
                if (!o) continue;
                const known = materialize(o);
                if (known === UNKNOWN) {
                    uncertain.add(namespaceOrAll(o));
                    continue;
                }
                objects.push(known as KubeObject);
                urns.push(r.urn);
            }
            if (uncertain.has(ALL)) return;
            const positions = new Map<object, number>(objects.map((o, i) => [o, i]));
            unlessUnknown(() => {
                for (const f of runRule(rule, indexObjects(objects), [], config, positions)) {
                    if (uncertain.has(f.namespace)) continue;
                    report(reportViolation, rule, config, f, f.index === undefined ? undefined : urns[f.index]);
                }
            });
        },
    };
}

/** One CrossGuard policy per rule, named by the rule id. */
export function buildPolicies(): Policies {
    return RULES.map((rule) => (rule.scope === "stack" ? stackPolicy(rule) : resourcePolicy(rule)));
}
