import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * Hostname AWS gave a LoadBalancer Service (the NLB's DNS name). The Kubernetes provider waits
 * for the load balancer before it reports the Service ready, so this resolves once it exists;
 * a status without one fails here, naming the Service, rather than later as an alias record to nothing.
 */
export function loadBalancerHostname(service: pulumi.CustomResource): pulumi.Output<string> {
    const svc = service as k8s.core.v1.Service;
    return pulumi.all([svc.metadata, svc.status]).apply(([metadata, status]) => hostnameOf(status, `${metadata?.namespace ?? "default"}/${metadata?.name ?? "?"}`));
}

/** The load balancer's hostname (or IP) from a Service status; throws when there is none. */
export function hostnameOf(status: { loadBalancer?: { ingress?: Array<{ hostname?: string; ip?: string }> } } | undefined, service: string): string {
    const ingress = status?.loadBalancer?.ingress?.[0];
    const target = ingress?.hostname || ingress?.ip;
    if (!target) throw new Error(`Service ${service} has no load balancer hostname yet (status.loadBalancer.ingress is empty); the host's DNS record needs it`);
    return target;
}
