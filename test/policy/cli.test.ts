import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import Ajv from "ajv";
import { loadYaml, main } from "../../scripts/policy-check";
import { RULES } from "../../policy/catalog";
import type { SarifLog } from "../../policy/sarif";

const ROOT = path.resolve(__dirname, "../..");
const FIX = "test/policy/fixtures";

function cli(args: string[], files: Record<string, string> = {}) {
    let stdout = "";
    let stderr = "";
    const code = main(args, {
        stdout: (s) => { stdout += s; },
        stderr: (s) => { stderr += s; },
        readFile: (f) => {
            if (f in files) return files[f] as string;
            return fs.readFileSync(path.resolve(ROOT, f), "utf8");
        },
        cwd: ROOT,
    });
    return { code, stdout, stderr };
}

/**
 * The parts of SARIF 2.1.0 GitHub code scanning reads, as a schema written by hand from the
 * OASIS spec and GitHub's SARIF support page; not the full OASIS schema.
 */
const githubSarifSubset = {
    type: "object",
    required: ["version", "runs"],
    properties: {
        version: { const: "2.1.0" },
        runs: { type: "array", items: {
            type: "object", required: ["tool", "results"],
            properties: {
                tool: { type: "object", required: ["driver"], properties: { driver: { type: "object", required: ["name", "rules"], properties: {
                    rules: { type: "array", items: { type: "object", required: ["id", "shortDescription", "defaultConfiguration"], properties: {
                        shortDescription: { type: "object", required: ["text"] },
                        defaultConfiguration: { type: "object", properties: { level: { enum: ["none", "note", "warning", "error"] } } },
                    } } },
                } } } },
                results: { type: "array", items: {
                    type: "object", required: ["ruleId", "message", "locations"],
                    properties: {
                        level: { enum: ["none", "note", "warning", "error"] },
                        message: { type: "object", required: ["text"], properties: { text: { type: "string", minLength: 1 } } },
                        locations: { type: "array", minItems: 1, items: { type: "object", required: ["physicalLocation"], properties: {
                            physicalLocation: { type: "object", required: ["artifactLocation", "region"], properties: {
                                artifactLocation: { type: "object", required: ["uri"], properties: { uri: { type: "string", pattern: "^[^/\\\\][^\\\\]*$" } } },
                                region: { type: "object", required: ["startLine"], properties: { startLine: { type: "integer", minimum: 1 } } },
                            } },
                        } } },
                        partialFingerprints: { type: "object", additionalProperties: { type: "string" } },
                    },
                } },
            },
        } },
    },
};

describe("policy: policy-check CLI", () => {
    it("exits 0 on compliant input", () => {
        const r = cli([`${FIX}/compliant.yaml`]);
        assert.equal(r.stderr, "");
        assert.match(r.stdout, /0 mandatory, 0 advisory findings in 7 objects: PASS/);
        assert.equal(r.code, 0);
    });

    it("exits 1 with a mandatory finding and prints JSON with exactly the documented fields", () => {
        const r = cli(["--format", "json", `${FIX}/compliant.yaml`, `${FIX}/violations.yaml`]);
        assert.equal(r.code, 1);
        const findings = JSON.parse(r.stdout) as Record<string, string>[];
        for (const f of findings) assert.deepEqual(Object.keys(f), ["rule", "enforcement", "apiVersion", "kind", "namespace", "name", "message"]);
        const rules = findings.map((f) => `${f.rule} ${f.kind}/${f.name}`).sort();
        assert.deepEqual(rules, [
            "istio-dr-tls-not-disabled DestinationRule/postgres",
            "istio-no-injection-opt-out CronJob/settlement-report",
        ]);
    });

    it("runs stack rules over all files together", () => {
        // violations.yaml alone has meshed workloads without a default-deny; with compliant.yaml it has one.
        const alone = JSON.parse(cli(["--format=json", `${FIX}/violations.yaml`]).stdout) as { rule: string }[];
        assert.ok(alone.some((f) => f.rule === "istio-authz-default-deny"));
    });

    it("lets dev downgrade a mandatory rule through --config, but not prod", () => {
        const config = JSON.stringify({ "istio-no-injection-opt-out": "advisory", "istio-dr-tls-not-disabled": { enforcementLevel: "disabled" } });
        const files = { "dev.json": config };
        const dev = cli(["--env", "dev", "--config", "dev.json", `${FIX}/compliant.yaml`, `${FIX}/violations.yaml`], files);
        assert.equal(dev.code, 0, dev.stdout);
        assert.match(dev.stdout, /WARN  istio-no-injection-opt-out  CronJob payments\/settlement-report/);
        const prod = cli(["--env", "prod", "--config", "dev.json", `${FIX}/compliant.yaml`, `${FIX}/violations.yaml`], files);
        assert.equal(prod.code, 1);
    });

    it("--env applies that environment's shipped pack config (policy/config/<env>.json); --config replaces it", () => {
        // cert-manager stays out of the mesh on purpose; the shipped configs exempt it.
        const ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cert-manager\n  labels:\n    istio-injection: disabled\n";
        const files = { "ns.yaml": ns, "empty.json": "{}" };
        for (const env of ["dev", "staging", "prod"]) assert.equal(cli(["--env", env, "ns.yaml"], files).code, 0, env);
        const bare = cli(["--env", "prod", "--config", "empty.json", "ns.yaml"], files);
        assert.equal(bare.code, 1);
        assert.match(bare.stdout, /FAIL  istio-namespace-injection  Namespace cert-manager: /);
        assert.equal(cli(["ns.yaml"], files).code, 1, "no --env: prod with the built-in defaults");
    });

    it("exits 2 when a file holds no Kubernetes object (an empty render is not a pass)", () => {
        const r = cli(["empty.yaml"], { "empty.yaml": "" });
        assert.equal(r.code, 2);
        assert.equal(r.stderr, "policy-check: no Kubernetes objects in empty.yaml\n");
        assert.equal(cli(["c.yaml"], { "c.yaml": "---\n# only a comment\n---\n" }).code, 2);
    });

    it("exits 2 naming the file and the YAML error on unreadable input, without a stack trace", () => {
        const bad = cli(["broken.yaml"], { "broken.yaml": "kind: Service\nmetadata: [unclosed\n" });
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /^policy-check: broken\.yaml: invalid YAML in document 1: .+ at line \d+, column \d+\n$/);
        assert.doesNotMatch(bad.stderr, /    at /);
        const missing = cli(["does-not-exist.yaml"]);
        assert.equal(missing.code, 2);
        assert.equal(missing.stderr, "policy-check: does-not-exist.yaml: cannot read: no such file\n");
        const notK8s = cli(["values.yaml"], { "values.yaml": "replicaCount: 2\n" });
        assert.match(notK8s.stderr, /values\.yaml:1: document 1 has no apiVersion\/kind/);
        assert.equal(cli(["--format", "xml", "a.yaml"]).code, 2);
        assert.match(cli([]).stderr, /^policy-check: no input files\nusage: /);
        const help = cli(["--help"]);
        assert.equal(help.code, 0);
        assert.match(help.stdout, /^usage: policy-check/);
        assert.equal(cli(["--config", "c.yaml", "a.yaml"], { "c.yaml": "no-such-rule: advisory\n", "a.yaml": "" }).stderr, "policy-check: c.yaml: no-such-rule: not a rule id of this pack\n");
    });

    it("--list --format json prints the catalog with id, description and enforcement", () => {
        const r = cli(["--list", "--format", "json"]);
        assert.equal(r.code, 0);
        const list = JSON.parse(r.stdout) as Record<string, string>[];
        assert.equal(list.length, RULES.length);
        assert.deepEqual(Object.keys(list[0]!), ["id", "description", "enforcement"]);
        assert.ok(list.some((e) => e.id === "istio-vs-gateway-exists" && e.enforcement === "mandatory"));
    });

    it("records each object's start line, also for items of a kind: List", () => {
        const text = fs.readFileSync(path.join(ROOT, FIX, "violations.yaml"), "utf8");
        const objs = loadYaml(text, "v.yaml");
        assert.deepEqual(objs.map((o) => [o.object.kind, o.line]), [["DestinationRule", 4], ["CronJob", 15]]);
        assert.deepEqual(loadYaml("---\n# only a comment\n---\n", "empty.yaml"), []);
    });

    it("writes SARIF that GitHub code scanning accepts, pointing at each object's line", () => {
        const r = cli(["--format", "sarif", `${FIX}/compliant.yaml`, `${FIX}/violations.yaml`]);
        assert.equal(r.code, 1);
        const validate = new Ajv({ allErrors: true }).compile(githubSarifSubset);
        assert.ok(validate(JSON.parse(r.stdout)), JSON.stringify(validate.errors));
        const log = JSON.parse(r.stdout) as SarifLog;
        const run = log.runs[0]!;
        const ids = run.tool.driver.rules.map((x) => x.id);
        assert.equal(new Set(ids).size, RULES.length);
        const dr = run.results.find((x) => x.ruleId === "istio-dr-tls-not-disabled")!;
        assert.equal(dr.level, "error");
        assert.equal(ids[dr.ruleIndex], "istio-dr-tls-not-disabled");
        assert.deepEqual(dr.locations[0].physicalLocation, { artifactLocation: { uri: `${FIX}/violations.yaml`, uriBaseId: "%SRCROOT%" }, region: { startLine: 4 } });
        assert.match(run.originalUriBaseIds!["%SRCROOT%"]!.uri, /^file:\/\/.*\/$/);
    });

    it("runs as a real process and sets the exit code", function () {
        this.timeout(20000);
        const r = spawnSync(process.execPath, ["-r", "./scripts/lib/register-ts.js", "scripts/policy-check.ts", `${FIX}/violations.yaml`], { cwd: ROOT, encoding: "utf8" });
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stdout, /^FAIL  istio-dr-tls-not-disabled  DestinationRule payments\/postgres/m);
    });
});
