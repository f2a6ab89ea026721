// Amazon RDS for PostgreSQL for the payments database (staging, prod; dev with
// payments.database.engine rds): its own CMKs, a private DB subnet group, a parameter group that
// forces TLS and audits, Performance Insights and enhanced monitoring, RDS-managed credentials in
// Secrets Manager with rotation, and a security group that admits only the backend. The component
// only; its pure builders are ./rds-instance.ts (the instance) and ./rds-network.ts (the groups).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { managedPolicyArn, roleNamePrefix } from "../iam";
import { Environment } from "../settings";
import { Secrets } from "../secrets";
import { RDS_POSTGRES } from "../versions";
import { BACKEND, PAYMENTS_NAMESPACE } from "./names";
import { DatabaseNetwork, RdsSettings } from "./database-settings";
import { monitoringTrustPolicy, RDS_LOG_EXPORTS, RDS_PARAMETERS, rdsInstanceSettings } from "./rds-instance";
import { databaseSecurityGroupRules, GroupRole, SecurityGroupRule } from "./rds-network";

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
            description: `${identifier}: TLS only, connections and pgAudit logged`,
            parameters: RDS_PARAMETERS.map((p) => ({ ...p })),
        }, { parent: this });

        const sg = (role: string, description: string) =>
            new aws.ec2.SecurityGroup(`${name}-${role}`, { vpcId: args.vpcId, description, revokeRulesOnDelete: true, tags: { Name: `${identifier}-${role}` } }, parent);
        const dbSg = sg("db", `${identifier}: PostgreSQL from the backend only`);
        const backendSg = args.network === "pod-security-group" ? sg("backend-pods", `${args.name} payments backend pods (security groups for pods)`) : undefined;
        const groupId = (role: GroupRole): pulumi.Input<string> => (role === "nodes" ? args.nodeSecurityGroupId : role === "database" ? dbSg.id : backendSg!.id);
        // Names by role, direction and index within them: adding a flow appends, it renames nothing before it.
        const count: Record<string, number> = {};
        databaseSecurityGroupRules(args.network).forEach((r: SecurityGroupRule) => {
            const key = `${r.group === "database" ? "db" : r.group}-${r.direction === "ingress" ? "in" : "out"}`;
            const i = (count[key] = (count[key] ?? -1) + 1);
            const common = {
                securityGroupId: groupId(r.group),
                ipProtocol: r.protocol,
                fromPort: r.port,
                toPort: r.port,
                referencedSecurityGroupId: groupId(r.peer),
                description: r.description,
            };
            if (r.direction === "ingress") new aws.vpc.SecurityGroupIngressRule(`${name}-${key}-${i}`, common, parent);
            else new aws.vpc.SecurityGroupEgressRule(`${name}-${key}-${i}`, common, parent);
        });

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
        const logGroups = RDS_LOG_EXPORTS.map(
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
            // Setting or changing the schedule must not rotate the password under running pods
            // (the provider's default is true); the first rotation waits for the schedule.
            rotateImmediately: false,
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
