import { strict as assert } from "assert";
import {
    apiGroupOf,
    DRY_RUN_KINDS,
    dryRunOnlyPolicy,
    dryRunOnlyPolicyBinding,
    neverDryRunReason,
    PREVIEWERS_GROUP,
    previewersClusterRole,
    previewersClusterRoleBinding,
} from "../../components/cluster/preview-rbac";
import { STACKS } from "../../scripts/lib/render";
import { renderCached } from "../harness";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

describe("preview role RBAC: dry runs only", () => {
    const rules = previewersClusterRole().rules as Rule[];

    it("grants get/create/update/patch and nothing else: no list, watch, delete, escalate, bind or impersonate", () => {
        for (const rule of rules) assert.deepEqual(rule.verbs, ["get", "create", "update", "patch"], rule.apiGroups[0]);
        assert.doesNotMatch(JSON.stringify(rules), /"\*"/, "no wildcard group, resource or verb");
    });

    it("never grants Secrets, RBAC objects or admission policies", () => {
        const core = rules.find((r) => r.apiGroups[0] === "")!;
        assert.ok(!core.resources.includes("secrets"));
        assert.ok(!rules.some((r) => ["rbac.authorization.k8s.io", "admissionregistration.k8s.io"].includes(r.apiGroups[0])));
        assert.match(neverDryRunReason("", "Secret") ?? "", /runtime secrets/);
        assert.match(neverDryRunReason("admissionregistration.k8s.io", "ValidatingAdmissionPolicy") ?? "", /do not apply to admission policies/);
        assert.equal(neverDryRunReason("apps", "Deployment"), undefined);
    });

    it("covers exactly the kinds the dev, staging and prod programs register (a new kind must be added here, or listed as never dry-run)", async () => {
        const rendered = new Set<string>();
        for (const stack of STACKS) {
            for (const m of (await renderCached(stack)).manifests) {
                const group = apiGroupOf(m.apiVersion);
                if (!neverDryRunReason(group, m.kind)) rendered.add(`${group}/${m.kind}`);
            }
        }
        const granted = new Set(Object.keys(DRY_RUN_KINDS));
        const missing = [...rendered].filter((k) => !granted.has(k)).sort();
        const unused = [...granted].filter((k) => !rendered.has(k)).sort();
        assert.deepEqual(missing, [], `rendered but not dry-runnable by the preview role: add to DRY_RUN_KINDS in components/cluster/preview-rbac.ts: ${missing.join(", ")}`);
        assert.deepEqual(unused, [], `granted but no stack registers them: remove from DRY_RUN_KINDS: ${unused.join(", ")}`);
    });

    it("binds the role to the previewers group only", () => {
        const binding = previewersClusterRoleBinding() as unknown as { subjects: unknown[]; roleRef: { name: string } };
        assert.deepEqual(binding.subjects, [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: PREVIEWERS_GROUP }]);
        assert.equal(binding.roleRef.name, previewersClusterRole().metadata.name);
    });

    it("rejects every write of the previewers group that is not a dry run, on every resource and subresource, failing closed", () => {
        const spec = dryRunOnlyPolicy().spec as {
            failurePolicy: string;
            matchConstraints: { resourceRules: { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[] }[] };
            matchConditions: { expression: string }[];
            validations: { expression: string }[];
        };
        assert.equal(spec.failurePolicy, "Fail");
        assert.deepEqual(spec.matchConstraints.resourceRules, [{ apiGroups: ["*"], apiVersions: ["*"], operations: ["CREATE", "UPDATE", "DELETE", "CONNECT"], resources: ["*/*"] }]);
        assert.deepEqual(spec.matchConditions.map((c) => c.expression), ["'dodo:previewers' in request.userInfo.groups"]);
        assert.deepEqual(spec.validations.map((v) => v.expression), ["request.dryRun == true"]);
        const binding = dryRunOnlyPolicyBinding().spec as { policyName: string; validationActions: string[] };
        assert.deepEqual(binding, { policyName: dryRunOnlyPolicy().metadata.name, validationActions: ["Deny"] });
    });

    it("is in every eks stack's render, so the validators and the policy pack check it", async () => {
        for (const stack of STACKS) {
            const kinds = (await renderCached(stack)).manifests.filter((m) => m.metadata.name.startsWith("dodo-previewers")).map((m) => m.kind).sort();
            assert.deepEqual(kinds, ["ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"], stack);
        }
    });
});
