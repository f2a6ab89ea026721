// Composition root: config -> (network -> cluster | existing cluster) -> mesh -> payments, observability.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Autoscaling } from "./components/autoscaling";
import { Cluster } from "./components/cluster";
import { OidcIdentity } from "./components/cluster/irsa";
import { loadPlatformConfig } from "./components/config";
import { ExistingCluster } from "./components/existing-cluster";
import { ExistingClusterConfig } from "./components/existing-cluster/settings";
import { Mesh } from "./components/mesh";
import { Network } from "./components/network";
import { Observability } from "./components/observability";
import { Payments } from "./components/payments";
import { CertManager } from "./components/certs";
import { loadBalancerHostname } from "./components/payments/dns";
import { PAYMENTS_NAMESPACE } from "./components/payments/names";
import { Secrets } from "./components/secrets";
import { PaymentsDatabase } from "./components/payments/rds";
import { RegistryCache } from "./components/registry";
import { ImageSource, UPSTREAM_IMAGES } from "./components/registry/images";
import { usesPodSecurityGroups } from "./components/payments/database-settings";

// Parsed and validated before any resource exists: a bad key stops the run with its name.
const config = loadPlatformConfig();

/** What the Kubernetes layer is installed onto, and the AWS pieces it may use (eks mode only). */
interface Foundation {
    provider: k8s.Provider;
    /** What must run first: nodes, CoreDNS, storage, the LB controller, metrics-server. */
    ready: pulumi.Resource[];
    /** Where images come from: the stack's ECR pull-through cache, or upstream. */
    images: ImageSource;
    aws?: {
        provider: aws.Provider;
        oidc: OidcIdentity;
        lbController: pulumi.Resource;
        hostedZone?: { name: string; zoneId: pulumi.Output<string> };
        kubeconfig: pulumi.Output<string>;
        outputs: Record<string, pulumi.Input<string>>;
        vpcId: pulumi.Output<string>;
        privateSubnetIds: pulumi.Output<string>[];
        nodeSecurityGroupId: pulumi.Output<string>;
    };
    storageClass?: string;
}

/** The AWS layer: VPC -> EKS (IRSA, nodes, add-ons, LB controller) and the host's Route 53 zone. */
function awsFoundation(): Foundation {
    // Every AWS resource of the stack is created through this provider, so all carry the tags.
    const awsProvider = new aws.Provider("aws", {
        region: config.region as aws.Region,
        profile: config.aws.profile,
        // A prod stack cannot land in the wrong account by accident.
        allowedAccountIds: config.aws.allowedAccountIds.length > 0 ? config.aws.allowedAccountIds : undefined,
        defaultTags: { tags: config.tags },
    });
    const providers = { providers: [awsProvider] };

    const network = new Network("network", { name: config.name, config: config.network }, providers);

    // Images from a registry the platform controls: ECR pull-through cache rules for every upstream
    // (staging, prod), and the nodes' permission to fill it. Every image below is rewritten to it.
    const registry = config.registry.pullThroughCache
        ? new RegistryCache("registry", { name: config.name, region: config.region, accountId: config.aws.allowedAccountIds[0], config: config.registry }, providers)
        : undefined;
    const podSecurityGroups = usesPodSecurityGroups(config.payments.database);

    const cluster = new Cluster("cluster", {
        name: config.name,
        environment: config.environment,
        region: config.region,
        config: config.cluster,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        tags: config.tags,
        awsProfile: config.aws.profile,
        charts: config.charts,
        // The payments backend's own security group (payments.database.network, docs/payments.md).
        podSecurityGroups,
        pullThroughCache: registry,
    }, providers);

    // Nodes that scale: Karpenter adds nodes beside the managed (system) node group, up to
    // nodes.maxSize and the autoscaling limits, and consolidates them away again.
    const autoscaling = new Autoscaling("autoscaling", {
        name: config.name,
        environment: config.environment,
        region: config.region,
        config: config.autoscaling,
        system: config.cluster.nodeGroups[0],
        nodeImageRelease: config.cluster.nodeImageRelease,
        cluster,
        privateSubnetIds: network.privateSubnetIds,
        podSecurityGroups,
        tags: config.tags,
        charts: config.charts,
        pullThroughCache: registry,
    }, providers);

    // The public zone of the host, looked up by name (real environments; dev uses an in-cluster CA).
    const zoneName = config.payments.tls.hostedZone;
    const hostedZone = zoneName
        ? { name: zoneName, zoneId: aws.route53.getZoneOutput({ name: zoneName, privateZone: false }, { provider: awsProvider }).zoneId }
        : undefined;

    return {
        provider: cluster.provider,
        ready: [...cluster.ready, ...autoscaling.ready, ...(registry?.ready ?? [])],
        images: registry?.images ?? UPSTREAM_IMAGES,
        aws: {
            provider: awsProvider,
            oidc: cluster.oidc,
            lbController: cluster.lbController,
            hostedZone,
            kubeconfig: cluster.kubeconfig,
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            nodeSecurityGroupId: cluster.nodeSecurityGroupId,
            outputs: {
                vpcId: network.vpcId,
                clusterName: cluster.clusterName,
                // Read back by the next preview: EKS upgrades one minor at a time (cluster/version-guard.ts).
                kubernetesVersion: cluster.kubernetesVersion,
                clusterEndpoint: cluster.endpoint,
                oidcProviderArn: cluster.oidcProviderArn,
                oidcProviderUrl: cluster.oidcProviderUrl,
            },
        },
    };
}

/** cluster.mode existing: a cluster reached through a kubeconfig; nothing AWS is built. */
function existingFoundation(existing: ExistingClusterConfig): Foundation {
    const cluster = new ExistingCluster("cluster", { config: existing, charts: config.charts });
    return { provider: cluster.provider, ready: cluster.ready, images: UPSTREAM_IMAGES, storageClass: existing.storageClass };
}

// Where the Kubernetes layer runs: the AWS layer this stack builds, or an existing cluster with
// in-cluster fallbacks for what needs AWS (self-signed CA, filesystem Loki, a plain gateway Service).
const foundation = config.target.existing ? existingFoundation(config.target.existing) : awsFoundation();
const awsOpts = foundation.aws ? { providers: [foundation.aws.provider] } : {};

// Secrets Manager -> Kubernetes Secrets through the External Secrets Operator (eks mode): staging
// and prod keep no runtime secret in Pulumi config or state (components/secrets/builders.ts).
const secrets = foundation.aws
    ? new Secrets("secrets", {
        environment: config.environment,
        region: config.region,
        oidc: foundation.aws.oidc,
        provider: foundation.provider,
        charts: config.charts,
        images: foundation.images,
        dependsOn: foundation.ready,
    }, awsOpts)
    : undefined;

// Istio: base -> istiod -> ingress gateway (NLB, or the existing cluster's Service type). Meshed
// workloads depend on mesh.ready and label and annotate with mesh.membership(<namespace>).
const mesh = new Mesh("mesh", {
    environment: config.environment,
    config: config.mesh,
    provider: foundation.provider,
    clusterReady: foundation.ready,
    lbController: foundation.aws?.lbController,
    gatewayServiceType: config.target.existing?.gatewayServiceType,
    charts: config.charts,
    images: foundation.images,
});

// TLS for the edge: cert-manager and the ClusterIssuer chosen by payments.tls.issuer (a dev CA, or
// Let's Encrypt over Route 53 DNS-01 with an IRSA role limited to the hosted zone).
const certManager = new CertManager("cert-manager", {
    name: config.name,
    environment: config.environment,
    region: config.region,
    issuer: config.payments.tls.issuer,
    hostedZone: foundation.aws?.hostedZone,
    host: config.payments.host,
    acmeEmail: config.payments.tls.acmeEmail,
    oidc: foundation.aws?.oidc,
    provider: foundation.provider,
    install: config.payments.tls.installCertManager,
    charts: config.charts,
    images: foundation.images,
    dependsOn: foundation.ready,
}, awsOpts);

// The payments database on Amazon RDS (staging, prod; dev with payments.database.engine rds): its
// own CMKs, private subnets, TLS only, PITR backups, credentials managed and rotated in Secrets
// Manager, reachable from the backend alone. Otherwise the in-cluster StatefulSet (dev's default).
const database =
    config.payments.database.engine === "rds" && foundation.aws && secrets
        ? new PaymentsDatabase("payments-db", {
            name: config.name,
            environment: config.environment,
            region: config.region,
            settings: config.payments.database.rds,
            network: config.payments.database.network,
            vpcId: foundation.aws.vpcId,
            privateSubnetIds: foundation.aws.privateSubnetIds,
            nodeSecurityGroupId: foundation.aws.nodeSecurityGroupId,
            logRetentionDays: config.cluster.logRetentionDays,
            secrets,
        }, awsOpts)
        : undefined;

// Payments on the mesh: workloads, edge Gateway + certificate, canary routes, zero-trust policies.
const hostedZone = foundation.aws?.hostedZone;
const payments = new Payments("payments", {
    environment: config.environment,
    config: config.payments,
    provider: foundation.provider,
    images: foundation.images,
    mesh: mesh.membership(PAYMENTS_NAMESPACE),
    issuerName: certManager.issuerName,
    storageClass: foundation.storageClass,
    dependsOn: [...foundation.ready, ...mesh.ready],
    certificateDependsOn: certManager.ready,
    // Real environments publish the host: an alias to the gateway's NLB, and its CAA, in the ACME hosted zone.
    dns: hostedZone ? { hostedZoneId: hostedZone.zoneId, target: loadBalancerHostname(mesh.gatewayService) } : undefined,
    rds: database && secrets ? { database, region: config.region, externalSecretsReady: secrets.ready } : undefined,
}, awsOpts);

// Observability: Prometheus (+ Istio monitors, SLO alerts), Grafana, Loki + Alloy, Jaeger (the
// mesh's OTLP collector, JAEGER_COLLECTOR) and Kiali, in the `observability` namespace.
const observability = config.observability.enabled
    ? new Observability("observability", {
        name: config.name,
        environment: config.environment,
        region: config.region,
        config: config.observability,
        provider: foundation.provider,
        oidc: foundation.aws?.oidc,
        storageClass: foundation.storageClass,
        charts: config.charts,
        images: foundation.images,
        clusterReady: foundation.ready,
        meshReady: mesh.ready,
        // Credentials from Secrets Manager (Grafana admin, receivers, Kiali) through ESO.
        secrets,
    }, awsOpts)
    : undefined;

// Stack outputs. Those of the AWS layer exist in eks mode, those of observability when it is on.
const awsOutputs = foundation.aws ? { region: config.region, ...foundation.aws.outputs, kubeconfig: foundation.aws.kubeconfig } : {};
const observabilityOutputs = observability
    ? {
        observabilityNamespace: observability.namespace,
        lokiBucket: observability.lokiBucket ?? "none: logs stay on Loki's volume (observability.loki.storage=filesystem)",
        portForward: observability.portForward,
    }
    : {};

export = {
    environment: config.environment,
    clusterMode: config.target.mode,
    ...awsOutputs,
    istioRevisions: mesh.revisions.revisions,
    istioTags: mesh.revisions.tags,
    paymentsHost: payments.host,
    paymentsGateway: payments.gateway,
    paymentsCanaryWeight: payments.canaryWeight,
    certificateIssuer: certManager.issuerName,
    ...(secrets ? { externalSecretsNamespace: secrets.namespace } : {}),
    paymentsDatabase: database ? database.address : "in-cluster StatefulSet dodo-payments/postgres",
    ...(database ? { paymentsDatabaseSecretArn: database.secretArn } : {}),
    ...observabilityOutputs,
};
