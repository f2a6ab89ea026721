// EKS upgrades one Kubernetes minor at a time and never downgrades (UpdateClusterVersion refuses
// 1.34 -> 1.36, and any step back). The version deployed is the stack output `kubernetesVersion`
// of the last `pulumi up` (what EKS reported for the cluster then), read back here through a
// reference to the stack itself (pulumi/pulumi#3722), so a skipping or backward step fails the
// preview naming the key instead of failing halfway through `pulumi up`. Without that output (an
// imported or migrated stack) cluster.deployedKubernetesVersion stands in; with neither (a new
// stack) nothing is checked and the preview warns. Neither source sees the live cluster: when EKS
// upgrades a STANDARD cluster itself after standard support ends, the output keeps the last up's
// version (`pulumi refresh` does not rewrite stack outputs), so this check passes and the up would
// ask EKS for a downgrade; the operator sets cluster.kubernetesVersion to the running version
// (docs/upgrades.md, "Upgrade policy").
import * as pulumi from "@pulumi/pulumi";
import { fullKey } from "../settings";
import { EKS_SUPPORT, KubernetesVersion } from "../versions";

/** The stack output the program exports for this check. */
export const KUBERNETES_VERSION_OUTPUT = "kubernetesVersion";

const minor = (v: string): number | undefined => {
    const m = /^1\.(\d+)(\.\d+)?$/.exec(v);
    return m ? Number(m[1]) : undefined;
};

const OUTPUT_SOURCE = `stack output ${KUBERNETES_VERSION_OUTPUT} of the last pulumi up`;
const CONFIG_SOURCE = fullKey("cluster.deployedKubernetesVersion");

/** Why EKS would refuse moving from `deployed` to `wanted`, or undefined (also when nothing was deployed yet). */
export function kubernetesUpgradeProblem(deployed: string | undefined, wanted: string, source = OUTPUT_SOURCE): string | undefined {
    const [d, w] = [deployed === undefined ? undefined : minor(deployed), minor(wanted)];
    if (d === undefined || w === undefined) return undefined;
    const key = fullKey("cluster.kubernetesVersion");
    if (w < d) {
        return `${key}: the cluster was deployed at 1.${d} (${source}) and EKS cannot downgrade it to ${wanted}; set 1.${d}`;
    }
    if (w > d + 1) {
        return `${key}: the cluster was deployed at 1.${d} (${source}) and EKS upgrades one minor version at a time: set 1.${d + 1}, pulumi up, then ${wanted}`;
    }
    return undefined;
}

/** What the check compares with: the stack output when there is one, else the config key. */
export function deployedVersionSource(output: string | undefined, configured: string | undefined): { version: string; source: string } | undefined {
    if (output !== undefined) return { version: output, source: OUTPUT_SOURCE };
    return configured !== undefined ? { version: configured, source: CONFIG_SOURCE } : undefined;
}

/** The preview's warning when nothing tells which version the cluster runs. */
export function unknownDeployedVersionWarning(wanted: string): string {
    return `${fullKey("cluster.kubernetesVersion")} ${wanted} is not checked against a deployed version: the stack has no output ${KUBERNETES_VERSION_OUTPUT} and ${CONFIG_SOURCE} is unset. Right for a stack's first up; for a stack whose cluster exists (imported or migrated state), set ${CONFIG_SOURCE} to the minor \`aws eks describe-cluster\` reports, or EKS refuses a skipped minor only halfway through the up`;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** How far ahead the preview warns of a version entering extended support. */
export const EXTENDED_SUPPORT_WARNING_DAYS = 90;

/** The preview's warning about the stack's version's EKS support on `today`, or undefined when there is nothing to say. */
export function supportWarning(version: KubernetesVersion, supportType: "STANDARD" | "EXTENDED", today: Date): string | undefined {
    const { standardEnds, extendedEnds } = EKS_SUPPORT[version];
    const key = fullKey("cluster.kubernetesVersion");
    if (!standardEnds || !extendedEnds) return `${key} ${version}: its EKS support dates are not recorded (EKS_SUPPORT in components/versions.ts); check the EKS Kubernetes release calendar`;
    const days = (date: string) => Math.ceil((Date.parse(`${date}T00:00:00Z`) - today.getTime()) / DAY_MS);
    const next = `1.${Number(version.split(".")[1]) + 1}`;
    // EKS upgrades "through a gradual deployment process after the end of support date", not on
    // the day (EKS user guide, view-upgrade-policy and kubernetes-versions), and this program
    // cannot see it happen: the one-minor check reads the last up's stack output.
    const afterAutoUpgrade = `this preview does not see EKS's upgrade: once \`aws eks describe-cluster\` reports ${next}, set ${key} to ${next} (docs/upgrades.md, "Upgrade policy")`;
    if (days(extendedEnds) <= 0) return `${key} ${version}: EKS extended support ended on ${extendedEnds}; from that day EKS upgrades such clusters itself: ${afterAutoUpgrade}`;
    if (days(standardEnds) <= 0) {
        if (supportType === "STANDARD") return `${key} ${version}: EKS standard support ended on ${standardEnds}; from that day EKS upgrades this cluster (supportType STANDARD) to ${next} itself, at a time it picks: ${afterAutoUpgrade}`;
        return `${key} ${version}: in EKS extended support since ${standardEnds} (billed per cluster hour), which ends on ${extendedEnds} (in ${days(extendedEnds)} days): upgrade to ${next}`;
    }
    if (days(standardEnds) <= EXTENDED_SUPPORT_WARNING_DAYS) {
        const then = supportType === "STANDARD" ? "from that day EKS may upgrade this cluster (supportType STANDARD) to the next minor itself, at a time it picks" : "the cluster stays (supportType EXTENDED) at the extended-support price per cluster hour";
        return `${key} ${version}: enters EKS extended support on ${standardEnds} (in ${days(standardEnds)} days): ${then}; upgrade to ${next} before (one minor per pulumi up, docs/upgrades.md)`;
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

/**
 * A warning in `pulumi preview` (a dry run), where the operator decides; offline renders (mocks,
 * not a dry run) and the update that follows the preview stay quiet.
 */
export function previewWarning(message: string, resource?: pulumi.Resource): void {
    if (pulumi.runtime.isDryRun()) void pulumi.log.warn(message, resource);
}

/**
 * `wanted`, once the deployed version (the stack output, else `configured`) allows it; otherwise
 * the preview fails with the problem. With neither, `warn` says nothing was checked.
 */
export function guardedKubernetesVersion(
    wanted: string,
    deployed: pulumi.Input<string | undefined>,
    configured?: string,
    warn: (message: string) => void = previewWarning,
): pulumi.Output<string> {
    return pulumi.output(deployed).apply((d) => {
        const known = deployedVersionSource(d, configured);
        if (!known) {
            warn(unknownDeployedVersionWarning(wanted));
            return wanted;
        }
        const problem = kubernetesUpgradeProblem(known.version, wanted, known.source);
        if (problem) throw new pulumi.RunError(problem);
        return wanted;
    });
}
