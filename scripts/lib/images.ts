// Every image a stack runs, from its render: the containers of the pod templates the program
// creates, and the images each Helm release's chart runs with the values it is given. A chart's
// image keys and their defaults are written here from the chart's values.yaml at the pinned
// version, independently of components/registry/chart-images.ts, so an override that is missing
// there shows up as a chart default here. A chart not listed is reported, never guessed.
import { KubeObject } from "../../components/k8s";
import { parseImage } from "../../components/registry/images";
import { RegisteredResource } from "./mock-engine";
import { Render } from "./render";

export interface ImageRef {
    /** `Deployment dodo-payments/backend-v1 (backend)` or `release grafana: sidecar.image`. */
    where: string;
    image: string;
    /** Pinned by digest (a pull-through cache does not fill on a digest pull). */
    byDigest: boolean;
}

type Values = Record<string, unknown>;

function at(v: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((x, k) => (x !== null && typeof x === "object" ? (x as Values)[k] : undefined), v);
}

function str(v: unknown): string | undefined {
    return typeof v === "string" && v !== "" ? v : undefined;
}

/** An image block `{ registry, repository, tag }` (registry "" is Docker Hub), its defaults from values.yaml. */
interface Block { key: string; registry: string; repository: string; tag?: string }
/** An image block whose repository is a full path (`image.repository: quay.io/x/y`). */
interface Full { key: string; full: string; field?: string }

type ChartImages = (values: Values) => { key: string; image: string; byDigest: boolean }[];

function blocks(list: Block[]): ChartImages {
    return (values) =>
        list.map((b) => {
            const v = (at(values, b.key) ?? {}) as Values;
            const registry = str(v.registry) ?? (b.registry || "docker.io");
            const repository = str(v.repository) ?? b.repository;
            const tag = str(v.tag) ?? b.tag ?? "";
            const p = parseImage(`${registry}/${repository}`);
            return { key: b.key, image: `${p.registry}/${p.repository}${tag ? `:${tag}` : ""}`, byDigest: tag.includes("@sha256:") };
        });
}

function fulls(list: Full[]): ChartImages {
    return (values) =>
        list.map((f) => {
            const field = f.field ?? "repository";
            const image = str(at(values, `${f.key}.${field}`)) ?? f.full;
            return { key: `${f.key}.${field}`, image, byDigest: image.includes("@sha256:") };
        });
}

const ISTIO_DEFAULT_HUB = "docker.io/istio";

/** Per chart name (the last segment of its reference), the images it can run. */
export const CHART_IMAGES: Readonly<Record<string, ChartImages>> = {
    // Istio 1.30/1.31: istiod runs <hub>/pilot; every injected proxy, the gateway's included, <hub>/proxyv2.
    istiod: (v) => {
        const hub = str(at(v, "global.hub")) ?? ISTIO_DEFAULT_HUB;
        return ["pilot", "proxyv2"].map((name) => ({ key: "global.hub", image: `${hub}/${name}`, byDigest: false }));
    },
    base: () => [],
    gateway: () => [], // image: auto, filled in by istiod's injector from its own global.hub
    "aws-load-balancer-controller": fulls([{ key: "image", full: "public.ecr.aws/eks/aws-load-balancer-controller" }]),
    "metrics-server": fulls([
        { key: "image", full: "registry.k8s.io/metrics-server/metrics-server" },
        { key: "addonResizer.image", full: "registry.k8s.io/autoscaling/addon-resizer" },
    ]),
    // cert-manager v1.21.1: <imageRegistry>/<imageNamespace>/<name>, unless <component>.image.repository is set.
    "cert-manager": (v) =>
        ([["image", "cert-manager-controller"], ["webhook.image", "cert-manager-webhook"], ["cainjector.image", "cert-manager-cainjector"], ["acmesolver.image", "cert-manager-acmesolver"], ["startupapicheck.image", "cert-manager-startupapicheck"]] as const).map(([key, name]) => ({
            key,
            image: str(at(v, `${key}.repository`)) ?? `${str(v.imageRegistry) ?? "quay.io"}/${str(v.imageNamespace) ?? "jetstack"}/${name}`,
            byDigest: false,
        })),
    "external-secrets": fulls(["image", "webhook.image", "certController.image"].map((key) => ({ key, full: "ghcr.io/external-secrets/external-secrets" }))),
    // karpenter 1.14.1: <repository>:<tag>@<digest> (templates/_helpers.tpl), repository a full path.
    karpenter: (v) => {
        const repository = str(at(v, "controller.image.repository")) ?? "public.ecr.aws/karpenter/controller";
        const tag = str(at(v, "controller.image.tag")) ?? "1.14.1";
        const digest = at(v, "controller.image.digest") === undefined ? "sha256:723130949e4cab989461ff07d1be4cd781d63515432494641b33c235f300ae23" : str(at(v, "controller.image.digest"));
        return [{ key: "controller.image", image: `${repository}:${tag}${digest ? `@${digest}` : ""}`, byDigest: digest !== undefined }];
    },
    "karpenter-crd": () => [],
    "kube-prometheus-stack": blocks([
        { key: "crds.upgradeJob.image.busybox", registry: "docker.io", repository: "busybox" },
        { key: "crds.upgradeJob.image.kubectl", registry: "registry.k8s.io", repository: "kubectl" },
        { key: "alertmanager.alertmanagerSpec.image", registry: "quay.io", repository: "prometheus/alertmanager" },
        { key: "prometheusOperator.image", registry: "quay.io", repository: "prometheus-operator/prometheus-operator" },
        { key: "prometheusOperator.prometheusConfigReloader.image", registry: "quay.io", repository: "prometheus-operator/prometheus-config-reloader" },
        { key: "prometheusOperator.thanosImage", registry: "quay.io", repository: "thanos/thanos" },
        { key: "prometheusOperator.admissionWebhooks.deployment.image", registry: "quay.io", repository: "prometheus-operator/admission-webhook" },
        { key: "prometheusOperator.admissionWebhooks.patch.image", registry: "ghcr.io", repository: "jkroepke/kube-webhook-certgen" },
        { key: "prometheus.prometheusSpec.image", registry: "quay.io", repository: "prometheus/prometheus" },
        { key: "thanosRuler.thanosRulerSpec.image", registry: "quay.io", repository: "thanos/thanos" },
        { key: "kube-state-metrics.image", registry: "registry.k8s.io", repository: "kube-state-metrics/kube-state-metrics" },
        { key: "kube-state-metrics.kubeRBACProxy.image", registry: "quay.io", repository: "brancz/kube-rbac-proxy" },
        { key: "prometheus-node-exporter.image", registry: "quay.io", repository: "prometheus/node-exporter" },
        { key: "prometheus-node-exporter.kubeRBACProxy.image", registry: "quay.io", repository: "brancz/kube-rbac-proxy" },
        { key: "prometheus-node-exporter.permissionInitContainer.image", registry: "quay.io", repository: "prometheus/busybox" },
    ]),
    grafana: blocks([
        { key: "image", registry: "docker.io", repository: "grafana/grafana" },
        { key: "sidecar.image", registry: "quay.io", repository: "kiwigrid/k8s-sidecar" },
        { key: "initChownData.image", registry: "docker.io", repository: "library/busybox" },
        { key: "downloadDashboardsImage", registry: "docker.io", repository: "curlimages/curl" },
        { key: "testFramework.image", registry: "docker.io", repository: "bats/bats" },
        { key: "imageRenderer.image", registry: "docker.io", repository: "grafana/grafana-image-renderer" },
    ]),
    loki: blocks([
        { key: "loki.image", registry: "docker.io", repository: "grafana/loki" },
        { key: "sidecar.image", registry: "docker.io", repository: "kiwigrid/k8s-sidecar" },
        { key: "gateway.image", registry: "docker.io", repository: "nginxinc/nginx-unprivileged" },
        { key: "gateway.metrics.image", registry: "ghcr.io", repository: "jkroepke/access-log-exporter" },
        { key: "lokiCanary.image", registry: "docker.io", repository: "grafana/loki-canary" },
        { key: "test.image", registry: "docker.io", repository: "grafana/loki-helm-test" },
        { key: "memcached.image", registry: "docker.io", repository: "library/memcached" },
        { key: "memcachedExporter.image", registry: "docker.io", repository: "prom/memcached-exporter" },
        { key: "defaults.statefulSetRecreateJob.image", registry: "registry.k8s.io", repository: "kubectl" },
    ]),
    alloy: blocks([
        { key: "image", registry: "docker.io", repository: "grafana/alloy" },
        { key: "configReloader.image", registry: "quay.io", repository: "prometheus-operator/prometheus-config-reloader", tag: "v0.91.0@sha256:7d9e4eea5f1139e602508871f422b0116c60e87c662f3dcd234d5ab60cd0d8c1" },
    ]),
    jaeger: blocks(["jaeger", "spark", "esIndexCleaner", "esRollover", "esLookback"].map((k) => ({
        key: `${k}.image`,
        registry: "",
        repository: { jaeger: "jaegertracing/jaeger", spark: "jaegertracing/spark-dependencies", esIndexCleaner: "jaegertracing/jaeger-es-index-cleaner", esRollover: "jaegertracing/jaeger-es-rollover", esLookback: "jaegertracing/jaeger-es-rollover" }[k]!,
    }))),
    "kiali-server": fulls([{ key: "deployment", field: "image_name", full: "quay.io/kiali/kiali" }]),
};

const POD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"];

function podSpec(m: KubeObject): Values | undefined {
    if (m.kind === "Pod") return m.spec as Values;
    if (m.kind === "CronJob") return at(m, "spec.jobTemplate.spec.template.spec") as Values | undefined;
    return at(m, "spec.template.spec") as Values | undefined;
}

function releases(resources: RegisteredResource[]): { name: string; chart: string; values: Values }[] {
    return resources
        .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
        .map((r) => {
            const p = r.props as { name?: string; chart?: string; values?: Values };
            return { name: p.name ?? r.name, chart: String(p.chart ?? "").split("/").pop()!, values: p.values ?? {} };
        });
}

export function imageReferences(render: Render): { images: ImageRef[]; unknownCharts: string[] } {
    const images: ImageRef[] = [];
    for (const m of render.manifests.filter((x) => POD_KINDS.includes(x.kind))) {
        const spec = podSpec(m) ?? {};
        for (const c of [...((spec.initContainers ?? []) as Values[]), ...((spec.containers ?? []) as Values[])]) {
            const image = String(c.image);
            images.push({ where: `${m.kind} ${m.metadata.namespace ?? "default"}/${m.metadata.name} (${String(c.name)})`, image, byDigest: image.includes("@sha256:") });
        }
    }
    const unknownCharts: string[] = [];
    for (const r of releases(render.resources)) {
        const known = CHART_IMAGES[r.chart];
        if (!known) {
            unknownCharts.push(`${r.name} (chart ${r.chart})`);
            continue;
        }
        for (const i of known(r.values)) images.push({ where: `release ${r.name}: ${i.key}`, image: i.image, byDigest: i.byDigest });
    }
    return { images, unknownCharts };
}

/** The synth summary's list of every image and where it is set. */
export function imagesSection(render: Render): string {
    const { images, unknownCharts } = imageReferences(render);
    return [
        "## Images",
        "",
        `Every image the stack runs (${images.length}), from the program's pod templates and each chart's image keys at the values it is given:`,
        "",
        "| image | set in |",
        "| --- | --- |",
        ...images.map((i) => `| \`${i.image}\` | ${i.where} |`),
        "",
        ...(unknownCharts.length > 0 ? [`Not listed (chart unknown to scripts/lib/images.ts): ${unknownCharts.join(", ")}.`, ""] : []),
    ].join("\n");
}
