// Registers the cluster's access entries from the plans in access-plan.ts and the preview role's
// in-cluster guard from preview-rbac.ts.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { resourceName } from "../apply";
import { AccessEntryPlan, adminEntries, ADMIN_ACCESS_POLICY, callerProblem, previewEntry } from "./access-plan";
import { dryRunOnlyPolicy, dryRunOnlyPolicyBinding, PREVIEWERS_GROUP, previewersClusterRole, previewersClusterRoleBinding } from "./preview-rbac";
import { ClusterConfig } from "./settings";

type AccessConfig = Pick<ClusterConfig, "adminPrincipals" | "previewRoleArn">;

const aliases = (names: string[]): pulumi.Alias[] => names.map((n) => ({ name: n }));

/** The IAM identity running Pulumi; for an assumed role, the role's ARN with its path. */
async function callerArn(parent: pulumi.Resource): Promise<string> {
    const identity = await aws.getCallerIdentity({}, { parent });
    // iam:GetRole on the caller's own role (terraform-provider-aws session_context_data_source.go).
    return (await aws.iam.getSessionContext({ arn: identity.arn }, { parent })).issuerArn;
}

/**
 * The cluster-admin entries. Their names come from their principals, and with an empty
 * cluster.adminPrincipals the principal is the caller, known only after an invoke: so they are
 * registered once it returns (the Kubernetes provider depends on the promise). Rejects, failing
 * the preview, when the caller would lock itself out or the preview role tries an update.
 */
export async function adminAccess(name: string, clusterName: pulumi.Input<string>, config: AccessConfig, parent: pulumi.Resource): Promise<pulumi.Resource[]> {
    const caller = await callerArn(parent);
    const input = { adminPrincipals: config.adminPrincipals, previewRoleArn: config.previewRoleArn, caller };
    const problem = callerProblem({ ...input, dryRun: pulumi.runtime.isDryRun() });
    if (problem) throw new pulumi.RunError(problem);
    return adminEntries({ name, ...input }).map((plan: AccessEntryPlan) => {
        const entry = new aws.eks.AccessEntry(plan.entryName, { clusterName, principalArn: plan.principalArn, type: "STANDARD" }, {
            parent,
            aliases: aliases(plan.entryAliases),
        });
        return new aws.eks.AccessPolicyAssociation(plan.associationName!, {
            clusterName,
            principalArn: plan.principalArn,
            policyArn: ADMIN_ACCESS_POLICY,
            accessScope: { type: "cluster" },
        }, { parent, dependsOn: [entry], aliases: aliases(plan.associationAliases) });
    });
}

/**
 * The previewers' RBAC and the policy that keeps it dry-run only. Always applied (inert until an
 * entry maps a principal to the group), so every stack's render carries and validates them.
 */
export function previewGuard(opts: { parent: pulumi.Resource; provider: k8s.Provider }): pulumi.Resource[] {
    const roleObj = previewersClusterRole();
    const role = new k8s.rbac.v1.ClusterRole(resourceName(roleObj), roleObj as unknown as k8s.rbac.v1.ClusterRoleArgs, opts);
    const policyObj = dryRunOnlyPolicy();
    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(resourceName(policyObj), policyObj as unknown as k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs, opts);
    const policyBindingObj = dryRunOnlyPolicyBinding();
    const policyBinding = new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
        resourceName(policyBindingObj),
        policyBindingObj as unknown as k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingArgs,
        { ...opts, dependsOn: [policy] },
    );
    // The group gets its verbs only once the policy that limits them to dry runs is enforced.
    const bindingObj = previewersClusterRoleBinding();
    const binding = new k8s.rbac.v1.ClusterRoleBinding(resourceName(bindingObj), bindingObj as unknown as k8s.rbac.v1.ClusterRoleBindingArgs, { ...opts, dependsOn: [role, policyBinding] });
    return [role, policy, policyBinding, binding];
}

/** The preview role's entry: its group's RBAC only, registered after the guard exists. */
export function previewAccess(name: string, clusterName: pulumi.Input<string>, previewRoleArn: string, guard: pulumi.Resource[], parent: pulumi.Resource): aws.eks.AccessEntry {
    const plan = previewEntry(name, previewRoleArn);
    return new aws.eks.AccessEntry(plan.entryName, {
        clusterName,
        principalArn: plan.principalArn,
        type: "STANDARD",
        kubernetesGroups: [PREVIEWERS_GROUP],
    }, { parent, dependsOn: guard, aliases: aliases(plan.entryAliases) });
}
