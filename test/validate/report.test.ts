import { strict as assert } from "node:assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import {
    decide,
    Finding,
    formatReport,
    objectId,
    parseIstioctlOutput,
    parseKubectlValidateOutput,
    parseWaivers,
    SELF_CHECK,
    selfCheckProblems,
    Waiver,
    WaiverFileError,
    waiverMatches,
} from "../../scripts/lib/validate-report";

const REASON = "the gateway Deployment is rendered by the istio gateway Helm release, which the synth does not render";

function finding(over: Partial<Finding> = {}): Finding {
    return { tool: "istioctl", code: "IST0101", level: "Error", object: "Gateway istio-ingress/payments", message: "Referenced selector not found: \"istio=ingressgateway\"", ...over };
}

function waiver(over: Partial<Waiver> = {}): Waiver {
    return { tool: "istioctl", code: "IST0101", object: "Gateway istio-ingress/payments", reason: REASON, ...over } as Waiver;
}

describe("validate: tool output", () => {
    it("names objects the way istioctl does: <Kind> <namespace>/<name>, or <Kind> <name> when cluster-scoped", () => {
        assert.equal(objectId("Gateway", "payments", "istio-ingress"), "Gateway istio-ingress/payments");
        assert.equal(objectId("Namespace", "payments"), "Namespace payments");
    });

    it("reads istioctl analyze JSON messages as findings with code, level and origin", () => {
        const stdout = JSON.stringify([
            {
                code: "IST0101",
                level: "Error",
                origin: "Gateway istio-ingress/payments",
                reference: "manifests.yaml:12",
                message: 'Referenced selector not found: "istio=ingressgateway"',
                documentationUrl: "https://istio.io/v1.30/docs/reference/config/analysis/ist0101/",
            },
            { code: "IST0102", level: "Info", origin: "Namespace default", message: "The namespace is not enabled for Istio injection." },
        ]);
        assert.deepEqual(parseIstioctlOutput(stdout + "\n", ""), [
            finding(),
            { tool: "istioctl", code: "IST0102", level: "Info", object: "Namespace default", message: "The namespace is not enabled for Istio injection." },
        ]);
    });

    it("treats an empty analysis as no findings", () => {
        assert.deepEqual(parseIstioctlOutput("[]\n", "\u2714 No validation issues found when analyzing manifests.yaml."), []);
    });

    it("turns input istioctl could not parse (reported only on stderr) into an Error finding", () => {
        const got = parseIstioctlOutput("[]", 'Error(s) adding files: errors parsing content "manifests.yaml": error processing manifests.yaml[3]: bad port');
        assert.equal(got.length, 1);
        assert.equal(got[0].level, "Error");
        assert.equal(got[0].code, "ParseError");
        assert.match(got[0].message, /bad port/);
    });

    it("ignores istioctl log lines interleaved with the JSON on stdout", () => {
        const stdout = [
            '2026-11-21T14:48:18.819203Z\twarn\tfile\terror processing manifests.yaml[1]: failed parsing JSON - skipping',
            JSON.stringify([{ code: "IST0101", level: "Error", origin: "Gateway istio-ingress/payments", message: 'Referenced selector not found: "istio=ingressgateway"' }]),
        ].join("\n");
        assert.deepEqual(parseIstioctlOutput(stdout, ""), [finding()]);
    });

    it("refuses istioctl output that is not JSON instead of reporting it as clean", () => {
        assert.throws(() => parseIstioctlOutput("Error: unknown flag --foo", ""), /not JSON/);
    });

    it("reads kubectl-validate JSON: successes are silent, each field cause is one finding on its object", () => {
        const stdout = JSON.stringify({
            "/w/objects/0001-service-payments-backend.yaml": [{ metadata: {}, status: "Success" }],
            "/w/objects/0002-deployment-payments-backend.yaml": [
                {
                    status: "Failure",
                    message: "Deployment.apps \"backend\" is invalid: ...",
                    reason: "Invalid",
                    details: {
                        causes: [
                            { reason: "FieldValueRequired", message: "Required value", field: "spec.selector" },
                            { reason: "FieldValueInvalid", message: "spec.replicas: Invalid value: -1", field: "spec.replicas" },
                        ],
                    },
                },
            ],
            "/w/objects/0003-configmap-x.yaml": [{ status: "Failure", message: "strict decoding error: unknown field \"dat\"", reason: "BadRequest" }],
        });
        const objects = {
            "/w/objects/0001-service-payments-backend.yaml": "Service payments/backend",
            "/w/objects/0002-deployment-payments-backend.yaml": "Deployment payments/backend",
            "/w/objects/0003-configmap-x.yaml": "ConfigMap payments/x",
        };
        assert.deepEqual(parseKubectlValidateOutput(stdout, objects), [
            { tool: "kubectl-validate", code: "FieldValueRequired", level: "Error", object: "Deployment payments/backend", message: "spec.selector: Required value" },
            { tool: "kubectl-validate", code: "FieldValueInvalid", level: "Error", object: "Deployment payments/backend", message: "spec.replicas: Invalid value: -1" },
            { tool: "kubectl-validate", code: "BadRequest", level: "Error", object: "ConfigMap payments/x", message: 'strict decoding error: unknown field "dat"' },
        ]);
    });

    it("drops the API server's 'rules were not checked' cause when real causes are listed", () => {
        const stdout = JSON.stringify({
            f: [
                {
                    status: "Failure",
                    reason: "Invalid",
                    details: {
                        causes: [
                            { reason: "FieldValueNotSupported", message: 'Unsupported value: "ALOW"', field: "spec.action" },
                            { reason: "FieldValueInvalid", message: "Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation", field: "<nil>" },
                        ],
                    },
                },
            ],
        });
        assert.deepEqual(
            parseKubectlValidateOutput(stdout, { f: "AuthorizationPolicy payments/x" }).map((f) => f.code),
            ["FieldValueNotSupported"],
        );
    });

    it("refuses kubectl-validate output that is not a JSON object", () => {
        assert.throws(() => parseKubectlValidateOutput("Error: unknown flag", {}), /not JSON/);
        assert.throws(() => parseKubectlValidateOutput("[]", {}), /JSON object/);
    });
});

describe("validate: waivers", () => {
    it("accepts a complete waiver and an empty file", () => {
        assert.deepEqual(parseWaivers({ waivers: [waiver({ stacks: ["prod"], message: "selector" })] }), [waiver({ stacks: ["prod"], message: "selector" })]);
        assert.deepEqual(parseWaivers({ waivers: [] }), []);
        assert.deepEqual(parseWaivers(null), []);
    });

    it("rejects a waiver without a reason, naming the entry", () => {
        const { reason: _omit, ...noReason } = waiver();
        assert.throws(() => parseWaivers({ waivers: [waiver(), noReason] }), (e: Error) => e instanceof WaiverFileError && /waivers\[1\]\.reason/.test(e.message));
    });

    it("rejects placeholder and one-word reasons", () => {
        assert.throws(() => parseWaivers({ waivers: [waiver({ reason: "TODO: explain this later, promise" })] }), /placeholder/);
        assert.throws(() => parseWaivers({ waivers: [waiver({ reason: "offline" })] }), /at least 20 characters/);
    });

    it("rejects unknown tools, stacks and fields (a typo must not widen or void a waiver)", () => {
        assert.throws(() => parseWaivers({ waivers: [waiver({ tool: "kubeconform" as never })] }), /waivers\[0\]\.tool/);
        assert.throws(() => parseWaivers({ waivers: [waiver({ stacks: ["qa" as never] })] }), /waivers\[0\]\.stacks/);
        assert.throws(() => parseWaivers({ waivers: [{ ...waiver(), objct: "x" }] }), /waivers\[0\]/);
    });

    it("the committed validation-waivers.yaml is valid", () => {
        const doc = YAML.parse(fs.readFileSync(path.join(__dirname, "..", "..", "validation-waivers.yaml"), "utf8"));
        assert.doesNotThrow(() => parseWaivers(doc));
    });

    it("matches on tool, code and object, with * as a wildcard in the object", () => {
        assert.ok(waiverMatches(waiver(), finding(), "dev"));
        assert.ok(waiverMatches(waiver({ object: "Gateway istio-ingress/*" }), finding(), "dev"));
        assert.ok(!waiverMatches(waiver({ object: "Gateway payments/*" }), finding(), "dev"));
        assert.ok(!waiverMatches(waiver({ code: "IST0128" }), finding(), "dev"));
        assert.ok(!waiverMatches(waiver({ tool: "kubectl-validate" }), finding(), "dev"));
        // A dot in the pattern is literal, not "any character".
        assert.ok(!waiverMatches(waiver({ object: "Gateway istio-ingress.payments" }), finding({ object: "Gateway istio-ingressXpayments" }), "dev"));
    });

    it("applies a stack-scoped waiver only to those stacks", () => {
        const w = waiver({ stacks: ["dev"] });
        assert.ok(waiverMatches(w, finding(), "dev"));
        assert.ok(!waiverMatches(w, finding(), "prod"));
    });

    it("requires the message substring when the waiver gives one", () => {
        assert.ok(waiverMatches(waiver({ message: "istio=ingressgateway" }), finding(), "dev"));
        assert.ok(!waiverMatches(waiver({ message: "app=backend" }), finding(), "dev"));
    });
});

describe("validate: verdict", () => {
    it("fails on an unwaived error", () => {
        const v = decide([finding()], [], "dev");
        assert.equal(v.exitCode, 1);
        assert.deepEqual(v.unwaived, [finding()]);
    });

    it("fails on an unwaived warning too", () => {
        assert.equal(decide([finding({ level: "Warning", code: "IST0108" })], [], "dev").exitCode, 1);
    });

    it("passes when every error and warning is waived, and says which waiver covered it", () => {
        const w = waiver();
        const v = decide([finding()], [w], "dev");
        assert.equal(v.exitCode, 0);
        assert.deepEqual(v.waived, [{ finding: finding(), waiver: w }]);
    });

    it("never fails on Info messages, and does not need waivers for them", () => {
        const info = finding({ level: "Info", code: "IST0102" });
        const v = decide([info], [], "dev");
        assert.equal(v.exitCode, 0);
        assert.deepEqual(v.info, [info]);
    });

    it("still fails in a stack the waiver does not cover", () => {
        assert.equal(decide([finding()], [waiver({ stacks: ["dev"] })], "prod").exitCode, 1);
    });

    it("lists waivers for this stack that matched nothing as stale, without failing", () => {
        const stale = waiver({ object: "Gateway istio-ingress/gone" });
        const otherStack = waiver({ object: "Gateway istio-ingress/gone", stacks: ["prod"] });
        const v = decide([], [stale, otherStack], "dev");
        assert.equal(v.exitCode, 0);
        assert.deepEqual(v.unusedWaivers, [stale]);
    });

    it("prints a short report: what ran, what failed, what was waived, and the verdict", () => {
        const v = decide([finding(), finding({ tool: "kubectl-validate", code: "FieldValueRequired", object: "Deployment payments/backend", message: "spec.selector: Required value" })], [waiver()], "staging");
        const text = formatReport(
            "staging",
            [{ tool: "kubectl-validate", version: "v0.0.5", input: "3 objects", skipped: [{ kind: "cert-manager.io/v1 Certificate", count: 1, why: "no CRD" }] }],
            v,
        );
        assert.match(text, /^validate staging:/);
        assert.match(text, /skipped 1 cert-manager\.io\/v1 Certificate: no CRD/);
        assert.match(text, /1 unwaived finding\(s\):\n {2}Error {3}\[FieldValueRequired\] \(Deployment payments\/backend\) spec\.selector: Required value/);
        assert.match(text, /1 waived finding\(s\)/);
        assert.match(text, /validate staging: FAILED \(1 unwaived finding\(s\)\)$/);
    });
});

describe("validate: tool self-check", () => {
    const planted: Finding[] = SELF_CHECK.map((e) => ({ tool: e.tool, code: e.code ?? "FieldValueInvalid", level: "Error", object: e.object, message: e.messageIncludes ?? "x" }));

    it("passes when every planted defect is reported", () => {
        assert.deepEqual(selfCheckProblems(planted), []);
    });

    it("names each planted defect a tool stayed silent about", () => {
        const problems = selfCheckProblems(planted.filter((f) => f.tool !== "istioctl"));
        assert.deepEqual(problems, ["istioctl did not report IST0101 on VirtualService validate-self-check/routes-to-missing-gateway in test/validate/fixtures/known-bad.yaml"]);
    });

    it("does not accept the right object with the wrong code", () => {
        const wrong = planted.map((f) => (f.tool === "istioctl" ? { ...f, code: "IST0132" } : f));
        assert.equal(selfCheckProblems(wrong).length, 1);
    });

    it("plants every expected defect in the fixture, one object each", () => {
        const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(__dirname, "fixtures", "known-bad.yaml"), "utf8")).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace: string } });
        const ids = docs.map((o) => objectId(o.kind, o.metadata.name, o.metadata.namespace));
        for (const e of SELF_CHECK) assert.ok(ids.includes(e.object), e.object);
    });
});
