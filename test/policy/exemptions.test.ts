import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { checkObjects, judgeObjects } from "../../policy/check";
import { RULES } from "../../policy/catalog";
import { fromPackConfig, resolveConfig } from "../../policy/config";
import { PACK_CONFIG_DIR, shippedPackConfig } from "../../policy/config-files";
import { configuredExemptions, parseExemptions } from "../../policy/exemptions";
import { describeAllowance } from "../../policy/host-allowance";
import { buildPolicies } from "../../policy/policies";
import { main } from "../../scripts/policy-check";
import type { ExemptedFinding } from "../../policy/exemptions";
import type { KubeObject } from "../../policy/rules/types";
import { deployment, hardenedContainer, podSpec } from "./helpers";

const ids = RULES.map((r) => r.id);
const REASON = "Reads every pod's log files from the node's /var/log/pods, which only root may read.";
const logReader = { namespace: "observability", kind: "DaemonSet", name: "log-reader", reason: REASON };

/** A DaemonSet whose container runs as root with a hostPath volume, otherwise hardened. */
function rootDaemonSet(name: string, namespace: string): KubeObject {
    const c = hardenedContainer("reader");
    const sc = c.securityContext as Record<string, unknown>;
    delete sc.runAsNonRoot;
    sc.runAsUser = 0;
    const d = deployment(name, namespace, podSpec([c], { volumes: [{ name: "logs", hostPath: { path: "/var/log" } }] }), { replicas: 1 });
    delete (d.spec as Record<string, unknown>).replicas;
    return { ...d, kind: "DaemonSet" };
}

const config = (exemptions: object[], rule = "k8s-run-as-non-root") => fromPackConfig({ [rule]: { exemptions } }, ids);

describe("policy: workload exemptions (pack config `exemptions`, per rule)", () => {
    it("exempts exactly the named rule on the named workload, and hands the covered finding over", () => {
        const objects = [rootDaemonSet("log-reader", "observability"), rootDaemonSet("log-reader", "payments"), rootDaemonSet("other", "observability")];
        const exempted: ExemptedFinding[] = [];
        const findings = checkObjects(objects, { config: config([logReader]), exempted });
        const named = (rule: string) => findings.filter((f) => f.rule === rule).map((f) => `${f.namespace}/${f.name}`).sort();
        assert.deepEqual(named("k8s-run-as-non-root"), ["observability/other", "payments/log-reader"], "same name elsewhere, or another workload, is judged");
        assert.deepEqual(named("k8s-no-host-namespaces"), ["observability/log-reader", "observability/other", "payments/log-reader"], "another rule on the exempted workload is judged");
        assert.deepEqual(exempted.map((f) => `${f.rule} ${f.namespace}/${f.name} ${f.exemption.reason === REASON}`), ["k8s-run-as-non-root observability/log-reader true"]);
    });

    it("with a container, covers only that container's findings", () => {
        const ds = rootDaemonSet("log-reader", "observability");
        const tpl = (ds.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec;
        tpl.containers.push({ ...tpl.containers[0], name: "reloader" });
        const findings = checkObjects([ds], { config: config([{ ...logReader, container: "reader" }]), only: ["k8s-run-as-non-root"] });
        assert.deepEqual(findings.map((f) => f.container), ["reloader"]);
        assert.match(findings[0]!.message, /container "reloader" runs as UID 0/);
    });

    it("matches the kind too: a Deployment of that name is not the exempted DaemonSet", () => {
        const asDeployment = { ...rootDaemonSet("log-reader", "observability"), kind: "Deployment" };
        assert.equal(checkObjects([asDeployment], { config: config([logReader]), only: ["k8s-run-as-non-root"] }).length, 1);
    });

    it("reports an exemption as used, stale (object here, rule silent) or unseen (object absent)", () => {
        const hardened = { ...deployment("log-reader", "observability", podSpec(), { replicas: 1 }), kind: "DaemonSet" };
        const absent = { ...logReader, name: "gone" };
        const used = judgeObjects([rootDaemonSet("log-reader", "observability")], { config: config([logReader, absent]) });
        assert.deepEqual(used.used.map((e) => e.name), ["log-reader"]);
        assert.deepEqual(used.unseen.map((e) => e.name), ["gone"]);
        const stale = judgeObjects([hardened], { config: config([logReader]) });
        assert.deepEqual(stale.stale.map((e) => `${e.rule} ${e.kind} ${e.namespace}/${e.name}`), ["k8s-run-as-non-root DaemonSet observability/log-reader"]);
        assert.deepEqual(stale.findings, []);
    });

    it("a rule that does not run (disabled in dev, or left out by `only`) makes none of its exemptions stale", () => {
        const hardened = { ...deployment("log-reader", "observability", podSpec(), { replicas: 1 }), kind: "DaemonSet" };
        const disabled = fromPackConfig({ "k8s-run-as-non-root": { enforcementLevel: "disabled", exemptions: [logReader] } }, ids);
        assert.deepEqual(judgeObjects([hardened], { env: "dev", config: disabled }).stale, []);
        assert.deepEqual(judgeObjects([hardened], { config: config([logReader]), only: ["k8s-probes"] }).stale, []);
    });

    it("refuses an exemption that is not narrow or has no reason, naming the key", () => {
        const bad = (e: object, pattern: RegExp) => assert.throws(() => config([e]), pattern);
        bad({ ...logReader, reason: "system workload" }, /k8s-run-as-non-root\.exemptions\[0\]\.reason must say why/);
        bad({ ...logReader, name: "log-*" }, /exemptions\[0\]\.name must be one object name, no patterns/);
        bad({ ...logReader, namespace: "" }, /exemptions\[0\]\.namespace is required/);
        bad({ namespace: "observability", name: "x", reason: REASON }, /exemptions\[0\]\.kind is required/);
        bad({ ...logReader, kind: "daemonset" }, /exemptions\[0\]\.kind must be a Kubernetes kind/);
        bad({ ...logReader, image: "reader" }, /exemptions\[0\]\.image: unknown field/);
        bad({ ...logReader, container: "read*" }, /exemptions\[0\]\.container must be one container name/);
        assert.throws(() => fromPackConfig({ all: { exemptions: [logReader] } }, ids), /all\.exemptions: exemptions are per rule/);
        assert.throws(() => parseExemptions("k8s-probes", { namespace: "x" }), /k8s-probes\.exemptions must be a list/);
        assert.throws(() => config([logReader, { ...logReader, reason: `${REASON} Again.` }]), /exemptions\[1\] names the same workload as .*exemptions\[0\]/);
    });

    it("CrossGuard applies the same exemptions from the policy's config, and its schema declares them for Kubernetes rules only", () => {
        const policies = buildPolicies();
        const nonRoot = policies.find((p) => p.name === "k8s-run-as-non-root") as ResourceValidationPolicy;
        const validate = (cfg: object, props: KubeObject) => {
            const calls: unknown[][] = [];
            const args = { type: "kubernetes:apps/v1:DaemonSet", props, urn: "u", name: "x", stackTags: new Map(), opts: {}, isType: () => false, asType: () => undefined, getConfig: () => cfg, notApplicable: (): never => { throw new Error(); } };
            void (nonRoot.validateResource as (a: unknown, r: ReportViolation) => void)(args, ((...a: unknown[]) => calls.push(a)) as unknown as ReportViolation);
            return calls.length;
        };
        assert.equal(validate({}, rootDaemonSet("log-reader", "observability")), 1);
        assert.equal(validate({ exemptions: [logReader] }, rootDaemonSet("log-reader", "observability")), 0);
        assert.equal(validate({ exemptions: [logReader] }, rootDaemonSet("log-reader", "payments")), 1);
        assert.throws(() => validate({ exemptions: [{ ...logReader, reason: "x" }] }, rootDaemonSet("log-reader", "observability")), /reason must say why/);
        const schema = (id: string) => policies.find((p) => p.name === id)!.configSchema!.properties!;
        assert.deepEqual((schema("k8s-no-privileged").exemptions as { items: { required: string[] } }).items.required, ["namespace", "kind", "name", "reason"]);
        assert.equal(schema("eks-secrets-encryption").exemptions, undefined);
    });

    it("policy:check applies a config's exemptions and names a stale one on stderr, without changing the exit code", () => {
        const hardened = { ...deployment("log-reader", "observability", podSpec(), { replicas: 1 }), kind: "DaemonSet" };
        const run = (objects: object[]) => {
            let stdout = "";
            let stderr = "";
            const files: Record<string, string> = { "in.yaml": objects.map((o) => JSON.stringify(o)).join("\n---\n"), "cfg.json": JSON.stringify({ "k8s-run-as-non-root": { exemptions: [logReader] } }) };
            const code = main(["--config", "cfg.json", "--format", "json", "in.yaml"], { stdout: (x) => { stdout += x; }, stderr: (x) => { stderr += x; }, readFile: (f) => files[f] as string, cwd: "/" });
            return { code, rules: (JSON.parse(stdout) as { rule: string }[]).map((f) => f.rule), stderr };
        };
        const exempt = run([rootDaemonSet("log-reader", "observability")]);
        assert.ok(!exempt.rules.includes("k8s-run-as-non-root"));
        assert.ok(exempt.rules.includes("k8s-no-host-namespaces"), "only the named rule is exempt");
        assert.equal(exempt.stderr, "");
        const stale = run([hardened]);
        assert.deepEqual([stale.code, stale.rules], [0, []]);
        assert.equal(stale.stderr, "policy-check: stale exemption k8s-run-as-non-root: DaemonSet observability/log-reader: the object is in the input and the rule finds nothing there; remove it\n");
    });

    it("the shipped configs carry one list, and policy/README.md lists every entry with its rule, object and reason", () => {
        const lists = (["dev", "staging", "prod"] as const).map((env) => configuredExemptions(resolveConfig(shippedPackConfig(env), env)));
        assert.ok(lists[0]!.length > 0);
        assert.deepEqual(lists[1], lists[0]);
        assert.deepEqual(lists[2], lists[0]);
        const readme = fs.readFileSync(path.join(PACK_CONFIG_DIR, "..", "README.md"), "utf8");
        for (const e of lists[0]!) {
            const workload = `${e.kind} \`${e.namespace}/${e.name}\`${e.istioRevisions ? " (every revision)" : ""}`;
            const row = `| \`${e.rule}\` | ${workload} | ${e.container ? `\`${e.container}\`` : "all"} | ${e.allow ? describeAllowance(e.allow) : "—"} | ${e.reason} |`;
            assert.ok(readme.includes(row), `policy/README.md lacks the row\n${row}`);
        }
        const rows = readme.split("\n").filter((l) => /^\| `[a-z0-9-]+` \| [A-Z][A-Za-z]+ `[a-z0-9-]+\/[a-z0-9-]+`( \(every revision\))? \|/.test(l));
        assert.equal(rows.length, lists[0]!.length, "no README row without a configured exemption");
    });
});
