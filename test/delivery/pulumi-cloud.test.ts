// Pulumi Cloud previews: one team per stack, Read on that stack only, minted by OIDC only for that
// stack's preview and plan subjects. Stack Read includes export and decrypt, and dev-preview runs
// for any branch without a reviewer: a subject mapped to another stack's team would let an
// unreviewed branch read prod's state.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { OidcTeamPolicy, previewTeam, previewTeamStacks, previewTokenPolicies, stackOfSubject, STACK_READ } from "../../scripts/lib/bootstrap/pulumi-cloud";
import { STACKS } from "../../scripts/lib/render";
import { ROOT } from "./workflow-files";

/** Every way a subject reaches a stack other than its own, through the team it is mapped to. */
function crossStackGrants(policies: readonly OidcTeamPolicy[], teamStacks: (team: string) => string[]): string[] {
    const problems: string[] = [];
    for (const p of policies) {
        const own = stackOfSubject(p.rules.sub);
        if (!own) problems.push(`${p.rules.sub}: not a preview or plan environment's subject`);
        for (const stack of teamStacks(p.teamName)) if (stack !== own) problems.push(`${p.rules.sub} -> team ${p.teamName} -> ${stack}`);
    }
    return problems;
}

const stacksOfTeam = (team: string) => STACKS.filter((s) => previewTeam(s) === team).flatMap((s) => previewTeamStacks(s).map((p) => p.stackName));

describe("delivery: Pulumi Cloud preview teams, one per stack", () => {
    const all = STACKS.flatMap((stack) => previewTokenPolicies("dodopayments", "dodopayments/platform", stack));

    it("maps no subject to another stack's team, and each team reads its own stack only", () => {
        assert.deepEqual(crossStackGrants(all, stacksOfTeam), []);
        for (const stack of STACKS) {
            assert.deepEqual(previewTeamStacks(stack), [{ projectName: "dodo-platform", stackName: stack, permission: STACK_READ }]);
            assert.equal(STACK_READ, 101, "read, never write (102) or admin (103)");
        }
        assert.equal(new Set(STACKS.map(previewTeam)).size, STACKS.length, "a team per stack");
    });

    it("mints a stack's team for exactly its -preview and -plan subjects, matched exactly, for the organization's audience", () => {
        for (const stack of STACKS) {
            const own = all.filter((p) => p.teamName === previewTeam(stack));
            assert.deepEqual(own.map((p) => p.rules.sub), [`repo:dodopayments/platform:environment:${stack}-preview`, `repo:dodopayments/platform:environment:${stack}-plan`]);
            for (const p of own) {
                assert.equal(p.rules.aud, "urn:pulumi:org:dodopayments");
                assert.equal(p.tokenType, "team");
                assert.doesNotMatch(p.rules.sub, /\*/, "no wildcard");
            }
        }
    });

    it("catches a subject mapped to another stack's team, or a team given a second stack (the check can fail)", () => {
        const devAsProd = { ...all[0], teamName: previewTeam("prod") };
        assert.deepEqual(crossStackGrants([devAsProd], stacksOfTeam), ["repo:dodopayments/platform:environment:dev-preview -> team dodo-prod-preview -> prod"]);
        const shared = (team: string) => (team === previewTeam("dev") ? ["dev", "staging", "prod"] : stacksOfTeam(team));
        assert.equal(crossStackGrants(all, shared).length, 4, "dev's two subjects reach staging and prod");
    });

    it("is what docs/architecture.md tells an admin to set up: a team per stack, not one for all three", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs", "architecture.md"), "utf8").replace(/\s+/g, " ");
        assert.ok(/one team per stack \(`dodo-<stack>-preview`\)/.test(doc), "names the per-stack team");
        assert.ok(/\*\*read\*\* permission on its own stack only/.test(doc), "read on its own stack only");
        assert.ok(!/permission on the three stacks/.test(doc), "no shared team");
    });
});
