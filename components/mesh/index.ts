import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { applyObject } from "../apply";
import { Environment } from "../settings";
import { JAEGER_COLLECTOR } from "../tracing";
import { ChartKey, ChartSources, releaseChart, UPSTREAM } from "../charts";
import { GatewayServiceType } from "../existing-cluster/settings";
import { ImageSource } from "../registry/images";
import { gatewayService, gatewayValues, istiodValues, meshConfig, meshNamespaces, meshPeerAuthentication, meshTelemetry } from "./builders";
import { baseChartVersion, baseValues, chartRevision, ControlPlane, controlPlanes, injectorRetired, istiodReleaseName, withoutOwnInjector } from "./control-planes";
import { MeshRevisions, releaseOfRevision } from "./revisions";
import { MeshConfig } from "./settings";
import { revisionTags, revisionTagService, revisionTagWebhook } from "./tags";
import { INGRESS_GATEWAY_NAME, INGRESS_NAMESPACE, ISTIO_ROOT_NAMESPACE, MeshMembership, meshMembership } from "./topology";

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
    /** Where Istio's images come from (default: ISTIO_HUB upstream). */
    images?: ImageSource;
}

/**
 * Istio from its Helm charts: base (CRDs), then one istiod per installed revision, then the
 * ingress gateway behind an internet-facing NLB; the revision tags as objects of their own; plus
 * mesh-wide STRICT mTLS and telemetry. Upgrades are config steps: README, "Upgrading Istio".
 */
export class Mesh extends pulumi.ComponentResource {
    /** Revisions, tags and who follows which, as configured. */
    readonly revisions: MeshRevisions;
    /** What meshed workloads depend on: the CRDs, every istiod (the injectors), the tags and the gateway. */
    readonly ready: pulumi.Resource[];
    readonly base: k8s.helm.v3.Release;
    /** One istiod Helm release per installed revision. */
    readonly istiods: Record<string, k8s.helm.v3.Release>;
    readonly gateway: k8s.helm.v3.Release;
    readonly gatewayService: pulumi.CustomResource;
    readonly rootNamespace = ISTIO_ROOT_NAMESPACE;
    readonly ingressNamespace = INGRESS_NAMESPACE;

    constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dodo:platform:Mesh", name, {}, opts);
        const { config, environment, provider } = args;
        const revisions = config.revisions;
        const on = (dependsOn: pulumi.Input<pulumi.Resource>[]) => ({ parent: this, provider, dependsOn });
        const release = (resourceName: string, chart: ChartKey, releaseName: string, namespace: string, values: Record<string, unknown>, dependsOn: pulumi.Resource[], version: string) =>
            new k8s.helm.v3.Release(resourceName, {
                name: releaseName,
                ...releaseChart(chart, args.charts ?? UPSTREAM, version),
                namespace,
                values,
                atomic: true,
                timeout: 600,
            }, on(dependsOn));

        const [systemNs, ingressNs] = meshNamespaces(revisions.gatewayRevision).map((ns) => applyObject(ns, on(args.clusterReady)));

        // CRDs at the newest installed release: upgraded before the new istiod starts (step 1).
        this.base = release(`${name}-base`, "istioBase", "istio-base", ISTIO_ROOT_NAMESPACE, baseValues(revisions.defaultRevision), [systemNs], baseChartVersion(revisions));

        const mesh = meshConfig({ outboundTrafficPolicy: config.outboundTrafficPolicy, collector: JAEGER_COLLECTOR });
        const istiod = (plane: ControlPlane, dependsOn: pulumi.Resource[]) => {
            const releaseName = istiodReleaseName(plane.revision);
            const own = istiodValues({ environment, revision: chartRevision(plane.revision) || undefined, version: plane.version, replicas: config.istiodReplicas, meshConfig: mesh, images: args.images });
            // Once another revision is the default, the unrevisioned istiod stops injecting (step 7).
            const values = injectorRetired(plane.revision, revisions.defaultRevision) ? withoutOwnInjector(own) : own;
            return release(`${name}-${releaseName}`, "istiod", releaseName, ISTIO_ROOT_NAMESPACE, values, dependsOn, plane.version);
        };
        // Each istiod at its own revision's release: adding or removing one never changes another.
        const planes = controlPlanes(revisions);
        const retired = new Set(planes.filter((p) => injectorRetired(p.revision, revisions.defaultRevision)).map((p) => p.revision));
        this.istiods = {};
        for (const plane of planes.filter((p) => !retired.has(p.revision))) this.istiods[plane.revision] = istiod(plane, [this.base]);

        // Tags are moved in place (one object each), each once its revision's istiod release is
        // ready (atomic: its Deployment is available, and that istiod patches the tag's caBundle).
        const tags: pulumi.Resource[] = [];
        const applyTags = (pairs: [string, string][]) => {
            for (const [tag, revision] of pairs) tags.push(...[revisionTagWebhook(tag, revision), revisionTagService(tag, revision)].map((o) => applyObject(o, on([this.istiods[revision]]))));
        };
        const allTags = revisionTags(revisions.tags, revisions.defaultRevision);
        applyTags(allTags.filter(([, revision]) => !retired.has(revision)));
        // The retired injector goes only after the `default` tag that replaces it is in place.
        for (const plane of planes.filter((p) => retired.has(p.revision))) this.istiods[plane.revision] = istiod(plane, [this.base, ...tags]);
        applyTags(allTags.filter(([, revision]) => retired.has(revision)));
        const allIstiods = Object.values(this.istiods);

        // The gateway chart at its revision's release; its proxy (image: auto) is injected by that istiod.
        this.gateway = release(
            `${name}-ingressgateway`,
            "istioGateway",
            INGRESS_GATEWAY_NAME,
            INGRESS_NAMESPACE,
            gatewayValues({ environment, revision: chartRevision(revisions.gatewayRevision) || undefined, replicas: config.gatewayReplicas }),
            [ingressNs, ...allIstiods],
            releaseOfRevision(revisions.gatewayRevision),
        );
        this.gatewayService = applyObject(
            gatewayService({ sourceRanges: config.gatewaySourceRanges, serviceType: args.gatewayServiceType }),
            on([ingressNs, this.gateway, ...(args.lbController ? [args.lbController] : []), ...args.clusterReady]),
        );

        // Istio CRD instances: the CRDs come from base, and istiod's validation webhook checks them.
        const crdUsers = [this.base, ...allIstiods];
        const peerAuthentication = applyObject(meshPeerAuthentication(), on(crdUsers));
        const telemetry = applyObject(meshTelemetry(config.tracingSamplingPercentage), on(crdUsers));

        this.revisions = revisions;
        this.ready = [this.base, ...allIstiods, ...tags, this.gateway, this.gatewayService, peerAuthentication, telemetry];
        this.registerOutputs({ revisions: revisions.revisions, tags: revisions.tags });
    }

    /** Labels and pod-template annotations for a meshed namespace's workloads. */
    membership(namespace: string): MeshMembership {
        return meshMembership(this.revisions, namespace);
    }
}
