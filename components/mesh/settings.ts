// Configuration of the mesh: Istio revisions and tags (canary upgrades), egress policy, trace sampling
// and how the control plane and the ingress gateway scale.
import { z } from "zod";
import { anyCidr, ConfigReader, ConfigSection, defineKey, fullKey, integerIn, KeySpec, oneOf } from "../settings";
import { ISTIO_VERSION } from "../versions";
import { CANARY_TAG, MeshRevisions, REVISION_TAGS, RevisionTag, revisionOfRelease, STABLE_TAG } from "./revisions";

export type OutboundTrafficPolicy = "ALLOW_ANY" | "REGISTRY_ONLY";

/** Replica bounds of a Deployment; autoscaled by an HPA when max > min. */
export interface ReplicaRange {
    min: number;
    max: number;
}

export interface MeshConfig {
    /** Control planes, revision tags and who follows which (components/mesh/revisions.ts). */
    revisions: MeshRevisions;
    /** What sidecars do with traffic to hosts outside the service registry. Default: REGISTRY_ONLY except dev. */
    outboundTrafficPolicy: OutboundTrafficPolicy;
    /** Percent of requests traced, 0-100 (fractions allowed). Default: dev 100, staging 10, prod 1. */
    tracingSamplingPercentage: number;
    istiodReplicas: ReplicaRange;
    gatewayReplicas: ReplicaRange;
    /** CIDRs allowed to reach the ingress NLB; empty means anywhere. */
    gatewaySourceRanges: string[];
}

// A revision is a DNS label (istiod's release is `istiod-<revision>`); the names allowed are
// checked against the releases in versions.ts by revisionProblems.
const revisionName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "expected a revision such as 1-31-4 (a DNS label named after its Istio release), or default" });
const tagName = oneOf(REVISION_TAGS);

/** A percentage; fractions such as 0.5 allowed. */
export const percentage = z.number().min(0, { message: "must be between 0 and 100" }).max(100, { message: "must be between 0 and 100" });

export const meshKeys = {
    revisions: defineKey<string[]>({
        key: "mesh.revisions",
        type: "array",
        description: "Installed istiod control planes, each named after its Istio release (1-31-4 runs 1.31.4; \"default\" is the unrevisioned istiod of installs that predate revisions); two only during an upgrade. A revision is removed only once nothing uses it. README, \"Upgrading Istio\".",
        schema: z.array(revisionName),
    }),
    tags: defineKey<Record<string, string>>({
        key: "mesh.tags",
        type: "map",
        description: `Revision tags (istio.io/rev labels namespaces carry) and the revision each points at: ${STABLE_TAG} always, ${CANARY_TAG} during an upgrade.`,
        schema: z.record(z.string(), revisionName).superRefine((tags, ctx) => {
            for (const tag of Object.keys(tags)) {
                if (!(REVISION_TAGS as readonly string[]).includes(tag)) ctx.addIssue({ code: "custom", path: [tag], message: `unknown tag; expected ${REVISION_TAGS.join(" or ")}` });
            }
        }),
    }),
    namespaces: defineKey<Record<string, string>>({
        key: "mesh.namespaces",
        type: "map",
        description: `Meshed namespaces that follow another tag than ${STABLE_TAG}, e.g. dodo-payments: ${CANARY_TAG}. Moving a namespace restarts its Deployments onto the tag's revision (StatefulSets only through mesh.statefulSets).`,
        schema: z.record(z.string(), tagName),
        default: {},
    }),
    gatewayRevision: defineKey<string>({
        key: "mesh.gateway.revision",
        type: "string",
        description: "The revision whose injector the ingress gateway's pods come from; changing it rolls the gateway (its PDB and the NLB's readiness gates keep it serving).",
        schema: revisionName,
    }),
    baseRevision: defineKey<string>({
        key: "mesh.base.revision",
        type: "string",
        description: "The revision whose Istio release the base chart runs (the CRDs and the default validator): never older than an installed revision, so it moves first in an upgrade, and stays when a canary is removed again (older CRDs would prune fields objects may use).",
        schema: revisionName,
    }),
    defaultRevision: defineKey<string>({
        key: "mesh.defaultRevision",
        type: "string",
        description: "The revision the base chart makes the default (the validating webhook, and the default tag that istio-injection=enabled namespaces use). Flipped last in an upgrade: refused while a namespace or the gateway runs an older revision.",
        schema: revisionName,
    }),
    statefulSets: defineKey<Record<string, string>>({
        key: "mesh.statefulSets",
        type: "map",
        description: "Meshed StatefulSets (\"<namespace>/<name>\", e.g. dev's in-cluster \"dodo-payments/postgres\") and the revision their pods were last moved to. They never follow a namespace's move: changing the entry restarts them (a database outage for a single replica). Every meshed StatefulSet must be listed; entries for one the stack does not run are ignored.",
        schema: z.record(z.string(), revisionName),
        default: {},
    }),
    outboundTrafficPolicy: defineKey<OutboundTrafficPolicy>({
        key: "mesh.outboundTrafficPolicy",
        type: "string",
        description: "Sidecar egress to hosts outside the registry: REGISTRY_ONLY (only ServiceEntry/Service hosts) or ALLOW_ANY. Default: dev ALLOW_ANY, staging REGISTRY_ONLY, prod REGISTRY_ONLY.",
        schema: oneOf(["ALLOW_ANY", "REGISTRY_ONLY"] as const),
        default: { dev: "ALLOW_ANY", staging: "REGISTRY_ONLY", prod: "REGISTRY_ONLY" },
    }),
    tracingSamplingPercentage: defineKey<number>({
        key: "mesh.tracing.samplingPercentage",
        type: "number",
        description: "Percent of requests traced mesh-wide, 0-100 (fractions such as 0.5 allowed). Default: dev 100, staging 10, prod 1.",
        schema: percentage,
        default: { dev: 100, staging: 10, prod: 1 },
    }),
    istiodMinReplicas: defineKey({
        key: "mesh.istiod.minReplicas",
        type: "integer",
        description: "Minimum istiod replicas (autoscaled up to mesh.istiod.maxReplicas). Default: dev 1, staging 2, prod 2; prod needs at least 2.",
        schema: integerIn(1, 20),
        default: { dev: 1, staging: 2, prod: 2 },
    }),
    istiodMaxReplicas: defineKey({
        key: "mesh.istiod.maxReplicas",
        type: "integer",
        description: "Maximum istiod replicas; equal to the minimum turns autoscaling off. Default: dev 1, staging 3, prod 5.",
        schema: integerIn(1, 20),
        default: { dev: 1, staging: 3, prod: 5 },
    }),
    gatewayMinReplicas: defineKey({
        key: "mesh.gateway.minReplicas",
        type: "integer",
        description: "Minimum ingress gateway replicas, spread across zones. Default: dev 1, staging 2, prod 3; prod needs at least 2.",
        schema: integerIn(1, 50),
        default: { dev: 1, staging: 2, prod: 3 },
    }),
    gatewayMaxReplicas: defineKey({
        key: "mesh.gateway.maxReplicas",
        type: "integer",
        description: "Maximum ingress gateway replicas; equal to the minimum turns autoscaling off. Default: dev 2, staging 4, prod 10.",
        schema: integerIn(1, 50),
        default: { dev: 2, staging: 4, prod: 10 },
    }),
    gatewaySourceRanges: defineKey({
        key: "mesh.gateway.loadBalancerSourceRanges",
        type: "array",
        description: "CIDRs allowed to reach the internet-facing ingress NLB (its security group rules). Empty: anywhere.",
        schema: z.array(anyCidr),
        default: [],
    }),
} as const;

export const meshSection: ConfigSection<MeshConfig> = {
    keys: Object.values(meshKeys),
    read(reader: ConfigReader): MeshConfig {
        const k = meshKeys;
        // No defaults: a default that followed ISTIO_VERSION would move a stack's control plane in
        // one step. The command names the path to set (a list entry or a map key for two of them).
        const current = revisionOfRelease(ISTIO_VERSION);
        const required = <T>(spec: KeySpec<T>, path: string, value: string): T | undefined => {
            const v = reader.get(spec, "optional");
            if (v === undefined) reader.fail(spec.key, `required: \`pulumi config set --path '${fullKey(path)}' ${value}\` (README, "Upgrading Istio")`);
            return v;
        };
        const revisions = required(k.revisions, `${k.revisions.key}[0]`, current) ?? [];
        const tags = required(k.tags, `${k.tags.key}.${STABLE_TAG}`, current) ?? {};
        if (reader.isSet(k.tags) && tags[STABLE_TAG] === undefined) reader.fail(`${k.tags.key}.${STABLE_TAG}`, "required: the tag every namespace follows unless mesh.namespaces moves it");
        const config: MeshConfig = {
            revisions: {
                revisions,
                tags: { ...tags, [STABLE_TAG]: tags[STABLE_TAG] ?? "" },
                namespaces: reader.get(k.namespaces) as Record<string, RevisionTag>,
                gatewayRevision: required(k.gatewayRevision, k.gatewayRevision.key, current) ?? "",
                baseRevision: required(k.baseRevision, k.baseRevision.key, current) ?? "",
                defaultRevision: required(k.defaultRevision, k.defaultRevision.key, current) ?? "",
                statefulSets: reader.get(k.statefulSets),
            },
            outboundTrafficPolicy: reader.get(k.outboundTrafficPolicy),
            tracingSamplingPercentage: reader.get(k.tracingSamplingPercentage),
            istiodReplicas: { min: reader.get(k.istiodMinReplicas), max: reader.get(k.istiodMaxReplicas) },
            gatewayReplicas: { min: reader.get(k.gatewayMinReplicas), max: reader.get(k.gatewayMaxReplicas) },
            gatewaySourceRanges: reader.get(k.gatewaySourceRanges),
        };

        const ranges: Array<[ReplicaRange, typeof k.istiodMinReplicas, typeof k.istiodMaxReplicas, string]> = [
            [config.istiodReplicas, k.istiodMinReplicas, k.istiodMaxReplicas, "istiod"],
            [config.gatewayReplicas, k.gatewayMinReplicas, k.gatewayMaxReplicas, "the ingress gateway"],
        ];
        for (const [range, minKey, maxKey, what] of ranges) {
            if (range.min > range.max) reader.fail(minKey.key, `must not exceed ${maxKey.key} (${range.max}), got ${range.min}`);
            if (reader.environment === "prod" && range.min < 2) {
                reader.fail(minKey.key, `prod runs at least 2 replicas of ${what} (one can be lost in a node drain or AZ outage), got ${range.min}`);
            }
        }
        return config;
    },
};

/**
 * `pulumi config set --path` assignments that run a stack on `revision` alone: one control plane,
 * both the gateway and the default on it, and every listed StatefulSet (`<namespace>/<name>`) too.
 */
export function singleRevisionPaths(revision: string, statefulSets: readonly string[]): Record<string, string> {
    const k = meshKeys;
    return {
        [fullKey(`${k.revisions.key}[0]`)]: revision,
        [fullKey(`${k.tags.key}.${STABLE_TAG}`)]: revision,
        [fullKey(k.gatewayRevision.key)]: revision,
        [fullKey(k.baseRevision.key)]: revision,
        [fullKey(k.defaultRevision.key)]: revision,
        ...Object.fromEntries(statefulSets.map((sts) => [fullKey(`${k.statefulSets.key}["${sts}"]`), revision])),
    };
}

/** The revision keys of `m` as the stack file holds them inside `dodo-platform:mesh`. */
export function revisionsConfig(m: MeshRevisions): Record<string, unknown> {
    return {
        revisions: [...m.revisions],
        tags: Object.fromEntries(Object.entries(m.tags).filter(([, r]) => r !== undefined)),
        namespaces: { ...m.namespaces },
        gateway: { revision: m.gatewayRevision },
        base: { revision: m.baseRevision },
        defaultRevision: m.defaultRevision,
        statefulSets: { ...m.statefulSets },
    };
}
