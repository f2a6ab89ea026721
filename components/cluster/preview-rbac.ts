// What the preview role may do inside the cluster: exactly the server-side dry runs that
// `pulumi preview` sends, and nothing real. Pure Kubernetes objects; the Cluster applies them.
//
// The Kubernetes provider previews a create or update as a server-side apply with dryRun=All
// (pulumi-kubernetes provider/pkg/await/await.go, Creation and ssaUpdate; an update first GETs the
// live object; a CRD update is a PUT), and the API server authorizes a dry run exactly like the
// write (verbs create, patch, update). A forbidden dry run is not fatal: the provider falls back
// to a client-side preview (provider/pkg/provider/provider.go, Create and Update with Preview set).
// Helm releases are previewed without the cluster (helm_release.go: no cluster call on preview).
// So the role gets get/create/update/patch on the kinds the program manages, and a
// ValidatingAdmissionPolicy rejects every request of its group that is not a dry run.
import { KubeObject, standardLabels } from "../k8s";

/** Kubernetes group of the preview role's access entry (EKS rejects names starting with `system:`). */
export const PREVIEWERS_GROUP = "dodo:previewers";

/** Read the live object, then dry-run the apply (create for a new object, patch, update for CRDs). */
export const DRY_RUN_VERBS = ["get", "create", "update", "patch"] as const;

/**
 * `<group>/<Kind>` (core group empty) -> RBAC resource, for every kind the program registers
 * directly. test/cluster/preview-rbac.test.ts keeps this equal to what the stacks render.
 */
export const DRY_RUN_KINDS: Readonly<Record<string, string>> = {
    "/ConfigMap": "configmaps",
    "/Namespace": "namespaces",
    "/PersistentVolumeClaim": "persistentvolumeclaims",
    "/Service": "services",
    "/ServiceAccount": "serviceaccounts",
    "apps/Deployment": "deployments",
    "apps/StatefulSet": "statefulsets",
    "autoscaling/HorizontalPodAutoscaler": "horizontalpodautoscalers",
    "cert-manager.io/Certificate": "certificates",
    "cert-manager.io/ClusterIssuer": "clusterissuers",
    "external-secrets.io/ExternalSecret": "externalsecrets",
    "karpenter.k8s.aws/EC2NodeClass": "ec2nodeclasses",
    "karpenter.sh/NodePool": "nodepools",
    "external-secrets.io/SecretStore": "secretstores",
    "monitoring.coreos.com/PodMonitor": "podmonitors",
    "monitoring.coreos.com/PrometheusRule": "prometheusrules",
    "monitoring.coreos.com/ServiceMonitor": "servicemonitors",
    "networking.istio.io/DestinationRule": "destinationrules",
    "networking.istio.io/EnvoyFilter": "envoyfilters",
    "networking.istio.io/Gateway": "gateways",
    "networking.istio.io/ServiceEntry": "serviceentries",
    "networking.istio.io/Sidecar": "sidecars",
    "networking.istio.io/VirtualService": "virtualservices",
    "networking.k8s.io/NetworkPolicy": "networkpolicies",
    "policy/PodDisruptionBudget": "poddisruptionbudgets",
    "security.istio.io/AuthorizationPolicy": "authorizationpolicies",
    "security.istio.io/PeerAuthentication": "peerauthentications",
    "security.istio.io/RequestAuthentication": "requestauthentications",
    "storage.k8s.io/StorageClass": "storageclasses",
    "telemetry.istio.io/Telemetry": "telemetries",
    "vpcresources.k8s.aws/SecurityGroupPolicy": "securitygrouppolicies",
};

/** Never granted, whatever the program manages; their previews fall back to client-side. */
export const NEVER_DRY_RUN: Readonly<Record<string, string>> = {
    "/Secret": "a dry run returns the object, so patch on Secrets would read runtime secrets",
    "rbac.authorization.k8s.io/*": "creating roles and bindings is how a principal escalates",
    "admissionregistration.k8s.io/*": "admission policies do not apply to admission policies, so the dry-run-only guard could be removed",
};

/** `apps/v1` -> `apps`, `v1` -> `` (the core group). */
export function apiGroupOf(apiVersion: string): string {
    return apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
}

/** Why a kind is never dry-run by the preview role, or undefined. */
export function neverDryRunReason(group: string, kind: string): string | undefined {
    return NEVER_DRY_RUN[`${group}/${kind}`] ?? NEVER_DRY_RUN[`${group}/*`];
}

export const PREVIEWERS_ROLE = "dodo-previewers-dry-run";
export const DRY_RUN_ONLY_POLICY = "dodo-previewers-dry-run-only";

const labels = () => standardLabels("cluster-access", { "app.kubernetes.io/component": "preview" });

/** The ClusterRole: one rule per API group, resources sorted, the dry-run verbs only. */
export function previewersClusterRole(): KubeObject {
    const byGroup = new Map<string, string[]>();
    for (const [key, resource] of Object.entries(DRY_RUN_KINDS)) {
        const group = key.slice(0, key.indexOf("/"));
        byGroup.set(group, [...(byGroup.get(group) ?? []), resource]);
    }
    const rules = [...byGroup.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([group, resources]) => ({ apiGroups: [group], resources: resources.sort(), verbs: [...DRY_RUN_VERBS] }));
    return { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: PREVIEWERS_ROLE, labels: labels() }, rules };
}

export function previewersClusterRoleBinding(): KubeObject {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: PREVIEWERS_ROLE, labels: labels() },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: PREVIEWERS_ROLE },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: PREVIEWERS_GROUP }],
    };
}

/**
 * Rejects every mutating request of the previewers group that is not a dry run. `request` is the
 * AdmissionRequest (k8s.io/apiserver pkg/admission/plugin/cel/compile.go declares `dryRun` and
 * `userInfo.groups`); the resource pattern star-slash-star matches every resource and subresource
 * (apiserver pkg/admission/plugin/webhook/predicates/rules/rules.go).
 * failurePolicy Fail: an expression that cannot be evaluated denies.
 */
export function dryRunOnlyPolicy(): KubeObject {
    return {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingAdmissionPolicy",
        metadata: { name: DRY_RUN_ONLY_POLICY, labels: labels() },
        spec: {
            failurePolicy: "Fail",
            matchConstraints: {
                resourceRules: [{ apiGroups: ["*"], apiVersions: ["*"], operations: ["CREATE", "UPDATE", "DELETE", "CONNECT"], resources: ["*/*"] }],
            },
            matchConditions: [{ name: "previewers-only", expression: `'${PREVIEWERS_GROUP}' in request.userInfo.groups` }],
            validations: [
                {
                    expression: "request.dryRun == true",
                    message: `${PREVIEWERS_GROUP} may only send dry runs (pulumi preview); changes are applied by the deploy role`,
                    reason: "Forbidden",
                },
            ],
        },
    };
}

export function dryRunOnlyPolicyBinding(): KubeObject {
    return {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingAdmissionPolicyBinding",
        metadata: { name: DRY_RUN_ONLY_POLICY, labels: labels() },
        spec: { policyName: DRY_RUN_ONLY_POLICY, validationActions: ["Deny"] },
    };
}
