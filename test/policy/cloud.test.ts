import { strict as assert } from "assert";
import { checkPulumiResources } from "../../policy/check";
import type { Finding } from "../../policy/rules/types";

const goodCluster = {
    type: "aws:eks/cluster:Cluster", name: "dodo-prod",
    props: {
        version: "1.35",
        encryptionConfig: { provider: { keyArn: "arn:aws:kms:eu-west-1:1:key/abc" }, resources: ["secrets"] },
        enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false, subnetIds: ["s1"] },
    },
};
const cluster = (patch: Record<string, unknown>) => ({ ...goodCluster, props: { ...goodCluster.props, ...patch } });
const run = (rule: string, resources: { type: string; name: string; props: Record<string, unknown> }[], config = {}): Finding[] =>
    checkPulumiResources(resources, { only: [rule], config });

describe("policy: cloud rules", () => {
    it("a hardened EKS cluster passes every EKS rule", () => {
        for (const rule of ["eks-secrets-encryption", "eks-endpoint-restricted", "eks-control-plane-logging", "eks-supported-version"]) {
            assert.deepEqual(run(rule, [goodCluster]), [], rule);
        }
    });
    it("eks-secrets-encryption flags a cluster without secrets encryption, accepts the v6 list shape", () => {
        const f = run("eks-secrets-encryption", [cluster({ encryptionConfig: undefined })]);
        assert.equal(f.length, 1);
        assert.equal(f[0]!.kind, "aws:eks/cluster:Cluster");
        assert.equal(f[0]!.name, "dodo-prod");
        assert.deepEqual(run("eks-secrets-encryption", [cluster({ encryptionConfig: [{ provider: { keyArn: "k" }, resources: ["secrets"] }] })]), []);
        assert.equal(run("eks-secrets-encryption", [cluster({ encryptionConfig: { provider: { keyArn: "k" }, resources: [] } })]).length, 1);
    });
    it("eks-endpoint-restricted flags a public endpoint open to the world or with no CIDRs", () => {
        assert.match(run("eks-endpoint-restricted", [cluster({ vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } })])[0]!.message, /0\.0\.0\.0\/0/);
        assert.match(run("eks-endpoint-restricted", [cluster({ vpcConfig: { publicAccessCidrs: ["203.0.113.0/24", "::/0"] } })])[0]!.message, /::\/0/);
        assert.match(run("eks-endpoint-restricted", [cluster({ vpcConfig: {} })])[0]!.message, /unset/);
        assert.deepEqual(run("eks-endpoint-restricted", [cluster({ vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] } })]), []);
    });
    it("eks-control-plane-logging names the missing log types", () => {
        assert.match(run("eks-control-plane-logging", [cluster({ enabledClusterLogTypes: ["api", "audit"] })])[0]!.message, /authenticator, controllerManager, scheduler/);
    });
    it("eks-supported-version flags old, unpinned and accepts a configured list", () => {
        assert.match(run("eks-supported-version", [cluster({ version: "1.31" })])[0]!.message, /not in EKS standard support/);
        assert.match(run("eks-supported-version", [cluster({ version: undefined })])[0]!.message, /not pinned/);
        assert.deepEqual(run("eks-supported-version", [cluster({ version: "1.31" })], { supportedEksVersions: ["1.31"] }), []);
    });
    it("ec2-imdsv2-required needs tokens and hop limit 1 on launch templates", () => {
        const lt = (metadataOptions: unknown) => ({ type: "aws:ec2/launchTemplate:LaunchTemplate", name: "nodes", props: { metadataOptions } });
        assert.deepEqual(run("ec2-imdsv2-required", [lt({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 })]), []);
        assert.equal(run("ec2-imdsv2-required", [lt({ httpTokens: "optional", httpPutResponseHopLimit: 2 })]).length, 2);
        assert.equal(run("ec2-imdsv2-required", [lt(undefined)]).length, 2);
        assert.deepEqual(run("ec2-imdsv2-required", [lt({ httpEndpoint: "disabled" })]), []);
    });
    it("kms-key-rotation flags symmetric keys without rotation and skips asymmetric ones", () => {
        const key = (props: Record<string, unknown>) => ({ type: "aws:kms/key:Key", name: "k", props });
        assert.deepEqual(run("kms-key-rotation", [key({ enableKeyRotation: true })]), []);
        assert.equal(run("kms-key-rotation", [key({})]).length, 1);
        assert.deepEqual(run("kms-key-rotation", [key({ customerMasterKeySpec: "RSA_4096", keyUsage: "SIGN_VERIFY" })]), []);
    });
});

describe("policy: helm rules", () => {
    const release = (props: Record<string, unknown>, type = "kubernetes:helm.sh/v3:Release") => ({ type, name: "istiod", props });
    const istiod = { chart: "istiod", version: "1.29.1", repositoryOpts: { repo: "https://istio-release.storage.googleapis.com/charts/" } };
    it("passes an exactly pinned chart from a trusted repository (Release and v4 Chart)", () => {
        for (const type of ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"]) {
            assert.deepEqual(run("helm-chart-pinned", [release(istiod, type)]), []);
            assert.deepEqual(run("helm-trusted-repository", [release(istiod, type)]), []);
        }
    });
    it("helm-chart-pinned flags missing versions and ranges", () => {
        assert.match(run("helm-chart-pinned", [release({ ...istiod, version: undefined })])[0]!.message, /no version/);
        for (const v of ["^1.29.0", "~1.29", "1.29.x", ">=1.0.0", "*"]) assert.equal(run("helm-chart-pinned", [release({ ...istiod, version: v })]).length, 1, v);
        assert.deepEqual(run("helm-chart-pinned", [release({ chart: "./charts/payments" })]), []);
    });
    it("helm-trusted-repository flags unknown repositories, unnamed ones, and untrusted OCI registries", () => {
        assert.match(run("helm-trusted-repository", [release({ ...istiod, repositoryOpts: { repo: "https://charts.example.com" } })])[0]!.message, /not on the trusted/);
        assert.match(run("helm-trusted-repository", [release({ chart: "istio/istiod", version: "1.29.1" })])[0]!.message, /names no repository/);
        assert.equal(run("helm-trusted-repository", [release({ chart: "oci://registry-1.docker.io/bitnamicharts/redis", version: "20.0.0" })]).length, 1);
        assert.deepEqual(run("helm-trusted-repository", [release({ chart: "oci://registry-1.docker.io/bitnamicharts/redis", version: "20.0.0" })], { trustedRepositories: ["oci://registry-1.docker.io/bitnamicharts"] }), []);
    });

    describe("RDS", () => {
        const good = {
            storageEncrypted: true,
            kmsKeyId: "arn:aws:kms:ap-south-1:1:key/db",
            backupRetentionPeriod: 14,
            publiclyAccessible: false,
            deletionProtection: true,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: "dodo-prod-payments-final",
            engine: "postgres",
            parameterGroupName: "dodo-prod-payments-20261203",
            multiAz: true,
        };
        const db = (patch: Record<string, unknown> = {}, type = "aws:rds/instance:Instance") => ({ type, name: "payments-db", props: { ...good, ...patch } });
        const RULES = ["rds-storage-encrypted", "rds-backup-retention", "rds-not-public", "rds-deletion-protection", "rds-force-ssl", "rds-multi-az-prod"];
        const runEnv = (rule: string, resource: ReturnType<typeof db>, env: "dev" | "staging" | "prod") => checkPulumiResources([resource], { only: [rule], env, config: {} });

        it("a prod-shaped instance passes every RDS rule in every environment", () => {
            for (const rule of RULES) for (const env of ["dev", "staging", "prod"] as const) assert.deepEqual(runEnv(rule, db(), env), [], `${rule} ${env}`);
        });
        it("rds-storage-encrypted needs encryption with a customer-managed key (an unknown key ARN is enough)", () => {
            assert.match(run("rds-storage-encrypted", [db({ storageEncrypted: false })])[0]!.message, /storageEncrypted is false/);
            assert.match(run("rds-storage-encrypted", [db({ storageEncrypted: undefined })])[0]!.message, /unset/);
            assert.match(run("rds-storage-encrypted", [db({ kmsKeyId: undefined })])[0]!.message, /AWS managed key/);
            assert.equal(run("rds-storage-encrypted", [db({ kmsKeyId: undefined }, "aws:rds/cluster:Cluster")]).length, 1, "Aurora clusters too");
            assert.deepEqual(run("rds-storage-encrypted", [db({ storageEncrypted: undefined, kmsKeyId: undefined, replicateSourceDb: "arn:aws:rds:ap-south-1:1:db:src" })]), [], "a replica follows its source");
        });
        it("rds-backup-retention: backups on everywhere, at least 14 days in prod", () => {
            assert.match(runEnv("rds-backup-retention", db({ backupRetentionPeriod: 0 }), "dev")[0]!.message, /point-in-time recovery are off/);
            assert.match(runEnv("rds-backup-retention", db({ backupRetentionPeriod: undefined }), "dev")[0]!.message, /set it explicitly/);
            assert.deepEqual(runEnv("rds-backup-retention", db({ backupRetentionPeriod: 1 }), "dev"), []);
            assert.deepEqual(runEnv("rds-backup-retention", db({ backupRetentionPeriod: 7 }), "staging"), []);
            assert.match(runEnv("rds-backup-retention", db({ backupRetentionPeriod: 7 }), "prod")[0]!.message, /7 days; prod keeps at least 14/);
            assert.match(run("rds-backup-retention", [db({ backupRetentionPeriod: 13 })])[0]!.message, /at least 14/, "no environment stated means prod");
        });
        it("rds-not-public flags a publicly accessible instance only", () => {
            assert.match(run("rds-not-public", [db({ publiclyAccessible: true })])[0]!.message, /public address/);
            assert.deepEqual(run("rds-not-public", [db({ publiclyAccessible: undefined })]), [], "AWS's default is private");
        });
        it("rds-deletion-protection: prod needs deletion protection and a final snapshot; dev and staging may drop theirs", () => {
            const bare = db({ deletionProtection: false, skipFinalSnapshot: true });
            assert.equal(runEnv("rds-deletion-protection", bare, "prod").length, 2);
            assert.match(runEnv("rds-deletion-protection", db({ deletionProtection: undefined }), "prod")[0]!.message, /deletionProtection is "unset"/);
            assert.deepEqual(runEnv("rds-deletion-protection", bare, "dev"), []);
            assert.deepEqual(runEnv("rds-deletion-protection", bare, "staging"), []);
        });
        it("rds-force-ssl: PostgreSQL parameter groups set rds.force_ssl to 1, and PostgreSQL instances name a custom group", () => {
            const group = (parameters: unknown[], family = "postgres17") => ({ type: "aws:rds/parameterGroup:ParameterGroup", name: "payments-db-params", props: { family, parameters } });
            assert.deepEqual(run("rds-force-ssl", [group([{ name: "rds.force_ssl", value: "1", applyMethod: "immediate" }])]), []);
            assert.match(run("rds-force-ssl", [group([{ name: "rds.force_ssl", value: "0" }])])[0]!.message, /rds.force_ssl is "0"/);
            assert.match(run("rds-force-ssl", [group([{ name: "log_connections", value: "1" }])])[0]!.message, /does not set rds.force_ssl/);
            assert.deepEqual(run("rds-force-ssl", [group([], "mysql8.0")]), [], "other engines' groups are not judged");
            assert.match(run("rds-force-ssl", [db({ parameterGroupName: undefined })])[0]!.message, /default group/);
            assert.match(run("rds-force-ssl", [db({ parameterGroupName: "default.postgres17" })])[0]!.message, /default\.postgres17/);
            assert.deepEqual(run("rds-force-ssl", [db({ engine: "mysql", parameterGroupName: undefined })]), [], "not a PostgreSQL instance");
            assert.deepEqual(run("rds-force-ssl", [db({ parameterGroupName: undefined, replicateSourceDb: "arn:aws:rds:ap-south-1:1:db:src" })]), [], "a replica follows its source");
        });
        it("rds-multi-az-prod: prod instances keep a standby in another zone; dev and staging may run single-AZ", () => {
            assert.match(runEnv("rds-multi-az-prod", db({ multiAz: false }), "prod")[0]!.message, /multiAz is false/);
            assert.match(runEnv("rds-multi-az-prod", db({ multiAz: undefined }), "prod")[0]!.message, /unset/);
            assert.deepEqual(runEnv("rds-multi-az-prod", db({ multiAz: false }), "staging"), []);
            assert.deepEqual(runEnv("rds-multi-az-prod", db({ multiAz: false, replicateSourceDb: "src" }), "prod"), [], "a replica is judged on its source");
        });
    });
});
