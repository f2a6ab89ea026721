// Composition root: config -> network -> cluster -> mesh -> payments, observability.
import * as aws from "@pulumi/aws";
import { Cluster } from "./components/cluster";
import { loadPlatformConfig } from "./components/config";
import { Mesh } from "./components/mesh";
import { Network } from "./components/network";
import { Observability } from "./components/observability";
import { Payments } from "./components/payments";
import { CertManager } from "./components/certs";
import { loadBalancerHostname } from "./components/payments/dns";

// Parsed and validated before any resource exists: a bad key stops the run with its name.
const config = loadPlatformConfig();

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

const cluster = new Cluster("cluster", {
    name: config.name,
    environment: config.environment,
    region: config.region,
    config: config.cluster,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    tags: config.tags,
    awsProfile: config.aws.profile,
}, providers);

// Istio: base -> istiod -> ingress gateway (NLB). Meshed workloads depend on mesh.ready and label
// their namespaces with mesh.injectionLabels.
const mesh = new Mesh("mesh", {
    environment: config.environment,
    config: config.mesh,
    provider: cluster.provider,
    clusterReady: cluster.ready,
    lbController: cluster.lbController,
});

// The public zone of the host, looked up by name (real environments; dev uses an in-cluster CA).
const zoneName = config.payments.tls.hostedZone;
const hostedZone = zoneName
    ? { name: zoneName, zoneId: aws.route53.getZoneOutput({ name: zoneName, privateZone: false }, { provider: awsProvider }).zoneId }
    : undefined;

// TLS for the edge: cert-manager and the ClusterIssuer chosen by payments.tls.issuer (a dev CA, or
// Let's Encrypt over Route 53 DNS-01 with an IRSA role limited to the hosted zone).
const certManager = new CertManager("cert-manager", {
    name: config.name,
    environment: config.environment,
    region: config.region,
    issuer: config.payments.tls.issuer,
    hostedZone,
    acmeEmail: config.payments.tls.acmeEmail,
    oidc: cluster.oidc,
    provider: cluster.provider,
    dependsOn: cluster.ready,
}, providers);

// Payments on the mesh: workloads, edge Gateway + certificate, canary routes, zero-trust policies.
const payments = new Payments("payments", {
    environment: config.environment,
    config: config.payments,
    provider: cluster.provider,
    revision: mesh.revision,
    issuerName: certManager.issuerName,
    dependsOn: [...cluster.ready, ...mesh.ready],
    certificateDependsOn: certManager.ready,
    // Real environments publish the host: a CNAME to the gateway's NLB in the ACME hosted zone.
    dns: hostedZone ? { hostedZoneId: hostedZone.zoneId, target: loadBalancerHostname(mesh.gatewayService) } : undefined,
}, providers);

// Observability: Prometheus (+ Istio monitors, SLO alerts), Grafana, Loki + Alloy, Jaeger (the
// mesh's OTLP collector, JAEGER_COLLECTOR) and Kiali, in the `observability` namespace.
const observability = new Observability("observability", {
    name: config.name,
    environment: config.environment,
    region: config.region,
    config: config.observability,
    provider: cluster.provider,
    oidc: cluster.oidc,
    clusterReady: cluster.ready,
    meshReady: mesh.ready,
}, providers);

export const environment = config.environment;
export const region = config.region;
export const vpcId = network.vpcId;
export const clusterName = cluster.clusterName;
export const clusterEndpoint = cluster.endpoint;
export const oidcProviderArn = cluster.oidcProviderArn;
export const oidcProviderUrl = cluster.oidcProviderUrl;
export const kubeconfig = cluster.kubeconfig;
export const istioRevision = mesh.revision ?? "default";
export const meshInjectionLabels = mesh.injectionLabels;
export const paymentsHost = payments.host;
export const paymentsGateway = payments.gateway;
export const paymentsCanaryWeight = payments.canaryWeight;
export const certificateIssuer = certManager.issuerName;
export const observabilityNamespace = observability.namespace;
export const lokiBucket = observability.lokiBucket ?? "none: logs stay on Loki's volume (observability.loki.storage=filesystem)";
export const portForward = observability.portForward;
