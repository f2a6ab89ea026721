// Every image a chart the platform installs can run, pointed at the pull-through cache: the values
// that override each chart's image keys, written from the chart's values.yaml at its pinned version
// (CHARTS in versions.ts; the key names are checked in test/registry). Upstream: no override at
// all, so the values stay exactly as before. Istio is not here: its registry is istiod's
// global.hub (mesh/builders.ts, istioHub), which every injected proxy follows.
import type { ChartKey } from "../charts/settings";
import { ImageSource, imageParts, repositoryOf } from "./images";

type Values = Record<string, unknown>;

/** `{ registry, repository }` of a chart's image block, as the cache serves it. */
function block(images: ImageSource, registry: string, repository: string): Values {
    return imageParts(images, registry, repository);
}

/**
 * The overrides per chart. Charts that pin a digest get a tag only: ECR's pull-through cache does
 * not fill on a first pull by digest (aws/containers-roadmap#2837), so a digest-pinned image
 * would never arrive; the tag is the chart's own.
 */
export const CHART_IMAGE_VALUES: Partial<Record<ChartKey, (images: ImageSource) => Values>> = {
    // aws-load-balancer-controller 3.5.0 / metrics-server 3.13.1: image.repository is a full path.
    awsLoadBalancerController: (i) => ({ image: { repository: repositoryOf(i, "public.ecr.aws/eks/aws-load-balancer-controller") } }),
    metricsServer: (i) => ({
        image: { repository: repositoryOf(i, "registry.k8s.io/metrics-server/metrics-server") },
        addonResizer: { image: { repository: repositoryOf(i, "registry.k8s.io/autoscaling/addon-resizer") } },
    }),
    // cert-manager v1.21.1: every image is <imageRegistry>/<imageNamespace>/<component>.
    certManager: (i) => ({ imageRegistry: block(i, "quay.io", "jetstack").registry }),
    // external-secrets 2.9.0: the controller, webhook and cert controller run one image.
    externalSecrets: (i) => {
        const image = { repository: repositoryOf(i, "ghcr.io/external-secrets/external-secrets") };
        return { image, webhook: { image }, certController: { image } };
    },
    // karpenter 1.14.1: controller.image pins tag and digest; keep the tag (appVersion), drop the digest.
    karpenter: (i) => ({ controller: { image: { repository: repositoryOf(i, "public.ecr.aws/karpenter/controller"), digest: "" } } }),
    // kube-prometheus-stack 88.5.3, with its kube-state-metrics 8.4.0 and prometheus-node-exporter 4.56.1.
    kubePrometheusStack: (i) => ({
        crds: { upgradeJob: { image: { busybox: block(i, "docker.io", "busybox"), kubectl: block(i, "registry.k8s.io", "kubectl") } } },
        alertmanager: { alertmanagerSpec: { image: block(i, "quay.io", "prometheus/alertmanager") } },
        prometheusOperator: {
            image: block(i, "quay.io", "prometheus-operator/prometheus-operator"),
            prometheusConfigReloader: { image: block(i, "quay.io", "prometheus-operator/prometheus-config-reloader") },
            thanosImage: block(i, "quay.io", "thanos/thanos"),
            admissionWebhooks: {
                deployment: { image: block(i, "quay.io", "prometheus-operator/admission-webhook") },
                patch: { image: block(i, "ghcr.io", "jkroepke/kube-webhook-certgen") },
            },
        },
        prometheus: { prometheusSpec: { image: block(i, "quay.io", "prometheus/prometheus") } },
        thanosRuler: { thanosRulerSpec: { image: block(i, "quay.io", "thanos/thanos") } },
        "kube-state-metrics": {
            image: block(i, "registry.k8s.io", "kube-state-metrics/kube-state-metrics"),
            kubeRBACProxy: { image: block(i, "quay.io", "brancz/kube-rbac-proxy") },
        },
        "prometheus-node-exporter": {
            image: block(i, "quay.io", "prometheus/node-exporter"),
            kubeRBACProxy: { image: block(i, "quay.io", "brancz/kube-rbac-proxy") },
            permissionInitContainer: { image: block(i, "quay.io", "prometheus/busybox") },
        },
    }),
    // grafana 12.11.1 (grafana-community).
    grafana: (i) => ({
        image: block(i, "docker.io", "grafana/grafana"),
        sidecar: { image: block(i, "quay.io", "kiwigrid/k8s-sidecar") },
        initChownData: { image: block(i, "docker.io", "library/busybox") },
        downloadDashboardsImage: block(i, "docker.io", "curlimages/curl"),
        testFramework: { image: block(i, "docker.io", "bats/bats") },
        imageRenderer: { image: block(i, "docker.io", "grafana/grafana-image-renderer") },
    }),
    // loki 18.11.0: the single binary runs loki.image (singleBinary.image is empty).
    loki: (i) => ({
        loki: { image: block(i, "docker.io", "grafana/loki") },
        sidecar: { image: block(i, "docker.io", "kiwigrid/k8s-sidecar") },
        gateway: { image: block(i, "docker.io", "nginxinc/nginx-unprivileged"), metrics: { image: block(i, "ghcr.io", "jkroepke/access-log-exporter") } },
        lokiCanary: { image: block(i, "docker.io", "grafana/loki-canary") },
        test: { image: block(i, "docker.io", "grafana/loki-helm-test") },
        memcached: { image: block(i, "docker.io", "library/memcached") },
        memcachedExporter: { image: block(i, "docker.io", "prom/memcached-exporter") },
        defaults: { statefulSetRecreateJob: { image: block(i, "registry.k8s.io", "kubectl") } },
    }),
    // alloy 1.11.1: configReloader's default tag carries a digest (v0.91.0@sha256:...): tag only.
    alloy: (i) => ({
        image: block(i, "docker.io", "grafana/alloy"),
        configReloader: { image: { ...block(i, "quay.io", "prometheus-operator/prometheus-config-reloader"), tag: "v0.91.0" } },
    }),
    // jaeger 4.11.1: registry "" means Docker Hub.
    jaeger: (i) => ({
        jaeger: { image: block(i, "docker.io", "jaegertracing/jaeger") },
        spark: { image: block(i, "docker.io", "jaegertracing/spark-dependencies") },
        esIndexCleaner: { image: block(i, "docker.io", "jaegertracing/jaeger-es-index-cleaner") },
        esRollover: { image: block(i, "docker.io", "jaegertracing/jaeger-es-rollover") },
        esLookback: { image: block(i, "docker.io", "jaegertracing/jaeger-es-rollover") },
    }),
    // kiali-server 2.29.0: deployment.image_name is a full path.
    kialiServer: (i) => ({ deployment: { image_name: repositoryOf(i, "quay.io/kiali/kiali") } }),
};

function isObject(v: unknown): v is Values {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `over` merged into `base`, maps key by key (as Helm merges values over a chart's defaults). */
export function mergeValues(base: Values, over: Values): Values {
    const out: Values = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? mergeValues(out[k] as Values, v) : v;
    return out;
}

/** A chart's values with its images from `images`; unchanged when images come from upstream. */
export function withChartImages(chart: ChartKey, values: Values, images: ImageSource): Values {
    const override = CHART_IMAGE_VALUES[chart];
    return images.cacheHost && override ? mergeValues(values, override(images)) : values;
}
