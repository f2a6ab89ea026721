// The data tier: RDS for staging and prod (and dev behind payments.database.engine), the
// backend-only network path, the CA bundle, the idle timeout, and the renders that carry them.
import { strict as assert } from "assert";
import { readFileSync } from "fs";
import { join } from "path";
import { databaseIdleTimeoutSeconds, DATABASE_KEEPALIVE } from "../../components/payments/database";
import { resolveDatabaseNetwork, supportsPodEni } from "../../components/payments/database-settings";
import { regionalCaBundle } from "../../components/payments/rds-ca";
import { backendPodSecurityGroupRules, databaseSecurityGroupRules, monitoringTrustPolicy, RDS_PARAMETERS } from "../../components/payments/rds";
import { vpcCniConfiguration } from "../../components/cluster/vpc-cni";
import { RDS_CA, RDS_POSTGRES } from "../../components/versions";
import { renderStack } from "../../scripts/lib/render";
import { Render, renderCached } from "../harness";
import { manifestsFor, RDS } from "./fixtures";


type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const BUNDLE = readFileSync(join(__dirname, "..", "..", RDS_CA.bundleFile), "utf8");
const rdsOf = (r: Render): Obj => {
    const found = r.resources.filter((x) => x.type === "aws:rds/instance:Instance");
    assert.equal(found.length, 1, `one RDS instance in ${r.stack}`);
    return found[0].props as Obj;
};

describe("payments data tier", () => {
    describe("the RDS instance in each render", () => {
        for (const stack of ["staging", "prod"] as const) {
            it(`${stack}: encrypted with its own key, private, TLS only, PITR backups, Performance Insights, enhanced monitoring, managed password`, async () => {
                const render = await renderCached(stack);
                const db = rdsOf(render);
                assert.equal(db.engine, "postgres");
                assert.equal(db.engineVersion, RDS_POSTGRES.engineVersion);
                assert.equal(db.autoMinorVersionUpgrade, false);
                assert.equal(db.storageEncrypted, true);
                assert.match(db.kmsKeyId, /^arn:aws:kms:.*:key\/payments-db-storage-key-id$/, "the stack's own storage CMK");
                assert.match(db.masterUserSecretKmsKeyId, /key\/payments-db-secret-key-id$/, "the secret's CMK");
                assert.equal(db.manageMasterUserPassword, true);
                assert.equal(db.password, undefined, "no password in Pulumi");
                assert.equal(db.publiclyAccessible, false);
                assert.equal(db.performanceInsightsEnabled, true);
                assert.ok(db.monitoringInterval > 0 && db.monitoringRoleArn, "enhanced monitoring");
                assert.equal(db.caCertIdentifier, RDS_CA.identifier);
                assert.equal(db.dbSubnetGroupName, `dodo-${stack}-payments`);
                assert.equal(db.multiAz, stack === "prod");
                assert.equal(db.backupRetentionPeriod, stack === "prod" ? 14 : 7);
                assert.equal(db.deletionProtection, stack === "prod");
                assert.equal(db.skipFinalSnapshot, stack !== "prod");
                if (stack === "prod") assert.equal(db.finalSnapshotIdentifier, "dodo-prod-payments-final");
                const params = render.resources.find((x) => x.type === "aws:rds/parameterGroup:ParameterGroup")!.props as Obj;
                assert.equal(params.family, RDS_POSTGRES.parameterGroupFamily);
                assert.ok(params.parameters.some((p: Obj) => p.name === "rds.force_ssl" && p.value === "1"));
                const subnets = render.resources.find((x) => x.type === "aws:rds/subnetGroup:SubnetGroup")!.props as Obj;
                assert.deepEqual([...subnets.subnetIds].sort(), [0, 1, 2].map((i) => `network-private-${i}-id`).sort(), "private subnets only");
                const rotation = render.resources.find((x) => x.type === "aws:secretsmanager/secretRotation:SecretRotation")!.props as Obj;
                assert.equal(rotation.rotationRules.automaticallyAfterDays, 7);
                assert.equal(rotation.secretId, (render.outputs.paymentsDatabaseSecretArn as string));
            });
        }

        it("dev: the StatefulSet by default, RDS with payments.database.engine rds (and no StatefulSet then)", async () => {
            const dev = await renderCached("dev");
            assert.equal(dev.resources.filter((x) => x.type === "aws:rds/instance:Instance").length, 0);
            assert.equal(dev.manifests.filter((o) => o.kind === "StatefulSet" && o.metadata.name === "postgres").length, 1);
            const withRds = await renderStack("dev", { config: { "dodo-platform:payments.database.engine": "rds" } });
            assert.equal(rdsOf(withRds).multiAz, false);
            assert.equal(withRds.manifests.filter((o) => o.kind === "StatefulSet").length, 0);
            assert.equal(withRds.manifests.filter((o) => o.kind === "ServiceEntry" && o.metadata.name === "payments-rds").length, 1);
            // dev's t3 nodes have no trunk ENIs: the node security group mode, and no pod ENI on the CNI.
            assert.equal(withRds.manifests.filter((o) => o.kind === "SecurityGroupPolicy").length, 0);
            const cni = withRds.resources.find((x) => x.type === "aws:eks/addon:Addon" && (x.props as Obj).addonName === "vpc-cni")!.props as Obj;
            assert.deepEqual(JSON.parse(cni.configurationValues as string), { enableNetworkPolicy: "true" }, "only the network policy agent");
        });

        it("prod: the backend reads the managed secret through ESO as its own role, allowed that one secret", async () => {
            const prod = await renderCached("prod");
            const secretArn = prod.outputs.paymentsDatabaseSecretArn as string;
            const policies = prod.resources.filter((x) => x.type === "aws:iam/rolePolicy:RolePolicy" && x.name === "payments-db-backend-secrets");
            assert.equal(policies.length, 1);
            const doc = JSON.parse((policies[0].props as Obj).policy);
            assert.deepEqual(doc.Statement[0].Resource, [secretArn]);
            assert.equal(doc.Statement[1].Condition.StringEquals["kms:ViaService"], "secretsmanager.ap-south-1.amazonaws.com");
            const role = prod.resources.find((x) => x.type === "aws:iam/role:Role" && x.name === "payments-db-backend-secrets")!.props as Obj;
            assert.match(role.assumeRolePolicy, /system:serviceaccount:dodo-payments:backend-sa/);
            const sa = prod.manifests.find((o) => o.kind === "ServiceAccount" && o.metadata.name === "backend-sa")!;
            assert.match(sa.metadata.annotations!["eks.amazonaws.com/role-arn"], /payments-db-backend-secrets/);
            const es = prod.manifests.find((o) => o.kind === "ExternalSecret")! as Obj;
            assert.ok(es.spec.data.every((d: Obj) => d.remoteRef.key === secretArn));
        });

        it("prod: the CNI hands backend pods their own security group, the only one the database admits", async () => {
            const prod = await renderCached("prod");
            const cni = prod.resources.find((x) => x.type === "aws:eks/addon:Addon" && (x.props as Obj).addonName === "vpc-cni")!.props as Obj;
            assert.equal(JSON.parse(cni.configurationValues).env.ENABLE_POD_ENI, "true");
            assert.ok(prod.resources.some((x) => x.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && /AmazonEKSVPCResourceController$/.test((x.props as Obj).policyArn)));
            const dbIngress = prod.resources.filter((x) => x.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && x.name.startsWith("payments-db-db-"));
            assert.equal(dbIngress.length, 1);
            const rule = dbIngress[0].props as Obj;
            assert.deepEqual([rule.fromPort, rule.toPort, rule.ipProtocol, rule.cidrIpv4], [5432, 5432, "tcp", undefined]);
            const sgp = prod.manifests.find((o) => o.kind === "SecurityGroupPolicy")! as Obj;
            assert.deepEqual(sgp.spec.securityGroups.groupIds, [rule.referencedSecurityGroupId]);
            assert.deepEqual(sgp.spec.podSelector, { matchLabels: { app: "backend" } });
        });
    });

    describe("network", () => {
        it("the database's group admits PostgreSQL from the backend pods' group only (pods ENI), or from the nodes", () => {
            assert.deepEqual(databaseSecurityGroupRules("pod-security-group"), [
                { direction: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, peer: { securityGroup: "backend-pods" }, description: "PostgreSQL from the backend pods" },
            ]);
            const nodes = databaseSecurityGroupRules("node-security-group");
            assert.deepEqual(nodes.map((r) => [r.direction, r.fromPort, r.peer]), [["ingress", 5432, { securityGroup: "nodes" }]]);
            for (const mode of ["pod-security-group", "node-security-group"] as const) {
                assert.ok(databaseSecurityGroupRules(mode).every((r) => !("cidr" in r.peer)), "no CIDR, no egress");
            }
        });

        it("the backend pods' group admits the callers on the nodes on the pod's ports only", () => {
            const ingress = backendPodSecurityGroupRules().filter((r) => r.direction === "ingress");
            assert.deepEqual(ingress.map((r) => r.fromPort), [3000, 15020, 15021, 15090]);
            assert.ok(ingress.every((r) => r.fromPort === r.toPort && "securityGroup" in r.peer && r.peer.securityGroup === "nodes"));
        });

        it("chooses security groups for pods only where every node type has trunk ENIs", () => {
            assert.equal(supportsPodEni("m6i.2xlarge"), true);
            assert.equal(supportsPodEni("t3.large"), false);
            assert.equal(resolveDatabaseNetwork("auto", ["m6i.xlarge", "m5.xlarge"]).mode, "pod-security-group");
            assert.equal(resolveDatabaseNetwork("auto", ["t3.large", "m5.large"]).mode, "node-security-group");
            assert.match(resolveDatabaseNetwork("pod-security-group", ["t3.large"]).problem!, /t3\.large/);
            assert.equal(resolveDatabaseNetwork("node-security-group", ["m6i.xlarge"]).mode, "node-security-group");
            assert.deepEqual(JSON.parse(vpcCniConfiguration({ podSecurityGroups: false })), { enableNetworkPolicy: "true" });
            assert.deepEqual(JSON.parse(vpcCniConfiguration({ podSecurityGroups: true })), {
                enableNetworkPolicy: "true",
                env: { ENABLE_POD_ENI: "true", POD_SECURITY_GROUP_ENFORCING_MODE: "standard" },
                init: { env: { DISABLE_TCP_EARLY_DEMUX: "true" } },
            });
        });

        it("enhanced monitoring's role trusts RDS monitoring for this account's instance only", () => {
            const doc = monitoringTrustPolicy("123456789012", "ap-south-1", "dodo-prod-payments");
            assert.deepEqual(doc.Statement[0].Principal, { Service: "monitoring.rds.amazonaws.com" });
            assert.deepEqual(doc.Statement[0].Condition, {
                StringEquals: { "aws:SourceAccount": "123456789012" },
                ArnLike: { "aws:SourceArn": "arn:aws:rds:ap-south-1:123456789012:db:dodo-prod-payments" },
            });
            assert.ok(RDS_PARAMETERS.some((p) => p.name === "rds.force_ssl" && p.value === "1"));
        });
    });

    describe("mesh", () => {
        const m = manifestsFor("prod", {}, undefined, RDS);
        const all = [m.namespace, ...m.security, ...m.base, ...m.egress, ...m.workloads, ...m.routing] as Obj[];
        const find = (kind: string, name: string) => all.find((o) => o.kind === kind && o.metadata.name === name)!;

        it("puts the endpoint in the registry (MESH_EXTERNAL, TCP 5432, DNS) and only the backend's Sidecar names it", () => {
            const se = find("ServiceEntry", "payments-rds");
            assert.deepEqual(se.spec, { hosts: [RDS.host], exportTo: ["."], location: "MESH_EXTERNAL", ports: [{ number: 5432, name: "tcp-postgres", protocol: "TCP" }], resolution: "DNS" });
            const backendHosts: string[] = find("Sidecar", "backend").spec.egress.flatMap((e: Obj) => e.hosts);
            assert.equal(backendHosts.filter((h) => h.startsWith("./")).join(), `./${RDS.host}`, "exactly the database in its own namespace");
            assert.ok(!JSON.stringify(find("Sidecar", "default").spec).includes(RDS.host));
        });

        it("holds idle connections longer than the pool, with keepalive to notice a failover", () => {
            assert.equal(databaseIdleTimeoutSeconds(600), 1200);
            assert.throws(() => databaseIdleTimeoutSeconds(0));
            const tcp = find("DestinationRule", "postgres").spec.trafficPolicy.connectionPool.tcp;
            assert.equal(tcp.idleTimeout, "1200s");
            assert.ok(Number.parseInt(tcp.idleTimeout, 10) > 600);
            assert.deepEqual(tcp.tcpKeepalive, DATABASE_KEEPALIVE);
            assert.equal(find("DestinationRule", "postgres").spec.host, RDS.host);
            assert.equal(find("DestinationRule", "postgres").spec.trafficPolicy.tls, undefined, "the application does TLS");
            const dev = manifestsFor("dev");
            const devRule = dev.egress.find((o) => o.kind === "DestinationRule" && o.metadata.name === "postgres") as Obj;
            assert.equal(devRule.spec.host, "postgres.dodo-payments.svc.cluster.local");
            assert.equal(devRule.spec.trafficPolicy.connectionPool.tcp.idleTimeout, "1200s");
        });

        it("verifies the server (verify-full) against the CA bundle mounted from a ConfigMap", () => {
            const c = find("Deployment", "backend-v1").spec.template.spec.containers[0];
            const env = Object.fromEntries((c.env as Obj[]).map((e) => [e.name, e.value]));
            assert.equal(env.DB_SSLMODE, "verify-full");
            assert.equal(env.DB_SSLROOTCERT, "/etc/dodo/db-ca/ca.pem");
            assert.equal(find("ConfigMap", "rds-ca").data["ca.pem"], RDS.caPem);
        });
    });

    describe("RDS CA bundle", () => {
        const now = new Date("2026-12-01T00:00:00Z");
        it("is the pinned file, and yields the region's roots including the instance's CA", () => {
            const b = regionalCaBundle(BUNDLE, "ap-south-1", { now });
            assert.deepEqual(b.roots.sort(), ["Amazon RDS ap-south-1 Root CA ECC384 G1", "Amazon RDS ap-south-1 Root CA RSA2048 G1", "Amazon RDS ap-south-1 Root CA RSA4096 G1"]);
            assert.equal(b.pem.match(/BEGIN CERTIFICATE/g)!.length, 3);
        });
        it("refuses an edited file, an unknown region, a missing root and expired roots", () => {
            assert.throws(() => regionalCaBundle(`${BUNDLE}\n`, "ap-south-1", { now }), /SHA-256/);
            assert.throws(() => regionalCaBundle(BUNDLE, "xx-nowhere-1", { now }), /no root CA for region xx-nowhere-1/);
            assert.throws(() => regionalCaBundle(BUNDLE, "ap-south-1", { now, identifier: "rds-ca-2019" }), /unknown CA identifier/);
            assert.throws(() => regionalCaBundle(BUNDLE, "ap-south-1", { now: new Date("2062-01-01T00:00:00Z") }), /expired/);
        });
    });
});
