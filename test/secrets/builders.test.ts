import { strict as assert } from "assert";
import { esoNamespace, esoValues, externalSecret, secretReaderPolicy, secretStore, tokenRequestAccess } from "../../components/secrets/builders";
import { CHARTS } from "../../components/versions";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Keys of deploy/charts/external-secrets/values.yaml at tag helm-chart-2.9.0 (commit
 * cc5bfbc2234ace9cb0caff4ea89c435cf517b27b of external-secrets/external-secrets) that the values
 * set. `.*` marks a map the chart passes through whole.
 */
const CHART_KEYS_VERSION = "2.9.0";
const CHART_KEYS: readonly string[] = [
    "installCRDs",
    ...["createClusterExternalSecret", "createClusterSecretStore", "createClusterGenerator", "createClusterPushSecret", "createPushSecret"].map((k) => `crds.${k}`),
    "processClusterExternalSecret", "processClusterStore", "processClusterGenerator", "processClusterPushSecret", "processPushSecret",
    "replicaCount", "leaderElect", "rbac.serviceAccountTokenCreate", "serviceAccount.create", "serviceAccount.name", "resources.*",
    "podDisruptionBudget.enabled", "podDisruptionBudget.minAvailable", "topologySpreadConstraints",
    "webhook.replicaCount", "webhook.resources.*", "webhook.podDisruptionBudget.enabled", "webhook.podDisruptionBudget.minAvailable", "webhook.topologySpreadConstraints",
    "certController.replicaCount", "certController.resources.*",
];

const SECRET = "arn:aws:secretsmanager:ap-south-1:123456789012:secret:rds!db-0123-AbCdEf";
const KEY = "arn:aws:kms:ap-south-1:123456789012:key/1111-2222";

describe("secrets (External Secrets Operator) builders", () => {
    describe("chart values", () => {
        it(`sets only keys of the ${CHART_KEYS_VERSION} chart's values.yaml (Helm ignores a misspelt key)`, () => {
            assert.equal(CHARTS.externalSecrets.version, CHART_KEYS_VERSION, "the pin moved: recheck CHART_KEYS against that release's values.yaml");
            const allowed = (p: string) => CHART_KEYS.includes(p) || CHART_KEYS.some((k) => k.endsWith(".*") && p.startsWith(k.slice(0, -1)));
            const leaves = (v: unknown, at: string): string[] =>
                v && typeof v === "object" && !Array.isArray(v) ? Object.entries(v).flatMap(([k, x]) => leaves(x, at ? `${at}.${k}` : k)) : [at];
            for (const env of ["dev", "staging", "prod"] as const) assert.deepEqual(leaves(esoValues(env), "").filter((p) => !allowed(p)), [], env);
        });

        it("processes namespaced stores only, and mints tokens only where a Role allows it", () => {
            const v = esoValues("prod") as Obj;
            assert.equal(v.rbac.serviceAccountTokenCreate, false);
            assert.equal(v.processClusterStore, false);
            assert.equal(v.crds.createClusterSecretStore, false);
            // The chart couples each create* CRD flag with its process* flag.
            for (const kind of ["ClusterExternalSecret", "ClusterGenerator", "ClusterPushSecret", "PushSecret"]) {
                assert.equal(v.crds[`create${kind}`], false, kind);
                assert.equal(v[`process${kind}`], false, kind);
            }
        });

        it("runs two replicas with PDBs outside dev", () => {
            const prod = esoValues("prod") as Obj;
            assert.equal(prod.replicaCount, 2);
            assert.equal(prod.leaderElect, true);
            assert.equal(prod.webhook.podDisruptionBudget.enabled, true);
            const dev = esoValues("dev") as Obj;
            assert.equal(dev.replicaCount, 1);
            assert.equal(dev.podDisruptionBudget.enabled, false);
        });

        it("leaves its namespace out of the mesh (the API server calls the webhook directly)", () => {
            assert.equal(esoNamespace().metadata.labels?.["istio-injection"], "disabled");
            assert.equal(esoNamespace().metadata.labels?.["istio.io/rev"], undefined);
        });
    });

    describe("reader policy", () => {
        it("reads exactly the listed secrets and decrypts their CMK only through Secrets Manager, for them", () => {
            const doc = secretReaderPolicy({ secretArns: [SECRET], kmsKeyArns: [KEY], region: "ap-south-1" });
            const [read, decrypt] = doc.Statement;
            assert.deepEqual(read.Action, ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]);
            assert.deepEqual(read.Resource, [SECRET]);
            assert.equal(read.Condition, undefined);
            assert.equal(decrypt.Action, "kms:Decrypt");
            assert.deepEqual(decrypt.Resource, [KEY]);
            assert.deepEqual(decrypt.Condition, {
                StringEquals: { "kms:ViaService": "secretsmanager.ap-south-1.amazonaws.com", "kms:EncryptionContext:SecretARN": [SECRET] },
            });
            assert.equal(doc.Statement.length, 2, "nothing else");
            assert.ok(!JSON.stringify(doc).includes('"*"'), "no wildcard resource or action");
        });

        it("refuses an empty list or a wildcard ARN", () => {
            assert.throws(() => secretReaderPolicy({ secretArns: [], kmsKeyArns: [], region: "ap-south-1" }), /at least one/);
            assert.throws(() => secretReaderPolicy({ secretArns: ["arn:aws:secretsmanager:ap-south-1:123456789012:secret:*"], kmsKeyArns: [], region: "ap-south-1" }), /wildcard/);
        });

        it("has no KMS statement when the secrets use the AWS managed key", () => {
            assert.equal(secretReaderPolicy({ secretArns: [SECRET], kmsKeyArns: [], region: "ap-south-1" }).Statement.length, 1);
        });
    });

    describe("objects", () => {
        it("a namespaced SecretStore that assumes the workload's own role (jwt auth through its ServiceAccount)", () => {
            const s = secretStore({ namespace: "dodo-payments", name: "backend", region: "ap-south-1", serviceAccount: "backend-sa" }) as Obj;
            assert.equal(s.apiVersion, "external-secrets.io/v1");
            assert.equal(s.kind, "SecretStore");
            assert.equal(s.metadata.namespace, "dodo-payments");
            assert.deepEqual(s.spec.provider.aws, { service: "SecretsManager", region: "ap-south-1", auth: { jwt: { serviceAccountRef: { name: "backend-sa" } } } });
        });

        it("an ExternalSecret that owns its target and maps JSON properties to keys", () => {
            const e = externalSecret({
                namespace: "dodo-payments",
                name: "postgres-credentials",
                store: "backend",
                target: "postgres-credentials",
                data: [{ key: "password", remoteKey: SECRET, property: "password" }, { key: "whole", remoteKey: SECRET }],
            }) as Obj;
            assert.deepEqual(e.spec.secretStoreRef, { kind: "SecretStore", name: "backend" });
            assert.equal(e.spec.target.name, "postgres-credentials");
            assert.equal(e.spec.target.creationPolicy, "Owner");
            assert.equal(e.spec.refreshInterval, "1m");
            assert.deepEqual(e.spec.data, [
                { secretKey: "password", remoteRef: { key: SECRET, property: "password" } },
                { secretKey: "whole", remoteRef: { key: SECRET } },
            ]);
        });

        it("lets ESO's account create tokens for the named service accounts only", () => {
            const [role, binding] = tokenRequestAccess({ namespace: "dodo-payments", serviceAccounts: ["backend-sa"] }) as Obj[];
            assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: ["backend-sa"], verbs: ["create"] }]);
            assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "external-secrets", namespace: "external-secrets" }]);
            assert.equal(binding.roleRef.name, role.metadata.name);
        });
    });
});
