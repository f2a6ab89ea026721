// Configuration of the mesh: the Istio revision (canary upgrades), egress policy, trace sampling
// and how the control plane and the ingress gateway scale.
import { z } from "zod";
import { anyCidr, ConfigReader, ConfigSection, defineKey, integerIn, oneOf } from "../settings";

export type OutboundTrafficPolicy = "ALLOW_ANY" | "REGISTRY_ONLY";

/** Replica bounds of a Deployment; autoscaled by an HPA when max > min. */
export interface ReplicaRange {
    min: number;
    max: number;
}

export interface MeshConfig {
    /**
     * Revision of the active control plane (e.g. `1-30-4`). Undefined: one unrevisioned istiod and
     * namespaces labelled `istio-injection=enabled`. Set: istiod and the gateway carry the revision
     * and namespaces are labelled `istio.io/rev=<revision>`.
     */
    revision?: string;
    /**
     * Only during a canary upgrade: the old control plane kept running beside `revision` until every
     * workload has moved. `default` names the unrevisioned istiod. Undefined otherwise.
     */
    previousRevision?: string;
    /** What sidecars do with traffic to hosts outside the service registry. Default: REGISTRY_ONLY except dev. */
    outboundTrafficPolicy: OutboundTrafficPolicy;
    /** Percent of requests traced, 0-100 (fractions allowed). Default: dev 100, staging 10, prod 1. */
    tracingSamplingPercentage: number;
    istiodReplicas: ReplicaRange;
    gatewayReplicas: ReplicaRange;
    /** CIDRs allowed to reach the ingress NLB; empty means anywhere. */
    gatewaySourceRanges: string[];
}

/**
 * The value `previousRevision` uses for the control plane installed without a revision, in Istio's
 * own terms (its injector and validator answer to the "default" revision).
 */
export const DEFAULT_REVISION = "default";

// The istiod chart names its Helm release `istiod-<revision>` and its Service/Deployment the same;
// Helm release names are at most 53 characters, so a revision is at most 46.
const MAX_REVISION_LENGTH = 46;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const revisionName = z
    .string()
    .max(MAX_REVISION_LENGTH, { message: `must be at most ${MAX_REVISION_LENGTH} characters (istiod's release is named istiod-<revision>)` })
    .regex(DNS1123_LABEL, { message: "expected a DNS-1123 label (lowercase letters, digits and '-', e.g. 1-30-4)" });

const revision = revisionName.refine((v) => v !== DEFAULT_REVISION, {
    message: `"${DEFAULT_REVISION}" is Istio's name for the unrevisioned control plane; leave mesh.revision unset instead`,
});

const previousRevision = z.union([z.literal(DEFAULT_REVISION), revisionName]);

/** A percentage; fractions such as 0.5 allowed. */
export const percentage = z.number().min(0, { message: "must be between 0 and 100" }).max(100, { message: "must be between 0 and 100" });

export const meshKeys = {
    revision: defineKey<string>({
        key: "mesh.revision",
        type: "string",
        description: "Istio revision of the active control plane (DNS-1123 label such as 1-30-4); namespaces are then labelled istio.io/rev=<revision>. Unset: one unrevisioned istiod and istio-injection=enabled.",
        schema: revision,
        optional: true,
    }),
    previousRevision: defineKey<string>({
        key: "mesh.previousRevision",
        type: "string",
        description: "Canary upgrades only: the old Istio revision kept running beside mesh.revision until workloads have moved (\"default\" for an unrevisioned istiod). Its release is ISTIO_PREVIOUS_REVISION_VERSION in components/versions.ts.",
        schema: previousRevision,
        optional: true,
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
        const config: MeshConfig = {
            revision: reader.get(k.revision, "optional"),
            previousRevision: reader.get(k.previousRevision, "optional"),
            outboundTrafficPolicy: reader.get(k.outboundTrafficPolicy),
            tracingSamplingPercentage: reader.get(k.tracingSamplingPercentage),
            istiodReplicas: { min: reader.get(k.istiodMinReplicas), max: reader.get(k.istiodMaxReplicas) },
            gatewayReplicas: { min: reader.get(k.gatewayMinReplicas), max: reader.get(k.gatewayMaxReplicas) },
            gatewaySourceRanges: reader.get(k.gatewaySourceRanges),
        };

        if (config.previousRevision !== undefined) {
            if (config.revision === undefined) {
                reader.fail(k.previousRevision.key, "is only meaningful beside a new mesh.revision; set mesh.revision to the revision workloads move to");
            } else if (config.previousRevision === config.revision) {
                reader.fail(k.previousRevision.key, `must differ from mesh.revision (both "${config.revision}")`);
            }
        }
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
