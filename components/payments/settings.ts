// Configuration of the payments stack on the mesh: host and TLS issuer, images per version, the
// canary weight, replicas, gateway rate limits, circuit breaking and the database.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { clusterKeys } from "../cluster/settings";
import { existingClusterKeys } from "../existing-cluster/settings";
import { ConfigReader, ConfigSection, defineKey, fullKey, integerIn, oneOf, setCommand } from "../settings";
import { EdgeConfig, edgeKeys, readEdge } from "./edge-settings";
import { DATABASE_ENGINES, DatabaseConfig, DatabaseEngine, DATABASE_NETWORKS, DatabaseNetworkChoice, resolveDatabaseNetwork } from "./database-settings";

export type TlsIssuerKind = "selfSigned" | "letsencrypt-staging" | "letsencrypt";
export const TLS_ISSUER_KINDS = ["selfSigned", "letsencrypt-staging", "letsencrypt"] as const;

export interface ReplicaBounds {
    /** HPA minReplicas and the Deployment's initial replicas. */
    min: number;
    /** HPA maxReplicas. */
    max: number;
}

export interface TlsConfig {
    issuer: TlsIssuerKind;
    /** Public Route 53 hosted zone (a domain) holding payments.host; set when issuer is an ACME one. */
    hostedZone?: string;
    /** ACME account e-mail; set when issuer is an ACME one. */
    acmeEmail?: string;
    /** The ClusterIssuer's ACME account URL: the host's CAA record then names it (RFC 8657 accounturi). */
    acmeAccountUri?: string;
    /** Install cert-manager; false where the cluster already runs it (its CRDs must then exist). */
    installCertManager: boolean;
}

export interface CanaryConfig {
    /** Share of backend traffic for v2, 0-100; v1 gets the rest. */
    weight: number;
    /**
     * Whether the edge routes on `x-canary: always` (in-mesh routes always do). Off, the gateway
     * strips the header: an internet client cannot pick the unproven version for its payments.
     */
    edgeHeader: boolean;
}

export interface RateLimitConfig {
    /** Token bucket size: the burst one gateway pod admits. */
    maxTokens: number;
    /** Tokens added every fill interval: the sustained rate per gateway pod. */
    tokensPerFill: number;
    fillIntervalSeconds: number;
}

export interface CircuitBreakerConfig {
    /** Connection pool: max TCP connections to one backend host. */
    maxConnections: number;
    /** Connection pool: max requests queued while waiting for a connection. */
    maxPendingRequests: number;
    /** Outlier detection: consecutive 5xx before a pod is ejected. */
    consecutive5xxErrors: number;
    /** Outlier detection: base ejection time in seconds (multiplied by the number of ejections). */
    baseEjectionSeconds: number;
    /** Outlier detection: max share of backend pods ejected at once. */
    maxEjectionPercent: number;
}

export interface PaymentsConfig {
    /** Public host of the environment, e.g. pay.dodopayments.com. */
    host: string;
    tls: TlsConfig;
    images: {
        frontend: string;
        backendV1: string;
        /** Unset: backend-v2 runs the v1 image (an idle canary slot). */
        backendV2?: string;
    };
    canary: CanaryConfig;
    /** What the internet may call on the backend through the gateway, and JWT validation there. */
    edge: EdgeConfig;
    frontendReplicas: ReplicaBounds;
    backendReplicas: ReplicaBounds;
    rateLimit: RateLimitConfig;
    circuitBreaker: CircuitBreakerConfig;
    postgres: {
        storageGiB: number;
        /**
         * The in-cluster StatefulSet's password, from `pulumi config set --secret`; never in plain
         * text. Only with database.engine in-cluster (dev): RDS keeps its password in Secrets Manager.
         */
        password: pulumi.Output<string>;
    };
    /** Where PostgreSQL runs: in-cluster (dev's default) or Amazon RDS (staging, prod). */
    database: DatabaseConfig;
}

export const MIN_PASSWORD_LENGTH = 16;

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export const hostName = z
    .string()
    .refine((h) => !h.includes("*"), { message: "must be one exact host, not a wildcard" })
    .refine((h) => DNS_NAME.test(h), { message: "expected a lowercase DNS name such as pay.dodopayments.com" });

/**
 * An image reference pinned by tag or digest. `:latest` and a missing tag are refused: the tag
 * must say what runs, and a rollback must be able to name the previous one.
 */
export function imageProblem(image: string): string | undefined {
    if (/\s/.test(image) || image.length === 0) return "expected an image reference such as ghcr.io/org/app:1.2.3";
    if (/@sha256:[a-f0-9]{64}$/.test(image)) return undefined;
    if (image.includes("@")) return "a digest must be @sha256:<64 hex digits>";
    const lastSlash = image.lastIndexOf("/");
    const colon = image.indexOf(":", lastSlash + 1);
    if (colon < 0) return "has no tag (it would resolve to :latest); pin a tag or a digest";
    const tag = image.slice(colon + 1);
    if (tag === "latest") return "uses :latest; pin a version tag or a digest";
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) return `has an invalid tag "${tag}"`;
    return undefined;
}

export const imageRef = z.string().superRefine((image, ctx) => {
    const problem = imageProblem(image);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const email = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: "expected an e-mail address for the ACME account" });

export const paymentsKeys = {
    host: defineKey({
        key: "payments.host",
        type: "string",
        description: "Public host of the environment (one exact DNS name, e.g. pay.dodopayments.com); the Gateway, the certificate and the edge routes use it.",
        schema: hostName,
    }),
    tlsIssuer: defineKey<TlsIssuerKind>({
        key: "payments.tls.issuer",
        type: "string",
        description: "Who signs the host certificate: selfSigned (an in-cluster CA), letsencrypt-staging or letsencrypt (ACME DNS-01 through Route 53). Default: dev selfSigned, staging letsencrypt-staging, prod letsencrypt.",
        schema: oneOf(TLS_ISSUER_KINDS),
        default: { dev: "selfSigned", staging: "letsencrypt-staging", prod: "letsencrypt" },
    }),
    installCertManager: defineKey({
        key: "payments.tls.installCertManager",
        type: "boolean",
        description: "Install cert-manager (pinned chart). Turn off on an existing cluster that already runs cert-manager: the ClusterIssuer and the Certificate are still created, against its CRDs.",
        schema: z.boolean(),
        default: true,
    }),
    hostedZone: defineKey({
        key: "payments.tls.hostedZone",
        type: "string",
        description: "Public Route 53 hosted zone (its domain) that holds payments.host; required with a Let's Encrypt issuer. Recommended (and what the stack files ship): a zone delegated to this environment's account (e.g. staging.dodopayments.com, or pay.dodopayments.com itself), so no environment holds another's records; never the zone another environment's account names (each account would find its own copy, and only the delegated one is visible). The zone is looked up by name; cert-manager's IAM role may write `_acme-challenge.<payments.host>` TXT in it only, and the host's alias and CAA records are written there.",
        schema: hostName,
        optional: true,
    }),
    acmeEmail: defineKey({
        key: "payments.tls.acmeEmail",
        type: "string",
        description: "E-mail of the ACME account (expiry notices); required with a Let's Encrypt issuer.",
        schema: email,
        optional: true,
    }),
    acmeAccountUri: defineKey({
        key: "payments.tls.acmeAccountUri",
        type: "string",
        description: "The ACME account URL of the Let's Encrypt ClusterIssuer (kubectl get clusterissuer <issuer> -o jsonpath='{.status.acme.uri}' after its first run). Set, the host's CAA record allows issuance to that account only (RFC 8657 accounturi), so no other account, even one that can answer DNS-01 for the host, gets a certificate. Unset: any Let's Encrypt account that passes DNS-01.",
        schema: z.string().regex(/^https:\/\/acme(-staging)?-v02\.api\.letsencrypt\.org\/acme\/acct\/\d+$/, { message: "expected a Let's Encrypt account URL such as https://acme-v02.api.letsencrypt.org/acme/acct/123456789" }),
        optional: true,
    }),
    frontendImage: defineKey({
        key: "payments.frontend.image",
        type: "string",
        description: "Frontend image with a version tag or @sha256 digest (never :latest).",
        schema: imageRef,
    }),
    backendV1Image: defineKey({
        key: "payments.backend.v1.image",
        type: "string",
        description: "Image of the stable backend (subset v1), with a version tag or @sha256 digest (never :latest).",
        schema: imageRef,
    }),
    backendV2Image: defineKey({
        key: "payments.backend.v2.image",
        type: "string",
        description: "Image of the canary backend (subset v2). Required when payments.canary.weight > 0; when unset, backend-v2 runs the v1 image.",
        schema: imageRef,
        optional: true,
    }),
    canaryWeight: defineKey({
        key: "payments.canary.weight",
        type: "integer",
        description: "Percent of backend traffic sent to v2 (0-100); v1 gets the rest. Requests with header x-canary: always go to v2 at any weight.",
        schema: integerIn(0, 100),
        default: 0,
    }),
    canaryEdgeHeader: defineKey({
        key: "payments.canary.edgeHeader",
        type: "boolean",
        description: "Honour x-canary: always at the edge too (in-mesh routes always do). Pulumi.prod.yaml turns it off, so internet clients cannot pin their requests to v2; the gateway then strips the header.",
        schema: z.boolean(),
        default: true,
    }),
    frontendMinReplicas: defineKey({
        key: "payments.frontend.minReplicas",
        type: "integer",
        description: "Minimum frontend replicas (HPA). Default: dev 1, staging 2, prod 3.",
        schema: integerIn(1, 50),
        default: { dev: 1, staging: 2, prod: 3 },
    }),
    frontendMaxReplicas: defineKey({
        key: "payments.frontend.maxReplicas",
        type: "integer",
        description: "Maximum frontend replicas (HPA). Default: dev 2, staging 4, prod 10.",
        schema: integerIn(1, 100),
        default: { dev: 2, staging: 4, prod: 10 },
    }),
    backendMinReplicas: defineKey({
        key: "payments.backend.minReplicas",
        type: "integer",
        description: "Minimum replicas of each backend version (HPA). Default: dev 1, staging 2, prod 3.",
        schema: integerIn(1, 50),
        default: { dev: 1, staging: 2, prod: 3 },
    }),
    backendMaxReplicas: defineKey({
        key: "payments.backend.maxReplicas",
        type: "integer",
        description: "Maximum replicas of each backend version (HPA). Default: dev 2, staging 4, prod 10.",
        schema: integerIn(1, 100),
        default: { dev: 2, staging: 4, prod: 10 },
    }),
    rateLimitMaxTokens: defineKey({
        key: "payments.rateLimit.maxTokens",
        type: "integer",
        description: "Ingress gateway local rate limit: token bucket size (burst) per gateway pod; excess requests get 429. Default: dev 100, staging 500, prod 2000.",
        schema: integerIn(1, 1_000_000),
        default: { dev: 100, staging: 500, prod: 2000 },
    }),
    rateLimitTokensPerFill: defineKey({
        key: "payments.rateLimit.tokensPerFill",
        type: "integer",
        description: "Ingress gateway local rate limit: tokens added per fill interval (at most maxTokens). Default: dev 50, staging 250, prod 1000.",
        schema: integerIn(1, 1_000_000),
        default: { dev: 50, staging: 250, prod: 1000 },
    }),
    rateLimitFillIntervalSeconds: defineKey({
        key: "payments.rateLimit.fillIntervalSeconds",
        type: "integer",
        description: "Ingress gateway local rate limit: fill interval in seconds (1-3600).",
        schema: integerIn(1, 3600),
        default: 1,
    }),
    maxConnections: defineKey({
        key: "payments.backend.maxConnections",
        type: "integer",
        description: "Circuit breaker: max TCP connections from one client proxy to the backend. Default: dev 100, staging 500, prod 1000.",
        schema: integerIn(1, 100_000),
        default: { dev: 100, staging: 500, prod: 1000 },
    }),
    maxPendingRequests: defineKey({
        key: "payments.backend.maxPendingRequests",
        type: "integer",
        description: "Circuit breaker: max requests queued for a backend connection before 503. Default: dev 50, staging 250, prod 1000.",
        schema: integerIn(1, 100_000),
        default: { dev: 50, staging: 250, prod: 1000 },
    }),
    consecutive5xxErrors: defineKey({
        key: "payments.backend.consecutive5xxErrors",
        type: "integer",
        description: "Outlier detection: consecutive 5xx responses before a backend pod is ejected. Default: dev 3, staging 5, prod 5.",
        schema: integerIn(1, 100),
        default: { dev: 3, staging: 5, prod: 5 },
    }),
    baseEjectionSeconds: defineKey({
        key: "payments.backend.baseEjectionSeconds",
        type: "integer",
        description: "Outlier detection: base ejection time in seconds. Default: dev 15, staging 30, prod 30.",
        schema: integerIn(1, 3600),
        default: { dev: 15, staging: 30, prod: 30 },
    }),
    maxEjectionPercent: defineKey({
        key: "payments.backend.maxEjectionPercent",
        type: "integer",
        description: "Outlier detection: max percent of backend pods ejected at once. Default: dev 100, staging 50, prod 50.",
        schema: integerIn(1, 100),
        default: { dev: 100, staging: 50, prod: 50 },
    }),
    postgresStorageGiB: defineKey({
        key: "payments.postgres.storageGiB",
        type: "integer",
        description: "Size of PostgreSQL's gp3 volume in GiB (grow only: EBS volumes cannot shrink). Default: dev 10, staging 20, prod 100.",
        schema: integerIn(1, 16_384),
        default: { dev: 10, staging: 20, prod: 100 },
    }),
    postgresPassword: defineKey({
        key: "payments.postgres.password",
        type: "string",
        description: `Password of the in-cluster PostgreSQL (payments.database.engine in-cluster, dev only; at least ${MIN_PASSWORD_LENGTH} characters). Set it with \`pulumi config set --secret --path dodo-platform:payments.postgres.password <value>\`. Refused in staging and prod, whose RDS keeps its password in Secrets Manager.`,
        schema: z.string(),
        secret: true,
        optional: true,
        requiredIn: ["dev"],
    }),
    databaseEngine: defineKey<DatabaseEngine>({
        key: "payments.database.engine",
        type: "string",
        description: "Where PostgreSQL runs: in-cluster (a StatefulSet with one gp3 volume; dev only) or rds (Amazon RDS for PostgreSQL, engine pinned in versions.ts). Default: dev in-cluster, staging rds, prod rds.",
        schema: oneOf(DATABASE_ENGINES),
        default: { dev: "in-cluster", staging: "rds", prod: "rds" },
    }),
    databaseInstanceClass: defineKey({
        key: "payments.database.instanceClass",
        type: "string",
        description: "RDS instance class. Default: dev db.t4g.medium, staging db.m7g.large, prod db.r7g.large.",
        schema: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { message: "expected an RDS instance class such as db.r7g.large" }),
        default: { dev: "db.t4g.medium", staging: "db.m7g.large", prod: "db.r7g.large" },
    }),
    databaseStorageGiB: defineKey({
        key: "payments.database.allocatedStorageGiB",
        type: "integer",
        description: "RDS gp3 storage in GiB (20-65536; grows only). Default: dev 20, staging 50, prod 200.",
        schema: integerIn(20, 65_536),
        default: { dev: 20, staging: 50, prod: 200 },
    }),
    databaseMaxStorageGiB: defineKey({
        key: "payments.database.maxAllocatedStorageGiB",
        type: "integer",
        description: "Ceiling of RDS storage autoscaling in GiB (at least allocatedStorageGiB). Default: dev 50, staging 200, prod 1000.",
        schema: integerIn(20, 65_536),
        default: { dev: 50, staging: 200, prod: 1000 },
    }),
    databaseBackupRetentionDays: defineKey({
        key: "payments.database.backupRetentionDays",
        type: "integer",
        description: "Days of RDS automated backups, the point-in-time-recovery window (1-35; prod at least 14). Default: dev 1, staging 7, prod 14.",
        schema: integerIn(1, 35),
        default: { dev: 1, staging: 7, prod: 14 },
    }),
    databaseMultiAz: defineKey({
        key: "payments.database.multiAz",
        type: "boolean",
        description: "A synchronous standby in a second AZ with automatic failover (prod must keep it). Default: dev false, staging false, prod true.",
        schema: z.boolean(),
        default: { dev: false, staging: false, prod: true },
    }),
    databaseDeletionProtection: defineKey({
        key: "payments.database.deletionProtection",
        type: "boolean",
        description: "RDS deletion protection (prod must keep it; prod also takes a final snapshot on delete). Default: dev false, staging false, prod true.",
        schema: z.boolean(),
        default: { dev: false, staging: false, prod: true },
    }),
    databaseMonitoringInterval: defineKey({
        key: "payments.database.monitoringIntervalSeconds",
        type: "integer",
        description: "Enhanced monitoring granularity in seconds: 1, 5, 10, 15, 30 or 60. Default: dev 60, staging 60, prod 15.",
        schema: z.union([z.literal(1), z.literal(5), z.literal(10), z.literal(15), z.literal(30), z.literal(60)], { message: "expected 1, 5, 10, 15, 30 or 60" }),
        default: { dev: 60, staging: 60, prod: 15 },
    }),
    databaseInsightsRetentionDays: defineKey({
        key: "payments.database.performanceInsightsRetentionDays",
        type: "integer",
        description: "Performance Insights retention in days: 7 (free tier), a multiple of 31 up to 713, or 731. Default: 7.",
        schema: integerIn(7, 731).refine((d) => d === 7 || d === 731 || (d % 31 === 0 && d <= 713), { message: "expected 7, a multiple of 31 up to 713, or 731" }),
        default: 7,
    }),
    databaseRotationDays: defineKey({
        key: "payments.database.passwordRotationDays",
        type: "integer",
        description: "Rotation schedule of the RDS-managed master password in Secrets Manager, in days (1-365). Default: 7.",
        schema: integerIn(1, 365),
        default: 7,
    }),
    databasePoolIdleSeconds: defineKey({
        key: "payments.database.poolIdleSeconds",
        type: "integer",
        description: "The backend's connection-pool idle timeout in seconds (the application contract, docs/payments.md): the sidecar's TCP idle timeout to the database is twice this, so Envoy never cuts a connection the pool still holds. Default: 600.",
        schema: integerIn(30, 43_200),
        default: 600,
    }),
    databaseNetwork: defineKey<DatabaseNetworkChoice>({
        key: "payments.database.network",
        type: "string",
        description: "How only the backend reaches RDS: pod-security-group (security groups for pods: the database admits the backend pods' own security group; every node type must support trunk ENIs), node-security-group (the database admits the nodes, and the mesh admits only the backend), or auto (pod-security-group when every nodes.instanceTypes supports it). Default: auto.",
        schema: oneOf(DATABASE_NETWORKS),
        default: "auto",
    }),
} as const;

const ACME_ISSUERS: readonly TlsIssuerKind[] = ["letsencrypt-staging", "letsencrypt"];

export function isAcme(issuer: TlsIssuerKind): boolean {
    return ACME_ISSUERS.includes(issuer);
}

export const paymentsSection: ConfigSection<PaymentsConfig> = {
    keys: [...Object.values(paymentsKeys), ...Object.values(edgeKeys)],
    read(reader: ConfigReader): PaymentsConfig {
        const k = paymentsKeys;
        const required = (spec: typeof k.host | typeof k.frontendImage | typeof k.backendV1Image, example: string): string => {
            const value = reader.get(spec, "optional");
            if (value === undefined) reader.fail(spec.key, `required (set it with \`${setCommand(spec, example)}\`)`);
            return value ?? "";
        };
        const host = required(k.host, "pay.dodopayments.com");
        const tls: TlsConfig = {
            issuer: reader.get(k.tlsIssuer),
            hostedZone: reader.get(k.hostedZone, "optional"),
            acmeEmail: reader.get(k.acmeEmail, "optional"),
            acmeAccountUri: reader.get(k.acmeAccountUri, "optional"),
            installCertManager: reader.get(k.installCertManager),
        };
        const images = {
            frontend: required(k.frontendImage, "ghcr.io/dodopayments/payments-frontend:1.0.0"),
            backendV1: required(k.backendV1Image, "ghcr.io/dodopayments/payments-backend:1.0.0"),
            backendV2: reader.get(k.backendV2Image, "optional"),
        };
        const canary = { weight: reader.get(k.canaryWeight), edgeHeader: reader.get(k.canaryEdgeHeader) };
        const edge = readEdge(reader);
        const frontendReplicas = { min: reader.get(k.frontendMinReplicas), max: reader.get(k.frontendMaxReplicas) };
        const backendReplicas = { min: reader.get(k.backendMinReplicas), max: reader.get(k.backendMaxReplicas) };
        const rateLimit = {
            maxTokens: reader.get(k.rateLimitMaxTokens),
            tokensPerFill: reader.get(k.rateLimitTokensPerFill),
            fillIntervalSeconds: reader.get(k.rateLimitFillIntervalSeconds),
        };
        const circuitBreaker = {
            maxConnections: reader.get(k.maxConnections),
            maxPendingRequests: reader.get(k.maxPendingRequests),
            consecutive5xxErrors: reader.get(k.consecutive5xxErrors),
            baseEjectionSeconds: reader.get(k.baseEjectionSeconds),
            maxEjectionPercent: reader.get(k.maxEjectionPercent),
        };
        const password = reader.get(k.postgresPassword, "optional");
        const database = readDatabase(reader);

        if (isAcme(tls.issuer)) {
            if (!tls.hostedZone) reader.fail(k.hostedZone.key, `required with payments.tls.issuer ${tls.issuer} (DNS-01 writes the challenge record into this Route 53 zone)`);
            else if (host && host !== tls.hostedZone && !host.endsWith(`.${tls.hostedZone}`)) {
                reader.fail(k.hostedZone.key, `must be payments.host's zone: "${host}" is not in "${tls.hostedZone}"`);
            }
            if (!tls.acmeEmail) reader.fail(k.acmeEmail.key, `required with payments.tls.issuer ${tls.issuer}`);
        }
        if (tls.acmeAccountUri !== undefined) {
            // An account of the other Let's Encrypt server would make the CAA record refuse every issuance.
            const staging = tls.acmeAccountUri.startsWith("https://acme-staging-v02.");
            if (!isAcme(tls.issuer)) reader.fail(k.acmeAccountUri.key, `only applies to a Let's Encrypt issuer (payments.tls.issuer is ${tls.issuer})`);
            else if (staging !== (tls.issuer === "letsencrypt-staging")) reader.fail(k.acmeAccountUri.key, `is an account of the other Let's Encrypt server than payments.tls.issuer ${tls.issuer}`);
        }
        if (reader.environment === "prod" && tls.issuer !== "letsencrypt") {
            reader.fail(k.tlsIssuer.key, `prod serves a publicly trusted certificate ("letsencrypt"), got "${tls.issuer}"`);
        }
        // The canary rule: v2 may only take traffic when it names its own image.
        if (canary.weight > 0 && images.backendV2 === undefined) {
            reader.fail(k.backendV2Image.key, `required when payments.canary.weight > 0 (got weight ${canary.weight}); set the canary image first, or set the weight to 0`);
        }
        for (const [what, bounds, minKey, maxKey] of [
            ["frontend", frontendReplicas, k.frontendMinReplicas.key, k.frontendMaxReplicas.key],
            ["backend", backendReplicas, k.backendMinReplicas.key, k.backendMaxReplicas.key],
        ] as const) {
            if (bounds.min > bounds.max) reader.fail(minKey, `must not exceed ${maxKey} (${bounds.max}), got ${bounds.min}`);
            if (reader.environment === "prod" && bounds.min < 2) reader.fail(minKey, `prod runs at least 2 ${what} replicas, got ${bounds.min}`);
        }
        if (rateLimit.tokensPerFill > rateLimit.maxTokens) {
            reader.fail(k.rateLimitTokensPerFill.key, `must not exceed payments.rateLimit.maxTokens (${rateLimit.maxTokens}), got ${rateLimit.tokensPerFill}`);
        }
        if (reader.environment !== "dev") {
            // Issue 12: staging and prod keep no runtime secret in Pulumi config or state.
            if (password !== undefined) {
                reader.fail(k.postgresPassword.key, `not used in ${reader.environment}: RDS keeps the database password in Secrets Manager, never in Pulumi config; remove it with \`pulumi config rm --path ${fullKey(k.postgresPassword.key)}\``);
            }
        } else if (database.engine === "rds") {
            // dev with RDS: the StatefulSet's password is simply unused.
        } else if (password === undefined) {
            reader.fail(k.postgresPassword.key, `required: run \`${setCommand(k.postgresPassword, "<password>")}\` (at least ${MIN_PASSWORD_LENGTH} characters)`);
        } else if (password.length < MIN_PASSWORD_LENGTH) {
            reader.fail(k.postgresPassword.key, `must be at least ${MIN_PASSWORD_LENGTH} characters (got ${password.length})`);
        }

        return {
            host,
            tls,
            images,
            canary,
            edge,
            frontendReplicas,
            backendReplicas,
            rateLimit,
            circuitBreaker,
            postgres: { storageGiB: reader.get(k.postgresStorageGiB), password: pulumi.secret(password ?? "") },
            database,
        };
    },
};

/** payments.database.*: the engine, RDS settings, and how only the backend reaches RDS. */
function readDatabase(reader: ConfigReader): DatabaseConfig {
    const k = paymentsKeys;
    const engine = reader.get(k.databaseEngine);
    const rds = {
        instanceClass: reader.get(k.databaseInstanceClass),
        allocatedStorageGiB: reader.get(k.databaseStorageGiB),
        maxAllocatedStorageGiB: reader.get(k.databaseMaxStorageGiB),
        backupRetentionDays: reader.get(k.databaseBackupRetentionDays),
        multiAz: reader.get(k.databaseMultiAz),
        deletionProtection: reader.get(k.databaseDeletionProtection),
        monitoringIntervalSeconds: reader.get(k.databaseMonitoringInterval),
        performanceInsightsRetentionDays: reader.get(k.databaseInsightsRetentionDays),
        passwordRotationDays: reader.get(k.databaseRotationDays),
    };
    const choice = reader.get(k.databaseNetwork);
    const instanceTypes = reader.get(clusterKeys.instanceTypes);
    const network = resolveDatabaseNetwork(choice, instanceTypes);
    if (engine === "rds") {
        if (network.problem) reader.fail(k.databaseNetwork.key, network.problem);
        if (reader.get(existingClusterKeys.mode) === "existing") {
            reader.fail(k.databaseEngine.key, "rds needs the AWS layer (cluster.mode eks); an existing cluster keeps the in-cluster StatefulSet");
        }
    }
    if (reader.environment !== "dev" && engine !== "rds") {
        reader.fail(k.databaseEngine.key, `${reader.environment} runs PostgreSQL on RDS (backups, PITR, encryption with its own key); in-cluster is for dev only`);
    }
    if (rds.maxAllocatedStorageGiB < rds.allocatedStorageGiB) {
        reader.fail(k.databaseMaxStorageGiB.key, `must be at least payments.database.allocatedStorageGiB (${rds.allocatedStorageGiB}), got ${rds.maxAllocatedStorageGiB}`);
    }
    if (reader.environment === "prod") {
        if (rds.backupRetentionDays < 14) reader.fail(k.databaseBackupRetentionDays.key, `prod keeps at least 14 days of backups (point-in-time recovery), got ${rds.backupRetentionDays}`);
        if (!rds.multiAz) reader.fail(k.databaseMultiAz.key, "prod runs a Multi-AZ standby");
        if (!rds.deletionProtection) reader.fail(k.databaseDeletionProtection.key, "prod keeps deletion protection on");
    }
    return { engine, rds, network: network.mode, networkReason: network.reason, poolIdleSeconds: reader.get(k.databasePoolIdleSeconds) };
}
