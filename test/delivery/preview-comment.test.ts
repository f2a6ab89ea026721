import { strict as assert } from "assert";
import { MAX_OUTPUT, policySection, previewComment } from "../../scripts/lib/diff-preview";

// Shaped like `pulumi preview --policy-pack policy --color never` output.
const FAILED = `Previewing update (prod)

     Type                                            Name          Plan
     pulumi:pulumi:Stack                             dodo-prod
 -   └─ kubernetes:security.istio.io/v1:AuthorizationPolicy  default-deny  delete

Policies:
    ❌ dodo-platform@v0.1.0 (local: policy)
        - [mandatory]  istio-authz-default-deny  (pulumi:pulumi:Stack: dodo-platform-prod)
          namespace payments has meshed workloads but no allow-nothing AuthorizationPolicy (spec: {}); traffic is allowed by default

Resources:
    - 1 to delete
    60 unchanged

error: preview failed
`;

describe("delivery: pull-request preview comment", () => {
    it("lifts the Policies section out of the preview output", () => {
        const s = policySection(FAILED);
        assert.ok(s.startsWith("Policies:\n    ❌ dodo-platform@v0.1.0 (local: policy)"));
        assert.match(s, /\[mandatory\] {2}istio-authz-default-deny/);
        assert.doesNotMatch(s, /Resources:/);
        assert.equal(policySection("Previewing update (dev)\nResources:\n    3 unchanged\n"), "");
    });

    it("says a mandatory policy failed the preview and shows the policy findings above the folded output", () => {
        const c = previewComment({ stack: "prod", exitCode: 255, output: FAILED, runUrl: "https://github.com/o/r/actions/runs/1" });
        assert.match(c, /^### `pulumi preview` of `prod` with the policy pack: preview \*\*failed\*\*: a mandatory policy is violated\n\n```\nPolicies:/);
        assert.ok(c.indexOf("istio-authz-default-deny") < c.indexOf("<details>"));
        assert.match(c, /\[Workflow run\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/1\)\n$/);
    });

    it("reports a clean preview, strips colour codes and cuts output GitHub would reject", () => {
        const c = previewComment({ stack: "dev", exitCode: 0, output: "\u001b[32mResources:\u001b[0m\n" + "x".repeat(MAX_OUTPUT + 10) });
        assert.match(c, /preview succeeded\n\nNo policy violations reported\./);
        assert.doesNotMatch(c, /\u001b/);
        assert.match(c, /…\(first \d+ characters cut\)/);
        assert.ok(c.length < 65_536);
    });
});
