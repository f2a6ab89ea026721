import { strict as assert } from "assert";
import { renderMarkdownVerdict, renderText } from "../../policy/report";
import { benchPolicyChecker, generateObjects } from "../../scripts/bench-policy";
import { checkObjects } from "../../policy/check";
import type { Finding } from "../../policy/rules/types";

const f = (enforcement: "mandatory" | "advisory", rule: string, name: string, message: string): Finding =>
    ({ rule, enforcement, apiVersion: "apps/v1", kind: "Deployment", namespace: "payments", name, message });

describe("policy: reports and benchmark", () => {
    it("renders a PASS verdict with no table when there are no findings", () => {
        assert.equal(renderMarkdownVerdict([], { title: "dev" }), "### Policy verdict: dev — PASS\n\n0 mandatory and 0 advisory findings.\n");
    });

    it("renders a FAIL verdict listing mandatory findings first and escaping pipes", () => {
        const md = renderMarkdownVerdict([f("advisory", "k8s-probes", "a", "no probe"), f("mandatory", "k8s-image-pinned", "b", "image x|y")], { title: "prod" });
        const rows = md.split("\n").filter((l) => l.startsWith("| mandatory") || l.startsWith("| advisory"));
        assert.match(md, /^### Policy verdict: prod — FAIL\n\n1 mandatory and 1 advisory finding\./);
        assert.deepEqual(rows, [
            "| mandatory | `k8s-image-pinned` | Deployment payments/b | image x\\|y |",
            "| advisory | `k8s-probes` | Deployment payments/a | no probe |",
        ]);
    });

    it("truncates long tables", () => {
        const many = Array.from({ length: 5 }, (_, i) => f("mandatory", "k8s-pdb", `w${i}`, "m"));
        assert.match(renderMarkdownVerdict(many, { maxRows: 2 }), /…and 3 more\.\n$/);
    });

    it("renders text with a summary line", () => {
        assert.equal(renderText([f("advisory", "k8s-probes", "a", "no probe")], 3), "WARN  k8s-probes  Deployment payments/a: no probe\n0 mandatory, 1 advisory finding in 3 objects: PASS\n");
    });

    it("the benchmark input is a compliant render of the requested size", () => {
        const objects = generateObjects(1234);
        assert.equal(objects.length, 1234);
        assert.deepEqual(checkObjects(objects), []);
    });

    it("checks at least 20,000 objects per second", async function () {
        this.timeout(20000);
        const results = await benchPolicyChecker([2000, 4000]);
        assert.deepEqual(results.map((r) => r.objects), [2000, 4000]);
        for (const r of results) {
            assert.ok(r.seconds > 0 && r.objectsPerSecond === Math.round(r.objects / r.seconds));
            assert.ok(r.objectsPerSecond >= 20000, `${r.objectsPerSecond} objects/s`);
        }
    });
});
