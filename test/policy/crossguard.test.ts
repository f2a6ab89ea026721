// Runs the real CrossGuard policies the way the Pulumi engine does: through @pulumi/policy's
// analyzer functions (gRPC request in, diagnostics out, props deserialized and wrapped in the
// unknown-checking proxy), and with hand-made args where the engine's config must vary.
import { strict as assert } from "assert";
import * as path from "path";
import type { Policies, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { buildPolicies, ENVIRONMENT_VARIABLE, kubeObjectFromResource } from "../../policy/policies";
import { RULES } from "../../policy/catalog";
import { deployment, istio, podSpec } from "./helpers";
import { renderCached } from "../harness";

/* eslint-disable @typescript-eslint/no-var-requires */
const server = require("@pulumi/policy/server") as {
    makeAnalyzeRpcFun: (pack: string, version: string, level: string, policies: Policies) => RpcFun;
    makeAnalyzeStackRpcFun: (pack: string, version: string, level: string, policies: Policies) => RpcFun;
};
const analyzerPath = require.resolve("@pulumi/pulumi/proto/analyzer_pb");
const proto = require(analyzerPath);
const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [path.dirname(analyzerPath)] }));
const { unknownStringValue, unknownArrayValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string; unknownArrayValue: string };
/* eslint-enable @typescript-eslint/no-var-requires */

type RpcFun = (call: { request: unknown }, cb: (err: unknown, resp: { getDiagnosticsList(): Diagnostic[] }) => void) => Promise<void>;
interface Diagnostic { getPolicyname(): string; getMessage(): string; getEnforcementlevel(): number; getUrn(): string }
interface Diag { policy: string; message: string; level: "advisory" | "mandatory"; urn: string }

const policies = buildPolicies();
const urnOf = (type: string, name: string) => `urn:pulumi:prod::dodo-platform::${type}::${name}`;

function resourceMessage(msgClass: string, type: string, name: string, props: Record<string, unknown>): unknown {
    const req = new proto[msgClass]();
    req.setType(type);
    req.setName(name);
    req.setUrn(urnOf(type, name));
    req.setProperties(Struct.fromJavaScript(props));
    req.setOptions(new proto.AnalyzerResourceOptions());
    return req;
}

function collect(fn: RpcFun, request: unknown): Promise<Diag[]> {
    return new Promise((resolve, reject) => {
        void fn({ request }, (err, resp) => {
            if (err) return reject(err);
            resolve(resp.getDiagnosticsList().map((d) => ({
                policy: d.getPolicyname(), message: d.getMessage(),
                level: d.getEnforcementlevel() === proto.EnforcementLevel.MANDATORY ? "mandatory" : "advisory", urn: d.getUrn(),
            })));
        });
    });
}

function analyze(type: string, name: string, props: Record<string, unknown>): Promise<Diag[]> {
    return collect(server.makeAnalyzeRpcFun("dodo-platform", "0.1.0", "advisory", policies), resourceMessage("AnalyzeRequest", type, name, props));
}

function analyzeStack(resources: { type: string; name: string; props: Record<string, unknown> }[]): Promise<Diag[]> {
    const req = new proto.AnalyzeStackRequest();
    req.setResourcesList(resources.map((r) => resourceMessage("AnalyzerResource", r.type, r.name, r.props)));
    return collect(server.makeAnalyzeStackRpcFun("dodo-platform", "0.1.0", "advisory", policies), req);
}

const goodCluster = {
    version: "1.35",
    encryptionConfig: { provider: { keyArn: "arn:aws:kms:eu-west-1:1:key/abc" }, resources: ["secrets"] },
    enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] },
};

describe("policy: CrossGuard adapters", () => {
    let savedEnv: string | undefined;
    beforeEach(() => { savedEnv = process.env[ENVIRONMENT_VARIABLE]; delete process.env[ENVIRONMENT_VARIABLE]; });
    afterEach(() => { if (savedEnv === undefined) delete process.env[ENVIRONMENT_VARIABLE]; else process.env[ENVIRONMENT_VARIABLE] = savedEnv; });

    it("registers one policy per rule, stack rules as stack policies, each with a config schema", () => {
        assert.deepEqual(policies.map((p) => p.name), RULES.map((r) => r.id));
        for (const p of policies) {
            const rule = RULES.find((r) => r.id === p.name)!;
            assert.equal("validateStack" in p, rule.scope === "stack", p.name);
            assert.equal(p.enforcementLevel, rule.enforcement);
            assert.ok(p.configSchema?.properties.environment && p.configSchema.properties.exemptNamespaces, p.name);
            assert.equal(p.severity, "high");
            assert.ok(p.tags?.includes("security"));
        }
        assert.deepEqual(policies.find((p) => p.name === "istio-vs-weights")!.tags, ["security", "istio"]);
        const helm = policies.find((p) => p.name === "helm-trusted-repository")!;
        assert.ok(Array.isArray(helm.configSchema!.properties.trustedRepositories!.default));
        // Every rule that tells Istio's containers apart takes the hub, and only those.
        const withHubs = policies.filter((p) => p.configSchema?.properties.istioHubs).map((p) => p.name).sort();
        assert.deepEqual(withHubs, ["istio-uid-not-1337", "k8s-drop-all-capabilities", "k8s-image-pinned", "k8s-probes", "k8s-read-only-root-fs", "k8s-run-as-non-root"]);
    });

    it("reports a typed Deployment's violations as mandatory through the engine's analyze path", async () => {
        const d = deployment("backend", "payments", podSpec([{ name: "app", image: "nginx:latest" }]));
        const diags = await analyze("kubernetes:apps/v1:Deployment", "payments-backend", d as Record<string, unknown>);
        const byPolicy = new Set(diags.map((x) => x.policy));
        for (const p of ["k8s-image-pinned", "k8s-resources", "k8s-probes", "k8s-run-as-non-root"]) assert.ok(byPolicy.has(p), p);
        const pinned = diags.find((x) => x.policy === "k8s-image-pinned")!;
        assert.equal(pinned.level, "mandatory");
        assert.match(pinned.message, /Deployment payments\/backend: container "app" image nginx:latest uses tag "latest"/);
        assert.ok(!byPolicy.has("eks-secrets-encryption"));
    });

    it("adapts an Istio CustomResource by its kubernetes:<apiVersion>:<Kind> type, v1beta1 included", async () => {
        const pa = istio("PeerAuthentication", "legacy", "payments", { mtls: { mode: "PERMISSIVE" } });
        const diags = await analyze("kubernetes:security.istio.io/v1beta1:PeerAuthentication", "legacy", pa as Record<string, unknown>);
        assert.deepEqual(diags.map((x) => x.policy), ["istio-mtls-strict"]);
        assert.match(diags[0]!.message, /PERMISSIVE/);
    });

    it("checks AWS and Helm resources", async () => {
        assert.deepEqual(await analyze("aws:eks/cluster:Cluster", "dodo", goodCluster), []);
        const bad = await analyze("aws:eks/cluster:Cluster", "dodo", { ...goodCluster, version: "1.30", vpcConfig: { publicAccessCidrs: ["0.0.0.0/0"] } });
        assert.deepEqual(bad.map((x) => x.policy).sort(), ["eks-endpoint-restricted", "eks-supported-version"]);
        const helm = await analyze("kubernetes:helm.sh/v3:Release", "istiod", { chart: "istiod", version: "~1.29", repositoryOpts: { repo: "https://evil.example.com/charts" } });
        assert.deepEqual(helm.map((x) => x.policy).sort(), ["helm-chart-pinned", "helm-trusted-repository"]);
    });

    it("does not report values that are unknown during preview as violations", async () => {
        // A key ARN from a key created in the same update is unknown: present is enough.
        const unknownKey = { ...goodCluster, encryptionConfig: { provider: { keyArn: unknownStringValue }, resources: ["secrets"] } };
        assert.deepEqual(await analyze("aws:eks/cluster:Cluster", "dodo", unknownKey), []);
        // Unknown CIDRs and an unknown image cannot be judged yet: no violation, no crash.
        const unknownCidrs = { ...goodCluster, vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: unknownArrayValue } };
        assert.deepEqual(await analyze("aws:eks/cluster:Cluster", "dodo", unknownCidrs), []);
        const d = deployment("backend", "payments", podSpec([{ name: "app", image: unknownStringValue }]));
        const diags = await analyze("kubernetes:apps/v1:Deployment", "backend", d as Record<string, unknown>);
        assert.ok(!diags.some((x) => x.policy === "k8s-image-pinned"));
        assert.ok(!diags.some((x) => /during preview/.test(x.message)), "no 'can't run during preview' noise");
        assert.ok(diags.some((x) => x.policy === "k8s-resources"), "known fields are still checked");
    });

    it("stack policies see all resources and attach findings to the offending resource's URN", async () => {
        const vs = istio("VirtualService", "backend", "payments", { hosts: ["backend"], http: [{ route: [{ destination: { host: "backend", subset: "v2" } }] }] });
        const resources = [
            { type: "kubernetes:core/v1:Namespace", name: "payments", props: { metadata: { name: "payments", labels: { "istio-injection": "enabled" } } } },
            { type: "kubernetes:apps/v1:Deployment", name: "payments-backend", props: deployment("backend", "payments", podSpec(), { replicas: 3 }) as Record<string, unknown> },
            { type: "kubernetes:networking.istio.io/v1:VirtualService", name: "backend-canary", props: vs as Record<string, unknown> },
            { type: "kubernetes:security.istio.io/v1:PeerAuthentication", name: "mesh-strict", props: istio("PeerAuthentication", "default", "istio-system", { mtls: { mode: "STRICT" } }) as Record<string, unknown> },
        ];
        const diags = await analyzeStack(resources);
        assert.deepEqual(diags.map((x) => x.policy).sort(), ["istio-authz-default-deny", "istio-vs-subsets-defined", "k8s-pdb"]);
        assert.equal(diags.find((x) => x.policy === "k8s-pdb")!.urn, urnOf("kubernetes:apps/v1:Deployment", "payments-backend"));
        assert.equal(diags.find((x) => x.policy === "istio-vs-subsets-defined")!.urn, urnOf("kubernetes:networking.istio.io/v1:VirtualService", "backend-canary"));
        assert.equal(diags.find((x) => x.policy === "istio-authz-default-deny")!.urn, "", "a missing object is reported against the stack");
    });

    it("an unknown value silences a stack rule only for that object's namespace, not for the whole stack", async () => {
        const d = deployment("backend", "payments", podSpec(), { replicas: 3 }) as Record<string, unknown>;
        const other = deployment("ledger", "ledger", podSpec(), { replicas: 3 }) as Record<string, unknown>;
        const unknownSelector = { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "pdb", namespace: "payments" }, spec: { selector: { matchLabels: { app: unknownStringValue } } } };
        const diags = await analyzeStack([
            { type: "kubernetes:apps/v1:Deployment", name: "backend", props: d },
            { type: "kubernetes:policy/v1:PodDisruptionBudget", name: "pdb", props: unknownSelector },
            { type: "kubernetes:apps/v1:Deployment", name: "ledger", props: other },
        ]);
        const pdb = diags.filter((x) => x.policy === "k8s-pdb");
        // payments' PDB may well cover backend once its selector is known: no verdict there yet.
        // ledger has no PDB whatever the unknown turns out to be: still reported in the preview.
        assert.deepEqual(pdb.map((x) => x.urn), [urnOf("kubernetes:apps/v1:Deployment", "ledger")]);
        assert.ok(!diags.some((x) => /during preview/.test(x.message)), "no 'can't run during preview' noise");
    });

    it("an object whose namespace itself is unknown leaves the stack rule to pulumi up", async () => {
        const other = deployment("ledger", "ledger", podSpec(), { replicas: 3 }) as Record<string, unknown>;
        const unknownNs = { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "pdb", namespace: unknownStringValue }, spec: { selector: { matchLabels: { app: "ledger" } } } };
        const diags = await analyzeStack([
            { type: "kubernetes:policy/v1:PodDisruptionBudget", name: "pdb", props: unknownNs },
            { type: "kubernetes:apps/v1:Deployment", name: "ledger", props: other },
        ]);
        assert.ok(!diags.some((x) => x.policy === "k8s-pdb"));
    });

    describe("enforcement by environment (hand-made args, as the engine passes config)", () => {
        const probes = policies.find((p) => p.name === "k8s-probes") as ResourceValidationPolicy;
        const noProbes = deployment("x", "payments", podSpec([{ name: "app", image: "a:1" }]), { replicas: 1 });
        function validate(policy: ResourceValidationPolicy, config: object, props: Record<string, unknown> = noProbes as Record<string, unknown>, type = "kubernetes:apps/v1:Deployment", stackTags = new Map<string, string>()) {
            const calls: unknown[][] = [];
            const report = ((...a: unknown[]) => calls.push(a)) as unknown as ReportViolation;
            const args = {
                type, props, urn: urnOf(type, "x"), name: "x", stackTags,
                opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
                isType: () => false, asType: () => undefined, getConfig: () => config, notApplicable: (): never => { throw new Error("n/a"); },
            };
            void (policy.validateResource as (a: unknown, r: ReportViolation) => void)(args, report);
            return calls;
        }
        it("forces mandatory in prod (the default) even if the engine was told advisory", () => {
            const calls = validate(probes, {});
            assert.equal(calls.length, 1);
            const info = calls[0]![0] as { enforcementLevel: string; message: string };
            assert.equal(info.enforcementLevel, "mandatory");
            assert.match(info.message, /no readinessProbe or livenessProbe/);
        });
        it("leaves the engine's (possibly downgraded) level alone in dev, named by the environment variable or the stack tag", () => {
            assert.equal(typeof validate(probes, {}, undefined, undefined, new Map([["dodo:environment", "dev"]]))[0]![0], "string");
            process.env[ENVIRONMENT_VARIABLE] = "dev";
            assert.equal(typeof validate(probes, {})[0]![0], "string");
            assert.equal(typeof validate(probes, { environment: "dev" })[0]![0], "string");
        });
        it("a dev config alone relaxes nothing: without the tag or variable the stack is prod", () => {
            const calls = validate(probes, { environment: "dev" });
            assert.equal((calls[0]![0] as { enforcementLevel: string }).enforcementLevel, "mandatory");
        });
        it("a config environment can tighten a dev stack", () => {
            process.env[ENVIRONMENT_VARIABLE] = "dev";
            const calls = validate(probes, { environment: "staging" });
            assert.equal((calls[0]![0] as { enforcementLevel: string }).enforcementLevel, "mandatory");
        });
        it("applies exemptNamespaces and rule settings from the policy's config", () => {
            assert.equal(validate(probes, { exemptNamespaces: ["payments"] }).length, 0);
            const helm = policies.find((p) => p.name === "helm-trusted-repository") as ResourceValidationPolicy;
            const release = { chart: "redis", version: "1.0.0", repositoryOpts: { repo: "https://charts.example.com" } };
            assert.equal(validate(helm, {}, release, "kubernetes:helm.sh/v3:Release").length, 1);
            assert.equal(validate(helm, { trustedRepositories: ["https://charts.example.com"] }, release, "kubernetes:helm.sh/v3:Release").length, 0);
        });
        it("a dev config cannot relax a stack tagged prod: the strictest environment wins", () => {
            process.env[ENVIRONMENT_VARIABLE] = "dev";
            const calls: unknown[][] = [];
            const args = {
                type: "kubernetes:apps/v1:Deployment", props: noProbes, urn: "u", name: "x", stackTags: new Map([["dodo:environment", "prod"]]),
                opts: {}, isType: () => false, asType: () => undefined, getConfig: () => ({ environment: "dev" }), notApplicable: (): never => { throw new Error(); },
            };
            void (probes.validateResource as (a: unknown, r: ReportViolation) => void)(args, ((...a: unknown[]) => calls.push(a)) as unknown as ReportViolation);
            assert.equal((calls[0]![0] as { enforcementLevel: string }).enforcementLevel, "mandatory");
        });
        it("refuses an unknown environment loudly", () => {
            assert.throws(() => validate(probes, { environment: "qa" }), /must be one of dev, staging, prod \(got "qa"\)/);
        });
        it("stack policies honour the same config", () => {
            const pdb = policies.find((p) => p.name === "k8s-pdb") as StackValidationPolicy;
            const calls: unknown[][] = [];
            const resource = { type: "kubernetes:apps/v1:Deployment", name: "b", urn: "u", props: deployment("b", "payments", podSpec(), { replicas: 2 }) as Record<string, unknown> };
            void pdb.validateStack({ resources: [resource as never], stackTags: new Map([["dodo:environment", "dev"]]), getConfig: (() => ({})) as never, notApplicable: (): never => { throw new Error(); } },
                ((...a: unknown[]) => calls.push(a)) as unknown as ReportViolation);
            assert.equal(calls.length, 1);
            assert.equal(calls[0]![1], "u");
        });
    });

    it("reads Kubernetes fields lazily so unknown fields a rule never reads cannot stop it", () => {
        const props = new Proxy({ metadata: { name: "n" }, status: "x" }, { get: (t, k) => { if (k === "status") throw new Error("read status"); return (t as Record<string | symbol, unknown>)[k]; } });
        const o = kubeObjectFromResource("kubernetes:core/v1:Namespace", props)!;
        assert.equal(o.apiVersion, "v1");
        assert.equal(o.metadata!.name, "n");
        assert.throws(() => o.status, /read status/);
    });

    it("runs over the captured prod render through the engine's analyze paths: only the namespaces the shipped config exempts are reported", async function () {
        this.timeout(60_000);
        const custom = (await renderCached("prod")).resources.filter((r) => r.custom);
        const diags = (await Promise.all(custom.map((r) => analyze(r.type, r.name, r.props)))).flat();
        diags.push(...(await analyzeStack(custom)));
        const reported = [...new Set(diags.map((d) => `${d.level} ${d.policy} ${d.message.split("\n").pop()}`))].sort();
        // Without the shipped config (policy/config/prod.json) these three namespaces are flagged:
        // they stay out of the mesh on purpose (webhooks the API server calls; the observability stack).
        assert.deepEqual(reported, [
            'mandatory istio-namespace-injection Namespace cert-manager: namespace has istio-injection="disabled"; only "enabled" injects, any other value turns injection off (even with istio.io/rev), so pods here get no sidecar',
            'mandatory istio-namespace-injection Namespace external-secrets: namespace has istio-injection="disabled"; only "enabled" injects, any other value turns injection off (even with istio.io/rev), so pods here get no sidecar',
            'mandatory istio-namespace-injection Namespace observability: namespace has istio-injection="disabled"; only "enabled" injects, any other value turns injection off (even with istio.io/rev), so pods here get no sidecar',
        ]);
    });
});
