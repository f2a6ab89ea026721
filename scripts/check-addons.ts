// npm run check:addons [-- --offline] [--stack <s> ...] [--region <region>] [--profile <profile>] [--cluster <eks-cluster-name>]
// Offline (--offline, no credentials): each stack's node image pin (nodes.imageRelease, default
// NODE_IMAGE_RELEASES) against what the repo records: the release versions.ts pins for its minor
// passes; the same build date with another Kubernetes patch, or a date after today, fails (no such
// release); any other date is reported UNKNOWN, its Kubernetes patch unchecked (only AWS can
// tell). Online, also each pin's AMI: `aws ec2 describe-images --owners amazon` by its name
// (amazon-eks-node-al2023-x86_64-standard-<minor>-v<date>), failing when the region has none or
// when the AMI's description says it runs another Kubernetes patch than the pin (EKS takes
// releaseVersion as an exact string). With AWS credentials: checks every pinned EKS add-on build (components/versions.ts) against
// `aws eks describe-addon-versions` for each supported Kubernetes version, and the pinned AL2023
// node images against the SSM parameter of AWS's recommended release. Prints one line per pin;
// With --cluster, also the release each of its managed node groups runs. Exits 1 when EKS does not
// serve a pinned add-on build, or when a node group runs a newer AMI than its pin (the next up
// would move it back); 2 on bad usage. Newer builds and AMIs are reported, not failed: bumping
// them is a reviewed change (docs/upgrades.md).
import { spawnSync } from "child_process";
import { SUPPORTED_KUBERNETES_VERSIONS } from "../components/versions";
import { parseArgs, runCommand, UsageError } from "./lib/args";
import { AddonVersionsResponse, addonReport, amiName, checkAddons, checkDeployedNodeImage, checkNodeImage, checkPinnedRelease, checkPublishedRelease, DeployedNodeImage, DescribeImagesResponse, nodeImageParameter, PinnedRelease, pinnedReleaseReport } from "./lib/eks-versions";
import { KubernetesVersion } from "../components/versions";
import { parsePlatformConfig } from "../components/config";
import { readStackConfig } from "./lib/render";

const USAGE = "usage: npm run check:addons [-- --offline] [--stack <dev|staging|prod> ...] [--region <region>] [--profile <profile>] [--cluster <eks-cluster-name>]";
const EKS_STACKS = ["dev", "staging", "prod"];

/** Each stack's node image pin, as its config resolves it, checked offline. */
function stackPins(stacks: readonly string[], today: Date): PinnedRelease[] {
    return stacks.map((stack) => {
        const { values, secretKeys } = readStackConfig(stack);
        const cluster = parsePlatformConfig({ stack, values, secretKeys }).cluster;
        return checkPinnedRelease(stack, cluster.kubernetesVersion, cluster.nodeImageRelease, today);
    });
}

class AwsCliError extends Error {}

function aws(args: string[], region: string, profile?: string): unknown {
    const r = spawnSync("aws", [...args, "--region", region, "--output", "json", ...(profile ? ["--profile", profile] : [])], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw new AwsCliError(`the AWS CLI (aws) is needed: ${r.error.message}`);
    if (r.status !== 0) throw new AwsCliError(`aws ${args.slice(0, 2).join(" ")} failed (credentials?): ${r.stderr.trim()}`);
    return JSON.parse(r.stdout);
}

async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv, { region: "string", profile: "string", cluster: "string", offline: "boolean", stack: "list" }, USAGE);
    if (args._.length > 0) throw new UsageError(`unexpected argument ${args._[0]}\n${USAGE}`);
    const stacks = args.stack ?? EKS_STACKS;
    for (const s of stacks) if (!EKS_STACKS.includes(s)) throw new UsageError(`--stack must be one of ${EKS_STACKS.join(", ")} (EKS stacks)\n${USAGE}`);
    const pins = stackPins(stacks, new Date());
    if (args.offline) {
        const offline = pinnedReleaseReport(pins);
        console.log(offline.text);
        return offline.failed ? 1 : 0;
    }
    const region = args.region ?? process.env.AWS_REGION ?? "ap-south-1";
    const published = pins.map((p) => checkPublishedRelease(p, aws(["ec2", "describe-images", "--owners", "amazon", "--filters", `Name=name,Values=${amiName(p.kubernetesVersion, p.release)}`], region, args.profile) as DescribeImagesResponse));
    const checks = SUPPORTED_KUBERNETES_VERSIONS.flatMap((v) => checkAddons(aws(["eks", "describe-addon-versions", "--kubernetes-version", v], region, args.profile) as AddonVersionsResponse, v));
    const images = SUPPORTED_KUBERNETES_VERSIONS.map((v) => {
        const p = aws(["ssm", "get-parameter", "--name", nodeImageParameter(v)], region, args.profile) as { Parameter: { Value: string } };
        return checkNodeImage(v, p.Parameter.Value);
    });
    const deployed: DeployedNodeImage[] = [];
    if (args.cluster) {
        const groups = (aws(["eks", "list-nodegroups", "--cluster-name", args.cluster], region, args.profile) as { nodegroups: string[] }).nodegroups;
        for (const g of groups) {
            const ng = (aws(["eks", "describe-nodegroup", "--cluster-name", args.cluster, "--nodegroup-name", g], region, args.profile) as { nodegroup: { version: string; releaseVersion: string } }).nodegroup;
            if ((SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(ng.version)) deployed.push(checkDeployedNodeImage(g, ng.version as KubernetesVersion, ng.releaseVersion));
        }
    }
    const report = addonReport(checks, images, deployed);
    const pinned = pinnedReleaseReport(published);
    console.log(`${report.text}\n${pinned.text}`);
    return report.failed || pinned.failed ? 1 : 0;
}

runCommand("check:addons", main, (err) => err instanceof AwsCliError);
