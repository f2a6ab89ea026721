// AWS rules over Pulumi resource inputs (aws provider v7 shapes; v6's list-shaped blocks accepted too).
import type { PulumiResource, ResourceRule, Violation } from "./types";
import { addressSpacePercent, cidrProblem, isWholeSpace } from "./aws-values";
import { awsGuardRules } from "./aws-guards";
import { rdsRules } from "./rds";
import { Obj, arr, has, isObj, obj, str, strs, violation } from "./util";

const EKS_CLUSTER = "aws:eks/cluster:Cluster";

/** aws v7 models single nested blocks as objects; older code passed one-element lists. */
function block(v: unknown): Obj {
    if (Array.isArray(v)) return obj(v[0]);
    return obj(v);
}

export const eksSecretsEncryption: ResourceRule = {
    id: "eks-secrets-encryption",
    description: "EKS clusters envelope-encrypt Kubernetes Secrets with a KMS key.",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: [EKS_CLUSTER],
    check(r) {
        const configs = Array.isArray(r.props.encryptionConfig) ? arr(r.props.encryptionConfig).filter(isObj) : [obj(r.props.encryptionConfig)];
        // The key ARN is usually unknown during preview (the key is created alongside); present is enough.
        const ok = configs.some((c) => strs(c.resources).includes("secrets") && has(obj(c.provider), "keyArn"));
        return ok ? [] : [violation(r, "encryptionConfig does not encrypt \"secrets\" with a KMS key (provider.keyArn)")];
    },
};

const OPEN_CIDRS = new Set(["0.0.0.0/0", "::/0"]);

export const eksEndpointRestricted: ResourceRule = {
    id: "eks-endpoint-restricted",
    description: "The EKS API endpoint is private, or public only to named CIDRs (never 0.0.0.0/0 or ::/0); in prod the CIDRs together cover at most maxPublicAccessPercent of the address space.",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: [EKS_CLUSTER],
    check(r, ctx) {
        const vpc = block(r.props.vpcConfig);
        // AWS defaults endpointPublicAccess to true and publicAccessCidrs to 0.0.0.0/0.
        if (vpc.endpointPublicAccess === false) return [];
        const cidrs = strs(vpc.publicAccessCidrs);
        if (cidrs.length === 0) return [violation(r, "the API endpoint is public and publicAccessCidrs is unset, which AWS reads as 0.0.0.0/0")];
        // Any /0 is the whole space, whatever address it is written with (1.2.3.4/0, ::1/0).
        const open = cidrs.filter((c) => OPEN_CIDRS.has(c) || isWholeSpace(c));
        if (open.length) return [violation(r, `the public API endpoint is open to ${open.join(", ")}`)];
        // An entry the guard cannot read (or with host bits) would otherwise be left out of the share: refuse it by name.
        const unreadable = cidrs.map((c) => ({ c, why: cidrProblem(c) })).filter((x) => x.why !== undefined);
        if (unreadable.length) return unreadable.map(({ c, why }) => violation(r, `publicAccessCidrs entry "${c}" ${why}${ctx.config.environment === "prod" ? "; prod counts it as the whole address space" : ""}`));
        if (ctx.config.environment !== "prod") return [];
        // ["0.0.0.0/1", "128.0.0.0/1"] is the internet too: judge the share the set covers.
        const share = addressSpacePercent(cidrs);
        const max = ctx.config.maxPublicAccessPercent;
        const wide = (["ipv4", "ipv6"] as const).filter((f) => share[f] > max);
        return wide.map((f) => violation(r, `publicAccessCidrs together cover ${share[f]}% of the ${f === "ipv4" ? "IPv4" : "IPv6"} address space; prod allows at most ${max}% (maxPublicAccessPercent)`));
    },
};

export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

export const eksControlPlaneLogging: ResourceRule = {
    id: "eks-control-plane-logging",
    description: "EKS clusters ship all five control-plane log types (api, audit, authenticator, controllerManager, scheduler).",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: [EKS_CLUSTER],
    check(r) {
        const enabled = strs(r.props.enabledClusterLogTypes);
        const missing = EKS_LOG_TYPES.filter((t) => !enabled.includes(t));
        return missing.length ? [violation(r, `enabledClusterLogTypes is missing ${missing.join(", ")}`)] : [];
    },
};

export const eksSupportedVersion: ResourceRule = {
    id: "eks-supported-version",
    description: "EKS clusters pin a Kubernetes version in EKS standard support.",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: [EKS_CLUSTER],
    check(r, ctx) {
        const version = str(r.props.version);
        const supported = ctx.config.supportedEksVersions;
        if (!version) return [violation(r, `version is not pinned (AWS would pick its default); use one of ${supported.join(", ")}`)];
        const minor = version.split(".").slice(0, 2).join(".");
        return supported.includes(minor) ? [] : [violation(r, `version ${version} is not in EKS standard support (${supported.join(", ")})`)];
    },
};

export const ec2Imdsv2Required: ResourceRule = {
    id: "ec2-imdsv2-required",
    description: "Launch templates and instances require IMDSv2 tokens with a hop limit of 1 (pods cannot reach the node's credentials).",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: ["aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"],
    check(r) {
        const m = block(r.props.metadataOptions);
        if (m.httpEndpoint === "disabled") return []; // no metadata service at all
        const out: Violation[] = [];
        if (m.httpTokens !== "required") out.push(violation(r, `metadataOptions.httpTokens is ${JSON.stringify(m.httpTokens ?? "unset")}; set "required" (IMDSv2 only)`));
        if (m.httpPutResponseHopLimit !== 1) out.push(violation(r, `metadataOptions.httpPutResponseHopLimit is ${JSON.stringify(m.httpPutResponseHopLimit ?? "unset")}; set 1 so containers cannot reach IMDS`));
        return out;
    },
};

export const kmsKeyRotation: ResourceRule = {
    id: "kms-key-rotation",
    description: "Symmetric KMS keys rotate automatically.",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: ["aws:kms/key:Key"],
    check(r: PulumiResource) {
        const spec = str(r.props.customerMasterKeySpec) ?? "SYMMETRIC_DEFAULT";
        if (spec !== "SYMMETRIC_DEFAULT") return []; // AWS rotates only symmetric encryption keys
        return r.props.enableKeyRotation === true ? [] : [violation(r, "enableKeyRotation is not true")];
    },
};

const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";
/** Prod's floor for automated backups (the point-in-time-recovery window). */
export const PROD_MIN_BACKUP_RETENTION_DAYS = 14;

export const rdsStorageEncrypted: ResourceRule = {
    id: "rds-storage-encrypted",
    description: "RDS instances and clusters encrypt storage with a customer-managed KMS key.",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: [RDS_INSTANCE, RDS_CLUSTER],
    check(r) {
        // A replica of an encrypted source inherits its encryption; it is judged on its source.
        if (has(r.props, "replicateSourceDb") && r.props.replicateSourceDb) return [];
        const out: Violation[] = [];
        if (r.props.storageEncrypted !== true) out.push(violation(r, `storageEncrypted is ${JSON.stringify(r.props.storageEncrypted ?? "unset")}; set true`));
        // The key ARN is usually unknown during preview (created alongside); present is enough.
        else if (!has(r.props, "kmsKeyId") || r.props.kmsKeyId === undefined || r.props.kmsKeyId === null || r.props.kmsKeyId === "") out.push(violation(r, "storage is encrypted with the AWS managed key (aws/rds); set kmsKeyId to a customer-managed key"));
        return out;
    },
};

export const rdsBackupRetention: ResourceRule = {
    id: "rds-backup-retention",
    description: `RDS keeps automated backups (point-in-time recovery): backupRetentionPeriod set and at least 1 day, at least ${PROD_MIN_BACKUP_RETENTION_DAYS} in prod.`,
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: [RDS_INSTANCE, RDS_CLUSTER],
    check(r, ctx) {
        if (has(r.props, "replicateSourceDb") && r.props.replicateSourceDb) return [];
        const days = r.props.backupRetentionPeriod;
        const floor = ctx.config.environment === "prod" ? PROD_MIN_BACKUP_RETENTION_DAYS : 1;
        if (typeof days !== "number") return [violation(r, `backupRetentionPeriod is ${JSON.stringify(days ?? "unset")}; set it explicitly (at least ${floor} days here)`)];
        if (days < floor) return [violation(r, days === 0 ? "backupRetentionPeriod is 0: automated backups and point-in-time recovery are off" : `backupRetentionPeriod is ${days} days; ${ctx.config.environment} keeps at least ${floor}`)];
        return [];
    },
};

export const rdsNotPublic: ResourceRule = {
    id: "rds-not-public",
    description: "RDS instances are not publicly accessible.",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: [RDS_INSTANCE],
    check(r) {
        return r.props.publiclyAccessible === true ? [violation(r, "publiclyAccessible is true: the endpoint resolves to a public address")] : [];
    },
};

export const rdsDeletionProtection: ResourceRule = {
    id: "rds-deletion-protection",
    description: "In prod, RDS has deletion protection on and takes a final snapshot when deleted.",
    enforcement: "mandatory",
    target: "pulumi",
    scope: "object",
    types: [RDS_INSTANCE, RDS_CLUSTER],
    check(r, ctx) {
        if (ctx.config.environment !== "prod") return [];
        const out: Violation[] = [];
        if (r.props.deletionProtection !== true) out.push(violation(r, `deletionProtection is ${JSON.stringify(r.props.deletionProtection ?? "unset")}; prod sets true`));
        if (r.props.skipFinalSnapshot === true) out.push(violation(r, "skipFinalSnapshot is true; prod takes a final snapshot (finalSnapshotIdentifier)"));
        return out;
    },
};

export const cloudRules = [
    eksSecretsEncryption,
    eksEndpointRestricted,
    eksControlPlaneLogging,
    eksSupportedVersion,
    ec2Imdsv2Required,
    kmsKeyRotation,
    rdsStorageEncrypted,
    rdsBackupRetention,
    rdsNotPublic,
    rdsDeletionProtection,
    ...rdsRules,
    ...awsGuardRules,
] as const;
