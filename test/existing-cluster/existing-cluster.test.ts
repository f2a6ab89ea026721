import { strict as assert } from "assert";
import { allKeySpecs, parsePlatformConfig } from "../../components/config";
import { credentialSources } from "../../components/observability";
import { secretName } from "../../components/observability/alert-settings";
import { remoteSecretNames } from "../../components/observability/credentials";
import { ExistingCluster } from "../../components/existing-cluster";
import { existingModeProblems } from "../../components/existing-cluster/settings";
import { UPSTREAM } from "../../components/charts";
import { ConfigError } from "../../components/settings";
import { readStackConfig, REPO_ROOT } from "../../scripts/lib/stack-config";
import { get, ofType, props, runComponent } from "../harness";

/** Problems of the local stack file with `paths` set on top (`config set --path` semantics). */
function localProblems(paths: Record<string, unknown>, stack = "local"): string[] {
    try {
        parsePlatformConfig({ stack, ...readStackConfig("local", REPO_ROOT, paths) });
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return [...err.problems];
    }
    return [];
}

describe("existing cluster (cluster.mode existing)", () => {
    describe("config", () => {
        it("the local stack needs no AWS region and parses as a dev stack on an existing cluster", () => {
            const c = parsePlatformConfig({ stack: "local", ...readStackConfig("local") });
            assert.equal(c.environment, "dev");
            assert.deepEqual(c.target, { mode: "existing", existing: { kubeconfig: undefined, context: "kind-dodo", stackReference: undefined, storageClass: "standard", metricsServer: false, gatewayServiceType: "LoadBalancer" } });
            assert.equal(c.observability.enabled, false);
            assert.equal(c.payments.tls.installCertManager, false);
        });

        it("refuses what needs the AWS layer, naming each key", () => {
            const ps = localProblems({
                "dodo-platform:payments.tls.issuer": "letsencrypt-staging",
                "dodo-platform:payments.tls.hostedZone": "dodopayments.com",
                "dodo-platform:payments.tls.acmeEmail": "ops@dodopayments.com",
                "dodo-platform:observability.loki.storage": "s3",
                "dodo-platform:network.vpcCidr": "10.50.0.0/16",
                "dodo-platform:nodes.minSize": 3,
            });
            for (const key of ["payments.tls.issuer", "payments.tls.hostedZone", "observability.loki.storage", "network.vpcCidr", "nodes.minSize"]) {
                assert.ok(ps.some((p) => p.startsWith(`dodo-platform:${key}: `)), `${key} in ${ps.join("\n")}`);
            }
            assert.ok(ps.includes("dodo-platform:network.vpcCidr: has no effect with cluster.mode existing (the AWS layer is not built); remove it"), ps.join("\n"));
        });

        it("runs dev-environment stacks only", () => {
            const fallbacks = { tlsIssuer: "selfSigned", lokiStorage: "filesystem", awsKeysSet: [], secretsManagerKeysSet: [], gatewayServiceType: "LoadBalancer" as const, gatewaySourceRanges: [] };
            assert.deepEqual(existingModeProblems({ environment: "staging", ...fallbacks }).map((p) => p.key), ["cluster.mode"]);
            assert.deepEqual(existingModeProblems({ environment: "dev", ...fallbacks }), []);
        });

        it("refuses every key that names a Secrets Manager secret (the Observability component would throw on it), naming the key", () => {
            // The keys credentialSources() hands the component: each one set in dev gives one secret name.
            const smKeys = allKeySpecs().filter((spec) => spec.schema === secretName).map((spec) => spec.key).sort();
            const openid = { "dodo-platform:observability.kiali.authStrategy": "openid", "dodo-platform:observability.kiali.openid.issuerUri": "https://idp.example.com", "dodo-platform:observability.kiali.openid.clientId": "kiali" };
            const dev = parsePlatformConfig({ stack: "dev", ...readStackConfig("dev", REPO_ROOT, { ...openid, ...Object.fromEntries(smKeys.map((k) => [`dodo-platform:${k}`, `dodo-dev/${k}`])) }) });
            assert.deepEqual(remoteSecretNames(credentialSources(dev.observability)), smKeys.map((k) => `dodo-dev/${k}`).sort(), "secretName keys and the component's Secrets Manager sources are the same set");
            assert.equal(smKeys.length, 6, smKeys.join(", "));
            for (const key of smKeys) {
                const ps = localProblems({ "dodo-platform:observability.enabled": true, "dodo-platform:observability.grafana.adminPassword": "local-grafana-password-0123", ...(key.includes("openid") ? openid : {}), [`dodo-platform:${key}`]: "dodo-local/x" });
                assert.ok(ps.some((p) => p.startsWith(`dodo-platform:${key}: names an AWS Secrets Manager secret, which only cluster.mode eks copies into the cluster`)), `${key}: ${ps.join("\n")}`);
            }
        });

        it("refuses mesh.gateway.loadBalancerSourceRanges with a NodePort gateway (nothing would enforce them)", () => {
            const ranges = { "dodo-platform:mesh.gateway.loadBalancerSourceRanges": ["203.0.113.0/24"] };
            const ps = localProblems({ ...ranges, "dodo-platform:cluster.existing.gatewayServiceType": "NodePort" });
            assert.ok(ps.some((p) => p.startsWith("dodo-platform:mesh.gateway.loadBalancerSourceRanges: has no effect with cluster.existing.gatewayServiceType NodePort")), ps.join("\n"));
            assert.deepEqual(localProblems(ranges), [], "a LoadBalancer Service carries them");
        });

        it("refuses a kubeconfig file beside a stack reference, a stack of this project, and existing-cluster keys in eks mode", () => {
            const ps = localProblems({ "dodo-platform:cluster.existing.stackReference": "acme/platform-cluster/dev", "dodo-platform:cluster.existing.kubeconfig": "/home/me/.kube/config" });
            assert.ok(ps.some((p) => p.startsWith("dodo-platform:cluster.existing.stackReference: reaches the cluster through the stack's kubeconfig output")), ps.join("\n"));
            const own = localProblems({ "dodo-platform:cluster.existing.context": null, "dodo-platform:cluster.existing.stackReference": "acme/dodo-platform/dev" });
            assert.ok(own.some((p) => p.startsWith("dodo-platform:cluster.existing.stackReference: names a stack of this project (dodo-platform): an eks-mode stack already installs istio-system")), own.join("\n"));
            assert.deepEqual(localProblems({ "dodo-platform:cluster.existing.context": null, "dodo-platform:cluster.existing.stackReference": "acme/platform-cluster/dev" }), []);
            const eks = localProblems({ "dodo-platform:cluster.mode": "eks", "aws:region": "ap-south-1" });
            assert.ok(eks.includes("dodo-platform:cluster.existing.metricsServer: only applies with cluster.mode existing"), eks.join("\n"));
        });
    });

    describe("component", () => {
        it("hands the provider the kubeconfig's contents as a secret (never the path) and the context, and installs metrics-server when asked", async () => {
            const resources = await runComponent(() => new ExistingCluster("cluster", {
                config: { kubeconfig: "/home/me/.kube/kind", kubeconfigContents: '{"kind":"Config"}', context: "kind-dodo", storageClass: "standard", metricsServer: true, gatewayServiceType: "NodePort" },
                charts: UPSTREAM,
            }));
            const provider = get(resources, "pulumi:providers:kubernetes", "cluster-k8s");
            assert.equal(props(provider).kubeconfig, "[secret]");
            assert.equal(props(provider).context, "kind-dodo");
            const release = get(resources, "kubernetes:helm.sh/v3:Release", "cluster-metrics-server");
            assert.equal(props(release).chart, "metrics-server");
            assert.equal(release.provider?.includes("cluster-k8s"), true);
            assert.deepEqual(ofType(resources, "pulumi:pulumi:StackReference"), []);
        });

        it("without a kubeconfig file leaves the provider on $KUBECONFIG with the named context", async () => {
            const resources = await runComponent(() => new ExistingCluster("cluster", { config: { context: "kind-dodo", storageClass: "standard", metricsServer: false, gatewayServiceType: "NodePort" }, charts: UPSTREAM }));
            const provider = props(get(resources, "pulumi:providers:kubernetes", "cluster-k8s"));
            assert.deepEqual([provider.kubeconfig, provider.context], [undefined, "kind-dodo"]);
        });

        it("reads the kubeconfig from another stack's output, as a secret, and installs nothing when metrics-server is off", async () => {
            const resources = await runComponent(() => new ExistingCluster("cluster", {
                config: { stackReference: "acme/platform-cluster/dev", storageClass: "standard", metricsServer: false, gatewayServiceType: "LoadBalancer" },
                charts: UPSTREAM,
            }));
            assert.equal(props(get(resources, "pulumi:pulumi:StackReference", "cluster-stack")).name, "acme/platform-cluster/dev");
            assert.equal(props(get(resources, "pulumi:providers:kubernetes", "cluster-k8s")).kubeconfig, "[secret]");
            assert.deepEqual(ofType(resources, "kubernetes:helm.sh/v3:Release"), []);
        });
    });
});
