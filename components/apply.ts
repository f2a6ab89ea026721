// Turns a builder's plain Kubernetes object into the matching Pulumi resource. Built-in kinds use
// their typed classes (so their Pulumi type is `kubernetes:apps/v1:Deployment` and the provider
// knows their schema); everything else (Istio, cert-manager, Prometheus operator objects) is a
// CustomResource, typed `kubernetes:<apiVersion>:<Kind>`.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubeObject } from "./k8s";

type Ctor = new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

const BUILT_IN: Record<string, Ctor> = {
    "v1/Namespace": k8s.core.v1.Namespace,
    "v1/ServiceAccount": k8s.core.v1.ServiceAccount,
    "v1/Secret": k8s.core.v1.Secret,
    "v1/ConfigMap": k8s.core.v1.ConfigMap,
    "v1/Service": k8s.core.v1.Service,
    "apps/v1/Deployment": k8s.apps.v1.Deployment,
    "apps/v1/StatefulSet": k8s.apps.v1.StatefulSet,
    "apps/v1/DaemonSet": k8s.apps.v1.DaemonSet,
    "autoscaling/v2/HorizontalPodAutoscaler": k8s.autoscaling.v2.HorizontalPodAutoscaler,
    "policy/v1/PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
    "storage.k8s.io/v1/StorageClass": k8s.storage.v1.StorageClass,
    "rbac.authorization.k8s.io/v1/Role": k8s.rbac.v1.Role,
    "rbac.authorization.k8s.io/v1/RoleBinding": k8s.rbac.v1.RoleBinding,
    "networking.k8s.io/v1/NetworkPolicy": k8s.networking.v1.NetworkPolicy,
    "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration": k8s.admissionregistration.v1.MutatingWebhookConfiguration,
};

/** Pulumi resource name of an object: `<namespace>-<kind>-<name>`, stable across runs. */
export function resourceName(obj: KubeObject): string {
    const ns = obj.metadata.namespace ? `${obj.metadata.namespace}-` : "";
    return `${ns}${obj.kind.toLowerCase()}-${obj.metadata.name}`;
}

/** Registers `obj` with `opts` (provider, parent, dependsOn); `name` defaults to resourceName(obj). */
export function applyObject(obj: KubeObject, opts: pulumi.CustomResourceOptions, name: string = resourceName(obj)): pulumi.CustomResource {
    const ctor = BUILT_IN[`${obj.apiVersion}/${obj.kind}`];
    if (ctor) return new ctor(name, obj as never, opts);
    return new k8s.apiextensions.CustomResource(name, obj as k8s.apiextensions.CustomResourceArgs, opts);
}
