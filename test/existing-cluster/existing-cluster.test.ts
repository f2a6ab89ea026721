import { strict as assert } from "assert";
import { parsePlatformConfig } from "../../components/config";
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
            assert.deepEqual(c.target, { mode: "existing", existing: { kubeconfig: undefined, context: undefined, stackReference: undefined, storageClass: "standard", metricsServer: false, gatewayServiceType: "LoadBalancer" } });
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
            assert.deepEqual(existingModeProblems({ environment: "staging", tlsIssuer: "selfSigned", lokiStorage: "filesystem", awsKeysSet: [] }).map((p) => p.key), ["cluster.mode"]);
            assert.deepEqual(existingModeProblems({ environment: "dev", tlsIssuer: "selfSigned", lokiStorage: "filesystem", awsKeysSet: [] }), []);
        });

        it("refuses a kubeconfig file beside a stack reference, and existing-cluster keys in eks mode", () => {
            const ps = localProblems({ "dodo-platform:cluster.existing.stackReference": "acme/dodo-platform/dev", "dodo-platform:cluster.existing.kubeconfig": "/home/me/.kube/config" });
            assert.ok(ps.some((p) => p.startsWith("dodo-platform:cluster.existing.stackReference: reaches the cluster through the stack's kubeconfig output")), ps.join("\n"));
            const eks = localProblems({ "dodo-platform:cluster.mode": "eks", "aws:region": "ap-south-1" });
            assert.ok(eks.includes("dodo-platform:cluster.existing.metricsServer: only applies with cluster.mode existing"), eks.join("\n"));
        });
    });

    describe("component", () => {
        it("reaches the cluster with the configured kubeconfig and context, and installs metrics-server when asked", async () => {
            const resources = await runComponent(() => new ExistingCluster("cluster", {
                config: { kubeconfig: "/home/me/.kube/kind", context: "kind-dodo", storageClass: "standard", metricsServer: true, gatewayServiceType: "NodePort" },
                charts: UPSTREAM,
            }));
            const provider = get(resources, "pulumi:providers:kubernetes", "cluster-k8s");
            assert.equal(props(provider).kubeconfig, "/home/me/.kube/kind");
            assert.equal(props(provider).context, "kind-dodo");
            const release = get(resources, "kubernetes:helm.sh/v3:Release", "cluster-metrics-server");
            assert.equal(props(release).chart, "metrics-server");
            assert.equal(release.provider?.includes("cluster-k8s"), true);
            assert.deepEqual(ofType(resources, "pulumi:pulumi:StackReference"), []);
        });

        it("reads the kubeconfig from another stack's output, and installs nothing when metrics-server is off", async () => {
            const resources = await runComponent(() => new ExistingCluster("cluster", {
                config: { stackReference: "acme/dodo-platform/dev", storageClass: "standard", metricsServer: false, gatewayServiceType: "LoadBalancer" },
                charts: UPSTREAM,
            }));
            assert.equal(props(get(resources, "pulumi:pulumi:StackReference", "cluster-stack")).name, "acme/dodo-platform/dev");
            assert.match(String(props(get(resources, "pulumi:providers:kubernetes", "cluster-k8s")).kubeconfig), /acme\/dodo-platform\/dev/);
            assert.deepEqual(ofType(resources, "kubernetes:helm.sh/v3:Release"), []);
        });
    });
});
