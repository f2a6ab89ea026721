// The logic of `npm run check:addons`, on DescribeAddonVersions, SSM and DescribeImages responses
// recorded by hand in the shape of the EKS, SSM and EC2 API references (test/cluster/fixtures; the
// AMI description as amazon-eks-ami's AL2023 template writes it); the command itself needs
// credentials.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { AddonVersionsResponse, addonReport, amiKubernetesVersion, amiName, checkAddon, checkAddons, checkDeployedNodeImage, checkNodeImage, checkPinnedRelease, checkPublishedRelease, compareBuilds, DescribeImagesResponse, nodeImageParameter, pinnedReleaseReport } from "../../scripts/lib/eks-versions";
import { NODE_IMAGE_RELEASES } from "../../components/versions";

const fixture = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", name), "utf8")) as T;
const r135 = fixture<AddonVersionsResponse>("describe-addon-versions-1.35.json");
const r136 = fixture<AddonVersionsResponse>("describe-addon-versions-1.36.json");

describe("check:addons", () => {
    it("passes the 1.35 pins EKS serves for 1.35, naming newer builds and the default", () => {
        const checks = checkAddons(r135, "1.35");
        assert.deepEqual(checks.map((c) => [c.addon, c.status]), [["aws-ebs-csi-driver", "ok"], ["coredns", "ok"], ["eks-pod-identity-agent", "ok"], ["kube-proxy", "ok"], ["vpc-cni", "ok"]]);
        const proxy = checks.find((c) => c.addon === "kube-proxy")!;
        assert.deepEqual([proxy.pinned, proxy.newest, proxy.default], ["v1.35.3-eksbuild.13", "v1.35.4-eksbuild.2", "v1.35.3-eksbuild.13"]);
    });

    it("fails a pinned build EKS does not serve for the version (1.36's kube-proxy here)", () => {
        const checks = checkAddons(r136, "1.36");
        assert.deepEqual(checks.filter((c) => c.status !== "ok").map((c) => `${c.addon} ${c.pinned} newest ${c.newest}`), ["kube-proxy v1.36.0-eksbuild.14 newest v1.36.1-eksbuild.3"]);
        const report = addonReport(checks, []);
        assert.equal(report.failed, true);
        assert.match(report.text, /^MISSING 1\.36 kube-proxy v1\.36\.0-eksbuild\.14: EKS serves no such build for 1\.36; newest v1\.36\.1-eksbuild\.3$/m);
    });

    it("counts a build only for the cluster versions its compatibilities list", () => {
        assert.equal(checkAddon(r135, "coredns", "1.36", "v1.13.2-eksbuild.11").status, "missing", "served for 1.34 and 1.35 only");
        assert.equal(checkAddon(r135, "coredns", "1.36", "v1.14.3-eksbuild.3").status, "ok");
        assert.equal(checkAddon(r135, "vpc-cni", "1.35", "v1.99.0-eksbuild.1").status, "missing");
    });

    it("orders eksbuilds numerically", () => {
        assert.ok(compareBuilds("v1.35.3-eksbuild.13", "v1.35.3-eksbuild.9") > 0);
        assert.ok(compareBuilds("v1.22.10-eksbuild.1", "v1.22.9-eksbuild.4") > 0);
    });

    it("reports a node image behind AWS's recommended AL2023 release with the line to bump", () => {
        const ssm = fixture<{ Parameter: { Name: string; Value: string } }>("ssm-release-version-1.35.json");
        assert.equal(ssm.Parameter.Name, nodeImageParameter("1.35"));
        const check = checkNodeImage("1.35", ssm.Parameter.Value);
        assert.deepEqual(check, { kubernetesVersion: "1.35", pinned: NODE_IMAGE_RELEASES["1.35"], recommended: "1.35.8-20261124", status: "behind" });
        const report = addonReport([], [check, checkNodeImage("1.34", NODE_IMAGE_RELEASES["1.34"])]);
        assert.equal(report.failed, false, "a newer AMI is a reviewed bump, not a failure");
        assert.match(report.text, /^BEHIND  1\.35 node image .*: AWS recommends 1\.35\.8-20261124; bump NODE_IMAGE_RELEASES\["1\.35"\]/m);
        assert.match(report.text, /^ok      1\.34 node image /m);
    });

    it("fails when a node group already runs a newer AMI than its pin (the next up would move it back)", () => {
        const ng = fixture<{ nodegroup: { nodegroupName: string; version: string; releaseVersion: string } }>("describe-nodegroup.json").nodegroup;
        const older = checkDeployedNodeImage(ng.nodegroupName, "1.35", ng.releaseVersion);
        assert.equal(older.status, "older");
        const report = addonReport([], [], [older, checkDeployedNodeImage("dodo-prod-general-b", "1.35", NODE_IMAGE_RELEASES["1.35"])]);
        assert.equal(report.failed, true);
        assert.match(report.text, /^OLDER   node group dodo-prod-general-20261010 runs 1\.35\.7-20261010: the pin .* is OLDER; the next up would move its nodes back/m);
        assert.match(report.text, /^ok      node group dodo-prod-general-b runs /m);
    });

    describe("the pinned AMI release exists", () => {
        const today = new Date("2026-12-03T00:00:00Z");
        const recorded = NODE_IMAGE_RELEASES["1.35"];

        it("offline: passes the release versions.ts records, fails a recorded date with another patch or a future date, and says UNKNOWN for any other", () => {
            assert.equal(checkPinnedRelease("prod", "1.35", recorded, today).status, "recorded");
            const wrongPatch = checkPinnedRelease("dev", "1.35", "1.35.5-20260714", today);
            assert.deepEqual([wrongPatch.status, wrongPatch.note], ["wrong", `AMI release v20260714 of 1.35 is ${recorded} (components/versions.ts): another Kubernetes patch is no release`]);
            assert.equal(checkPinnedRelease("dev", "1.35", "1.35.6-20270101", today).status, "wrong");
            const newer = checkPinnedRelease("dev", "1.35", "1.35.7-20261120", today);
            assert.equal(newer.status, "unverified");
            const report = pinnedReleaseReport([checkPinnedRelease("prod", "1.35", recorded, today), newer, wrongPatch]);
            assert.equal(report.failed, true);
            assert.deepEqual(report.text.split("\n").map((l) => l.split(" ")[0]), ["ok", "UNKNOWN", "WRONG"]);
            assert.equal(pinnedReleaseReport([newer]).failed, false, "offline cannot tell; only AWS can");
        });

        it("offline: says the Kubernetes patch of an unrecorded date is not checked", () => {
            const note = checkPinnedRelease("dev", "1.35", "1.35.5-20261120", today).note ?? "";
            assert.match(note, /offline neither the date nor the Kubernetes patch 1\.35\.5 is checked/);
        });

        it("online: asks EC2 for the AMI by its name, and fails when the region has none", () => {
            assert.equal(amiName("1.35", "1.35.7-20261120"), "amazon-eks-node-al2023-x86_64-standard-1.35-v20261120");
            const newer = checkPinnedRelease("dev", "1.35", "1.35.7-20261120", today);
            const found: DescribeImagesResponse = { Images: [{ ImageId: "ami-0abc", Name: "amazon-eks-node-al2023-x86_64-standard-1.35-v20261120", State: "available", Description: "EKS-optimized Kubernetes node based on Amazon Linux 2023, (k8s: 1.35.7, containerd: 2.1.*)" }] };
            assert.deepEqual([checkPublishedRelease(newer, found).status, checkPublishedRelease(newer, found).note], ["published", "ami-0abc, Kubernetes 1.35.7"]);
            const none = checkPublishedRelease(newer, { Images: [] });
            assert.equal(none.status, "missing");
            assert.equal(pinnedReleaseReport([none]).failed, true);
            assert.match(pinnedReleaseReport([none]).text, /^MISSING dev nodes\.imageRelease 1\.35\.7-20261120 \(missing: EC2 has no available Amazon AMI named amazon-eks-node-al2023-x86_64-standard-1\.35-v20261120/);
            const otherName = checkPublishedRelease(newer, { Images: [{ ImageId: "ami-0def", Name: "amazon-eks-node-al2023-x86_64-standard-1.34-v20261120" }] });
            assert.equal(otherName.status, "missing", "another minor's AMI is not this release");
        });

        it("online: fails a pin whose date's AMI runs another Kubernetes patch (EKS takes releaseVersion exactly)", () => {
            const images = fixture<DescribeImagesResponse>("describe-images-1.35-v20261120.json");
            assert.equal(amiKubernetesVersion(images.Images[0].Description), "1.35.6");
            const wrongPatch = checkPublishedRelease(checkPinnedRelease("dev", "1.35", "1.35.5-20261120", today), images);
            assert.deepEqual([wrongPatch.status, wrongPatch.note], ["wrong", "amazon-eks-node-al2023-x86_64-standard-1.35-v20261120 (ami-0c4e1f2a7b9d3e561) runs Kubernetes 1.35.6: its release is 1.35.6-20261120, and EKS refuses any other"]);
            const report = pinnedReleaseReport([wrongPatch]);
            assert.equal(report.failed, true);
            assert.match(report.text, /^WRONG   dev nodes\.imageRelease 1\.35\.5-20261120 \(wrong: /);
            assert.equal(checkPublishedRelease(checkPinnedRelease("dev", "1.35", "1.35.6-20261120", today), images).status, "published", "the same date with the patch it runs");
        });

        it("online: reports UNKNOWN, not ok, when the AMI's description names no Kubernetes version", () => {
            const pin = checkPinnedRelease("dev", "1.35", "1.35.6-20261120", today);
            const bare = checkPublishedRelease(pin, { Images: [{ ImageId: "ami-0abc", Name: amiName("1.35", pin.release), Description: "EKS-optimized Kubernetes node based on Amazon Linux 2023" }] });
            assert.equal(bare.status, "unverified");
            assert.match(pinnedReleaseReport([bare]).text, /^UNKNOWN .*the patch 1\.35\.6 is not checked/);
        });
    });
});
