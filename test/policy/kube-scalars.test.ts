// policy:check reads plain scalars as Kubernetes does (sigs.k8s.io/yaml over go-yaml v2, YAML 1.1
// resolve.go), on the fast path and through js-yaml alike, so `hostNetwork: yes` is judged true.
import { strict as assert } from "assert";
import { loadAll } from "js-yaml";
import { UNSUPPORTED, parseBlockDocument } from "../../scripts/lib/block-yaml";
import { KUBE_SCHEMA, resolveKubePlain } from "../../scripts/lib/kube-scalars";
import { loadYaml } from "../../scripts/lib/load-yaml";
import { main } from "../../scripts/policy-check";

/** The fast path's value for `v: <scalar>`, or UNSUPPORTED. */
function fastValue(scalar: string): unknown {
    const doc = parseBlockDocument([`v: ${scalar}`], 0, 1);
    return doc === UNSUPPORTED ? doc : (doc as { v: unknown }).v;
}

const jsYamlValue = (scalar: string): unknown => (loadAll(`v: ${scalar}\n`, { schema: KUBE_SCHEMA })[0] as { v: unknown }).v;

/** A pod with the three planted settings; `viaJsYaml` adds an anchor, which the fast path leaves to js-yaml. */
function plantedPod(viaJsYaml: boolean): string {
    const app = viaJsYaml ? "&app web" : "web";
    return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: planted
  namespace: payments
  labels:
    app: ${app}
  annotations:
    example.com/quoted: "yes"
    example.com/single: 'on'
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      hostNetwork: yes
      containers:
      - name: root
        image: registry.example.com/app:1.0.0
        securityContext:
          privileged: On
          readOnlyRootFilesystem: off
      - name: tidy
        image: registry.example.com/app:1.0.0
        securityContext:
          privileged: n
          readOnlyRootFilesystem: Y
`;
}

function findings(text: string): { rule: string; message: string }[] {
    let out = "";
    const code = main(["--format", "json", "planted.yaml"], { stdout: (s) => (out += s), stderr: () => undefined, readFile: () => text, cwd: "/" });
    assert.equal(code, 1, out);
    return JSON.parse(out) as { rule: string; message: string }[];
}

describe("policy-check reads YAML 1.1 scalars as Kubernetes does", () => {
    // go-yaml v2 resolve.go (sigs.k8s.io/yaml goyaml.v2/resolve.go) resolveMapList: exactly these.
    const TRUE = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"];
    const FALSE = ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"];

    it("takes resolve.go's boolean spellings as booleans on both paths, and no other case variant", () => {
        for (const [words, want] of [[TRUE, true], [FALSE, false]] as const) {
            for (const w of words) {
                assert.equal(resolveKubePlain(w), want, w);
                assert.equal(fastValue(w), want, `fast path: ${w}`);
                assert.equal(jsYamlValue(w), want, `js-yaml: ${w}`);
            }
        }
        for (const w of ["yES", "oN", "TRue", "nO", "YEs", "ofF", "O", "t", "f"]) {
            assert.equal(fastValue(w), w, `fast path: ${w}`);
            assert.equal(jsYamlValue(w), w, `js-yaml: ${w}`);
        }
    });

    it("reads quoted booleans, numbers and other plain scalars as Kubernetes does, on both paths", () => {
        const cases: [string, unknown][] = [
            ["'yes'", "yes"], ['"off"', "off"], ["~", null], ["Null", null], ["", null], ["0777", 511], ["0o17", 15], ["0x1F", 31], ["-0b11", -3],
            ["1_000", 1000], ["08", 8], ["+.5", 0.5], [".5", 0.5], ["1e3", 1000], [".Inf", Infinity], ["1.30.4", "1.30.4"], ["100m", "100m"],
            ["2024-01-02", "2024-01-02"], ["NaN", "NaN"], ["18446744073709551616", 18446744073709551616],
        ];
        for (const [text, want] of cases) {
            if (text !== "") assert.deepEqual(fastValue(text), want, `fast path: ${text}`);
            assert.deepEqual(jsYamlValue(text), want, `js-yaml: ${text}`);
        }
        // In a flow sequence too, and a key that reads as a boolean becomes "true" (sigs.k8s.io/yaml's key conversion).
        assert.deepEqual(loadYaml("apiVersion: v1\nkind: ConfigMap\nflags: [yes, 'no', off]\non: 1\n", "f.yaml")[0]?.object, { apiVersion: "v1", kind: "ConfigMap", flags: [true, "no", false], true: 1 });
    });

    for (const viaJsYaml of [false, true]) {
        it(`judges planted hostNetwork: yes, privileged: On, readOnlyRootFilesystem: off as the API server would (${viaJsYaml ? "js-yaml" : "fast path"})`, () => {
            const text = plantedPod(viaJsYaml);
            type Planted = { metadata: { annotations: unknown }; spec: { template: { spec: { hostNetwork: unknown; containers: { securityContext: unknown }[] } } } };
            const object = loadYaml(text, "planted.yaml")[0]?.object as unknown as Planted;
            assert.equal(object.spec.template.spec.hostNetwork, true);
            assert.deepEqual(object.metadata.annotations, { "example.com/quoted": "yes", "example.com/single": "on" }, "quoted strings stay strings");
            assert.deepEqual(object.spec.template.spec.containers.map((c) => c.securityContext), [
                { privileged: true, readOnlyRootFilesystem: false },
                { privileged: false, readOnlyRootFilesystem: true },
            ]);
            const got = findings(text).filter((f) => ["k8s-no-host-namespaces", "k8s-no-privileged", "k8s-read-only-root-fs"].includes(f.rule));
            assert.deepEqual(got.map((f) => f.rule).sort(), ["k8s-no-host-namespaces", "k8s-no-privileged", "k8s-read-only-root-fs"]);
            assert.match(got.find((f) => f.rule === "k8s-no-host-namespaces")?.message ?? "", /hostNetwork/);
            for (const f of got.filter((f) => f.rule !== "k8s-no-host-namespaces")) assert.match(f.message, /\broot\b/, "only the first container is flagged");
        });
    }

    it("refuses a merge key, which go-yaml v2 applies in document order, naming its line", () => {
        const text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: m\nspec:\n  base: &b\n    hostNetwork: true\n  <<: *b\n";
        assert.throws(() => loadYaml(text, "m.yaml"), { message: /^m\.yaml: merge key "<<" in document 1 at line 8: not supported/ });
        assert.throws(() => loadYaml(text.replace("  base: &b\n    hostNetwork: true\n  <<: *b\n", "  <<:\n    hostNetwork: true\n"), "m2.yaml"), { message: /^m2\.yaml: merge key "<<" in document 1 at line 6/ });
        assert.equal((loadYaml("apiVersion: v1\nkind: ConfigMap\ndata:\n  '<<': quoted is a plain key\n", "q.yaml")[0]?.object as unknown as { data: Record<string, string> }).data["<<"], "quoted is a plain key");
    });
});
