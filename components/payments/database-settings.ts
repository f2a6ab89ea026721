// The shapes of payments.database.* and the choice of how only the backend reaches RDS. Pure.

export const DATABASE_ENGINES = ["in-cluster", "rds"] as const;
export type DatabaseEngine = (typeof DATABASE_ENGINES)[number];

export const DATABASE_NETWORKS = ["auto", "pod-security-group", "node-security-group"] as const;
export type DatabaseNetworkChoice = (typeof DATABASE_NETWORKS)[number];
export type DatabaseNetwork = Exclude<DatabaseNetworkChoice, "auto">;

export interface RdsSettings {
    instanceClass: string;
    allocatedStorageGiB: number;
    maxAllocatedStorageGiB: number;
    /** Automated backups and the PITR window. */
    backupRetentionDays: number;
    multiAz: boolean;
    deletionProtection: boolean;
    monitoringIntervalSeconds: number;
    performanceInsightsRetentionDays: number;
    passwordRotationDays: number;
}

export interface DatabaseConfig {
    engine: DatabaseEngine;
    /** Used when engine is rds. */
    rds: RdsSettings;
    /** Resolved from payments.database.network and the node instance types. */
    network: DatabaseNetwork;
    /** Why that network mode (shown in docs and the synth summary). */
    networkReason: string;
    /** The backend pool's idle timeout (application contract). */
    poolIdleSeconds: number;
}

/**
 * Instance families whose types support trunk ENIs, the precondition of security groups for pods
 * (`IsTrunkingCompatible: true` in aws/amazon-vpc-resource-controller-k8s pkg/aws/vpc/limits.go;
 * AWS: "No instance types in the t family are supported"). Nitro families the platform would pick;
 * a family not listed here is treated as unsupported (auto falls back, an explicit choice fails).
 */
export const TRUNK_COMPATIBLE_FAMILIES: readonly string[] = [
    "m5", "m5a", "m5d", "m5n", "m5dn", "m5zn", "m6i", "m6a", "m6id", "m6in", "m7i", "m7a", "m8i",
    "c5", "c5a", "c5d", "c5n", "c6i", "c6a", "c6id", "c6in", "c7i", "c7a",
    "r5", "r5a", "r5d", "r5n", "r6i", "r6a", "r6id", "r6in", "r7i", "r7a",
];

/** Whether payments reach RDS through security groups for pods, so every node needs a trunk ENI. */
export function usesPodSecurityGroups(database: Pick<DatabaseConfig, "engine" | "network">): boolean {
    return database.engine === "rds" && database.network === "pod-security-group";
}

export function supportsPodEni(instanceType: string): boolean {
    const family = instanceType.split(".")[0];
    return TRUNK_COMPATIBLE_FAMILIES.includes(family);
}

/**
 * auto: security groups for pods when every node type supports them, else the node security group
 * (the mesh then does the backend-only part). An explicit pod-security-group on unsupported types
 * is a problem: pods would stay Pending (no branch ENI to give them).
 */
export function resolveDatabaseNetwork(choice: DatabaseNetworkChoice, instanceTypes: readonly string[]): { mode: DatabaseNetwork; reason: string; problem?: string } {
    const unsupported = instanceTypes.filter((t) => !supportsPodEni(t));
    if (choice === "node-security-group") return { mode: choice, reason: "payments.database.network is node-security-group" };
    if (unsupported.length === 0) {
        return { mode: "pod-security-group", reason: `every node type (${instanceTypes.join(", ")}) supports trunk ENIs` };
    }
    const why = `${unsupported.join(", ")} ${unsupported.length === 1 ? "does" : "do"} not support security groups for pods (no trunk ENI; no t-family type does)`;
    if (choice === "pod-security-group") {
        return { mode: "pod-security-group", reason: why, problem: `pod-security-group needs trunk-ENI instance types: ${why}; choose node types such as m6i/m5/c6i/r6i, or node-security-group` };
    }
    return { mode: "node-security-group", reason: `auto: ${why}` };
}
