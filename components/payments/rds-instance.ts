// The RDS instance's own settings, its parameter group and its monitoring role's trust: pure
// builders the component (./rds.ts) and the tests read.
import { PolicyDocument } from "../iam";
import { Environment } from "../settings";
import { RDS_CA, RDS_POSTGRES } from "../versions";
import { POSTGRES } from "./names";
import { RdsSettings } from "./database-settings";

export interface RdsParameter {
    name: string;
    value: string;
    /** Static parameters take `pending-reboot` (RDS refuses `immediate` for them) and act after a reboot. */
    applyMethod: "immediate" | "pending-reboot";
}

/**
 * TLS only (rds.force_ssl, TLS 1.2+); every login and logout logged (PCI DSS 10.2.1); pgAudit for
 * DDL and role changes of every user. pgAudit needs its library preloaded, a static parameter
 * (pending-reboot): a new instance starts with it, an existing one needs one reboot, and the
 * extension is created once (docs/payments.md, "Audit log"). pg_stat_statements stays preloaded
 * (RDS's default value; Performance Insights reads it). Statement parameters stay out of the log
 * (pgaudit.log_parameter 0): bound values may be cardholder data; pgAudit redacts the password of
 * CREATE/ALTER ROLE itself. RDS for PostgreSQL documents each (User Guide:
 * Appendix.PostgreSQL.CommonDBATasks.pgaudit, PostgreSQL.Concepts.General.SSL).
 */
export const RDS_PARAMETERS: readonly RdsParameter[] = [
    { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
    { name: "ssl_min_protocol_version", value: "TLSv1.2", applyMethod: "immediate" },
    { name: "log_connections", value: "1", applyMethod: "immediate" },
    { name: "log_disconnections", value: "1", applyMethod: "immediate" },
    { name: "shared_preload_libraries", value: "pg_stat_statements,pgaudit", applyMethod: "pending-reboot" },
    { name: "pgaudit.log", value: "ddl,role", applyMethod: "immediate" },
    { name: "pgaudit.log_catalog", value: "0", applyMethod: "immediate" },
    { name: "pgaudit.log_parameter", value: "0", applyMethod: "immediate" },
];

/** CloudWatch Logs exports: the server log (connections, pgAudit) and the upgrade log. */
export const RDS_LOG_EXPORTS = ["postgresql", "upgrade"] as const;

/**
 * Trust policy of the enhanced monitoring role: only RDS's monitoring service, and only on behalf
 * of this account's instance (aws:SourceAccount / aws:SourceArn: the confused-deputy guard).
 */
export function monitoringTrustPolicy(accountId: string, region: string, identifier: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: "monitoring.rds.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: {
                    StringEquals: { "aws:SourceAccount": accountId },
                    ArnLike: { "aws:SourceArn": `arn:aws:rds:${region}:${accountId}:db:${identifier}` },
                },
            },
        ],
    };
}

/**
 * The final snapshot's name: stack-scoped and stable, so previews never diff on it. A second
 * deletion under the same identifier finds the first snapshot and RDS refuses the delete
 * (DBSnapshotAlreadyExists) rather than lose data.
 */
export function finalSnapshotIdentifier(identifier: string): string {
    const name = `${identifier}-final`;
    // RDS: 1-255 letters, digits or hyphens, a letter first, no "--", no trailing hyphen.
    if (!/^[A-Za-z](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,254}$/.test(name)) throw new Error(`invalid RDS snapshot identifier ${name}`);
    return name;
}

export interface RdsInstanceInput {
    identifier: string;
    environment: Environment;
    settings: RdsSettings;
}

/** The instance's settings that do not depend on other resources (the tests read these). */
export function rdsInstanceSettings(input: RdsInstanceInput) {
    const { settings: s, environment } = input;
    const prod = environment === "prod";
    return {
        identifier: input.identifier,
        engine: "postgres",
        engineVersion: RDS_POSTGRES.engineVersion,
        // Versions move only through versions.ts (the preview shows it; docs/payments.md, "Engine
        // version"). An upgrade RDS forces at end of support is taken into the pin after the fact.
        autoMinorVersionUpgrade: false,
        allowMajorVersionUpgrade: false,
        instanceClass: s.instanceClass,
        allocatedStorage: s.allocatedStorageGiB,
        maxAllocatedStorage: s.maxAllocatedStorageGiB,
        storageType: "gp3",
        storageEncrypted: true,
        multiAz: s.multiAz,
        dbName: POSTGRES.database,
        username: POSTGRES.user,
        // RDS creates and rotates the password in Secrets Manager; it is never in Pulumi config or state.
        manageMasterUserPassword: true,
        publiclyAccessible: false,
        port: POSTGRES.port,
        caCertIdentifier: RDS_CA.identifier,
        backupRetentionPeriod: s.backupRetentionDays,
        // UTC; 00:30-01:30 IST for backups, maintenance after them on Sunday.
        backupWindow: "19:00-20:00",
        maintenanceWindow: "sun:20:30-sun:21:30",
        copyTagsToSnapshot: true,
        // prod keeps the automated backups (the PITR window) after a deletion, and a final snapshot.
        deleteAutomatedBackups: !prod,
        deletionProtection: s.deletionProtection,
        skipFinalSnapshot: !prod,
        finalSnapshotIdentifier: prod ? finalSnapshotIdentifier(input.identifier) : undefined,
        performanceInsightsEnabled: true,
        performanceInsightsRetentionPeriod: s.performanceInsightsRetentionDays,
        monitoringInterval: s.monitoringIntervalSeconds,
        enabledCloudwatchLogsExports: [...RDS_LOG_EXPORTS],
        // Outside prod, changes apply at once; prod waits for the maintenance window.
        applyImmediately: !prod,
        iamDatabaseAuthenticationEnabled: false,
    };
}
