// Amazon RDS for PostgreSQL for the payments database (staging, prod; dev with
// payments.database.engine rds): its own CMKs, a private DB subnet group, a parameter group that
// forces TLS, Performance Insights and enhanced monitoring, RDS-managed credentials in Secrets
// Manager with rotation, and a security group that admits only the backend. Pure builders first
// (tested directly), then the component.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { managedPolicyArn, PolicyDocument, roleNamePrefix } from "../iam";
import { Environment } from "../settings";
import { Secrets } from "../secrets";
import { RDS_CA, RDS_POSTGRES } from "../versions";
import { BACKEND, PAYMENTS_NAMESPACE, POSTGRES } from "./names";
import { DatabaseNetwork, RdsSettings } from "./database-settings";

/** Ports the backend pods serve on their own ENI: the app (via its sidecar), Envoy's health, stats and merged metrics. */
export const BACKEND_POD_PORTS = [
    { port: BACKEND.containerPort, description: "backend API (mesh mTLS, redirected to the sidecar)" },
    { port: 15020, description: "Istio agent: merged metrics and rewritten probes (kubelet)" },
    { port: 15021, description: "Envoy health" },
    { port: 15090, description: "Envoy stats (Prometheus)" },
] as const;

export interface SecurityGroupRule {
    direction: "ingress" | "egress";
    protocol: "tcp" | "-1";
    fromPort: number;
    toPort: number;
    /** Another security group (by role), or a CIDR. */
    peer: { securityGroup: "backend-pods" | "nodes" } | { cidr: string };
    description: string;
}

/**
 * The database's security group: PostgreSQL from the backend pods' own group (security groups for
 * pods), or from the nodes (node-security-group mode; the mesh then keeps every other pod out).
 * No egress: RDS initiates nothing towards the VPC.
 */
export function databaseSecurityGroupRules(network: DatabaseNetwork): SecurityGroupRule[] {
    const peer = network === "pod-security-group" ? ({ securityGroup: "backend-pods" } as const) : ({ securityGroup: "nodes" } as const);
    return [{ direction: "ingress", protocol: "tcp", fromPort: POSTGRES.port, toPort: POSTGRES.port, peer, description: `PostgreSQL from the ${network === "pod-security-group" ? "backend pods" : "nodes"}` }];
}

/**
 * The backend pods' group (pod-security-group mode only). Its branch ENI carries this group
 * alone, so it admits what reaches a backend pod: callers on the nodes (gateway, frontend),
 * the kubelet's probes and Prometheus, each on its port; and lets the pod reach everything
 * (cluster DNS, istiod, the collector, the database, whose own group does the refusing).
 */
export function backendPodSecurityGroupRules(): SecurityGroupRule[] {
    return [
        ...BACKEND_POD_PORTS.map((p) => ({ direction: "ingress" as const, protocol: "tcp" as const, fromPort: p.port, toPort: p.port, peer: { securityGroup: "nodes" as const }, description: p.description })),
        { direction: "egress", protocol: "-1", fromPort: 0, toPort: 0, peer: { cidr: "0.0.0.0/0" }, description: "all egress (DNS, istiod, collector, database)" },
    ];
}

/** RDS parameters: TLS only (rds.force_ssl), TLS 1.2 or newer. */
export const RDS_PARAMETERS: readonly { name: string; value: string; applyMethod: "immediate" | "pending-reboot" }[] = [
    { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
    { name: "ssl_min_protocol_version", value: "TLSv1.2", applyMethod: "immediate" },
];

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
        // Versions move only through versions.ts (the preview shows it).
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
        deleteAutomatedBackups: !prod,
        deletionProtection: s.deletionProtection,
        skipFinalSnapshot: !prod,
        finalSnapshotIdentifier: prod ? `${input.identifier}-final` : undefined,
        performanceInsightsEnabled: true,
        performanceInsightsRetentionPeriod: s.performanceInsightsRetentionDays,
        monitoringInterval: s.monitoringIntervalSeconds,
        enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
        // Outside prod, changes apply at once; prod waits for the maintenance window.
        applyImmediately: !prod,
        iamDatabaseAuthenticationEnabled: false,
    };
}

export interface PaymentsDatabaseArgs {
    /** Prefix of AWS names, e.g. `dodo-prod`. */
    name: string;
    environment: Environment;
    region: string;
    settings: RdsSettings;
    network: DatabaseNetwork;
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string>[];
    /** The nodes' security group (every node carries it). */
    nodeSecurityGroupId: pulumi.Input<string>;
    /** Days of the CloudWatch log groups of the instance's exports. */
    logRetentionDays: number;
    /** The secrets foundation: the backend's reader role. */
    secrets: Secrets;
}

/** What the payments component needs to connect the backend. */
export interface PaymentsDatabaseOutputs {
    address: pulumi.Output<string>;
    secretArn: pulumi.Output<string>;
    backendRoleArn: pulumi.Output<string>;
    backendSecurityGroupId?: pulumi.Output<string>;
}

export class PaymentsDatabase extends pulumi.ComponentResource implements PaymentsDatabaseOutputs {
    readonly address: pulumi.Output<string>;
    readonly secretArn: pulumi.Output<string>;
    readonly backendRoleArn: pulumi.Output<string>;
    readonly backendSecurityGroupId?: pulumi.Output<string>;
    readonly instanceArn: pulumi.Output<string>;

    constructor(name: string, args: PaymentsDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dodo:platform:PaymentsDatabase", name, {}, opts);
        const parent = { parent: this };
        const prod = args.environment === "prod";
        const identifier = `${args.name}-payments`;
        const key = (purpose: string, description: string) => {
            const k = new aws.kms.Key(`${name}-${purpose}`, { description, enableKeyRotation: true, deletionWindowInDays: prod ? 30 : 7 }, { parent: this, protect: prod });
            new aws.kms.Alias(`${name}-${purpose}`, { name: `alias/${identifier}-${purpose}`, targetKeyId: k.keyId }, parent);
            return k;
        };
        // Two keys: the backend's role may decrypt the secret's key (through Secrets Manager) and
        // nothing of the storage, snapshots or Performance Insights.
        const storageKey = key("storage", `${identifier} RDS storage, snapshots and Performance Insights`);
        const secretKey = key("secret", `${identifier} RDS master user secret`);

        const subnets = new aws.rds.SubnetGroup(`${name}-subnets`, {
            name: identifier,
            description: `${identifier}: private subnets only`,
            subnetIds: args.privateSubnetIds,
        }, parent);
        const parameters = new aws.rds.ParameterGroup(`${name}-params`, {
            namePrefix: `${identifier}-`,
            family: RDS_POSTGRES.parameterGroupFamily,
            description: `${identifier}: TLS only`,
            parameters: RDS_PARAMETERS.map((p) => ({ ...p })),
        }, { parent: this });

        const sg = (role: string, description: string) =>
            new aws.ec2.SecurityGroup(`${name}-${role}`, { vpcId: args.vpcId, description, revokeRulesOnDelete: true, tags: { Name: `${identifier}-${role}` } }, parent);
        const dbSg = sg("db", `${identifier}: PostgreSQL from the backend only`);
        const backendSg = args.network === "pod-security-group" ? sg("backend-pods", `${args.name} payments backend pods (security groups for pods)`) : undefined;
        const peerId = (peer: SecurityGroupRule["peer"]) =>
            "cidr" in peer ? undefined : peer.securityGroup === "nodes" ? args.nodeSecurityGroupId : backendSg!.id;
        const addRules = (group: aws.ec2.SecurityGroup, role: string, rules: SecurityGroupRule[]) =>
            rules.forEach((r, i) => {
                const common = {
                    securityGroupId: group.id,
                    ipProtocol: r.protocol,
                    fromPort: r.protocol === "-1" ? undefined : r.fromPort,
                    toPort: r.protocol === "-1" ? undefined : r.toPort,
                    referencedSecurityGroupId: peerId(r.peer),
                    cidrIpv4: "cidr" in r.peer ? r.peer.cidr : undefined,
                    description: r.description,
                };
                if (r.direction === "ingress") new aws.vpc.SecurityGroupIngressRule(`${name}-${role}-in-${i}`, common, parent);
                else new aws.vpc.SecurityGroupEgressRule(`${name}-${role}-out-${i}`, common, parent);
            });
        addRules(dbSg, "db", databaseSecurityGroupRules(args.network));
        if (backendSg) addRules(backendSg, "backend-pods", backendPodSecurityGroupRules());

        const account = aws.getCallerIdentityOutput({}, parent).accountId;
        const monitoringRole = new aws.iam.Role(`${name}-monitoring`, {
            namePrefix: roleNamePrefix(args.name, "rds-monitoring"),
            assumeRolePolicy: account.apply((id) => JSON.stringify(monitoringTrustPolicy(id, args.region, identifier))),
        }, parent);
        const monitoringPolicy = new aws.iam.RolePolicyAttachment(`${name}-monitoring`, {
            role: monitoringRole.name,
            policyArn: managedPolicyArn("service-role/AmazonRDSEnhancedMonitoringRole"),
        }, parent);

        // Created before the instance so their retention is ours, not "never expire".
        const logGroups = ["postgresql", "upgrade"].map(
            (log) => new aws.cloudwatch.LogGroup(`${name}-${log}`, { name: `/aws/rds/instance/${identifier}/${log}`, retentionInDays: args.logRetentionDays }, parent),
        );

        const settings = rdsInstanceSettings({ identifier, environment: args.environment, settings: args.settings });
        const instance = new aws.rds.Instance(`${name}-instance`, {
            ...settings,
            kmsKeyId: storageKey.arn,
            performanceInsightsKmsKeyId: storageKey.arn,
            masterUserSecretKmsKeyId: secretKey.arn,
            dbSubnetGroupName: subnets.name,
            parameterGroupName: parameters.name,
            vpcSecurityGroupIds: [dbSg.id],
            monitoringRoleArn: monitoringRole.arn,
        }, { parent: this, dependsOn: [monitoringPolicy, ...logGroups], protect: prod });

        const secretArn = instance.masterUserSecrets.apply((s) => {
            const arn = s?.[0]?.secretArn;
            if (!arn) throw new Error(`${identifier}: RDS reported no master user secret (manageMasterUserPassword)`);
            return arn;
        });
        new aws.secretsmanager.SecretRotation(`${name}-rotation`, {
            secretId: secretArn,
            rotationRules: { automaticallyAfterDays: args.settings.passwordRotationDays },
        }, parent);

        // backend-sa's own IRSA role, allowed that one secret: ESO assumes it for the backend.
        const role = args.secrets.readerRole(`${name}-backend`, {
            namespace: PAYMENTS_NAMESPACE,
            serviceAccount: BACKEND.serviceAccount,
            secretArns: [secretArn],
            kmsKeyArns: [secretKey.arn],
        }, this);

        this.address = instance.address;
        this.secretArn = secretArn;
        this.backendRoleArn = role.arn;
        this.backendSecurityGroupId = backendSg?.id;
        this.instanceArn = instance.arn;
        this.registerOutputs({ address: this.address, secretArn: this.secretArn, instanceArn: this.instanceArn });
    }
}
