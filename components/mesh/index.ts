import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { applyObject } from "../apply";
import { Environment } from "../settings";
import { JAEGER_COLLECTOR } from "../tracing";
import { ChartKey, ChartSources, releaseChart, UPSTREAM } from "../charts";
import { ISTIO_PREVIOUS_REVISION_VERSION, ISTIO_VERSION } from "../versions";
import { GatewayServiceType } from "../existing-cluster/settings";
import {
    baseChartVersion,
    baseValues,
    controlPlanes,
    gatewayService,
    gatewayValues,
    istiodReleaseName,
    istiodValues,
    meshConfig,
    meshNamespaces,
    meshPeerAuthentication,
    meshTelemetry,
} from "./builders";
import { MeshConfig } from "./settings";
import { INGRESS_GATEWAY_NAME, INGRESS_NAMESPACE, injectionLabels, ISTIO_ROOT_NAMESPACE, revisionRolloutAnnotations } from "./topology";

export interface MeshArgs {
    environment: Environment;
    config: MeshConfig;
    /** The cluster's Kubernetes provider. */
    provider: k8s.Provider;
    /** What must run before Istio can: nodes, CoreDNS, the LB controller (Cluster.ready). */
    clusterReady: pulumi.Resource[];
    /**
     * The AWS Load Balancer Controller (eks mode). The gateway Service depends on it, so `pulumi
     * destroy` deletes the Service (and the controller deletes the NLB) while the controller still
     * runs, before the subnets and the VPC.
     */
    lbController?: pulumi.Resource;
    /**
     * How the gateway is exposed: an internet-facing NLB through the LB controller (eks mode,
     * the default), or a plain Service of this type on an existing cluster.
     */
    gatewayServiceType?: GatewayServiceType;
    /** Where the Istio charts come from (default: Istio's chart repository). */
    charts?: ChartSources;
}

/**
 * Istio from its Helm charts: base (CRDs), then istiod (one per revision during a canary upgrade),
 * then the ingress gateway behind an internet-facing NLB; plus mesh-wide STRICT mTLS and telemetry.
 */
export class Mesh extends pulumi.ComponentResource {
    /** Revision of the active control plane; undefined for an unrevisioned install. */
    readonly revision: string | undefined;
    /** Labels a workload namespace carries to be in the mesh (istio-injection or istio.io/rev). */
    readonly injectionLabels: Record<string, string>;
    /** Pod-template annotations of meshed workloads: a revision change rolls them onto the new istiod. */
    readonly rolloutAnnotations: Record<string, string>;
    /** What meshed workloads depend on: the CRDs, every istiod (the injector) and the gateway. */
    readonly ready: pulumi.Resource[];
    readonly base: k8s.helm.v3.Release;
    /** The active istiod. */
    readonly istiod: k8s.helm.v3.Release;
    readonly gateway: k8s.helm.v3.Release;
    readonly gatewayService: pulumi.CustomResource;
    readonly rootNamespace = ISTIO_ROOT_NAMESPACE;
    readonly ingressNamespace = INGRESS_NAMESPACE;

    constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dodo:platform:Mesh", name, {}, opts);
        const { config, environment, provider } = args;
        const on = (dependsOn: pulumi.Input<pulumi.Resource>[]) => ({ parent: this, provider, dependsOn });
        const release = (resourceName: string, chart: ChartKey, releaseName: string, namespace: string, values: Record<string, unknown>, dependsOn: pulumi.Resource[], version?: string) =>
            new k8s.helm.v3.Release(resourceName, {
                name: releaseName,
                ...releaseChart(chart, args.charts ?? UPSTREAM, version),
                namespace,
                values,
                atomic: true,
                timeout: 600,
            }, on(dependsOn));

        const [systemNs, ingressNs] = meshNamespaces(config.revision).map((ns) => applyObject(ns, on(args.clusterReady)));

        this.base = release(
            `${name}-base`,
            "istioBase",
            "istio-base",
            ISTIO_ROOT_NAMESPACE,
            baseValues(config.revision),
            [systemNs],
            baseChartVersion(ISTIO_VERSION, config.previousRevision !== undefined ? ISTIO_PREVIOUS_REVISION_VERSION : undefined),
        );

        const mesh = meshConfig({ outboundTrafficPolicy: config.outboundTrafficPolicy, collector: JAEGER_COLLECTOR });
        const planes = controlPlanes(config, ISTIO_VERSION, ISTIO_PREVIOUS_REVISION_VERSION);
        const istiods = planes.map((plane) => {
            const releaseName = istiodReleaseName(plane.revision);
            const values = istiodValues({ environment, revision: plane.revision, version: plane.version, replicas: config.istiodReplicas, meshConfig: mesh });
            return { plane, release: release(`${name}-${releaseName}`, "istiod", releaseName, ISTIO_ROOT_NAMESPACE, values, [this.base], plane.version) };
        });
        this.istiod = istiods.find((i) => i.plane.active)!.release;
        const allIstiods = istiods.map((i) => i.release);

        this.gateway = release(
            `${name}-ingressgateway`,
            "istioGateway",
            INGRESS_GATEWAY_NAME,
            INGRESS_NAMESPACE,
            gatewayValues({ environment, revision: config.revision, replicas: config.gatewayReplicas }),
            // The gateway's proxy is injected (image: auto) by the active istiod's webhook.
            [ingressNs, this.istiod],
        );
        this.gatewayService = applyObject(
            gatewayService({ sourceRanges: config.gatewaySourceRanges, serviceType: args.gatewayServiceType }),
            on([ingressNs, this.gateway, ...(args.lbController ? [args.lbController] : []), ...args.clusterReady]),
        );

        // Istio CRD instances: the CRDs come from base, and istiod's validation webhook checks them.
        const crdUsers = [this.base, ...allIstiods];
        const peerAuthentication = applyObject(meshPeerAuthentication(), on(crdUsers));
        const telemetry = applyObject(meshTelemetry(config.tracingSamplingPercentage), on(crdUsers));

        this.revision = config.revision;
        this.injectionLabels = injectionLabels(config.revision);
        this.rolloutAnnotations = revisionRolloutAnnotations(config.revision);
        this.ready = [this.base, ...allIstiods, this.gateway, this.gatewayService, peerAuthentication, telemetry];
        this.registerOutputs({
            revision: this.revision,
            injectionLabels: this.injectionLabels,
        });
    }
}
