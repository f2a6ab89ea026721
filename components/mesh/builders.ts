// Pure builders for the mesh: Helm values of Istio's base, istiod and gateway charts (1.30.x keys,
// set at the top level as the charts expect), the mesh-wide policy objects and the namespaces.
import { meshWideStrictMtls, telemetry } from "../istio/builders";
import { PeerAuthenticationObject, TelemetryObject } from "../istio/types";
import { KubeObject, standardLabels } from "../k8s";
import { Environment, PerEnvironment } from "../settings";
import { CLIENT_METRIC_LABELS, LABELLED_METRICS } from "../mesh-metrics";
import { collectorHost, OtlpCollector, TRACING_PROVIDER } from "../tracing";
import { ImageSource, repositoryOf, UPSTREAM_IMAGES } from "../registry/images";
import { ISTIO_HUB } from "../versions";
import { gatewayDrain } from "./drain";
import { DEFAULT_REVISION } from "./revisions";
import { OutboundTrafficPolicy, ReplicaRange } from "./settings";
import { INGRESS_GATEWAY_NAME, INGRESS_GATEWAY_SELECTOR, INGRESS_NAMESPACE, ISTIO_ROOT_NAMESPACE, revisionInjectionLabels } from "./topology";

/** Kubernetes resource requirements, in the shape every chart's `resources` takes. */
export interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

export interface MeshSizing {
    istiod: Resources;
    /** Every sidecar (global.proxy.resources): multiplied by the number of meshed pods. */
    proxy: Resources;
    gateway: Resources;
}

/**
 * Sizes per environment. istiod's memory grows with the number of services and proxies it serves;
 * a sidecar's with the config pushed to it (hence Sidecar scoping in the workload namespaces).
 * Limits are set in full: the charts merge our values over their defaults, so an omitted limit
 * would silently keep the chart's (2 CPUs for proxies and gateways).
 */
export const MESH_SIZING: PerEnvironment<MeshSizing> = {
    dev: {
        istiod: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        proxy: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        gateway: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    },
    staging: {
        istiod: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } },
        proxy: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
        gateway: { requests: { cpu: "200m", memory: "256Mi" }, limits: { cpu: "2", memory: "1Gi" } },
    },
    prod: {
        istiod: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "4", memory: "4Gi" } },
        proxy: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "2", memory: "1Gi" } },
        gateway: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } },
    },
};

const ZONE_KEY = "topology.kubernetes.io/zone";
const HOST_KEY = "kubernetes.io/hostname";

/**
 * Spread across zones and nodes. Staging and prod refuse to stack replicas in one zone (an AZ
 * outage must not take the gateway or istiod down), as the payments workloads do; Karpenter
 * provisions in the zone a pending pod needs. Dev only prefers it, like the payments workloads
 * there (payments/workloads.ts topologySpread): dev may be a local cluster whose nodes carry no
 * zone. Nodes only ScheduleAnyway, so a drained node's pod can land beside another in its zone.
 */
export function zoneSpread(environment: Environment, matchLabels: Record<string, string>): object[] {
    return [
        {
            maxSkew: 1,
            topologyKey: ZONE_KEY,
            whenUnsatisfiable: environment === "dev" ? "ScheduleAnyway" : "DoNotSchedule",
            labelSelector: { matchLabels },
        },
        { maxSkew: 1, topologyKey: HOST_KEY, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels } },
    ];
}

/** Voluntary disruptions (node drains, consolidation) take one gateway or istiod pod at a time. */
export const GATEWAY_AND_ISTIOD_MAX_UNAVAILABLE = 1;

// ---------------------------------------------------------------- istiod chart

/**
 * Path normalization applied by every proxy before routing and authorization. MERGE_SLASHES = RFC
 * 3986 normalization (`/a/../b` -> `/b`, `%2E` decoding of unreserved characters) plus collapsing
 * `//`. AuthorizationPolicy `paths` match the normalized path, and the backend must see that same
 * path: otherwise `/api//admin` slips past a rule on `/api/admin` while the backend, which merges
 * slashes itself, serves `/api/admin`. DECODE_AND_MERGE_SLASHES would also decode `%2F`, changing
 * what the backend sees for legitimately encoded segments; we keep `%2F` encoded.
 */
export const PATH_NORMALIZATION = "MERGE_SLASHES";

export interface MeshConfigArgs {
    outboundTrafficPolicy: OutboundTrafficPolicy;
    collector: OtlpCollector;
}

/** istiod's meshConfig (istio.mesh.v1alpha1.MeshConfig). */
export function meshConfig(args: MeshConfigArgs): Record<string, unknown> {
    return {
        // The `envoy` access-log provider the Telemetry object enables writes here, as JSON for Loki.
        accessLogFile: "/dev/stdout",
        accessLogEncoding: "JSON",
        defaultConfig: {
            // The app container starts only after Envoy is ready, so its first calls are not refused.
            holdApplicationUntilProxyStarts: true,
        },
        extensionProviders: [
            {
                name: TRACING_PROVIDER,
                opentelemetry: { service: collectorHost(args.collector), port: args.collector.port },
            },
        ],
        outboundTrafficPolicy: { mode: args.outboundTrafficPolicy },
        // Sidecar-to-sidecar mTLS: both ends are Envoy from the same release, so nothing older is needed.
        meshMTLS: { minProtocolVersion: "TLSV1_3" },
        pathNormalization: { normalization: PATH_NORMALIZATION },
    };
}

/**
 * istiod's environment (the chart's `env`). PILOT_SCOPE_GATEWAY_TO_NAMESPACE: "a gateway workload
 * can only select gateway resources in the same namespace" (pilot/pkg/features/pilot.go), so a
 * Gateway object written in any other namespace cannot drive the ingress gateway's pods. The edge
 * Gateway lives in INGRESS_NAMESPACE beside them (payments/traffic.ts edgeGateway).
 */
export const ISTIOD_ENV: Readonly<Record<string, string>> = { PILOT_SCOPE_GATEWAY_TO_NAMESPACE: "true" };

export interface IstiodValuesArgs {
    environment: Environment;
    revision?: string;
    /** Image tag: the release the chart belongs to. */
    version: string;
    replicas: ReplicaRange;
    meshConfig: Record<string, unknown>;
    /** Where pilot and proxyv2 come from (global.hub). Default: ISTIO_HUB upstream. */
    images?: ImageSource;
}

/** Istio's registry as `images` serves it: pilot, every injected proxyv2 and the gateway's come from it. */
export function istioHub(images: ImageSource = UPSTREAM_IMAGES): string {
    // A hub is a namespace of images, not an image: map one of its images and drop the name.
    return repositoryOf(images, `${ISTIO_HUB}/pilot`).replace(/\/pilot$/, "");
}

/** Pod labels of an istiod Deployment, as the chart sets them. */
export function istiodSelector(revision?: string): Record<string, string> {
    return { app: "istiod", "istio.io/rev": revision ?? DEFAULT_REVISION };
}

const RUNTIME_DEFAULT_SECCOMP = { type: "RuntimeDefault" } as const;

export function istiodValues(args: IstiodValuesArgs): Record<string, unknown> {
    const sizing = MESH_SIZING[args.environment];
    const autoscale = args.replicas.max > args.replicas.min;
    return {
        revision: args.revision ?? "",
        autoscaleEnabled: autoscale,
        autoscaleMin: args.replicas.min,
        autoscaleMax: args.replicas.max,
        replicaCount: args.replicas.min,
        resources: sizing.istiod,
        topologySpreadConstraints: zoneSpread(args.environment, istiodSelector(args.revision)),
        // The chart renders a PDB only with autoscaleMin > 1 (templates/poddisruptionbudget.yaml).
        // maxUnavailable, which the chart prefers over its default minAvailable when set: one pod
        // at a time at every size (minAvailable 1 would let drains take all but one at the maximum).
        pdb: { maxUnavailable: GATEWAY_AND_ISTIOD_MAX_UNAVAILABLE },
        // The chart leaves seccomp unset (values.yaml: "Set to `type: RuntimeDefault`..."): on for
        // istiod's container, and for every injected istio-proxy (injection-template.yaml reads
        // global.proxy.seccompProfile).
        seccompProfile: RUNTIME_DEFAULT_SECCOMP,
        meshConfig: args.meshConfig,
        env: ISTIOD_ENV,
        global: {
            hub: istioHub(args.images),
            tag: args.version,
            istioNamespace: ISTIO_ROOT_NAMESPACE,
            logAsJson: true,
            defaultPodDisruptionBudget: { enabled: true },
            proxy: { resources: sizing.proxy, seccompProfile: RUNTIME_DEFAULT_SECCOMP },
        },
    };
}

// ---------------------------------------------------------------- gateway chart

/** The status port the NLB health-checks: Envoy's readiness endpoint on every gateway pod. */
export const GATEWAY_STATUS_PORT = 15021;
export const GATEWAY_READY_PATH = "/healthz/ready";

/**
 * AWS Load Balancer Controller annotations for an internet-facing NLB sending traffic straight to
 * the gateway pods' IPs (no NodePort hop, so the PDB and zone spread carry over to the NLB).
 *
 * Client IP preservation: IP targets over TCP get the NLB's private address as the source unless
 * `preserve_client_ip.enabled=true`. With it, Envoy sees the real client as the downstream peer
 * (access logs, XFF it appends, AuthorizationPolicy `remoteIpBlocks`), and the controller honours
 * `loadBalancerSourceRanges` (it ignores them without preservation). No proxy protocol and no
 * meshConfig gatewayTopology are needed: an NLB adds no header, so numTrustedProxies stays 0 and a
 * client's own X-Forwarded-For is never trusted. externalTrafficPolicy does not apply to IP
 * targets (no NodePorts). Caveat: a pod that calls the NLB's public name and lands on a gateway
 * pod on its own node times out (NLB hairpinning); in-cluster callers use the Service names.
 *
 * The health check probes 15021 on the pod IP directly: with IP targets an integer port need not
 * be a Service port, so the status port is not a listener on the internet-facing NLB.
 *
 * The deregistration delay and health-check interval are set explicitly (the delay defaults to
 * 300 s): the gateway's preStop is computed from them (drain.ts). Both annotations take the ELB
 * attribute names (aws-load-balancer-controller docs/guide/service/annotations.md).
 */
export function nlbAnnotations(): Record<string, string> {
    const drain = gatewayDrain();
    return {
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
        "service.beta.kubernetes.io/aws-load-balancer-attributes": "load_balancing.cross_zone.enabled=true",
        "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": `preserve_client_ip.enabled=true,deregistration_delay.timeout_seconds=${drain.deregistrationDelaySeconds}`,
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "http",
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": String(GATEWAY_STATUS_PORT),
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-path": GATEWAY_READY_PATH,
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval": String(drain.healthCheckIntervalSeconds),
    };
}

export interface GatewayValuesArgs {
    environment: Environment;
    revision?: string;
    replicas: ReplicaRange;
}

/** Pod labels the gateway chart selects its pods by (and Gateway objects select them by). */
export function gatewaySelector(): Record<string, string> {
    return { app: INGRESS_GATEWAY_NAME, ...INGRESS_GATEWAY_SELECTOR };
}

/** The NLB's listeners: 80 and 443, the Gateway listeners (the health check needs no listener). */
export const GATEWAY_PORTS = [
    { name: "http2", port: 80, protocol: "TCP", targetPort: 80 },
    { name: "https", port: 443, protocol: "TCP", targetPort: 443 },
] as const;

/**
 * The chart's own Service is turned off (`service.type: None`): the Service is gatewayService(),
 * a Pulumi object, because Pulumi waits for a deleted Service to be gone (the LB controller's
 * finalizer deletes the NLB first), which a Helm uninstall does not guarantee. See index.ts.
 */
export function gatewayValues(args: GatewayValuesArgs): Record<string, unknown> {
    const sizing = MESH_SIZING[args.environment];
    const autoscale = args.replicas.max > args.replicas.min;
    return {
        name: INGRESS_GATEWAY_NAME,
        revision: args.revision ?? "",
        // `app` and `istio` become the selector labels; the rest go on every object of the chart.
        // (Helm merges this map into the chart's default, which adds `istio.io/dataplane-mode: none`,
        // an ambient-mode label that is inert in sidecar mode; we do not repeat it.)
        labels: {
            ...gatewaySelector(),
            "app.kubernetes.io/part-of": "dodo-payments",
        },
        autoscaling: {
            enabled: autoscale,
            minReplicas: args.replicas.min,
            maxReplicas: args.replicas.max,
            targetCPUUtilizationPercentage: 80,
        },
        replicaCount: args.replicas.min,
        // The chart renders it only with minReplicas > 1 (templates/poddisruptionbudget.yaml); one
        // pod down at a time at every size, the HPA's maximum included (istiodValues' pdb).
        podDisruptionBudget: args.replicas.min > 1 ? { maxUnavailable: GATEWAY_AND_ISTIOD_MAX_UNAVAILABLE } : {},
        resources: sizing.gateway,
        topologySpreadConstraints: zoneSpread(args.environment, gatewaySelector()),
        // The chart's own container defaults (templates/deployment.yaml) plus seccomp, which it
        // leaves unset; setting the key replaces the defaults, so all of them are restated.
        containerSecurityContext: {
            capabilities: { drop: ["ALL"] },
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            seccompProfile: RUNTIME_DEFAULT_SECCOMP,
        },
        service: { type: "None" },
        ...gatewayDrainValues(),
    };
}

/**
 * A stopping gateway pod keeps serving until the NLB has stopped sending it flows, then drains
 * (drain.ts, docs/mesh.md). The chart renders `lifecycle` on its istio-proxy container
 * (templates/deployment.yaml) and the injector keeps it: the gateway injection template sets a
 * lifecycle only from global.proxy.lifecycle (istio-discovery files/gateway-injection-template.yaml),
 * and a pod's own container fields override the template's. The sleep action needs no shell in
 * proxyv2 (Kubernetes PodLifecycleSleepAction, GA in 1.34). `podAnnotations` merges into the
 * chart's defaults; `proxy.istio.io/config` overrides ProxyConfig for these pods only.
 */
export function gatewayDrainValues(): Record<string, unknown> {
    const drain = gatewayDrain();
    return {
        podAnnotations: { "proxy.istio.io/config": JSON.stringify({ terminationDrainDuration: `${drain.terminationDrainDurationSeconds}s` }) },
        lifecycle: { preStop: { sleep: { seconds: drain.preStopSleepSeconds } } },
        terminationGracePeriodSeconds: drain.terminationGracePeriodSeconds,
    };
}

/**
 * The ingress gateway's Service: an internet-facing NLB with IP targets on the gateway pods (eks
 * mode), or, on an existing cluster, a plain LoadBalancer or NodePort Service of that cluster.
 */
export function gatewayService(args: { sourceRanges: string[]; serviceType?: "LoadBalancer" | "NodePort" }): KubeObject {
    const metadata = {
        name: INGRESS_GATEWAY_NAME,
        namespace: INGRESS_NAMESPACE,
        labels: standardLabels(INGRESS_GATEWAY_NAME, { ...gatewaySelector(), "app.kubernetes.io/component": "ingress-gateway" }),
    };
    const ports = GATEWAY_PORTS.map((p) => ({ ...p }));
    if (args.serviceType !== undefined) {
        return {
            apiVersion: "v1",
            kind: "Service",
            metadata,
            spec: {
                type: args.serviceType,
                ...(args.serviceType === "LoadBalancer" && args.sourceRanges.length > 0 ? { loadBalancerSourceRanges: args.sourceRanges } : {}),
                selector: gatewaySelector(),
                ports,
            },
        };
    }
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { ...metadata, annotations: nlbAnnotations() },
        spec: {
            type: "LoadBalancer",
            // Handled by the AWS Load Balancer Controller, never by the in-tree controller (a Classic ELB).
            loadBalancerClass: "service.k8s.aws/nlb",
            // IP targets reach the pods directly; NodePorts would only widen the node attack surface.
            allocateLoadBalancerNodePorts: false,
            ...(args.sourceRanges.length > 0 ? { loadBalancerSourceRanges: args.sourceRanges } : {}),
            selector: gatewaySelector(),
            ports,
        },
    };
}

// ---------------------------------------------------------------- objects

/**
 * The two namespaces the mesh owns. The gateway's `image: auto` is filled in by sidecar injection,
 * so istio-ingress is injected by the gateway's revision (never `istio-injection=disabled`); the
 * chart labels the gateway pods with the same revision. istio-system runs no sidecars.
 */
export function meshNamespaces(gatewayRevision: string = DEFAULT_REVISION): KubeObject[] {
    const namespace = (name: string, extra: Record<string, string>): KubeObject => ({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, labels: standardLabels(name, { "app.kubernetes.io/component": "service-mesh", ...extra }) },
    });
    // Readiness gates: the LB controller holds a rolling gateway pod until the NLB target is
    // healthy, so a gateway roll drops no connections (its webhook only acts on labelled namespaces).
    return [
        namespace(ISTIO_ROOT_NAMESPACE, {}),
        namespace(INGRESS_NAMESPACE, { ...revisionInjectionLabels(gatewayRevision), "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" }),
    ];
}

/** `default` in the root namespace, no selector: every workload in the mesh accepts mTLS only. */
export function meshPeerAuthentication(): PeerAuthenticationObject {
    return meshWideStrictMtls(ISTIO_ROOT_NAMESPACE, standardLabels("mesh-strict-mtls"));
}

/**
 * Mesh-wide telemetry: Envoy access logs for every proxy, traces to the OTLP collector, and the
 * routed cluster and route on client-side request metrics (the SLOs attribute a proxy's own 503s
 * to the canary subset with them; components/mesh-metrics.ts). New tags are added by
 * `tagOverrides` (Telemetry API, MetricsOverrides.tagOverrides) for the `prometheus` provider.
 */
export function meshTelemetry(samplingPercentage: number): TelemetryObject {
    return telemetry({
        name: "mesh-default",
        namespace: ISTIO_ROOT_NAMESPACE,
        labels: standardLabels("mesh-telemetry"),
        spec: {
            accessLogging: [{ providers: [{ name: "envoy" }] }],
            tracing: [{ providers: [{ name: TRACING_PROVIDER }], randomSamplingPercentage: samplingPercentage }],
            metrics: [
                {
                    providers: [{ name: "prometheus" }],
                    overrides: LABELLED_METRICS.map((metric) => ({
                        match: { metric, mode: "CLIENT" as const },
                        tagOverrides: Object.fromEntries(Object.entries(CLIENT_METRIC_LABELS).map(([label, value]) => [label, { operation: "UPSERT" as const, value }])),
                    })),
                },
            ],
        },
    });
}
