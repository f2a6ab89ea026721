// Pure checks of the pinned EKS add-on builds and node images (components/versions.ts) against
// what AWS serves: `aws eks describe-addon-versions` (DescribeAddonVersions, EKS API reference)
// and the EKS-optimized AL2023 AMI's SSM parameter. scripts/check-addons.ts makes the calls.
import { EksAddonName, eksAddonVersions, KubernetesVersion, NODE_IMAGE_RELEASES } from "../../components/versions";

/** The DescribeAddonVersions response, the fields read here. */
export interface AddonVersionsResponse {
    addons: {
        addonName: string;
        addonVersions: { addonVersion: string; compatibilities: { clusterVersion: string; defaultVersion?: boolean; platformVersions?: string[] }[] }[];
    }[];
    nextToken?: string | null;
}

export interface AddonCheck {
    addon: EksAddonName;
    kubernetesVersion: string;
    pinned: string;
    /** ok: served for the version; missing: EKS does not serve this build for it (a failure). */
    status: "ok" | "missing";
    /** The newest build EKS serves for the version, and the one it installs by default. */
    newest?: string;
    default?: string;
}

/** `v1.19.2-eksbuild.3` -> [1, 19, 2, 3], to order builds. */
function buildParts(v: string): number[] {
    const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-eksbuild\.(\d+))?$/.exec(v);
    return m ? m.slice(1).map((x) => Number(x ?? 0)) : [];
}

export function compareBuilds(a: string, b: string): number {
    const [x, y] = [buildParts(a), buildParts(b)];
    for (let i = 0; i < 4; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
}

export function checkAddon(response: AddonVersionsResponse, addon: EksAddonName, kubernetesVersion: string, pinned: string): AddonCheck {
    const builds = (response.addons.find((a) => a.addonName === addon)?.addonVersions ?? []).filter((b) => b.compatibilities.some((c) => c.clusterVersion === kubernetesVersion));
    const sorted = builds.map((b) => b.addonVersion).sort(compareBuilds);
    const byDefault = builds.find((b) => b.compatibilities.some((c) => c.clusterVersion === kubernetesVersion && c.defaultVersion));
    return {
        addon,
        kubernetesVersion,
        pinned,
        status: sorted.includes(pinned) ? "ok" : "missing",
        newest: sorted[sorted.length - 1],
        default: byDefault?.addonVersion,
    };
}

/** Every pinned add-on of a Kubernetes version against the response for that version. */
export function checkAddons(response: AddonVersionsResponse, kubernetesVersion: KubernetesVersion): AddonCheck[] {
    const pinned = eksAddonVersions(kubernetesVersion);
    return (Object.keys(pinned) as EksAddonName[]).sort().map((addon) => checkAddon(response, addon, kubernetesVersion, pinned[addon]));
}

export interface NodeImageCheck {
    kubernetesVersion: string;
    pinned: string;
    recommended: string;
    /** behind: AWS publishes a newer AL2023 release (bump NODE_IMAGE_RELEASES); ahead should not happen. */
    status: "current" | "behind" | "ahead";
}

/** `1.35.6-20260714` -> its build date, which orders releases of one minor. */
const releaseDate = (r: string) => r.split("-").pop() ?? "";
/** `1.35.6-20260714` -> `1.35.6`, the Kubernetes patch EKS matches exactly in releaseVersion. */
const kubernetesPatch = (r: string) => r.split("-")[0];

export function checkNodeImage(kubernetesVersion: KubernetesVersion, recommended: string): NodeImageCheck {
    const pinned = NODE_IMAGE_RELEASES[kubernetesVersion];
    const [p, r] = [releaseDate(pinned), releaseDate(recommended)];
    return { kubernetesVersion, pinned, recommended, status: p === r ? "current" : p < r ? "behind" : "ahead" };
}

/** The SSM parameter holding the recommended AL2023 (x86_64, standard) release of a Kubernetes minor. */
export function nodeImageParameter(kubernetesVersion: string): string {
    return `/aws/service/eks/optimized-ami/${kubernetesVersion}/amazon-linux-2023/x86_64/standard/recommended/release_version`;
}

export interface DeployedNodeImage {
    nodegroup: string;
    kubernetesVersion: string;
    deployed: string;
    pinned: string;
    /** older: the pin would move the nodes back to an older AMI (EKS accepts any release): a failure. */
    status: "same" | "newer" | "older";
}

/** A node group's running release (DescribeNodegroup's releaseVersion) against the pin for its version. */
export function checkDeployedNodeImage(nodegroup: string, kubernetesVersion: KubernetesVersion, deployed: string): DeployedNodeImage {
    const pinned = NODE_IMAGE_RELEASES[kubernetesVersion];
    const [p, d] = [releaseDate(pinned), releaseDate(deployed)];
    return { nodegroup, kubernetesVersion, deployed, pinned, status: p === d ? "same" : p > d ? "newer" : "older" };
}

export function addonReport(checks: readonly AddonCheck[], images: readonly NodeImageCheck[], deployed: readonly DeployedNodeImage[] = []): { text: string; failed: boolean } {
    const lines: string[] = [];
    for (const c of checks) {
        const newer = c.newest && compareBuilds(c.newest, c.pinned) > 0 ? ` (newest ${c.newest}${c.default && c.default !== c.newest ? `, default ${c.default}` : ""})` : "";
        lines.push(`${c.status === "ok" ? "ok     " : "MISSING"} ${c.kubernetesVersion} ${c.addon} ${c.pinned}${c.status === "ok" ? newer : `: EKS serves no such build for ${c.kubernetesVersion}; newest ${c.newest ?? "none"}`}`);
    }
    for (const i of images) {
        const note = i.status === "current" ? "" : i.status === "behind" ? `: AWS recommends ${i.recommended}; bump NODE_IMAGE_RELEASES["${i.kubernetesVersion}"] (nodes roll on the next up)` : `: newer than AWS's recommended ${i.recommended}`;
        lines.push(`${i.status === "current" ? "ok     " : i.status === "behind" ? "BEHIND " : "AHEAD  "} ${i.kubernetesVersion} node image ${i.pinned}${note}`);
    }
    for (const d of deployed) {
        const note = d.status === "same" ? "" : d.status === "newer" ? `: the next up rolls its nodes to ${d.pinned}` : `: the pin ${d.pinned} is OLDER; the next up would move its nodes back (bump NODE_IMAGE_RELEASES["${d.kubernetesVersion}"] to ${d.deployed} or newer first)`;
        lines.push(`${d.status === "older" ? "OLDER  " : "ok     "} node group ${d.nodegroup} runs ${d.deployed}${note}`);
    }
    const failed = checks.some((c) => c.status !== "ok") || deployed.some((d) => d.status === "older");
    return { text: lines.join("\n"), failed };
}

/** A stack's node image pin (nodes.imageRelease, default NODE_IMAGE_RELEASES) and what is known of it. */
export interface PinnedRelease {
    stack: string;
    kubernetesVersion: KubernetesVersion;
    release: string;
    /**
     * recorded: the release committed in versions.ts for its minor (checked against the
     * awslabs/amazon-eks-ami CHANGELOG when pinned); published: AWS serves its AMI and the AMI runs
     * the pin's Kubernetes patch (online); unverified: offline, a build date nothing here records
     * (neither the date nor the patch is checked), or online, an AMI whose description names no
     * Kubernetes version; wrong: cannot be a release (a recorded build date with another Kubernetes
     * patch, a date after today, or, online, the date's AMI runs another patch); missing: AWS serves
     * no AMI of that name (online).
     */
    status: "recorded" | "published" | "unverified" | "wrong" | "missing";
    note?: string;
}

/** What the script can tell offline: the pin against the release versions.ts records for its minor. */
export function checkPinnedRelease(stack: string, kubernetesVersion: KubernetesVersion, release: string, today: Date): PinnedRelease {
    const recorded = NODE_IMAGE_RELEASES[kubernetesVersion];
    const base = { stack, kubernetesVersion, release };
    if (release === recorded) return { ...base, status: "recorded" };
    const date = releaseDate(release);
    if (date === releaseDate(recorded)) return { ...base, status: "wrong", note: `AMI release v${date} of ${kubernetesVersion} is ${recorded} (components/versions.ts): another Kubernetes patch is no release` };
    if (date > today.toISOString().slice(0, 10).replace(/-/g, "")) return { ...base, status: "wrong", note: `its build date ${date} is after today` };
    return { ...base, status: "unverified", note: `build date not recorded here, so offline neither the date nor the Kubernetes patch ${kubernetesPatch(release)} is checked; run with credentials to ask EC2 for ${amiName(kubernetesVersion, release)} and the Kubernetes version it runs` };
}

/** The EKS-optimized AMI's name for a release (amazon-eks-ami's AL2023 template: …-standard-<minor>-v<date>). */
export function amiName(kubernetesVersion: string, release: string): string {
    return `amazon-eks-node-al2023-x86_64-standard-${kubernetesVersion}-v${releaseDate(release)}`;
}

/** The DescribeImages response, the fields read here. */
export interface DescribeImagesResponse {
    Images: { ImageId: string; Name: string; State?: string; Description?: string }[];
}

/**
 * The Kubernetes version an EKS-optimized AL2023 AMI runs, from its description. amazon-eks-ami
 * builds it as "<ami_description>, <ami_component_description>" (templates/al2023/template.json),
 * the latter "(k8s: {{kubernetes_version}}, containerd: ...)" with the full patch
 * (templates/al2023/variables-default.json): e.g. "EKS-optimized Kubernetes node based on Amazon
 * Linux 2023, (k8s: 1.35.6, containerd: 2.1.*)".
 */
export function amiKubernetesVersion(description: string | undefined): string | undefined {
    return /\(k8s: (\d+\.\d+\.\d+)[,)]/.exec(description ?? "")?.[1];
}

/**
 * Online: a pin is published when EC2 has an available Amazon-owned AMI of its name in the region
 * and that AMI runs the pin's Kubernetes patch. The name carries only minor and date, and EKS takes
 * releaseVersion as an exact string (a wrong patch is refused mid-up: "Requested Nodegroup release
 * version ... is invalid", awslabs/amazon-eks-ami#559), so the patch is read from the description.
 */
export function checkPublishedRelease(pin: PinnedRelease, response: DescribeImagesResponse): PinnedRelease {
    if (pin.status === "wrong") return pin;
    const name = amiName(pin.kubernetesVersion, pin.release);
    const image = response.Images.find((i) => i.Name === name && (i.State ?? "available") === "available");
    if (!image) return { ...pin, status: "missing", note: `EC2 has no available Amazon AMI named ${name} in this region` };
    const runs = amiKubernetesVersion(image.Description);
    if (!runs) return { ...pin, status: "unverified", note: `${image.ImageId} exists, but its description names no Kubernetes version, so the patch ${kubernetesPatch(pin.release)} is not checked` };
    if (runs !== kubernetesPatch(pin.release)) return { ...pin, status: "wrong", note: `${name} (${image.ImageId}) runs Kubernetes ${runs}: its release is ${runs}-${releaseDate(pin.release)}, and EKS refuses any other` };
    return { ...pin, status: "published", note: `${image.ImageId}, Kubernetes ${runs}` };
}

export function pinnedReleaseReport(pins: readonly PinnedRelease[]): { text: string; failed: boolean } {
    const label: Record<PinnedRelease["status"], string> = { recorded: "ok     ", published: "ok     ", unverified: "UNKNOWN", wrong: "WRONG  ", missing: "MISSING" };
    const text = pins.map((p) => `${label[p.status]} ${p.stack} nodes.imageRelease ${p.release} (${p.status}${p.note ? `: ${p.note}` : ""})`).join("\n");
    return { text, failed: pins.some((p) => p.status === "wrong" || p.status === "missing") };
}
