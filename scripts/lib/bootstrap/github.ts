// The GitHub environments of one stack and their protection rules, as bodies of the REST API's
// "Create or update an environment" (PUT /repos/{owner}/{repo}/environments/{name}) plus the
// deployment-branch policies. The roles trust these environments' OIDC subjects, so the rules
// here decide who can use a role: main only for deploys and plans, and a reviewer who is not the
// person who triggered the run (prevent_self_review) for prod's deploy and for every preview of
// staging or prod, so a code owner cannot approve their own branch's preview.
import { githubEnvironments } from "./iam";

export interface EnvironmentBody {
    wait_timer: 0;
    /** The reviewer may not be the user who triggered the run (GitHub: "Prevent self-review"). */
    prevent_self_review: boolean;
    /** The code-owner team; a placeholder string until --reviewers-team-id gives its ID (GitHub then refuses the body). */
    reviewers: { type: "Team"; id: number | string }[] | null;
    /** null: any branch; custom policies: the branches listed in `branches`. */
    deployment_branch_policy: { protected_branches: false; custom_branch_policies: true } | null;
}

export interface EnvironmentSettings {
    name: string;
    body: EnvironmentBody;
    /** Deployment branches (POST .../deployment-branch-policies, type branch); empty: any branch. */
    branches: string[];
}

export const TEAM_ID_PLACEHOLDER = "<reviewers team id: gh api orgs/<org>/teams/platform-security --jq .id>";

/** Deploy, plan and preview environment of `stack`, with the rules the README's table describes. */
export function environmentSettings(stack: string, reviewersTeamId?: number): EnvironmentSettings[] {
    const env = githubEnvironments(stack);
    const reviewed = (yes: boolean): Pick<EnvironmentBody, "prevent_self_review" | "reviewers"> =>
        yes ? { prevent_self_review: true, reviewers: [{ type: "Team", id: reviewersTeamId ?? TEAM_ID_PLACEHOLDER }] } : { prevent_self_review: false, reviewers: null };
    const mainOnly = { deployment_branch_policy: { protected_branches: false, custom_branch_policies: true } as const };
    const shared = stack !== "dev";
    return [
        { name: env.deploy, body: { wait_timer: 0, ...reviewed(stack === "prod"), ...mainOnly }, branches: ["main"] },
        { name: env.plan, body: { wait_timer: 0, ...reviewed(false), ...mainOnly }, branches: ["main"] },
        // dev: any branch, no reviewer (its role reads nothing of staging or prod).
        { name: env.preview, body: { wait_timer: 0, ...reviewed(shared), deployment_branch_policy: null }, branches: [] },
    ];
}

/** The gh commands that apply the settings; `dir` holds github-env-<name>.json. */
export function environmentCommands(repo: string, settings: readonly EnvironmentSettings[], dir: string): string[] {
    return settings.flatMap((s) => [
        `gh api --method PUT repos/${repo}/environments/${s.name} --input ${dir}/github-env-${s.name}.json`,
        ...s.branches.map((b) => `gh api --method POST repos/${repo}/environments/${s.name}/deployment-branch-policies -f name=${b} -f type=branch`),
    ]);
}
