import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * Hostname AWS gave a LoadBalancer Service (the NLB's DNS name). The Kubernetes provider waits
 * for the load balancer before it reports the Service ready, so this resolves once it exists.
 */
export function loadBalancerHostname(service: pulumi.CustomResource): pulumi.Output<string> {
    return (service as k8s.core.v1.Service).status.apply((status) => {
        const ingress = status?.loadBalancer?.ingress?.[0];
        return ingress?.hostname ?? ingress?.ip ?? "";
    });
}
