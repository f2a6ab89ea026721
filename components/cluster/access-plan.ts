// Who gets an EKS access entry, under which Pulumi name, and whether the identity running Pulumi
// may go on. Pure: the Cluster registers what these functions return.
//
// EKS allows one access entry per IAM principal ("You can't specify the same ARN in more than one
// access entry", CreateAccessEntry API reference), and Pulumi creates a renamed resource before
// it deletes the old one. So an entry is named after its principal and nothing else: the same
// principal keeps its Pulumi name whether it is the implicit deployer (empty
// cluster.adminPrincipals), a listed admin or the preview role.
import { createHash } from "crypto";

export const ADMIN_ACCESS_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

export type AccessRole = "admin" | "preview";

export interface AccessEntryPlan {
    principalArn: string;
    role: AccessRole;
    /** Pulumi name of the access entry: `<cluster>-access-<principal id>`. */
    entryName: string;
    /** Admins only: Pulumi name of the cluster-admin policy association, `<cluster>-admin-<principal id>`. */
    associationName?: string;
    /** Names the same entry had before (aliases): state is renamed instead of the entry replaced. */
    entryAliases: string[];
    /** Names the same association had before. */
    associationAliases: string[];
}

/** Readable and unique per ARN: the role or user name, then a hash of the whole ARN. */
export function principalId(principalArn: string): string {
    const last = principalArn.split("/").pop()!.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 40);
    return `${last}-${createHash("sha256").update(principalArn).digest("hex").slice(0, 8)}`;
}

/** The Pulumi name every earlier release gave the implicit deployer's entry and association. */
export function legacyDeployerName(name: string): string {
    return `${name}-admin-deployer`;
}

export interface AccessInput {
    /** Pulumi name prefix of the cluster's resources (the component's name, e.g. `cluster`). */
    name: string;
    adminPrincipals: readonly string[];
    previewRoleArn?: string;
    /** The IAM identity running Pulumi: the role itself (path included) for an assumed role. */
    caller: string;
}

/** The principals given cluster-admin: the list, or (empty list) whoever runs Pulumi. */
export function adminPrincipalsFor(input: Pick<AccessInput, "adminPrincipals" | "caller">): string[] {
    return input.adminPrincipals.length > 0 ? [...input.adminPrincipals] : [input.caller];
}

/**
 * The principal whose entry inherits the legacy `<name>-admin-deployer` state: the first listed
 * admin whenever the list is set, whoever runs Pulumi; the caller only with an empty list (then it
 * is the one admin). It must not depend on the caller: the plan job (preview role) and the apply
 * job (deploy role) have to register the same aliases, or `pulumi up --plan` stops with "aliases
 * changed" (pulumi pkg/resource/deploy/plan.go, ResourcePlan.checkGoal).
 */
export function deployerPrincipal(input: AccessInput): string {
    return adminPrincipalsFor(input)[0];
}

/** One cluster-admin entry per admin principal, named after it. */
export function adminEntries(input: AccessInput): AccessEntryPlan[] {
    const deployer = deployerPrincipal(input);
    return adminPrincipalsFor(input).map((principalArn) => {
        const id = principalId(principalArn);
        const legacy = principalArn === deployer ? [legacyDeployerName(input.name)] : [];
        return {
            principalArn,
            role: "admin",
            entryName: `${input.name}-access-${id}`,
            associationName: `${input.name}-admin-${id}`,
            // Listed admins were `<name>-admin-<id>` entries before entries took role-neutral names.
            entryAliases: [`${input.name}-admin-${id}`, ...legacy],
            associationAliases: legacy,
        };
    });
}

/** The preview role's entry: same naming, no policy association (its RBAC comes from its group). */
export function previewEntry(name: string, previewRoleArn: string): AccessEntryPlan {
    const id = principalId(previewRoleArn);
    return { principalArn: previewRoleArn, role: "preview", entryName: `${name}-access-${id}`, entryAliases: [`${name}-admin-${id}`], associationAliases: [] };
}

/**
 * Why the identity running Pulumi must not go on, or undefined. Checked before any access entry
 * is registered, so the preview fails instead of the update locking its caller out.
 */
export function callerProblem(input: Omit<AccessInput, "name"> & { dryRun: boolean }): string | undefined {
    const admins = input.adminPrincipals;
    if (input.previewRoleArn !== undefined && input.caller === input.previewRoleArn) {
        if (!input.dryRun) return `${input.caller} is dodo-platform:cluster.previewRoleArn, which only previews (its Kubernetes access is dry-run only); run pulumi up as one of: ${admins.join(", ") || "the deploy role"}`;
        if (admins.length === 0) return "dodo-platform:cluster.previewRoleArn needs cluster.adminPrincipals to list the identities that deploy: a preview run cannot tell who they are";
        return undefined;
    }
    if (admins.length === 0 || admins.includes(input.caller)) return undefined;
    return `dodo-platform:cluster.adminPrincipals does not list ${input.caller}, the identity running Pulumi: it would lose access to the cluster. Add it (or, for an identity that only previews, set cluster.previewRoleArn to it), or run Pulumi as one of: ${admins.join(", ")}`;
}
