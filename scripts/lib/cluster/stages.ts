// kwok stages: kwok's own node and pod lifecycle (read from the pinned module, not copied), plus
// stand-ins for what AWS does on EKS. Stage schema: kwok v0.8.0 pkg/apis/v1alpha1/stage_types.go;
// patch semantics (root, subresource, merge vs strategic): pkg/utils/lifecycle/next.go.
// Existence checks use jq keys: a missing field is null there, while CEL's has() on a missing
// parent is an error, which would silently never match.
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";

export interface Stage {
    apiVersion: "kwok.x-k8s.io/v1alpha1";
    kind: "Stage";
    metadata: { name: string };
    spec: Record<string, unknown>;
}

/**
 * The stages kwokctl starts kwok with (pkg/kwokctl/runtime/cluster.go getDefaultNodeStages and
 * getDefaultPodStages): node initialize, node heartbeat with leases, pod ready/complete/delete.
 */
export const KWOK_DEFAULT_STAGE_FILES = [
    "kustomize/stage/node/fast/node-initialize.yaml",
    "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "kustomize/stage/pod/fast/pod-ready.yaml",
    "kustomize/stage/pod/fast/pod-complete.yaml",
    "kustomize/stage/pod/fast/pod-delete.yaml",
] as const;

export function kwokDefaultStages(kwokModuleDir: string): Stage[] {
    return KWOK_DEFAULT_STAGE_FILES.flatMap((f) =>
        parseAllDocuments(fs.readFileSync(path.join(kwokModuleDir, f), "utf8"))
            .map((d) => d.toJSON() as Stage | null)
            .filter((s): s is Stage => s !== null && s.kind === "Stage"),
    );
}

const notDeleting = { key: ".metadata.deletionTimestamp", operator: "DoesNotExist" };

function stage(name: string, apiGroup: string, kind: string, matchExpressions: object[], steps: object[]): Stage {
    return { apiVersion: "kwok.x-k8s.io/v1alpha1", kind: "Stage", metadata: { name }, spec: { resourceRef: { apiGroup, kind }, selector: { matchExpressions }, steps } };
}

/**
 * The AWS Load Balancer Controller's visible effect: a LoadBalancer Service gets a hostname in
 * status. `.example` is reserved (RFC 2606), so the name resolves nowhere.
 */
export function loadBalancerStage(domain = "elb.kwok.example"): Stage {
    return stage(
        "aws-load-balancer-hostname",
        "v1",
        "Service",
        [notDeleting, { key: ".spec.type", operator: "In", values: ["LoadBalancer"] }, { key: ".status.loadBalancer.ingress", operator: "DoesNotExist" }],
        [{ patch: { root: "status", subresource: "status", template: `loadBalancer:\n  ingress:\n  - hostname: {{ printf "%s-%s.${domain}" .metadata.name .metadata.namespace | Quote }}\n` } }],
    );
}

export interface VolumeStageInput {
    storageClass: string;
    /** The CSI driver named in the PersistentVolume (the class's provisioner). */
    driver: string;
    reclaimPolicy: "Delete" | "Retain";
    /** WaitForFirstConsumer: provision only once the scheduler picked a node for a pod using the claim. */
    waitForFirstConsumer: boolean;
}

/**
 * The EBS CSI provisioner's visible effect, after kwok's volume stages (kustomize/stage/volume/
 * fast/pvc-provision.yaml): a PersistentVolume for the claim, and the claim bound to it. The PV
 * controller in kube-controller-manager then keeps both Bound and releases the volume when the
 * claim goes; a second stage deletes released volumes as the external provisioner would.
 */
export function volumeStages(input: VolumeStageInput): Stage[] {
    const selectedNode = '.metadata.annotations["volume.kubernetes.io/selected-node"]';
    const provision = stage(
        `ebs-provision-${input.storageClass}`,
        "v1",
        "PersistentVolumeClaim",
        [
            notDeleting,
            { key: ".spec.storageClassName", operator: "In", values: [input.storageClass] },
            { key: ".spec.volumeName", operator: "DoesNotExist" },
            ...(input.waitForFirstConsumer ? [{ key: selectedNode, operator: "Exists" }] : []),
        ],
        [
            {
                apply: {
                    template: [
                        "apiVersion: v1",
                        "kind: PersistentVolume",
                        "metadata:",
                        "  name: pvc-{{ .metadata.uid }}",
                        "  annotations:",
                        `    pv.kubernetes.io/provisioned-by: ${input.driver}`,
                        "spec:",
                        "  accessModes:",
                        "  {{ YAML .spec.accessModes 1 }}",
                        "  capacity:",
                        "    storage: {{ .spec.resources.requests.storage | Quote }}",
                        `  persistentVolumeReclaimPolicy: ${input.reclaimPolicy}`,
                        `  storageClassName: ${input.storageClass}`,
                        '  volumeMode: {{ or .spec.volumeMode "Filesystem" | Quote }}',
                        "  claimRef:",
                        "    apiVersion: v1",
                        "    kind: PersistentVolumeClaim",
                        "    name: {{ .metadata.name | Quote }}",
                        "    namespace: {{ .metadata.namespace | Quote }}",
                        "    uid: {{ .metadata.uid | Quote }}",
                        "  csi:",
                        `    driver: ${input.driver}`,
                        "    volumeHandle: vol-{{ .metadata.uid }}",
                        "    fsType: ext4",
                        "",
                    ].join("\n"),
                },
            },
            {
                patch: {
                    root: "metadata",
                    template: `annotations:\n  pv.kubernetes.io/bind-completed: "yes"\n  pv.kubernetes.io/bound-by-controller: "yes"\n  volume.kubernetes.io/storage-provisioner: ${input.driver}\n`,
                },
            },
            { patch: { root: "spec", template: "volumeName: pvc-{{ .metadata.uid }}\n" } },
            {
                patch: {
                    root: "status",
                    subresource: "status",
                    template: "phase: Bound\naccessModes:\n{{ YAML .spec.accessModes }}\ncapacity:\n  storage: {{ .spec.resources.requests.storage | Quote }}\n",
                },
            },
        ],
    );
    const release = stage(
        `ebs-delete-released-${input.storageClass}`,
        "v1",
        "PersistentVolume",
        [
            notDeleting,
            { key: ".spec.storageClassName", operator: "In", values: [input.storageClass] },
            { key: ".spec.persistentVolumeReclaimPolicy", operator: "In", values: ["Delete"] },
            { key: ".status.phase", operator: "In", values: ["Released"] },
        ],
        [{ delete: true }],
    );
    return [provision, release];
}

/** The resource cert-manager's Certificate stage needs served before kwok starts. */
export const CERTIFICATE_RESOURCE = { group: "cert-manager.io", version: "v1", plural: "certificates", kind: "Certificate" } as const;

/**
 * cert-manager's visible effect on a Certificate: Ready=True. Only the condition: no key pair and
 * no Secret are made (nothing on fake nodes reads them).
 */
export function certificateReadyStage(): Stage {
    return stage(
        "cert-manager-certificate-ready",
        `${CERTIFICATE_RESOURCE.group}/${CERTIFICATE_RESOURCE.version}`,
        CERTIFICATE_RESOURCE.kind,
        [notDeleting, { key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: "NotIn", values: ["True"] }],
        [
            {
                patch: {
                    root: "status",
                    subresource: "status",
                    template:
                        "conditions:\n- type: Ready\n  status: \"True\"\n  reason: Ready\n  message: Certificate is up to date and has not expired (kwok stand-in for cert-manager)\n  lastTransitionTime: {{ Now | Quote }}\n  observedGeneration: {{ .metadata.generation }}\nnotBefore: {{ Now | Quote }}\n",
                },
            },
        ],
    );
}
