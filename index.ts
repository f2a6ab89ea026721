// Composition root: config -> network -> cluster -> mesh -> payments, observability.
import * as aws from "@pulumi/aws";
import { Cluster } from "./components/cluster";
import { loadPlatformConfig } from "./components/config";
import { Mesh } from "./components/mesh";
import { Network } from "./components/network";

// Parsed and validated before any resource exists: a bad key stops the run with its name.
const config = loadPlatformConfig();

// Every AWS resource of the stack is created through this provider, so all carry the tags.
const awsProvider = new aws.Provider("aws", { region: config.region as aws.Region, defaultTags: { tags: config.tags } });
const providers = { providers: [awsProvider] };

const network = new Network("network", { name: config.name, config: config.network }, providers);

const cluster = new Cluster("cluster", {
    name: config.name,
    environment: config.environment,
    region: config.region,
    config: config.cluster,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
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
