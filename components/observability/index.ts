import { ImageSource, UPSTREAM_IMAGES } from "../registry/images";
import { withChartImages } from "../registry/chart-images";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { applyObject } from "../apply";
import { irsaRole, OidcIdentity } from "../cluster/irsa";
import { KubeObject, standardLabels } from "../k8s";
import { Environment } from "../settings";
import { ChartKey, ChartSources, releaseChart, UPSTREAM } from "../charts";
import { Secrets } from "../secrets";
import { ALERTMANAGER_RECEIVERS_SECRET, needsReceiversSecret } from "./alertmanager";
import { credentialResources } from "./credential-resources";
import { CredentialSources, KIALI_GRAFANA_SECRET, KIALI_OIDC_SECRET, remoteSecretNames } from "./credentials";
import { dashboardConfigMap, platformDashboards } from "./dashboards";
import { observabilityNetworkPolicies } from "./network-policies";
import { paymentsEdgeRules } from "./edge-alerts";
import { envoyPodMonitor, istioRecordingRules, istiodAlerts, istiodServiceMonitor } from "./monitors";
import { paymentsSliRules, paymentsSloAlerts } from "./slo";
import { GRAFANA_ADMIN_SECRET, JAEGER_BADGER_CLAIM, LOKI_SERVICE_ACCOUNT, OBSERVABILITY_NAMESPACE, portForwardCommand, RELEASES } from "./names";
import { ObservabilityConfig } from "./settings";
import { lokiBucketAccessPolicy, lokiBucketLifecycle, lokiLifecycleRules, tlsOnlyBucketPolicy } from "./storage";
import { alloyValues, grafanaValues, jaegerValues, kialiValues, lokiValues, prometheusStackValues, STORAGE_CLASS } from "./values";

export interface ObservabilityArgs {
    /** Cluster name, e.g. `dodo-dev`: the `cluster` label on metrics and logs, and the prefix of AWS names. */
    name: string;
    environment: Environment;
    region: string;
    config: ObservabilityConfig;
    /** The cluster's Kubernetes provider. */
    provider: k8s.Provider;
    /** The cluster's OIDC identity, for Loki's IAM role (S3 storage, eks mode). */
    oidc?: OidcIdentity;
    /** StorageClass of the volumes (default: the gp3 class the Cluster component creates). */
    storageClass?: string;
    /** Where the charts come from (default: upstream). */
    charts?: ChartSources;
    /** Where the charts' images come from (default: upstream; registry.pullThroughCache). */
    images?: ImageSource;
    /** What must run first: nodes, CoreDNS, the EBS CSI driver and the gp3 StorageClass (Cluster.ready). */
    clusterReady: pulumi.Resource[];
    /** Istio's control plane (Mesh.ready): Kiali reads its CRDs and config. Optional for tests. */
    meshReady?: pulumi.Resource[];
    /**
     * The secrets foundation (eks mode): External Secrets Operator copies the credentials the
     * config names from Secrets Manager. Required when it names any (staging, prod).
     */
    secrets?: Secrets;
}

/** The Secrets Manager secrets the config names, per consumer. */
export function credentialSources(config: ObservabilityConfig): CredentialSources {
    return {
        grafanaAdminPassword: config.grafana.adminPasswordSecret,
        slackWebhook: config.alerts.receivers.slackWebhookSecret,
        pagerdutyRoutingKey: config.alerts.receivers.pagerdutyRoutingKeySecret,
        heartbeatUrl: config.alerts.receivers.heartbeatUrlSecret,
        kialiGrafanaToken: config.kiali.grafanaTokenSecret,
        kialiOidcClientSecret: config.kiali.openid?.clientSecretSecret,
    };
}

/** The observability namespace: not in the mesh (its components talk to the mesh from outside). */
export function observabilityNamespace(): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name: OBSERVABILITY_NAMESPACE,
            // Explicitly out of the mesh, whatever the injection defaults become.
            labels: { ...standardLabels(OBSERVABILITY_NAMESPACE), "istio-injection": "disabled" },
        },
    };
}

export function grafanaAdminSecret(password: pulumi.Input<string>): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: GRAFANA_ADMIN_SECRET.name, namespace: OBSERVABILITY_NAMESPACE, labels: standardLabels("grafana") },
        type: "Opaque",
        stringData: { [GRAFANA_ADMIN_SECRET.userKey]: GRAFANA_ADMIN_SECRET.user, [GRAFANA_ADMIN_SECRET.passwordKey]: password },
    };
}

/**
 * Prometheus (kube-prometheus-stack) with Istio's monitors, recording rules and the payments
 * SLO alerts, Alertmanager routing them to the stack's receivers; Grafana with generated Istio and
 * Payments dashboards (ConfigMaps, nothing downloaded); NetworkPolicies closing the namespace;
 * Loki (filesystem in dev, S3 in staging and prod) fed by Grafana Alloy; Jaeger v2 receiving the
 * mesh's OTLP spans; Kiali over all three; credentials from Secrets Manager (credentials.ts).
 * Nothing is exposed outside the cluster: see docs/observability.md for port-forwarding.
 */
export class Observability extends pulumi.ComponentResource {
    readonly namespace = OBSERVABILITY_NAMESPACE;
    readonly prometheusStack: k8s.helm.v3.Release;
    readonly grafana: k8s.helm.v3.Release;
    readonly loki: k8s.helm.v3.Release;
    readonly alloy: k8s.helm.v3.Release;
    readonly jaeger: k8s.helm.v3.Release;
    readonly kiali: k8s.helm.v3.Release;
    /** The S3 bucket of Loki's chunks and index (S3 storage only). */
    readonly lokiBucket?: pulumi.Output<string>;
    /** `kubectl port-forward` commands for the UIs. */
    readonly portForward: Record<"grafana" | "kiali" | "jaeger" | "prometheus" | "alertmanager", string>;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dodo:platform:Observability", name, {}, opts);
        const { config, environment, provider } = args;
        const on = (dependsOn: pulumi.Input<pulumi.Resource>[]) => ({ parent: this, provider, dependsOn });
        const storageClass = args.storageClass ?? STORAGE_CLASS;
        const release = (key: keyof typeof RELEASES, chart: ChartKey, values: pulumi.Input<Record<string, unknown>>, dependsOn: pulumi.Resource[], timeout = 600) =>
            new k8s.helm.v3.Release(`${name}-${RELEASES[key]}`, {
                name: RELEASES[key],
                ...releaseChart(chart, args.charts ?? UPSTREAM),
                namespace: OBSERVABILITY_NAMESPACE,
                values: pulumi.output(values).apply((v) => withChartImages(chart, v, args.images ?? UPSTREAM_IMAGES)),
                atomic: true,
                timeout,
            }, on(dependsOn));

        const namespace = applyObject(observabilityNamespace(), on(args.clusterReady));
        // Default-deny ingress first, then who may reach which port (network-policies.ts).
        for (const obj of observabilityNetworkPolicies()) applyObject(obj, on([namespace]));
        // Dashboards as ConfigMaps: Grafana's sidecar loads them, nothing is downloaded.
        for (const d of platformDashboards(config.slo)) applyObject(dashboardConfigMap(d), on([namespace]));

        // Credentials: from Secrets Manager through External Secrets Operator (none in Pulumi's state),
        // except dev's Grafana password, which may stay a config secret.
        const sources = credentialSources(config);
        let synced = new Map<string, pulumi.Resource>();
        if (remoteSecretNames(sources).length > 0) {
            if (!args.secrets || !args.oidc) {
                throw new Error(`Observability ${name}: the config names Secrets Manager secrets (${remoteSecretNames(sources).join(", ")}), which need the AWS layer's External Secrets Operator (cluster.mode eks)`);
            }
            synced = credentialResources(this, { name, region: args.region, sources, secrets: args.secrets, oidc: args.oidc, provider, namespace });
        }
        const dependOnSynced = (...secrets: string[]) => secrets.flatMap((s) => synced.get(s) ?? []);
        const adminSecret = config.grafana.adminPassword
            ? applyObject(grafanaAdminSecret(config.grafana.adminPassword), on([namespace]))
            : synced.get(GRAFANA_ADMIN_SECRET.name) ?? namespace;

        // Metrics first: its CRDs (ServiceMonitor, PodMonitor, PrometheusRule) are used by the rest.
        this.prometheusStack = release(
            "prometheusStack",
            "kubePrometheusStack",
            prometheusStackValues({ environment, cluster: args.name, config: config.prometheus, receivers: config.alerts.receivers, storageClass }),
            // Alertmanager mounts the receivers' Secret: it must exist before its pods start.
            [namespace, ...(needsReceiversSecret(config.alerts.receivers) ? dependOnSynced(ALERTMANAGER_RECEIVERS_SECRET.name) : [])],
            900,
        );
        const operatorObjects = [
            envoyPodMonitor(),
            istiodServiceMonitor(),
            istioRecordingRules(),
            paymentsSliRules(config.slo),
            paymentsSloAlerts({ ...config.slo, canaryMarginPercent: config.alerts.canaryMarginPercent, noTrafficMinutes: config.alerts.noTrafficMinutes }),
            paymentsEdgeRules(config.slo),
            istiodAlerts(),
        ];
        for (const obj of operatorObjects) applyObject(obj, on([this.prometheusStack]));

        // Logs: S3 for staging/prod, created and locked down here, with a role only Loki can assume.
        let lokiInputs: pulumi.Output<{ bucket?: string; roleArn?: string }> = pulumi.output({});
        const lokiDeps: pulumi.Resource[] = [namespace];
        if (config.loki.storage === "s3") {
            const s3 = this.lokiStorage(name, args);
            this.lokiBucket = s3.bucket.bucket;
            lokiInputs = pulumi.all([s3.bucket.bucket, s3.role.arn]).apply(([bucket, roleArn]) => ({ bucket, roleArn }));
            lokiDeps.push(...s3.ready);
        }
        this.loki = release(
            "loki",
            "loki",
            lokiInputs.apply(({ bucket, roleArn }) => lokiValues({ environment, config: config.loki, region: args.region, bucket, roleArn, storageClass })),
            lokiDeps,
        );
        this.alloy = release("alloy", "alloy", alloyValues({ environment, cluster: args.name }), [namespace, this.loki]);

        // Traces: badger on its own claim in staging/prod (the chart mounts it as an extra volume).
        const jaegerDeps: pulumi.Resource[] = [namespace];
        if (config.jaeger.storage === "badger") {
            jaegerDeps.push(new k8s.core.v1.PersistentVolumeClaim(`${name}-jaeger-badger`, {
                metadata: { name: JAEGER_BADGER_CLAIM, namespace: OBSERVABILITY_NAMESPACE, labels: standardLabels("jaeger") },
                spec: { storageClassName: storageClass, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${config.jaeger.storageGiB}Gi` } } },
            }, { ...on([namespace]), protect: environment === "prod" }));
        }
        this.jaeger = release("jaeger", "jaeger", jaegerValues({ environment, config: config.jaeger }), jaegerDeps);

        this.grafana = release("grafana", "grafana", grafanaValues({ environment, storageClass }), [adminSecret, this.prometheusStack, this.loki, this.jaeger]);
        this.kiali = release(
            "kiali",
            "kialiServer",
            kialiValues({ environment, config: config.kiali }),
            [this.prometheusStack, this.grafana, this.jaeger, ...dependOnSynced(KIALI_GRAFANA_SECRET.name, KIALI_OIDC_SECRET.name), ...(args.meshReady ?? [])],
        );

        this.portForward = {
            grafana: portForwardCommand("grafana"),
            kiali: portForwardCommand("kiali"),
            jaeger: portForwardCommand("jaeger"),
            prometheus: portForwardCommand("prometheus"),
            alertmanager: portForwardCommand("alertmanager"),
        };
        this.registerOutputs({ namespace: this.namespace, portForward: this.portForward, ...(this.lokiBucket ? { lokiBucket: this.lokiBucket } : {}) });
    }

    /** The Loki bucket: KMS-encrypted, private, TLS-only, versioned, expiring a day after Loki's retention. */
    private lokiStorage(name: string, args: ObservabilityArgs): { bucket: aws.s3.Bucket; role: aws.iam.Role; ready: pulumi.Resource[] } {
        const parent = { parent: this };
        const isProd = args.environment === "prod";
        if (!args.oidc) throw new Error(`Observability ${name}: S3 storage for Loki needs the cluster's OIDC identity (eks mode)`);
        const oidc = args.oidc;
        const key = new aws.kms.Key(`${name}-loki`, {
            description: `${args.name} Loki log storage`,
            enableKeyRotation: true,
            deletionWindowInDays: isProd ? 30 : 7,
        }, parent);
        new aws.kms.Alias(`${name}-loki`, { name: `alias/${args.name}-loki`, targetKeyId: key.keyId }, parent);

        const bucket = new aws.s3.Bucket(`${name}-loki`, {
            bucketPrefix: `${args.name}-loki-`,
            // Staging logs may go with the stack; prod's are kept until someone empties the bucket.
            forceDestroy: !isProd,
        }, { parent: this, protect: isProd });
        const ownership = new aws.s3.BucketOwnershipControls(`${name}-loki`, {
            bucket: bucket.id,
            rule: { objectOwnership: "BucketOwnerEnforced" },
        }, parent);
        const publicAccess = new aws.s3.BucketPublicAccessBlock(`${name}-loki`, {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }, parent);
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-loki`, {
            bucket: bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
        }, parent);
        const versioning = new aws.s3.BucketVersioning(`${name}-loki`, {
            bucket: bucket.id,
            versioningConfiguration: { status: "Enabled" },
        }, parent);
        const lifecycle = new aws.s3.BucketLifecycleConfiguration(`${name}-loki`, {
            bucket: bucket.id,
            rules: lokiLifecycleRules(lokiBucketLifecycle(args.config.loki.retentionDays)),
        }, { parent: this, dependsOn: [versioning] });
        const policy = new aws.s3.BucketPolicy(`${name}-loki`, {
            bucket: bucket.id,
            policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))),
        }, { parent: this, dependsOn: [publicAccess] });

        const role = irsaRole(`${name}-loki`, oidc, OBSERVABILITY_NAMESPACE, LOKI_SERVICE_ACCOUNT, parent);
        const access = new aws.iam.RolePolicy(`${name}-loki`, {
            role: role.name,
            policy: pulumi.all([bucket.arn, key.arn]).apply(([bucketArn, keyArn]) => JSON.stringify(lokiBucketAccessPolicy(bucketArn, keyArn))),
        }, parent);
        return { bucket, role, ready: [ownership, publicAccess, encryption, versioning, lifecycle, policy, access] };
    }
}
