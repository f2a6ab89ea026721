import { strict as assert } from "assert";
import { Observability } from "../../components/observability";
import { Secrets } from "../../components/secrets";
import { Environment } from "../../components/settings";
import { CHARTS } from "../../components/versions";
import { get, ofType, props, RegisteredResource, runComponent, testProvider } from "../harness";
import { at, observabilityConfig } from "./fixtures";

const RELEASE = "kubernetes:helm.sh/v3:Release";

const OIDC = { providerArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.ap-south-1.amazonaws.com/id/ABC", issuerUrl: "https://oidc.eks.ap-south-1.amazonaws.com/id/ABC" };

function run(environment: Environment): Promise<RegisteredResource[]> {
    return runComponent(() => {
        const provider = testProvider();
        // dev keeps its config password and has no receivers; prod's credentials come through ESO.
        const secrets = environment === "dev" ? undefined : new Secrets("secrets", { environment, region: "ap-south-1", oidc: OIDC, provider });
        return new Observability("observability", {
            name: `dodo-${environment}`,
            environment,
            region: "ap-south-1",
            config: observabilityConfig(environment),
            provider,
            oidc: OIDC,
            clusterReady: [],
            secrets,
        });
    }, { stack: environment });
}

describe("Observability component", () => {
    let dev: RegisteredResource[];
    let prod: RegisteredResource[];
    before(async () => {
        // One program at a time: the mocks are process-global.
        dev = await run("dev");
        prod = await run("prod");
    });

    it("installs the six releases from their pinned charts into the observability namespace", () => {
        const expected: [string, keyof typeof CHARTS][] = [
            ["kube-prometheus-stack", "kubePrometheusStack"],
            ["grafana", "grafana"],
            ["loki", "loki"],
            ["alloy", "alloy"],
            ["jaeger", "jaeger"],
            ["kiali", "kialiServer"],
        ];
        for (const [release, pin] of expected) {
            const p = props<{ name: string; chart: string; version: string; namespace: string; repositoryOpts: { repo: string }; atomic: boolean }>(get(dev, RELEASE, `observability-${release}`));
            assert.equal(p.name, release);
            assert.equal(p.chart, CHARTS[pin].chart);
            assert.equal(p.version, CHARTS[pin].version);
            assert.equal(p.repositoryOpts.repo, CHARTS[pin].repository);
            assert.equal(p.namespace, "observability");
            assert.equal(p.atomic, true);
        }
        assert.equal(ofType(dev, RELEASE).length, 6);
        assert.equal(ofType(prod, RELEASE).length, 7, "prod: and External Secrets Operator's");
    });

    it("creates the namespace outside the mesh and Grafana's admin Secret, kept secret", () => {
        const ns = props(get(dev, "kubernetes:core/v1:Namespace", "namespace-observability"));
        assert.equal(at(ns, "metadata.labels.istio-injection"), "disabled");
        const secret = props(get(dev, "kubernetes:core/v1:Secret", "observability-secret-grafana-admin"));
        assert.equal(at(secret, "metadata.name"), "grafana-admin");
        // The provider marks the whole of stringData secret: the password never shows in a preview.
        assert.equal(secret.stringData, "[secret]");
    });

    it("registers the PodMonitor, ServiceMonitor and rules once the operator's CRDs exist", () => {
        const monitors = [
            ["monitoring.coreos.com/v1:PodMonitor", "observability-podmonitor-envoy-stats"],
            ["monitoring.coreos.com/v1:ServiceMonitor", "observability-servicemonitor-istiod"],
            ["monitoring.coreos.com/v1:PrometheusRule", "observability-prometheusrule-istio-recording-rules"],
            ["monitoring.coreos.com/v1:PrometheusRule", "observability-prometheusrule-payments-backend-sli"],
            ["monitoring.coreos.com/v1:PrometheusRule", "observability-prometheusrule-payments-backend-slo"],
            ["monitoring.coreos.com/v1:PrometheusRule", "observability-prometheusrule-istiod-config-rejects"],
        ];
        for (const [kind, name] of monitors) {
            const r = get(dev, `kubernetes:${kind}`, name);
            assert.deepEqual(r.dependsOn, [`${RELEASE}::observability-kube-prometheus-stack`], name);
        }
    });

    it("keeps dev's logs on Loki's volume: no bucket, no role", () => {
        assert.equal(ofType(dev, "aws:s3/bucket:Bucket").length, 0);
        assert.equal(ofType(dev, "aws:iam/role:Role").length, 0);
        assert.equal(at(props(get(dev, RELEASE, "observability-loki")), "values.loki.storage.type"), "filesystem");
        assert.equal(ofType(dev, "kubernetes:core/v1:PersistentVolumeClaim").length, 0, "dev's traces are in memory");
    });

    it("creates prod's Loki bucket hardened: KMS encryption, public access blocked, TLS only, versioned, expiring", () => {
        const bucket = get(prod, "aws:s3/bucket:Bucket", "observability-loki");
        assert.equal(props(bucket).bucketPrefix, "dodo-prod-loki-");
        assert.equal(props(bucket).forceDestroy, false);
        const pab = props(get(prod, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "observability-loki"));
        for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(pab[k], true, k);
        const sse = props(get(prod, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "observability-loki"));
        assert.equal(at((sse.rules as unknown[])[0], "applyServerSideEncryptionByDefault.sseAlgorithm"), "aws:kms");
        assert.equal(at(props(get(prod, "aws:s3/bucketVersioning:BucketVersioning", "observability-loki")), "versioningConfiguration.status"), "Enabled");
        const lifecycle = props(get(prod, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "observability-loki"));
        assert.equal(at((lifecycle.rules as unknown[])[0], "expiration.days"), 91);
        const policy = JSON.parse(String(props(get(prod, "aws:s3/bucketPolicy:BucketPolicy", "observability-loki")).policy));
        assert.equal(policy.Statement[0].Condition.Bool["aws:SecureTransport"], "false");
        assert.equal(at(props(get(prod, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "observability-loki")), "rule.objectOwnership"), "BucketOwnerEnforced");
        assert.equal(props(get(prod, "aws:kms/key:Key", "observability-loki")).enableKeyRotation, true);
    });

    it("gives only Loki's ServiceAccount a role scoped to that bucket, and hands Loki the bucket and role", () => {
        const trust = JSON.parse(String(props(get(prod, "aws:iam/role:Role", "observability-loki")).assumeRolePolicy));
        const sub = Object.entries(trust.Statement[0].Condition.StringEquals).find(([k]) => k.endsWith(":sub"))!;
        assert.equal(sub[1], "system:serviceaccount:observability:loki");
        const access = JSON.parse(String(props(get(prod, "aws:iam/rolePolicy:RolePolicy", "observability-loki")).policy));
        const resources = access.Statement.flatMap((s: { Resource: string | string[] }) => [s.Resource].flat());
        assert.ok(resources.every((r: string) => r.startsWith("arn:aws:s3:::observability-loki") || r.startsWith("arn:aws:kms:")), JSON.stringify(resources));

        const loki = get(prod, RELEASE, "observability-loki");
        assert.equal(at(props(loki), "values.loki.storage.type"), "s3");
        assert.equal(at(props(loki), "values.loki.storage.bucketNames.chunks"), "observability-loki");
        const annotations = at(props(loki), "values.serviceAccount.annotations") as Record<string, string>;
        assert.equal(annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/observability-loki");
        assert.ok(loki.dependsOn.includes("aws:s3/bucketPolicy:BucketPolicy::observability-loki"));
        assert.ok(loki.dependsOn.includes("aws:iam/rolePolicy:RolePolicy::observability-loki"));
    });

    it("keeps prod's traces in badger on a protected gp3 claim", () => {
        const pvc = props(get(prod, "kubernetes:core/v1:PersistentVolumeClaim", "observability-jaeger-badger"));
        assert.equal(at(pvc, "metadata.name"), "jaeger-badger");
        assert.equal(at(pvc, "spec.storageClassName"), "gp3");
        assert.equal(at(pvc, "spec.resources.requests.storage"), "50Gi");
        assert.ok(get(prod, RELEASE, "observability-jaeger").dependsOn.includes("kubernetes:core/v1:PersistentVolumeClaim::observability-jaeger-badger"));
    });

    it("keeps prod's credentials out of Pulumi: ESO reads exactly the named Secrets Manager secrets into the Secrets the charts read", () => {
        assert.equal(ofType(prod, "kubernetes:core/v1:Secret").length, 0, "no Secret with a value in the state");
        const policy = JSON.parse(String(props(get(prod, "aws:iam/rolePolicy:RolePolicy", "observability-secrets")).policy));
        const read = policy.Statement.find((st: { Sid: string }) => st.Sid === "ReadListedSecrets").Resource as string[];
        assert.equal(read.length, 3);
        for (const name of ["dodo-prod/alertmanager/pagerduty", "dodo-prod/alertmanager/slack", "dodo-prod/grafana/admin-password"]) {
            assert.ok(read.some((arn) => arn.startsWith(`arn:aws:secretsmanager:ap-south-1:123456789012:secret:${name}-`)), name);
        }
        const trust = JSON.parse(String(props(get(prod, "aws:iam/role:Role", "observability-secrets")).assumeRolePolicy));
        assert.match(JSON.stringify(trust), /system:serviceaccount:observability:observability-secrets/);
        const es = (n: string) => get(prod, "kubernetes:external-secrets.io/v1:ExternalSecret", `observability-externalsecret-${n}`);
        assert.equal(at(props(es("grafana-admin")), "spec.target.name"), "grafana-admin");
        assert.equal(at(props(es("alertmanager-receivers")), "spec.target.name"), "alertmanager-receivers");
        // The receivers' Secret exists before Alertmanager's pods mount it; Grafana's before Grafana.
        assert.ok(get(prod, RELEASE, "observability-kube-prometheus-stack").dependsOn.includes(es("alertmanager-receivers").ref));
        assert.ok(get(prod, RELEASE, "observability-grafana").dependsOn.includes(es("grafana-admin").ref));
        // dev: no ESO object at all.
        assert.equal(ofType(dev, "kubernetes:external-secrets.io/v1:ExternalSecret").length, 0);
    });

    it("creates the NetworkPolicies and the dashboard ConfigMaps with the namespace", () => {
        const policies = ofType(dev, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
        assert.ok(policies.length >= 9);
        const cms = ofType(dev, "kubernetes:core/v1:ConfigMap").filter((c) => at(props(c), "metadata.labels.grafana_dashboard") === "1");
        assert.equal(cms.length, 6);
        for (const r of [...policies, ...cms]) assert.deepEqual(r.dependsOn, ["kubernetes:core/v1:Namespace::namespace-observability"], r.name);
    });

    it("starts Grafana after its Secret and the datasources it points at, and Kiali after Grafana", () => {
        const grafana = get(dev, RELEASE, "observability-grafana").dependsOn;
        for (const d of ["kubernetes:core/v1:Secret::observability-secret-grafana-admin", `${RELEASE}::observability-loki`, `${RELEASE}::observability-jaeger`]) {
            assert.ok(grafana.includes(d), d);
        }
        assert.ok(get(dev, RELEASE, "observability-kiali").dependsOn.includes(`${RELEASE}::observability-grafana`));
    });
});
