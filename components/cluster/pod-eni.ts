// Security groups for pods (the payments backend's own security group; docs/payments.md): what
// the VPC CNI and the cluster role need. Pure.

/**
 * vpc-cni add-on configuration: ENABLE_POD_ENI makes the CNI hand pods selected by a
 * SecurityGroupPolicy a branch ENI of the node's trunk ENI; `standard` enforcing mode keeps
 * kubelet probes and same-node traffic working as for other pods; DISABLE_TCP_EARLY_DEMUX lets the
 * kubelet reach such pods over TCP (probes). undefined: the add-on's defaults (no trunk ENIs).
 */
export function vpcCniConfiguration(podSecurityGroups: boolean): string | undefined {
    if (!podSecurityGroups) return undefined;
    return JSON.stringify({
        env: { ENABLE_POD_ENI: "true", POD_SECURITY_GROUP_ENFORCING_MODE: "standard" },
        init: { env: { DISABLE_TCP_EARLY_DEMUX: "true" } },
    });
}

/** The managed policy the cluster role needs for the VPC resource controller to manage trunk and branch ENIs. */
export const VPC_RESOURCE_CONTROLLER_POLICY = "AmazonEKSVPCResourceController";
