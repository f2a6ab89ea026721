// EKS upgrades one Kubernetes minor at a time and never downgrades (UpdateClusterVersion refuses
// 1.34 -> 1.36, and any step back). The version deployed is the stack output `kubernetesVersion`
// of the last `pulumi up` (what EKS reported for the cluster then), read back here through a
// reference to the stack itself (pulumi/pulumi#3722), so a skipping or backward step fails the
// preview naming the key instead of failing halfway through `pulumi up`.
import * as pulumi from "@pulumi/pulumi";
import { fullKey } from "../settings";

/** The stack output the program exports for this check. */
export const KUBERNETES_VERSION_OUTPUT = "kubernetesVersion";

const minor = (v: string): number | undefined => {
    const m = /^1\.(\d+)(\.\d+)?$/.exec(v);
    return m ? Number(m[1]) : undefined;
};

/** Why EKS would refuse moving from `deployed` to `wanted`, or undefined (also when nothing was deployed yet). */
export function kubernetesUpgradeProblem(deployed: string | undefined, wanted: string): string | undefined {
    const [d, w] = [deployed === undefined ? undefined : minor(deployed), minor(wanted)];
    if (d === undefined || w === undefined) return undefined;
    const key = fullKey("cluster.kubernetesVersion");
    if (w < d) {
        return `${key}: the cluster runs 1.${d} (stack output ${KUBERNETES_VERSION_OUTPUT} of the last pulumi up) and EKS cannot downgrade it to ${wanted}; set 1.${d} (if EKS upgraded it at the end of standard support, it stays there)`;
    }
    if (w > d + 1) {
        return `${key}: the cluster runs 1.${d} (stack output ${KUBERNETES_VERSION_OUTPUT}) and EKS upgrades one minor version at a time: set 1.${d + 1}, pulumi up, then ${wanted}`;
    }
    return undefined;
}

/** The stack's organization; the DIY backend's and the offline render's is "organization". */
function organization(): string {
    try {
        return pulumi.getOrganization();
    } catch {
        return "organization";
    }
}

/** The version this stack's last `pulumi up` exported (undefined before the first, or offline). */
export function deployedKubernetesVersion(name: string, opts: pulumi.CustomResourceOptions): pulumi.Output<string | undefined> {
    const self = new pulumi.StackReference(name, { name: `${organization()}/${pulumi.getProject()}/${pulumi.getStack()}` }, opts);
    return self.getOutput(KUBERNETES_VERSION_OUTPUT).apply((v) => (typeof v === "string" ? v : undefined));
}

/** `wanted`, once the deployed version allows it; otherwise the preview fails with the problem. */
export function guardedKubernetesVersion(wanted: string, deployed: pulumi.Input<string | undefined>): pulumi.Output<string> {
    return pulumi.output(deployed).apply((d) => {
        const problem = kubernetesUpgradeProblem(d, wanted);
        if (problem) throw new pulumi.RunError(problem);
        return wanted;
    });
}
