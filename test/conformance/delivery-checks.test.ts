// The pure parts of the conformance run's delivery steps (scripts/lib/conformance/preview-role.ts
// and plan-chain.ts); the requests themselves go to a real API server and engine in
// `npm run conformance`.
import { strict as assert } from "assert";
import { DRY_RUN_ONLY_POLICY, dryRunOnlyPolicy, NEVER_DRY_RUN } from "../../components/cluster/preview-rbac";
import { backendDestinationRule } from "../../components/payments/traffic";
import { BACKEND_RULE_NAME, FRONTEND_HPA_NAME, plannedUpdates, planResourceTypes, refusedByPlan, ruleMaxConnections } from "../../scripts/lib/conformance/plan-chain";
import { answerMatches, previewRoleCases } from "../../scripts/lib/conformance/preview-role";

describe("conformance: the preview role's requests and the plan chain's readings", () => {
    const cases = previewRoleCases();

    it("sends what a preview needs (a read, a dry-run create, a dry-run apply) and expects each allowed", () => {
        const allowed = cases.filter((c) => c.expect === "allowed");
        assert.deepEqual(allowed.map((c) => c.method), ["GET", "POST", "PATCH"]);
        for (const c of allowed.filter((x) => x.method !== "GET")) assert.match(c.path, /[?&]dryRun=All/);
    });

    it("sends the same writes for real and expects the policy to refuse them", () => {
        const real = cases.filter((c) => c.expect === "refused by the policy");
        assert.deepEqual(real.map((c) => c.method), ["POST", "PATCH"]);
        for (const c of real) assert.doesNotMatch(c.path, /dryRun/);
    });

    it("tries every kind the role is never given (Secrets, RBAC, admission objects) and a delete, expecting RBAC to refuse", () => {
        const rbac = cases.filter((c) => c.expect === "refused by RBAC").map((c) => c.path);
        assert.ok(rbac.some((p) => p.includes("/secrets")));
        assert.ok(rbac.some((p) => p.includes("rbac.authorization.k8s.io")));
        assert.ok(rbac.some((p) => p.includes("admissionregistration.k8s.io")));
        assert.deepEqual(Object.keys(NEVER_DRY_RUN).sort(), ["/Secret", "admissionregistration.k8s.io/*", "rbac.authorization.k8s.io/*"], "a new exclusion needs a case here");
    });

    it("tells the policy's refusal from RBAC's, so a real write refused only by RBAC does not pass", () => {
        // As kube-apiserver 1.35 words them (seen in `npm run conformance`).
        const message = (dryRunOnlyPolicy().spec as { validations: { message: string }[] }).validations[0].message;
        const policy = `configmaps "x" is forbidden: ValidatingAdmissionPolicy '${DRY_RUN_ONLY_POLICY}' with binding '${DRY_RUN_ONLY_POLICY}' denied request: ${message}`;
        const rbac = `validatingadmissionpolicybindings.admissionregistration.k8s.io "${DRY_RUN_ONLY_POLICY}" is forbidden: User "conformance-previewer" cannot delete resource "validatingadmissionpolicybindings"`;
        assert.ok(answerMatches("refused by the policy", 403, policy));
        assert.ok(!answerMatches("refused by the policy", 403, rbac), "RBAC's refusal names the object, not the policy's message");
        assert.ok(answerMatches("refused by RBAC", 403, rbac));
        assert.ok(!answerMatches("refused by RBAC", 403, policy));
        assert.ok(!answerMatches("refused by RBAC", 201, ""));
        assert.ok(answerMatches("allowed", 201, "") && !answerMatches("allowed", 403, policy));
    });

    it("reads the connection limit from the backend DestinationRule as the program renders it", () => {
        const cb = { maxConnections: 123, maxPendingRequests: 10, consecutive5xxErrors: 5, baseEjectionSeconds: 30, maxEjectionPercent: 50 };
        assert.equal(ruleMaxConnections(backendDestinationRule(cb)), 123);
        assert.equal(ruleMaxConnections({}), undefined);
    });

    it("reads the resource types of a saved plan", () => {
        assert.deepEqual(planResourceTypes({ resourcePlans: { "urn:a": { goal: { type: "kubernetes:core/v1:Namespace" } } } }), ["kubernetes:core/v1:Namespace"]);
        assert.deepEqual(planResourceTypes({}), []);
    });

    it("lists the URNs a saved plan updates, from each resource plan's steps", () => {
        const plan = { resourcePlans: { "urn:a": { steps: ["update"] }, "urn:b": { steps: ["same"] }, "urn:c": {} } };
        assert.deepEqual(plannedUpdates(plan), ["urn:a"]);
        assert.deepEqual(plannedUpdates({}), []);
    });

    it("tells which resources the engine refused as violating the plan, in either form it prints", () => {
        // step_generator.go's error, and the display row of a refused resource.
        const urn = (name: string) => `urn:pulumi:local::dodo-platform::dodo:platform:Payments$kubernetes:x::${name}`;
        const generator = `error: resource ${urn(BACKEND_RULE_NAME)} violates plan: properties changed: ~~spec[{...}]`;
        const row = `    kubernetes:networking.istio.io/v1:DestinationRule ${BACKEND_RULE_NAME}  error: resource violates plan: properties changed`;
        const names = [FRONTEND_HPA_NAME, BACKEND_RULE_NAME];
        assert.deepEqual(refusedByPlan(generator, names), [BACKEND_RULE_NAME]);
        assert.deepEqual(refusedByPlan(row, names), [BACKEND_RULE_NAME]);
        assert.deepEqual(refusedByPlan(`${generator}\n    ${FRONTEND_HPA_NAME}  updated`, names), [BACKEND_RULE_NAME], "a name on another line is not refused");
        assert.deepEqual(refusedByPlan(`error: resource ${urn(`${BACKEND_RULE_NAME}-v2`)} violates plan`, names), [], "a longer name is another resource");
        assert.deepEqual(refusedByPlan("error: update failed", names), []);
    });

    it("names the resources as the payments component registers them", () => {
        const cb = { maxConnections: 1, maxPendingRequests: 1, consecutive5xxErrors: 1, baseEjectionSeconds: 1, maxEjectionPercent: 1 };
        assert.equal(BACKEND_RULE_NAME, `dodo-payments-destinationrule-${backendDestinationRule(cb).metadata.name}`);
        assert.equal(FRONTEND_HPA_NAME, "dodo-payments-horizontalpodautoscaler-frontend");
    });
});
