// Every pinned version of the platform, in one place. Bumping a version is a one-line change
// here, and the preview diff shows exactly which releases and add-ons move.

/** A Helm chart as the platform installs it: where it comes from and the exact version. */
export interface HelmChartPin {
    readonly chart: string;
    readonly repository: string;
    readonly version: string;
}

/** EKS versions in AWS standard support (Nov 2026: 1.34 until 2026-12-02, 1.35, 1.36). */
export const SUPPORTED_KUBERNETES_VERSIONS = ["1.34", "1.35", "1.36"] as const;
export type KubernetesVersion = (typeof SUPPORTED_KUBERNETES_VERSIONS)[number];
export const DEFAULT_KUBERNETES_VERSION: KubernetesVersion = "1.35";

export type EksAddonName = "vpc-cni" | "kube-proxy" | "coredns" | "eks-pod-identity-agent" | "aws-ebs-csi-driver";

// kube-proxy and CoreDNS builds follow the cluster's minor version; the others support all three.
const VERSIONED_ADDONS: Record<KubernetesVersion, Pick<Record<EksAddonName, string>, "kube-proxy" | "coredns">> = {
    "1.34": { "kube-proxy": "v1.34.6-eksbuild.13", coredns: "v1.13.2-eksbuild.11" },
    "1.35": { "kube-proxy": "v1.35.3-eksbuild.13", coredns: "v1.14.3-eksbuild.3" },
    "1.36": { "kube-proxy": "v1.36.0-eksbuild.14", coredns: "v1.14.3-eksbuild.3" },
};

/** EKS managed add-on builds for a Kubernetes version (published eksbuild strings). */
export function eksAddonVersions(kubernetesVersion: KubernetesVersion): Record<EksAddonName, string> {
    return {
        "vpc-cni": "v1.22.3-eksbuild.1",
        "eks-pod-identity-agent": "v1.3.10-eksbuild.1",
        "aws-ebs-csi-driver": "v1.66.0-eksbuild.1",
        ...VERSIONED_ADDONS[kubernetesVersion],
    };
}

/**
 * Istio: one release for the three charts (base, istiod, gateway) and the images they run
 * (pilot, proxyv2). Canary upgrades of Istio itself: see docs/mesh.md.
 */
export const ISTIO_VERSION = "1.30.4";
/** Registry of Istio's release images; set explicitly so no chart default can pick another. */
export const ISTIO_HUB = "docker.io/istio";
/**
 * Only during a canary upgrade of Istio: the release the old control plane
 * (`mesh.previousRevision`) keeps running beside the new one. undefined otherwise.
 */
export const ISTIO_PREVIOUS_REVISION_VERSION: string | undefined = undefined;
const ISTIO_CHARTS = "https://istio-release.storage.googleapis.com/charts";

export const CHARTS = {
    istioBase: { chart: "base", repository: ISTIO_CHARTS, version: ISTIO_VERSION },
    istiod: { chart: "istiod", repository: ISTIO_CHARTS, version: ISTIO_VERSION },
    istioGateway: { chart: "gateway", repository: ISTIO_CHARTS, version: ISTIO_VERSION },
    metricsServer: {
        chart: "metrics-server",
        repository: "https://kubernetes-sigs.github.io/metrics-server/",
        version: "3.13.1",
    },
    awsLoadBalancerController: {
        chart: "aws-load-balancer-controller",
        repository: "https://aws.github.io/eks-charts",
        version: "3.5.0",
    },
    certManager: { chart: "cert-manager", repository: "https://charts.jetstack.io", version: "v1.21.1" },
    // Observability (components/observability); values checked against each chart's values.yaml at these versions.
    kubePrometheusStack: { chart: "kube-prometheus-stack", repository: "https://prometheus-community.github.io/helm-charts", version: "88.5.3" },
    grafana: { chart: "grafana", repository: "https://grafana-community.github.io/helm-charts", version: "12.11.1" },
    loki: { chart: "loki", repository: "https://grafana-community.github.io/helm-charts", version: "18.11.0" },
    alloy: { chart: "alloy", repository: "https://grafana.github.io/helm-charts", version: "1.11.1" },
    jaeger: { chart: "jaeger", repository: "https://jaegertracing.github.io/helm-charts", version: "4.11.1" },
    kialiServer: { chart: "kiali-server", repository: "https://kiali.org/helm-charts", version: "2.29.0" },
    // External Secrets Operator (components/secrets): Secrets Manager -> Kubernetes Secrets in eks mode.
    // Values checked against deploy/charts/external-secrets/values.yaml at tag helm-chart-2.9.0.
    externalSecrets: { chart: "external-secrets", repository: "https://charts.external-secrets.io", version: "2.9.0" },
} as const satisfies Record<string, HelmChartPin>;

/** PostgreSQL for the payments database: official image, Debian variant (postgres user UID 999). */
export const POSTGRES_IMAGE = "docker.io/library/postgres:17.9-bookworm";

/**
 * Amazon RDS for PostgreSQL (staging, prod; dev with payments.database.engine rds). The same major
 * as POSTGRES_IMAGE, so dev's in-cluster database and RDS speak the same SQL. Minor upgrades only
 * through this pin (autoMinorVersionUpgrade is off): the preview shows the move, and it lands in
 * the maintenance window.
 */
export const RDS_POSTGRES = { engineVersion: "17.9", parameterGroupFamily: "postgres17" } as const;

/**
 * The CA the RDS instance presents (CACertificateIdentifier), and the PEM bundle of AWS's RDS root
 * CAs the backend verifies it with (`sslmode=verify-full`). The program reads the bundle at deploy
 * time, refuses it unless its SHA-256 is this one, and ships the stack region's roots as a ConfigMap
 * (components/payments/rds-ca.ts; how to refresh it: docs/payments.md).
 */
export const RDS_CA = {
    identifier: "rds-ca-rsa2048-g1",
    bundleFile: "components/payments/rds-ca/rds-root-cas.pem",
    bundleSha256: "26edf290f2d57ebbd5273fb9463b763497a47c14a4712d73ce47da8dc4ad57dc",
} as const;
