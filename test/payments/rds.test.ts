// The data tier: RDS for staging and prod (and dev behind payments.database.engine), the
// backend-only network path, the CA bundle, the idle timeout, and the renders that carry them.
import { strict as assert } from "assert";
import { readFileSync } from "fs";
import { join } from "path";
import { BACKEND_PROXY_CONFIG, credentialRetryBudgetSeconds, databaseIdleTimeoutSeconds, DATABASE_KEEPALIVE } from "../../components/payments/database";
import { resolveDatabaseNetwork, supportsPodEni } from "../../components/payments/database-settings";
import { regionalCaBundle } from "../../components/payments/rds-ca";
import { monitoringTrustPolicy, RDS_LOG_EXPORTS, RDS_PARAMETERS } from "../../components/payments/rds-instance";
import { databaseSecurityGroupRules, RenderedRule, securityGroupPath } from "../../components/payments/rds-network";
import { APP_UID } from "../../components/payments/names";
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
                assert.equal(rotation.rotateImmediately, false, "setting the schedule does not rotate under running pods");
                for (const p of ["log_connections", "log_disconnections"]) assert.ok(params.parameters.some((x: Obj) => x.name === p && x.value === "1"), p);
                assert.deepEqual(db.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
                const logs = render.resources.filter((x) => x.type === "aws:cloudwatch/logGroup:LogGroup" && /^\/aws\/rds\/instance\//.test((x.props as Obj).name));
                assert.deepEqual(logs.map((x) => (x.props as Obj).name).sort(), [`/aws/rds/instance/dodo-${stack}-payments/postgresql`, `/aws/rds/instance/dodo-${stack}-payments/upgrade`]);
                if (stack === "prod") assert.ok(logs.every((x) => (x.props as Obj).retentionInDays >= 365), "prod keeps the database log a year");
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
            const pods = databaseSecurityGroupRules("pod-security-group").filter((r) => r.group === "database");
            assert.deepEqual(pods.map((r) => [r.direction, r.protocol, r.port, r.peer]), [["ingress", "tcp", 5432, "backend-pods"]]);
            const nodes = databaseSecurityGroupRules("node-security-group");
            assert.deepEqual(nodes.map((r) => [r.group, r.direction, r.port, r.peer]), [["database", "ingress", 5432, "nodes"]]);
        });

        it("the backend pods' group lets out exactly DNS, istiod, OTLP and PostgreSQL, and lets in the app, agent and Envoy health ports from the nodes", () => {
            const rules = databaseSecurityGroupRules("pod-security-group");
            const own = (direction: string) => rules.filter((r) => r.group === "backend-pods" && r.direction === direction).map((r) => `${r.protocol}/${r.port}->${r.peer}`);
            assert.deepEqual(own("egress"), ["udp/53->nodes", "tcp/53->nodes", "tcp/15012->nodes", "tcp/4317->nodes", "tcp/5432->database"]);
            assert.deepEqual(own("ingress"), ["tcp/3000->nodes", "tcp/15020->nodes", "tcp/15021->nodes"]);
            // The other side of each egress flow: CoreDNS, istiod and the collector sit on node ENIs.
            const intoNodes = rules.filter((r) => r.group === "nodes").map((r) => `${r.direction} ${r.protocol}/${r.port}<-${r.peer}`);
            assert.deepEqual(intoNodes, ["ingress udp/53<-backend-pods", "ingress tcp/53<-backend-pods", "ingress tcp/15012<-backend-pods", "ingress tcp/4317<-backend-pods"]);
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

        it("logs every connection and disconnection and audits DDL and role changes through pgAudit, preloaded after a reboot", () => {
            const value = (name: string) => RDS_PARAMETERS.find((p) => p.name === name);
            assert.equal(value("log_connections")?.value, "1");
            assert.equal(value("log_disconnections")?.value, "1");
            assert.deepEqual(value("shared_preload_libraries"), { name: "shared_preload_libraries", value: "pg_stat_statements,pgaudit", applyMethod: "pending-reboot" });
            assert.equal(value("pgaudit.log")?.value, "ddl,role");
            assert.equal(value("pgaudit.log_parameter")?.value, "0", "bound values may be cardholder data");
            assert.deepEqual([...RDS_LOG_EXPORTS], ["postgresql", "upgrade"]);
        });
    });

    describe("security groups for pods, as rendered in prod", () => {
        const groupsOf = (r: Render) => {
            const sgs = r.resources.filter((x) => x.type === "aws:ec2/securityGroup:SecurityGroup");
            const id = (suffix: string) => `${sgs.find((x) => x.name.endsWith(suffix))!.name}-id`;
            return { sgs, backend: id("-backend-pods"), db: id("-db"), nodes: id("-nodes") };
        };
        const renderedRules = (r: Render): RenderedRule[] => {
            const out: RenderedRule[] = [];
            for (const x of r.resources) {
                const p = x.props as Obj;
                if (x.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") out.push({ direction: "ingress", ...p } as RenderedRule);
                if (x.type === "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") out.push({ direction: "egress", ...p } as RenderedRule);
                // Inline rules of a group (the node group's open egress).
                if (x.type === "aws:ec2/securityGroup:SecurityGroup") {
                    for (const e of (p.egress ?? []) as Obj[]) out.push({ direction: "egress", securityGroupId: `${x.name}-id`, ipProtocol: e.protocol, fromPort: e.fromPort, toPort: e.toPort, cidrIpv4: e.cidrBlocks?.[0] });
                }
            }
            return out;
        };

        it("reaches CoreDNS, istiod, the collector and RDS across nodes, is reached by the gateway, frontend, Prometheus and kubelet, and nothing else", async () => {
            const prod = await renderCached("prod");
            const g = groupsOf(prod);
            const rules = renderedRules(prod);
            assert.ok(rules.some((r) => r.securityGroupId === g.backend), `rules on ${g.backend}`);
            // A node ENI carries the cluster security group too; it adds nothing towards the backend.
            const node = [g.nodes];
            for (const [protocol, port] of [["udp", 53], ["tcp", 53], ["tcp", 15012], ["tcp", 4317]] as const) {
                assert.ok(securityGroupPath(rules, [g.backend], node, protocol, port), `backend -> node ${protocol}/${port}`);
            }
            assert.ok(securityGroupPath(rules, [g.backend], [g.db], "tcp", 5432), "backend -> RDS");
            for (const port of [3000, 15020, 15021]) assert.ok(securityGroupPath(rules, node, [g.backend], "tcp", port), `node -> backend ${port}`);
            for (const port of [443, 80, 15017, 6443, 8080, 9090]) assert.ok(!securityGroupPath(rules, [g.backend], node, "tcp", port), `backend -/-> node ${port}`);
            for (const port of [15090, 15000, 22]) assert.ok(!securityGroupPath(rules, node, [g.backend], "tcp", port), `node -/-> backend ${port}`);
            assert.ok(!securityGroupPath(rules, node, [g.db], "tcp", 5432), "pods on node ENIs do not reach RDS");
            assert.ok(!rules.some((r) => r.securityGroupId === g.backend && (r.ipProtocol === "-1" || r.cidrIpv4 !== undefined)), "no all-traffic or CIDR rule on the backend group");
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

        it("lets the non-root backend read the 0440 credential files through its fsGroup, in the built Deployment", () => {
            for (const name of ["backend-v1", "backend-v2"]) {
                const pod = find("Deployment", name).spec.template.spec;
                const vol = (pod.volumes as Obj[]).find((v) => v.name === "db-credentials")!;
                assert.equal(vol.secret.secretName, "postgres-credentials");
                const mode: number = vol.secret.defaultMode;
                const c = pod.containers[0];
                const mounted = (c.volumeMounts as Obj[]).find((m) => m.name === "db-credentials")!;
                assert.equal(mounted.mountPath, "/var/run/secrets/dodo/db");
                const uid: number = c.securityContext.runAsUser ?? pod.securityContext.runAsUser;
                assert.notEqual(uid, 0);
                // The kubelet writes a Secret volume's files as root:<fsGroup> (root:root without
                // one) with defaultMode; the process has runAsGroup and fsGroup among its groups.
                const fileGroup = pod.securityContext.fsGroup ?? 0;
                const groups = [pod.securityContext.runAsGroup, pod.securityContext.fsGroup].filter((x) => x !== undefined);
                const readable = (mode & 0o004) !== 0 || (groups.includes(fileGroup) && (mode & 0o040) !== 0);
                assert.ok(readable, `${name}: uid ${uid} groups ${groups} cannot read a ${mode.toString(8)} root:${fileGroup} file`);
                assert.equal(mode & 0o007, 0, "not world-readable");
                assert.equal(pod.securityContext.fsGroup, APP_UID);
            }
        });

        it("captures DNS in the backend's sidecar (the RDS host resolves to its ServiceEntry's address), not in the frontend's", () => {
            const config = (name: string) => JSON.parse(find("Deployment", name).spec.template.metadata.annotations["proxy.istio.io/config"]);
            assert.deepEqual(config("backend-v1"), BACKEND_PROXY_CONFIG);
            assert.equal(config("backend-v1").proxyMetadata.ISTIO_META_DNS_CAPTURE, "true");
            assert.equal(config("backend-v1").holdApplicationUntilProxyStarts, true);
            assert.equal(config("frontend").proxyMetadata, undefined);
        });

        it("takes a rotated password within the backend's 5-minute login retry: ESO re-reads every minute", () => {
            assert.equal(credentialRetryBudgetSeconds(), 300);
            const es = all.concat(m.externalSecrets as Obj[]).find((o) => o.kind === "ExternalSecret" && o.metadata.name === "postgres-credentials")!;
            assert.equal(es.spec.refreshInterval, "60s");
            const env = Object.fromEntries((find("Deployment", "backend-v1").spec.template.spec.containers[0].env as Obj[]).map((e) => [e.name, e.value]));
            assert.equal(env.DB_AUTH_RETRY_SECONDS, "300");
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
