// The VPC CNI managed add-on's configurationValues (schema: `aws eks describe-addon-configuration
// --addon-name vpc-cni`), one object for every setting the platform needs. Pure.

export interface VpcCniOptions {
    /** Security groups for pods (the payments backend's own group; docs/payments.md). */
    podSecurityGroups: boolean;
}

/**
 * - enableNetworkPolicy runs the network policy agent beside aws-node, so NetworkPolicy objects
 *   are enforced (EKS user guide, "Configure your cluster for Kubernetes network policies":
 *   `{"enableNetworkPolicy": "true"}`, a string). Traffic from the node's own IP (kubelet probes)
 *   stays allowed (aws-network-policy-agent #65).
 * - With security groups for pods: ENABLE_POD_ENI makes the CNI hand pods selected by a
 *   SecurityGroupPolicy a branch ENI of the node's trunk ENI; `standard` enforcing mode keeps
 *   kubelet probes, same-node traffic and NetworkPolicies working as for other pods;
 *   DISABLE_TCP_EARLY_DEMUX lets the kubelet reach such pods over TCP (probes).
 */
export function vpcCniConfiguration(options: VpcCniOptions): string {
    return JSON.stringify({
        enableNetworkPolicy: "true",
        ...(options.podSecurityGroups
            ? { env: { ENABLE_POD_ENI: "true", POD_SECURITY_GROUP_ENFORCING_MODE: "standard" }, init: { env: { DISABLE_TCP_EARLY_DEMUX: "true" } } }
            : {}),
    });
}

/** The managed policy the cluster role needs for the VPC resource controller to manage trunk and branch ENIs. */
export const VPC_RESOURCE_CONTROLLER_POLICY = "AmazonEKSVPCResourceController";
