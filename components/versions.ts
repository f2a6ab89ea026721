// Every pinned version of the platform, in one place. Bumping a version is a one-line change
// here, and the preview diff shows exactly which releases and add-ons move.

/** A Helm chart as the platform installs it: where it comes from and the exact version. */
export interface HelmChartPin {
    readonly chart: string;
    readonly repository: string;
    readonly version: string;
}

/** EKS versions the platform runs (1.34 is in extended support since 2026-12-02; 1.35, 1.36 standard). */
export const SUPPORTED_KUBERNETES_VERSIONS = ["1.34", "1.35", "1.36"] as const;
export type KubernetesVersion = (typeof SUPPORTED_KUBERNETES_VERSIONS)[number];
export const DEFAULT_KUBERNETES_VERSION: KubernetesVersion = "1.35";

/**
 * EKS support per Kubernetes minor. AWS: "A minor version is under standard support in Amazon EKS
 * for the first 14 months after it's released. Once a version is past the end of standard support
 * date, it enters extended support for the next 12 months", and a cluster still on it when
 * extended support ends is auto-upgraded (docs.aws.amazon.com/eks/latest/userguide/
 * kubernetes-versions.html). The dates are the EKS release calendar's (same page, "Amazon EKS
 * Kubernetes release calendar"; mirrored by endoflife.date/amazon-eks).
 * standardEnds: the day extended support (and its per-cluster-hour price) starts; from that day
 * EKS upgrades a STANDARD cluster itself (cluster.supportType), "through a gradual deployment
 * process after the end of support date", so not necessarily that day. extendedEnds: from that
 * day EKS upgrades any cluster still on it. undefined: not verified here (1.36's calendar entry is
 * not in the copies this was checked against); the preview says so instead of guessing.
 */
export const EKS_SUPPORT: Readonly<Record<KubernetesVersion, { standardEnds?: string; extendedEnds?: string }>> = {
    "1.34": { standardEnds: "2026-12-02", extendedEnds: "2027-12-02" },
    "1.35": { standardEnds: "2027-03-27", extendedEnds: "2028-03-27" },
    "1.36": {},
};

/**
 * The managed node group's AMI: the EKS-optimized AL2023 release per Kubernetes minor
 * (`<kubernetes>-<build date>`, the node group's releaseVersion). Nodes change only when this
 * does, so an AMI refresh is a reviewed one-line change whose preview shows the node group
 * update; EKS then replaces nodes respecting PodDisruptionBudgets. These are the AMI release
 * v20260714 (awslabs/amazon-eks-ami CHANGELOG), the newest verified offline: before bumping,
 * `npm run check:addons` reads the current one from SSM (.../amazon-linux-2023/x86_64/standard/
 * recommended/release_version). Cadence: docs/upgrades.md.
 */
export const NODE_IMAGE_RELEASES: Readonly<Record<KubernetesVersion, string>> = {
    "1.34": "1.34.9-20260714",
    "1.35": "1.35.6-20260714",
    "1.36": "1.36.2-20260714",
};

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
 * Istio. A stack runs one istiod per revision in `mesh.revisions`; a revision is named after its
 * release (`1-31-4` runs 1.31.4, Istio's own naming advice), so the release of each control plane
 * is in the stack's config and an upgrade is a sequence of config steps (README, "Upgrading
 * Istio"). ISTIO_VERSION is the release new revisions are installed at and `npm run upgrade:plan`
 * proposes; ISTIO_RELEASES are the releases the chart values below were checked against.
 *
 * The choice, December 2026 (issue 16): Istio 1.30 left support on 2026-12-02 (istio.io support
 * policy: a minor is supported until six weeks after the N+2 minor; 1.32.0's istio.io/api tag is
 * dated 2026-10-21), so 1.30.8 would be unsupported on arrival. The platform moves to 1.31.4, the
 * fourth patch of 1.31 (supported on Kubernetes 1.32-1.36, like 1.30). The validator stays one
 * minor behind on 1.30.4 (ISTIO_VALIDATOR_VERSION): the Go module proxy serves istio.io/istio only
 * up to that release commit. Objects are therefore checked against 1.30's schemas and analyzers,
 * a subset of what 1.31 accepts, which is also what a rollback to a 1.30 revision needs;
 * tools/README.md ("The Istio pin") says what that misses. Chart values were checked against
 * release-1.31 (istio/istio, 2026-08-20, the 1.31.0 release day: only additions next to 1.30.4);
 * Istio patch releases do not change chart values.
 */
export const ISTIO_VERSION: string = "1.31.4";
/** Releases a revision may run: the pinned one, and 1.30.4 for the install that predates revisions. */
export const ISTIO_RELEASES = ["1.30.4", "1.31.4"] as const;
/** The release of the unrevisioned istiod every stack ran before revisions (revision `default`). */
export const UNREVISIONED_ISTIO_VERSION: string = "1.30.4";
/** End of upstream support per minor (istio.io/latest/docs/releases/supported-releases). */
export const ISTIO_END_OF_SUPPORT: Readonly<Record<string, string>> = { "1.30": "2026-12-02" };
/**
 * The release istioctl (the validator) and the conformance run's charts come from: the newest
 * istio.io/istio commit the module proxy serves (tools/istio-releases.json). At most one minor
 * behind ISTIO_VERSION (checked by tools.test.ts), the same skew Istio allows a data plane.
 */
export const ISTIO_VALIDATOR_VERSION: string = "1.30.4";
/** Registry of Istio's release images; set explicitly so no chart default can pick another. */
export const ISTIO_HUB = "docker.io/istio";
/**
 * Istio's Helm repository since its move off Google Cloud (istio.io blog, "An update on our move to
 * AWS", 2026-08-21): every release's charts are here; 1.31+ are not published to the old
 * istio-release.storage.googleapis.com, which is removed in December 2026.
 */
const ISTIO_CHARTS = "https://blob.istio.io/istio-release/charts";

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
    // Karpenter (components/autoscaling), from its public ECR registry: the CRDs and the controller as
    // two releases (Helm never upgrades a chart's crds/ folder). Values and CRD schemas checked at
    // aws/karpenter-provider-aws tag v1.14.1 (charts/karpenter/values.yaml, pkg/apis/crds); Karpenter
    // 1.14 supports Kubernetes 1.34-1.36 (docs/upgrading/compatibility.md).
    karpenterCrd: { chart: "karpenter-crd", repository: "oci://public.ecr.aws/karpenter", version: "1.14.1" },
    karpenter: { chart: "karpenter", repository: "oci://public.ecr.aws/karpenter", version: "1.14.1" },
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
