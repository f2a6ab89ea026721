// Pulumi Cloud for previews and plans: one team per stack, each with Read on its own stack only,
// and the OIDC authorization policy that lets exactly that stack's preview and plan environments
// mint that team's token. Stack Read includes exporting and decrypting the stack (stack:export,
// stack:decrypt: Pulumi Cloud RBAC permissions), and dev-preview runs for any branch without a
// reviewer: with one team for all stacks, an unreviewed branch could read prod's state and
// secrets. `npm run bootstrap -- --pulumi-org <org>` writes these documents.
import { PROJECT } from "../../../components/settings";
import { environmentSubjects, githubEnvironments } from "./iam";

/** The team whose token a stack's previews and plans get (the environments' PULUMI_PREVIEW_TEAM). */
export function previewTeam(stack: string): string {
    return `dodo-${stack}-preview`;
}

/** TeamStackPermission values of the Pulumi Cloud REST API: 101 is read (102 write, 103 admin). */
export const STACK_READ = 101;

/** The one stack a stack's preview team may read. */
export function previewTeamStacks(stack: string): { projectName: string; stackName: string; permission: number }[] {
    return [{ projectName: PROJECT, stackName: stack, permission: STACK_READ }];
}

/** One allow rule of an OIDC issuer's authorization policy (REST API schema AuthPolicyDefinition). */
export interface OidcTeamPolicy {
    decision: "allow";
    tokenType: "team";
    teamName: string;
    authorizedPermissions: string[];
    rules: { aud: string; sub: string };
}

/**
 * The rules for one stack: its preview team, for exactly its `<stack>-preview` and `<stack>-plan`
 * subjects (one rule per subject, matched exactly), and the audience pulumi/auth-actions requests
 * for the organization.
 */
export function previewTokenPolicies(org: string, repo: string, stack: string): OidcTeamPolicy[] {
    const env = githubEnvironments(stack);
    return environmentSubjects(repo, [env.preview, env.plan]).map((sub) => ({
        decision: "allow",
        tokenType: "team",
        teamName: previewTeam(stack),
        // A team token carries the team's own stack permissions.
        authorizedPermissions: [],
        rules: { aud: `urn:pulumi:org:${org}`, sub },
    }));
}

/** The stack whose preview environments a subject names, or undefined. */
export function stackOfSubject(sub: string): string | undefined {
    return /:environment:([a-z0-9-]+)-(preview|plan)$/.exec(sub)?.[1];
}
