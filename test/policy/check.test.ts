import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { checkObjects, checkPulumiResources, hasMandatory, toKubeObject } from "../../policy/check";
import { catalog, RULES } from "../../policy/catalog";
import { effectiveEnforcement, enforcedEnvironment, fromPackConfig, resolveConfig, strictestEnvironment } from "../../policy/config";
import { deployment, hardenedContainer, istio, ns, podSpec } from "./helpers";
import { loadPackConfigFile, shippedPackConfig } from "../../policy/config-files";

const REQUIRED_IDS = [
    "istio-mtls-strict", "istio-mesh-wide-strict", "istio-authz-default-deny", "istio-authz-no-allow-all", "istio-authz-safe-patterns",
    "istio-dr-tls-not-disabled", "istio-dr-tls-verify", "istio-gateway-tls", "istio-gateway-no-wildcard-host", "istio-vs-no-wildcard-host",
    "istio-vs-weights", "istio-vs-subsets-defined", "istio-vs-gateway-exists", "istio-namespace-injection", "istio-no-injection-opt-out",
    "istio-service-port-names", "istio-uid-not-1337", "k8s-no-privileged", "k8s-no-privilege-escalation", "k8s-run-as-non-root",
    "k8s-drop-all-capabilities", "k8s-read-only-root-fs", "k8s-seccomp-runtime-default", "k8s-no-host-namespaces", "k8s-resources",
    "k8s-probes", "k8s-image-pinned", "k8s-pdb", "k8s-no-public-services", "eks-secrets-encryption", "eks-endpoint-restricted",
    "eks-control-plane-logging", "eks-supported-version", "ec2-imdsv2-required", "kms-key-rotation",
    "rds-storage-encrypted", "rds-backup-retention", "rds-not-public", "rds-deletion-protection", "rds-force-ssl", "rds-multi-az-prod", "helm-chart-pinned", "helm-trusted-repository",
    "vpc-private-cidr", "ec2-sg-ingress-private", "cloudwatch-log-retention", "aws-tags-valid",
];
const STACK_IDS = ["istio-mesh-wide-strict", "istio-authz-default-deny", "istio-vs-subsets-defined", "istio-vs-gateway-exists", "k8s-pdb"];

describe("policy: catalog and checker", () => {
    it("contains every rule id the issue names, with descriptions and a default enforcement", () => {
        const ids = catalog().map((c) => c.id);
        assert.deepEqual([...ids].sort(), [...REQUIRED_IDS].sort());
        for (const c of catalog()) {
            assert.ok(c.description.length > 10 && !c.description.includes("\n"), c.id);
            assert.ok(c.enforcement === "mandatory" || c.enforcement === "advisory");
        }
        assert.deepEqual(catalog().filter((c) => c.scope === "stack").map((c) => c.id).sort(), [...STACK_IDS].sort());
    });

    it("the README documents every rule", () => {
        const readme = fs.readFileSync(path.join(__dirname, "../../policy/README.md"), "utf8");
        for (const id of REQUIRED_IDS) assert.ok(readme.includes(`| \`${id}\` |`), id);
    });

    it("mandatory rules stay mandatory in prod and staging; only dev may downgrade or disable them", () => {
        const rule = RULES.find((r) => r.id === "k8s-probes")!;
        const rules = { "k8s-probes": { enforcement: "advisory" as const } };
        assert.equal(effectiveEnforcement(rule, resolveConfig({ rules }, "prod")), "mandatory");
        assert.equal(effectiveEnforcement(rule, resolveConfig({ rules }, "staging")), "mandatory");
        assert.equal(effectiveEnforcement(rule, resolveConfig({ rules }, "dev")), "advisory");
        assert.equal(effectiveEnforcement(rule, resolveConfig({ rules: { "k8s-probes": { enforcement: "disabled" } } }, "dev")), "disabled");
        assert.equal(effectiveEnforcement(rule, resolveConfig({ rules: { "k8s-probes": { enforcement: "disabled" } } })), "mandatory", "no environment means prod");
    });

    it("an advisory rule stays advisory unless the config raises it, in any environment", () => {
        const advisory = { id: "x-advisory", enforcement: "advisory" as const };
        assert.equal(effectiveEnforcement(advisory, resolveConfig({}, "prod")), "advisory");
        assert.equal(effectiveEnforcement(advisory, resolveConfig({ rules: { "x-advisory": { enforcement: "mandatory" } } }, "dev")), "mandatory");
        assert.equal(effectiveEnforcement(advisory, resolveConfig({ rules: { "x-advisory": { enforcement: "disabled" } } }, "prod")), "disabled");
    });

    it("applies the downgrade to findings, so a dev run with only advisory findings passes", () => {
        const d = deployment("x", "payments", podSpec([hardenedContainer("app", { readinessProbe: undefined })]), { replicas: 1 });
        const config = { rules: { "k8s-probes": { enforcement: "advisory" as const } } };
        const prod = checkObjects([d], { env: "prod", config, only: ["k8s-probes"] });
        const dev = checkObjects([d], { env: "dev", config, only: ["k8s-probes"] });
        assert.equal(prod[0]!.enforcement, "mandatory");
        assert.equal(dev[0]!.enforcement, "advisory");
        assert.equal(hasMandatory(prod), true);
        assert.equal(hasMandatory(dev), false);
        assert.deepEqual(checkObjects([d], { env: "dev", config: { rules: { "k8s-probes": { enforcement: "disabled" } } }, only: ["k8s-probes"] }), []);
    });

    it("rejects an unknown environment in the config", () => {
        assert.throws(() => resolveConfig({ environment: "qa" as never }), /dev, staging, prod \(got "qa"\)/);
    });

    it("records each finding's position in the input", () => {
        const f = checkObjects([ns("a"), ns("b", {})], { only: ["istio-namespace-injection"] });
        assert.equal(f[0]!.index, 1);
        assert.equal(f[0]!.name, "b");
    });

    it("maps Pulumi Kubernetes types to objects and skips Helm, lists and patches", () => {
        assert.deepEqual(toKubeObject("kubernetes:core/v1:Service", { metadata: { name: "s" } }), { apiVersion: "v1", kind: "Service", metadata: { name: "s" } });
        assert.equal(toKubeObject("kubernetes:security.istio.io/v1:PeerAuthentication", {})!.apiVersion, "security.istio.io/v1");
        assert.equal(toKubeObject("kubernetes:helm.sh/v3:Release", {}), undefined);
        assert.equal(toKubeObject("kubernetes:apps/v1:DeploymentPatch", {}), undefined);
        assert.equal(toKubeObject("kubernetes:core/v1:ConfigMapList", {}), undefined);
        assert.equal(toKubeObject("aws:eks/cluster:Cluster", {}), undefined);
    });

    it("checkPulumiResources runs Kubernetes, stack, cloud and Helm rules over one stack", () => {
        const resources = [
            { type: "kubernetes:core/v1:Namespace", name: "payments-ns", props: { metadata: { name: "payments", labels: { "istio-injection": "enabled" } } } },
            { type: "kubernetes:apps/v1:Deployment", name: "payments-backend", props: deployment("backend", "payments", podSpec(), { replicas: 3 }) },
            { type: "kubernetes:security.istio.io/v1:PeerAuthentication", name: "mesh-strict", props: istio("PeerAuthentication", "default", "istio-system", { mtls: { mode: "STRICT" } }) },
            { type: "kubernetes:helm.sh/v3:Release", name: "istiod", props: { chart: "istiod", version: "1.29.x", repositoryOpts: { repo: "https://istio-release.storage.googleapis.com/charts" } } },
            { type: "aws:kms/key:Key", name: "secrets-key", props: { enableKeyRotation: true } },
        ];
        const f = checkPulumiResources(resources);
        assert.deepEqual(f.map((x) => `${x.rule} ${x.kind} ${x.name}`).sort(), [
            "helm-chart-pinned kubernetes:helm.sh/v3:Release istiod",
            "istio-authz-default-deny AuthorizationPolicy ",
            "k8s-pdb Deployment backend",
        ]);
        assert.equal(f.find((x) => x.rule === "k8s-pdb")!.index, 1);
    });

    describe("pack config (the file pulumi --policy-pack-config and policy-check --config share)", () => {
        const ids = RULES.map((r) => r.id);
        it("maps levels, settings and 'all' with Pulumi's precedence", () => {
            const c = fromPackConfig({
                all: "advisory",
                "k8s-probes": { enforcementLevel: "disabled", environment: "dev", exemptNamespaces: ["batch"] },
                "istio-mtls-strict": "remediate",
                "helm-trusted-repository": { trustedRepositories: ["https://charts.example.com"] },
                "istio-mesh-wide-strict": { rootNamespace: "mesh-root" },
                "k8s-run-as-non-root": { istioHubs: ["registry.internal/istio"] },
            }, ids);
            assert.equal(c.environment, "dev");
            assert.deepEqual(c.rules!["k8s-probes"], { enforcement: "disabled", exemptNamespaces: ["batch"] });
            assert.equal(c.rules!["istio-mtls-strict"]!.enforcement, "mandatory");
            assert.equal(c.rules!["k8s-pdb"]!.enforcement, "advisory");
            assert.deepEqual(c.trustedRepositories, ["https://charts.example.com"]);
            assert.equal(c.rootNamespace, "mesh-root");
            assert.deepEqual(c.istioHubs, ["registry.internal/istio"]);
        });
        it("rejects unknown rules, settings and levels, naming the key", () => {
            assert.throws(() => fromPackConfig({ "k8s-probez": "advisory" }, ids), /k8s-probez: not a rule id/);
            assert.throws(() => fromPackConfig({ "k8s-probes": { enforcement: "advisory" } }, ids), /k8s-probes.enforcement: unknown setting/);
            assert.throws(() => fromPackConfig({ "k8s-probes": "off" }, ids), /k8s-probes: enforcementLevel must be one of/);
            assert.throws(() => fromPackConfig({ "k8s-probes": { exemptNamespaces: "a" } }, ids), /must be a list of strings/);
            assert.throws(() => fromPackConfig([], ids), /must be an object/);
        });
        it("the strictest stated environment wins and nothing stated means prod", () => {
            assert.equal(strictestEnvironment(), "prod");
            assert.equal(strictestEnvironment("dev", undefined, ""), "dev");
            assert.equal(strictestEnvironment("dev", "prod"), "prod");
            assert.equal(strictestEnvironment("staging", "dev"), "staging");
            assert.equal(resolveConfig({ environment: "dev" }, "prod").environment, "prod");
        });
        it("a config's environment only tightens: alone it never relaxes prod", () => {
            assert.equal(resolveConfig({ environment: "dev" }).environment, "prod");
            assert.equal(resolveConfig({ environment: "dev" }, "dev").environment, "dev");
            assert.equal(resolveConfig({ environment: "prod" }, "dev").environment, "prod");
            assert.equal(enforcedEnvironment([undefined, ""], "dev"), "prod");
            assert.equal(enforcedEnvironment(["dev", undefined], "staging"), "staging");
            assert.equal(enforcedEnvironment(["dev", "prod"]), "prod");
        });
        it("shippedPackConfig applies dev's downgrades to checkPulumiResources; a bad file names itself", () => {
            const d = { type: "aws:eks/cluster:Cluster", name: "x", props: { vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } } };
            assert.equal(checkPulumiResources([d], { env: "dev", config: shippedPackConfig("dev"), only: ["eks-endpoint-restricted"] })[0]!.enforcement, "advisory");
            assert.equal(checkPulumiResources([d], { env: "prod", config: shippedPackConfig("dev"), only: ["eks-endpoint-restricted"] })[0]!.enforcement, "mandatory");
            assert.throws(() => loadPackConfigFile(path.join(__dirname, "fixtures/compliant.yaml")), /compliant\.yaml: Unexpected token/);
        });
        it("the shipped example configs load", () => {
            const load = (env: string) => fromPackConfig(JSON.parse(fs.readFileSync(path.join(__dirname, "../../policy/config", `${env}.json`), "utf8")), ids);
            assert.equal(resolveConfig(load("dev")).environment, "prod", "dev.json alone relaxes nothing");
            assert.equal(resolveConfig(load("dev"), "dev").environment, "dev");
            assert.equal(load("dev").rules!["eks-endpoint-restricted"]!.enforcement, "advisory");
            for (const env of ["staging", "prod"]) {
                const c = resolveConfig(load(env));
                assert.ok(RULES.every((r) => effectiveEnforcement(r, c) === "mandatory"), env);
            }
        });
    });
});
