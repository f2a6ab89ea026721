// Secrets from AWS Secrets Manager, read in-cluster by the External Secrets Operator (ESO).
//
// Decision (issue 12): staging and prod keep NO runtime secret in Pulumi config or state. A secret
// lives in Secrets Manager; ESO copies it into a Kubernetes Secret next to the workload that uses
// it, assuming THAT WORKLOAD'S OWN IRSA role (SecretStore `auth.jwt.serviceAccountRef`), so a
// workload can read only what its role allows, and ESO's own identity can read nothing.
//
// The API (all pure; the component in ./index.ts installs ESO and creates roles):
//
//   secretReaderPolicy({ secretArns, kmsKeyArns, region })  IAM policy: GetSecretValue/DescribeSecret
//       on exactly those secrets; kms:Decrypt of their CMKs only through Secrets Manager in the region
//       (kms:ViaService) and only for those secrets (encryption context SecretARN).
//   secretStore({ namespace, name, region, serviceAccount })  a namespaced SecretStore (AWS Secrets
//       Manager) that authenticates as `serviceAccount`, which carries the IRSA role annotation.
//   externalSecret({ namespace, name, store, target, data, refreshInterval })  an ExternalSecret:
//       `data` maps Secret keys to a secret's JSON property (or the whole string).
//   tokenRequestAccess({ namespace, serviceAccounts })  Role + RoleBinding letting ESO mint tokens
//       for exactly those service accounts (the chart's cluster-wide grant is turned off).
//   SecretsComponent.readerRole(...) (index.ts)  the IRSA role + the policy above, in one call.
//
// Using it (observability, issue 15: e.g. Grafana's admin password in Secrets Manager):
//
//   const role = secrets.readerRole("grafana", { namespace: "observability", serviceAccount: "grafana",
//       secretArns: [adminSecret.arn], kmsKeyArns: [key.arn] });     // annotate the SA with role.arn
//   applyObject(secretStore({ namespace: "observability", name: "grafana", region, serviceAccount: "grafana" }), ...)
//   ...tokenRequestAccess({ namespace: "observability", serviceAccounts: ["grafana"] }).map(applyObject)
//   applyObject(externalSecret({ namespace: "observability", name: "grafana-admin", store: "grafana",
//       target: "grafana-admin", data: [{ key: "admin-password", remoteKey: adminSecret.arn, property: "password" }] }), ...)
//
// Everything that applies these objects depends on SecretsComponent.ready (the CRDs). ESO exists
// only in eks mode; an existing cluster (the local stack) keeps in-cluster secrets.
import { KubeObject, standardLabels } from "../k8s";
import { PolicyDocument } from "../iam";
import { Environment } from "../settings";

export const ESO_NAMESPACE = "external-secrets";
/** The controller's ServiceAccount (the chart's fullname with our release name). */
export const ESO_SERVICE_ACCOUNT = "external-secrets";
/** external-secrets.io API served by ESO 2.x (v1beta1 is off: crds.unsafeServeV1Beta1 false). */
export const ESO_API = "external-secrets.io/v1";

export function esoNamespace(): KubeObject {
    // Not meshed, like cert-manager: the API server calls its webhook directly.
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ESO_NAMESPACE, labels: { ...standardLabels(ESO_NAMESPACE, { "app.kubernetes.io/part-of": "dodo-platform" }), "istio-injection": "disabled" } },
    };
}

const SIZES: Record<Environment, { replicas: number; cpu: string; memory: string; memoryLimit: string }> = {
    dev: { replicas: 1, cpu: "25m", memory: "64Mi", memoryLimit: "128Mi" },
    staging: { replicas: 2, cpu: "50m", memory: "96Mi", memoryLimit: "192Mi" },
    prod: { replicas: 2, cpu: "100m", memory: "128Mi", memoryLimit: "256Mi" },
};

/**
 * Values of the external-secrets chart (keys of its values.yaml at CHARTS.externalSecrets).
 * Only namespaced SecretStores are processed: no ClusterSecretStore, ClusterExternalSecret, push
 * or generator kinds, so no store can be shared across namespaces; ESO mints service-account
 * tokens only where a Role allows it (tokenRequestAccess), not cluster-wide.
 */
export function esoValues(environment: Environment): Record<string, unknown> {
    const size = SIZES[environment];
    const resources = { requests: { cpu: size.cpu, memory: size.memory }, limits: { memory: size.memoryLimit } };
    const ha = size.replicas > 1;
    const spread = (component: string) => [
        {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: { "app.kubernetes.io/name": component, "app.kubernetes.io/instance": "external-secrets" } },
        },
    ];
    return {
        installCRDs: true,
        crds: {
            createClusterExternalSecret: false,
            createClusterSecretStore: false,
            createClusterGenerator: false,
            createClusterPushSecret: false,
            createPushSecret: false,
        },
        processClusterExternalSecret: false,
        processClusterStore: false,
        processClusterGenerator: false,
        processClusterPushSecret: false,
        processPushSecret: false,
        replicaCount: size.replicas,
        leaderElect: ha,
        rbac: { serviceAccountTokenCreate: false },
        serviceAccount: { create: true, name: ESO_SERVICE_ACCOUNT },
        resources,
        podDisruptionBudget: { enabled: ha, minAvailable: 1 },
        topologySpreadConstraints: spread("external-secrets"),
        webhook: {
            replicaCount: size.replicas,
            resources,
            podDisruptionBudget: { enabled: ha, minAvailable: 1 },
            topologySpreadConstraints: spread("external-secrets-webhook"),
        },
        certController: {
            replicaCount: 1,
            resources,
        },
    };
}

export interface SecretReaderInput {
    /** ARNs of the secrets the role may read (exactly these). */
    secretArns: string[];
    /** The CMKs those secrets are encrypted with. */
    kmsKeyArns: string[];
    region: string;
}

/** Read exactly the listed secrets; decrypt their CMKs only through Secrets Manager, for them. */
export function secretReaderPolicy(input: SecretReaderInput): PolicyDocument {
    if (input.secretArns.length === 0) throw new Error("secretReaderPolicy: list at least one secret ARN");
    if (input.secretArns.some((a) => a.includes("*"))) throw new Error("secretReaderPolicy: secret ARNs must be exact (no wildcard)");
    const statements: PolicyDocument["Statement"] = [
        {
            Sid: "ReadListedSecrets",
            Effect: "Allow",
            Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            Resource: [...input.secretArns],
        },
    ];
    if (input.kmsKeyArns.length > 0) {
        statements.push({
            Sid: "DecryptThroughSecretsManager",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: [...input.kmsKeyArns],
            Condition: {
                StringEquals: {
                    "kms:ViaService": `secretsmanager.${input.region}.amazonaws.com`,
                    "kms:EncryptionContext:SecretARN": [...input.secretArns],
                },
            },
        });
    }
    return { Version: "2012-10-17", Statement: statements };
}

export interface SecretStoreInput {
    namespace: string;
    name: string;
    region: string;
    /** The workload's ServiceAccount; its `eks.amazonaws.com/role-arn` annotation is the role ESO assumes. */
    serviceAccount: string;
}

export function secretStore(input: SecretStoreInput): KubeObject {
    return {
        apiVersion: ESO_API,
        kind: "SecretStore",
        metadata: { name: input.name, namespace: input.namespace, labels: standardLabels(input.name) },
        spec: {
            provider: {
                aws: {
                    service: "SecretsManager",
                    region: input.region,
                    auth: { jwt: { serviceAccountRef: { name: input.serviceAccount } } },
                },
            },
        },
    };
}

export interface ExternalSecretData {
    /** Key in the Kubernetes Secret. */
    key: string;
    /** Name or ARN of the Secrets Manager secret. */
    remoteKey: string;
    /** JSON property of the secret's value; unset = the whole string. */
    property?: string;
}

export interface ExternalSecretInput {
    namespace: string;
    name: string;
    /** The SecretStore (same namespace). */
    store: string;
    /** Name of the Kubernetes Secret ESO writes (owned by the ExternalSecret). */
    target: string;
    data: ExternalSecretData[];
    /** How often ESO re-reads Secrets Manager (a rotated value arrives within this). Default 1m. */
    refreshInterval?: string;
    labels?: Record<string, string>;
}

export function externalSecret(input: ExternalSecretInput): KubeObject {
    return {
        apiVersion: ESO_API,
        kind: "ExternalSecret",
        metadata: {
            name: input.name,
            namespace: input.namespace,
            labels: standardLabels(input.name),
            // `pulumi up` waits for the first sync: a role or policy that cannot read the secret
            // fails the update instead of leaving pods waiting for a Secret that never comes.
            annotations: { "pulumi.com/waitFor": "condition=Ready", "pulumi.com/timeoutSeconds": "300" },
        },
        spec: {
            refreshInterval: input.refreshInterval ?? "1m",
            secretStoreRef: { kind: "SecretStore", name: input.store },
            target: {
                name: input.target,
                creationPolicy: "Owner",
                deletionPolicy: "Retain",
                template: { type: "Opaque", metadata: { labels: { ...standardLabels(input.target), ...(input.labels ?? {}) } } },
            },
            data: input.data.map((d) => ({ secretKey: d.key, remoteRef: { key: d.remoteKey, ...(d.property ? { property: d.property } : {}) } })),
        },
    };
}

/**
 * ESO may create tokens (TokenRequest) for exactly these service accounts, in their namespace:
 * the chart's cluster-wide `serviceaccounts/token` grant is off (rbac.serviceAccountTokenCreate).
 */
export function tokenRequestAccess(input: { namespace: string; serviceAccounts: string[] }): KubeObject[] {
    const name = "external-secrets-token-request";
    return [
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: { name, namespace: input.namespace, labels: standardLabels(name) },
            rules: [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: [...input.serviceAccounts], verbs: ["create"] }],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name, namespace: input.namespace, labels: standardLabels(name) },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
            subjects: [{ kind: "ServiceAccount", name: ESO_SERVICE_ACCOUNT, namespace: ESO_NAMESPACE }],
        },
    ];
}
