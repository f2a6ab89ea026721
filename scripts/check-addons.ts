// npm run check:addons [-- --region <region>] [--profile <profile>] [--cluster <eks-cluster-name>]
// With AWS credentials: checks every pinned EKS add-on build (components/versions.ts) against
// `aws eks describe-addon-versions` for each supported Kubernetes version, and the pinned AL2023
// node images against the SSM parameter of AWS's recommended release. Prints one line per pin;
// With --cluster, also the release each of its managed node groups runs. Exits 1 when EKS does not
// serve a pinned add-on build, or when a node group runs a newer AMI than its pin (the next up
// would move it back); 2 on bad usage. Newer builds and AMIs are reported, not failed: bumping
// them is a reviewed change (docs/upgrades.md).
import { spawnSync } from "child_process";
import { SUPPORTED_KUBERNETES_VERSIONS } from "../components/versions";
import { parseArgs, runCommand, UsageError } from "./lib/args";
import { AddonVersionsResponse, addonReport, checkAddons, checkDeployedNodeImage, checkNodeImage, DeployedNodeImage, nodeImageParameter } from "./lib/eks-versions";
import { KubernetesVersion } from "../components/versions";

const USAGE = "usage: npm run check:addons [-- --region <region>] [--profile <profile>] [--cluster <eks-cluster-name>]";

class AwsCliError extends Error {}

function aws(args: string[], region: string, profile?: string): unknown {
    const r = spawnSync("aws", [...args, "--region", region, "--output", "json", ...(profile ? ["--profile", profile] : [])], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw new AwsCliError(`the AWS CLI (aws) is needed: ${r.error.message}`);
    if (r.status !== 0) throw new AwsCliError(`aws ${args.slice(0, 2).join(" ")} failed (credentials?): ${r.stderr.trim()}`);
    return JSON.parse(r.stdout);
}

async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv, { region: "string", profile: "string", cluster: "string" }, USAGE);
    if (args._.length > 0) throw new UsageError(`unexpected argument ${args._[0]}\n${USAGE}`);
    const region = args.region ?? process.env.AWS_REGION ?? "ap-south-1";
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
    console.log(report.text);
    return report.failed ? 1 : 0;
}

runCommand("check:addons", main, (err) => err instanceof AwsCliError);
