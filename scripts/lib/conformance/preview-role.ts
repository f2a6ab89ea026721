// The preview role's guard on a real API server: the ClusterRole, its binding, the
// ValidatingAdmissionPolicy and its binding that components/cluster/access.ts registers (the same
// builders), applied to the local control plane; then requests as a member of the previewers
// group, made by impersonation (the admin client sends Impersonate-User/-Group; authorization and
// admission see the impersonated user, k8s.io/apiserver pkg/endpoints/filters/impersonation.go).
// Dry runs must pass, every real write must be refused, and what the role is never given must be
// refused by RBAC. The unit tests only compare the objects' text; this sends the requests.
import { collectionPath, KubeClient, KubeObject, waitFor } from "../cluster/client";
import { DEFAULT_DENY_NAME } from "../../../components/istio/builders";
import { PAYMENTS_NAMESPACE } from "../../../components/payments/names";
import { DRY_RUN_ONLY_POLICY, dryRunOnlyPolicy, dryRunOnlyPolicyBinding, PREVIEWERS_GROUP, previewersClusterRole, previewersClusterRoleBinding } from "../../../components/cluster/preview-rbac";

type Who = Record<string, string | string[]>;
const PREVIEWER: Who = { "Impersonate-User": "conformance-previewer", "Impersonate-Group": [PREVIEWERS_GROUP, "system:authenticated"] };
/** Authorized for everything (system:masters) and matched by the policy: a probe of the policy alone. */
const PROBE: Who = { "Impersonate-User": "conformance-probe", "Impersonate-Group": ["system:masters", PREVIEWERS_GROUP] };

const configMap = (name: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: PAYMENTS_NAMESPACE }, data: { probe: "preview-role" } });
const cmPath = (name?: string) => `${collectionPath("v1", "configmaps", PAYMENTS_NAMESPACE)}${name ? `/${name}` : ""}`;
const denyPath = `${collectionPath("security.istio.io/v1", "authorizationpolicies", PAYMENTS_NAMESPACE)}/${DEFAULT_DENY_NAME}`;
const APPLY = "application/apply-patch+yaml";

export interface PreviewRoleCase {
    /** What the request is, as a sentence. */
    what: string;
    method: "GET" | "POST" | "PATCH" | "DELETE";
    path: string;
    body?: unknown;
    contentType?: string;
    /** The statuses that pass: 2xx for what a preview needs, 403 for anything else. */
    expect: "allowed" | "refused by the policy" | "refused by RBAC";
}

/** Each request the previewers group sends and the answer it must get (the stack is up: the namespace and default-deny exist). */
export function previewRoleCases(): PreviewRoleCase[] {
    const ssa = `${denyPath}?fieldManager=pulumi-kubernetes&force=true`;
    const deny = { apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata: { name: DEFAULT_DENY_NAME, namespace: PAYMENTS_NAMESPACE }, spec: {} };
    return [
        { what: "reads a live object (a preview's GET before an update)", method: "GET", path: denyPath, expect: "allowed" },
        { what: "dry-runs a create", method: "POST", path: `${cmPath()}?dryRun=All`, body: configMap("preview-role-dry-run"), expect: "allowed" },
        { what: "dry-runs a server-side apply of a custom resource (a preview's update)", method: "PATCH", path: `${ssa}&dryRun=All`, body: deny, contentType: APPLY, expect: "allowed" },
        { what: "creates for real", method: "POST", path: cmPath(), body: configMap("preview-role-real-write"), expect: "refused by the policy" },
        { what: "applies for real", method: "PATCH", path: ssa, body: deny, contentType: APPLY, expect: "refused by the policy" },
        { what: "deletes", method: "DELETE", path: denyPath, expect: "refused by RBAC" },
        { what: "dry-runs a Secret (its answer would carry the data)", method: "POST", path: `${collectionPath("v1", "secrets", PAYMENTS_NAMESPACE)}?dryRun=All`, body: { apiVersion: "v1", kind: "Secret", metadata: { name: "preview-role-probe", namespace: PAYMENTS_NAMESPACE } }, expect: "refused by RBAC" },
        {
            what: "dry-runs a ClusterRoleBinding (escalation)",
            method: "POST",
            path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?dryRun=All",
            body: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "preview-role-probe" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" }, subjects: [{ kind: "Group", name: PREVIEWERS_GROUP, apiGroup: "rbac.authorization.k8s.io" }] },
            expect: "refused by RBAC",
        },
        { what: "removes its guard", method: "DELETE", path: `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/${DRY_RUN_ONLY_POLICY}`, expect: "refused by RBAC" },
    ];
}

/** The guard's refusal carries its validation's message; RBAC's says who "cannot <verb> resource". */
const POLICY_MESSAGE = (dryRunOnlyPolicy().spec as { validations: { message: string }[] }).validations[0].message;

/** Whether an answer is the one a case expects, telling the policy's refusal from RBAC's. */
export function answerMatches(expect: PreviewRoleCase["expect"], status: number, text: string): boolean {
    if (expect === "allowed") return status >= 200 && status < 300;
    if (status !== 403) return false;
    const byPolicy = text.includes(POLICY_MESSAGE);
    return expect === "refused by the policy" ? byPolicy : !byPolicy && /cannot [a-z]+ resource/.test(text);
}

const guard = (): KubeObject[] => [dryRunOnlyPolicy(), dryRunOnlyPolicyBinding(), previewersClusterRole(), previewersClusterRoleBinding()] as unknown as KubeObject[];

/** Applies the guard, sends every case as a previewer, removes the guard; throws naming each wrong answer. */
export async function checkPreviewRole(client: KubeClient): Promise<{ value: undefined; detail: string }> {
    const [policy, policyBinding, role, binding] = guard();
    await client.apply(policy);
    await client.apply(policyBinding);
    try {
        // A new policy takes effect a moment after its binding exists: probe with an identity
        // that RBAC allows everything, so only the policy can refuse. A probe that got through is removed.
        await waitFor(`${DRY_RUN_ONLY_POLICY} enforced`, async () => {
            const r = await client.request("POST", cmPath(), configMap("preview-role-probe"), "application/json", PROBE);
            if (r.status === 201) await client.request("DELETE", cmPath("preview-role-probe"));
            return answerMatches("refused by the policy", r.status, r.text) ? true : undefined;
        }, 30_000, 500);
        await client.apply(role);
        await client.apply(binding);
        const wrong: string[] = [];
        const counts: Record<string, number> = {};
        for (const c of previewRoleCases()) {
            // RBAC caches refresh within a second of a new binding: retry what should be allowed.
            const r = await waitFor(c.what, async () => {
                const res = await client.request(c.method, c.path, c.body, c.contentType ?? "application/json", PREVIEWER);
                return c.expect === "allowed" && res.status === 403 ? undefined : res;
            }, 10_000, 500).catch(() => client.request(c.method, c.path, c.body, c.contentType ?? "application/json", PREVIEWER));
            if (r.status === 201 && c.method === "POST" && !c.path.includes("dryRun")) await client.request("DELETE", cmPath("preview-role-real-write"));
            if (!answerMatches(c.expect, r.status, r.text)) wrong.push(`${c.what}: ${c.method} ${c.path} -> ${r.status} (expected ${c.expect}) ${r.text.slice(0, 200)}`);
            counts[c.expect] = (counts[c.expect] ?? 0) + 1;
        }
        if (wrong.length > 0) throw new Error(`the previewers group is not dry-run only on the API server:\n${wrong.join("\n")}`);
        return { value: undefined, detail: `as ${PREVIEWERS_GROUP}: ${counts["allowed"]} reads and dry runs allowed, ${counts["refused by the policy"]} real writes refused by ${DRY_RUN_ONLY_POLICY}, ${counts["refused by RBAC"]} deletes, Secret and RBAC requests refused by RBAC` };
    } finally {
        for (const o of [binding, role, policyBinding, policy]) await client.delete(o);
    }
}
