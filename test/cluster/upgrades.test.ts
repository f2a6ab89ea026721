// EKS upgrades: one minor at a time from the deployed version, the upgrade policy per environment,
// node images pinned per Kubernetes minor.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parsePlatformConfig } from "../../components/config";
import { deployedVersionSource, guardedKubernetesVersion, kubernetesUpgradeProblem, supportWarning } from "../../components/cluster/version-guard";
import { NODE_IMAGE_RELEASES, SUPPORTED_KUBERNETES_VERSIONS } from "../../components/versions";
import { readStackConfig, REPO_ROOT } from "../../scripts/lib/render";
import { readStackConfig as stackConfig, renderStack } from "../../scripts/lib/render";
import { diffRenders, snapshotFromSynth } from "../../scripts/lib/diff";
import { manifestsYaml, resourcesJson } from "../../scripts/lib/synth-output";
import { stepEffects } from "../../scripts/lib/upgrade/effects";
import { get, props, renderCached, runComponent } from "../harness";

function problems(stack: string, paths: Record<string, unknown>): string[] {
    const { values, secretKeys } = readStackConfig(stack, REPO_ROOT, paths);
    try {
        parsePlatformConfig({ stack, values, secretKeys });
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return [...err.problems];
    }
}

describe("EKS upgrades", () => {
    describe("Kubernetes minor versions", () => {
        it("allows staying, and one minor up from the deployed version", () => {
            assert.equal(kubernetesUpgradeProblem("1.34", "1.34"), undefined);
            assert.equal(kubernetesUpgradeProblem("1.34", "1.35"), undefined);
            assert.equal(kubernetesUpgradeProblem("1.35.3", "1.36"), undefined, "EKS reports a minor; a patch is read as its minor");
        });

        it("refuses skipping a minor (1.34 -> 1.36), naming the key and the step in between", () => {
            assert.equal(
                kubernetesUpgradeProblem("1.34", "1.36"),
                "dodo-platform:cluster.kubernetesVersion: the cluster was deployed at 1.34 (stack output kubernetesVersion of the last pulumi up) and EKS upgrades one minor version at a time: set 1.35, pulumi up, then 1.36",
            );
        });

        it("refuses going back from the version the last up deployed, which EKS cannot do", () => {
            assert.equal(
                kubernetesUpgradeProblem("1.35", "1.34"),
                "dodo-platform:cluster.kubernetesVersion: the cluster was deployed at 1.35 (stack output kubernetesVersion of the last pulumi up) and EKS cannot downgrade it to 1.34; set 1.35",
            );
        });

        it("cannot see EKS upgrading a STANDARD cluster itself: the stack output keeps the last up's minor, so the old config passes", () => {
            // EKS moved the cluster 1.34 -> 1.35; the output and the config still say 1.34.
            assert.equal(kubernetesUpgradeProblem("1.34", "1.34"), undefined);
            // The fix docs/upgrades.md gives (set the running version) is one minor up from the output: allowed.
            assert.equal(kubernetesUpgradeProblem("1.34", "1.35"), undefined);
        });

        it("checks nothing before the first pulumi up (no stack output yet)", () => {
            assert.equal(kubernetesUpgradeProblem(undefined, "1.36"), undefined);
        });

        it("fails the program at preview when the deployed version is two minors behind", async () => {
            class Versioned extends pulumi.CustomResource {
                constructor(version: pulumi.Input<string>) {
                    super("test:index:Versioned", "cluster", { version });
                }
            }
            const run = (deployed: string) => runComponent(() => new Versioned(guardedKubernetesVersion("1.36", pulumi.output(deployed))));
            await assert.rejects(run("1.34"), /one minor version at a time: set 1\.35/);
            const ok = await run("1.35");
            assert.equal(props<{ version: string }>(get(ok, "test:index:Versioned", "cluster")).version, "1.36");
        });

        describe("without the stack output (first up, or an imported stack)", () => {
            const guard = async (output: string | undefined, configured: string | undefined, wanted = "1.36") => {
                const warnings: string[] = [];
                class Versioned extends pulumi.CustomResource {
                    constructor(version: pulumi.Input<string>) {
                        super("test:index:Versioned", "cluster", { version });
                    }
                }
                const resources = await runComponent(() => new Versioned(guardedKubernetesVersion(wanted, pulumi.output(output), configured, (m) => warnings.push(m))));
                return { version: props<{ version: string }>(get(resources, "test:index:Versioned", "cluster")).version, warnings };
            };

            it("compares with cluster.deployedKubernetesVersion, and names it as the source", async () => {
                await assert.rejects(guard(undefined, "1.34"), /cluster\.kubernetesVersion: the cluster was deployed at 1\.34 \(dodo-platform:cluster\.deployedKubernetesVersion\) and EKS upgrades one minor version at a time: set 1\.35/);
                assert.deepEqual(await guard(undefined, "1.35"), { version: "1.36", warnings: [] });
            });

            it("the stack output wins over the key once it exists", async () => {
                assert.deepEqual(deployedVersionSource("1.35", "1.34"), { version: "1.35", source: "stack output kubernetesVersion of the last pulumi up" });
                assert.deepEqual(await guard("1.35", "1.34"), { version: "1.36", warnings: [] });
            });

            it("with neither, passes the version through and warns that nothing was checked, naming the key to set", async () => {
                const { version, warnings } = await guard(undefined, undefined);
                assert.equal(version, "1.36");
                assert.equal(warnings.length, 1);
                assert.match(warnings[0], /^dodo-platform:cluster\.kubernetesVersion 1\.36 is not checked against a deployed version: the stack has no output kubernetesVersion and dodo-platform:cluster\.deployedKubernetesVersion is unset/);
            });

            it("refuses a malformed key, naming it", () => {
                assert.ok(problems("prod", { "dodo-platform:cluster.deployedKubernetesVersion": "1.34.2" }).some((p) => /^dodo-platform:cluster\.deployedKubernetesVersion: .*expected a Kubernetes minor such as 1\.34/.test(p)));
            });
        });

        it("the cluster and its nodes take the guarded version; eks stacks export it for the next preview", async () => {
            const render = await renderCached("prod");
            assert.ok(render.resources.some((r) => r.type === "pulumi:pulumi:StackReference" && (r.props as { name?: string }).name === "organization/dodo-platform/prod"), "reads its own stack");
            assert.equal(props<{ version: string }>(get(render.resources, "aws:eks/cluster:Cluster", "cluster-eks")).version, "1.35");
            assert.equal(props<{ version: string }>(get(render.resources, "aws:eks/nodeGroup:NodeGroup", "cluster-general")).version, "1.35");
            assert.ok("kubernetesVersion" in render.outputs, Object.keys(render.outputs).join(", "));
        });
    });

    describe("upgrade policy", () => {
        it("prod is EXTENDED (EKS does not upgrade it when standard support ends); dev and staging STANDARD", async () => {
            for (const [stack, supportType] of [["prod", "EXTENDED"], ["staging", "STANDARD"], ["dev", "STANDARD"]] as const) {
                const eks = get((await renderCached(stack)).resources, "aws:eks/cluster:Cluster", "cluster-eks");
                assert.deepEqual(props<{ upgradePolicy: unknown }>(eks).upgradePolicy, { supportType }, stack);
            }
        });

        it("prod refuses STANDARD, naming the key", () => {
            assert.ok(problems("prod", { "dodo-platform:cluster.supportType": "STANDARD" }).some((p) => /^dodo-platform:cluster\.supportType: prod runs EXTENDED/.test(p)));
            assert.deepEqual(problems("staging", { "dodo-platform:cluster.supportType": "EXTENDED" }), []);
        });
    });

    describe("extended support (EKS_SUPPORT)", () => {
        const on = (day: string) => new Date(`${day}T12:00:00Z`);

        it("warns from 90 days before a version enters extended support, saying what EKS does then per policy", () => {
            assert.equal(supportWarning("1.35", "STANDARD", on("2026-12-26")), undefined, "91 days before 2027-03-27");
            assert.equal(
                supportWarning("1.35", "STANDARD", on("2026-12-27")),
                "dodo-platform:cluster.kubernetesVersion 1.35: enters EKS extended support on 2027-03-27 (in 90 days): from that day EKS may upgrade this cluster (supportType STANDARD) to the next minor itself, at a time it picks; upgrade to 1.36 before (one minor per pulumi up, docs/upgrades.md)",
            );
            assert.match(supportWarning("1.35", "EXTENDED", on("2027-03-20")) ?? "", /in 7 days\): the cluster stays \(supportType EXTENDED\) at the extended-support price per cluster hour/);
        });

        it("says a version is in extended support, and when that ends; and when it has ended", () => {
            assert.equal(
                supportWarning("1.34", "EXTENDED", on("2026-12-03")),
                "dodo-platform:cluster.kubernetesVersion 1.34: in EKS extended support since 2026-12-02 (billed per cluster hour), which ends on 2027-12-02 (in 364 days): upgrade to 1.35",
            );
            assert.match(supportWarning("1.34", "EXTENDED", on("2027-12-02")) ?? "", /extended support ended on 2027-12-02; from that day EKS upgrades such clusters itself: this preview does not see/);
        });

        it("after standard support ends, tells a STANDARD stack that EKS upgrades it and what to set once it has", () => {
            assert.equal(
                supportWarning("1.34", "STANDARD", on("2026-12-03")),
                'dodo-platform:cluster.kubernetesVersion 1.34: EKS standard support ended on 2026-12-02; from that day EKS upgrades this cluster (supportType STANDARD) to 1.35 itself, at a time it picks: this preview does not see EKS\'s upgrade: once `aws eks describe-cluster` reports 1.35, set dodo-platform:cluster.kubernetesVersion to 1.35 (docs/upgrades.md, "Upgrade policy")',
            );
        });

        it("says when a version's dates are not recorded instead of guessing", () => {
            assert.match(supportWarning("1.36", "STANDARD", on("2026-12-03")) ?? "", /1\.36: its EKS support dates are not recorded/);
        });
    });

    describe("node images", () => {
        it("pins an AL2023 release of the same Kubernetes minor for every supported version", () => {
            for (const v of SUPPORTED_KUBERNETES_VERSIONS) assert.match(NODE_IMAGE_RELEASES[v], new RegExp(`^${v.replace(".", "\\.")}\\.\\d+-\\d{8}$`), v);
        });

        it("the node group runs the pinned release of its version", async () => {
            const ng = props<{ releaseVersion: string; amiType: string }>(get((await renderCached("prod")).resources, "aws:eks/nodeGroup:NodeGroup", "cluster-general"));
            assert.equal(ng.releaseVersion, NODE_IMAGE_RELEASES["1.35"]);
            assert.equal(ng.amiType, "AL2023_x86_64_STANDARD");
        });

        describe("per stack (nodes.imageRelease), so dev moves first", () => {
            const NEWER = "1.35.6-20260801";
            const parsed = (stack: string, paths: Record<string, unknown> = {}) => {
                const { values, secretKeys } = stackConfig(stack, REPO_ROOT, paths);
                return parsePlatformConfig({ stack, values, secretKeys }).cluster.nodeImageRelease;
            };

            it("defaults to the pin for the stack's Kubernetes version; a stack's own key moves only that stack", () => {
                assert.equal(parsed("prod"), NODE_IMAGE_RELEASES["1.35"]);
                assert.equal(parsed("dev", { "dodo-platform:nodes.imageRelease": NEWER }), NEWER);
                assert.equal(parsed("prod"), NODE_IMAGE_RELEASES["1.35"], "another stack keeps the default");
            });

            it("refuses a release of another Kubernetes minor, or not shaped like one, naming the key", () => {
                const other = problems("dev", { "dodo-platform:nodes.imageRelease": NODE_IMAGE_RELEASES["1.34"] });
                assert.ok(other.some((p) => /^dodo-platform:nodes\.imageRelease: 1\.34\.9-20260714 is not a release of cluster\.kubernetesVersion 1\.35/.test(p)), other.join("\n"));
                const malformed = problems("dev", { "dodo-platform:nodes.imageRelease": "v20260801" });
                assert.ok(malformed.some((p) => /^dodo-platform:nodes\.imageRelease: .*expected an AL2023 release such as/.test(p)), malformed.join("\n"));
            });

            it("moves the node group and Karpenter's EC2NodeClass together, and the upgrade tools count it as replacing every node", async () => {
                const snap = async (config: Record<string, unknown>) => {
                    const r = await renderStack("dev", { config });
                    return { r, s: snapshotFromSynth(resourcesJson(r.resources), manifestsYaml(r), "dev") };
                };
                // One render at a time: mocks are process-global.
                const before = await snap({});
                const after = await snap({ "dodo-platform:nodes.imageRelease": NEWER });
                assert.equal(props<{ releaseVersion: string }>(get(after.r.resources, "aws:eks/nodeGroup:NodeGroup", "cluster-general")).releaseVersion, NEWER);
                const nodeClass = after.r.manifests.find((m) => m.kind === "EC2NodeClass");
                assert.deepEqual((nodeClass as unknown as { spec: { amiSelectorTerms: unknown } }).spec.amiSelectorTerms, [{ alias: "al2023@v20260801" }]);
                const effects = stepEffects(diffRenders(before.s, after.s), () => undefined);
                assert.deepEqual(effects.restarts, [
                    `nodes of EC2NodeClass autoscaled replaced by Karpenter (drift: spec.amiSelectorTerms)`,
                    `nodes of NodeGroup cluster-general replaced (releaseVersion "${NODE_IMAGE_RELEASES["1.35"]}" -> "${NEWER}")`,
                ]);
            });
        });
    });
});
