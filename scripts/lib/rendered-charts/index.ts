// The rendered-chart check of one stack: every helm.v3.Release the synth records is rendered with
// the pinned helm, the chart it names and the values the program passes, and its objects are judged
// with the program's own by the policy rules. Why a rendered check and not helm.v4.Chart:
// docs/architecture.md ("What the policy pack sees of the charts").
import * as path from "path";
import { shippedPackConfig } from "../../../policy/config-files";
import type { ResourceRecord } from "../../../policy/check";
import type { Environment, KubeObject } from "../../../policy/rules/types";
import { ToolBuildError } from "../validate-tools";
import { ChartVerdict, formatChartVerdict, judgeCharts, passes, ReleaseRender, SkippedRelease } from "./judge";
import { apiVersionsFor, installOrder, OrderedResource, releasesInstalledBefore } from "./capabilities";
import { chartName, releasesOf } from "./releases";
import { helmBinary, renderRelease } from "./render";
import { runFixtureSelfCheck } from "./self-check";
import { chartSource, istioModuleCharts, SourceOptions } from "./sources";

export interface StackChartsInput {
    stack: string;
    env: Environment;
    /** The synth's resources (out/<stack>/resources.json): the Releases, their values and what each depends on. */
    resources: readonly (ResourceRecord & OrderedResource)[];
    /** The program's own Kubernetes objects (out/<stack>/manifests.yaml). */
    manifests: readonly KubeObject[];
    /** Capabilities.KubeVersion for every chart: the stack's cluster.kubernetesVersion (components/versions.ts DEFAULT_KUBERNETES_VERSION unless the stack pins another). */
    kubeVersion: string;
    helm: string;
    sources: SourceOptions;
    /** Rendered streams go to <outDir>/<release>.yaml (out/<stack>/charts). */
    outDir: string;
}

export function checkStackCharts(input: StackChartsInput): { renders: ReleaseRender[]; verdict: ChartVerdict } {
    const rendered = new Map<string, ReleaseRender>();
    const skipped: SkippedRelease[] = [];
    const releases = releasesOf(input.resources);
    // Each chart sees the APIs the cluster serves when it installs: the CRDs of the Releases installed before it included.
    const before = releasesInstalledBefore(releases, input.resources);
    for (const release of installOrder(releases, before)) {
        const chart = `${chartName(release)}${release.version ? ` ${release.version}` : ""}`;
        const source = chartSource(release, input.sources);
        if (source.kind === "unavailable") {
            skipped.push({ release: release.name, chart, why: source.why });
            continue;
        }
        const earlier = (before.get(release.resource) ?? []).map((r) => rendered.get(r)?.objects.map((o) => o.object) ?? []);
        const apiVersions = apiVersionsFor(input.manifests, earlier);
        const r = renderRelease({ helm: input.helm, release, source, kubeVersion: input.kubeVersion, apiVersions, outFile: path.join(input.outDir, `${release.name}.yaml`) });
        rendered.set(release.resource, { release: release.name, chart, from: source.from, objects: r.objects, duplicateKeys: r.duplicateKeys, seconds: r.seconds });
    }
    // The report lists the Releases in the synth's order.
    const renders = releases.flatMap((r) => rendered.get(r.resource) ?? []);
    const position = (name: string) => releases.findIndex((r) => r.name === name);
    skipped.sort((a, b) => position(a.release) - position(b.release));
    const verdict = judgeCharts(input.manifests, renders, skipped, input.env, shippedPackConfig(input.env));
    return { renders, verdict };
}

export interface ChartCheckRun {
    report: string;
    passed: boolean;
    verdict: ChartVerdict;
    renders: ReleaseRender[];
}

/**
 * The whole check for one stack, as `npm run charts:check` and `npm run validate` run it: helm
 * (built on first use), the fixture self-check, then the stack's Releases. Throws ToolBuildError
 * when helm cannot be built or the self-check fails (the check's silence would mean nothing).
 */
export function runChartCheck(o: Omit<StackChartsInput, "helm" | "sources"> & { sources?: Partial<SourceOptions>; log?: (line: string) => void }): ChartCheckRun {
    const log = o.log ?? (() => undefined);
    const helm = helmBinary(log);
    const self = runFixtureSelfCheck(helm.bin, path.join(o.outDir, "self-check"));
    if (self.problems.length > 0) throw new ToolBuildError(`rendered-chart self-check on test/rendered-charts/fixture-chart failed:\n  ${self.problems.join("\n  ")}`);
    const caught = [...new Set(self.verdict.failures.map(({ finding: f }) => f.rule))].join(", ");
    const head = [
        `helm ${helm.version}: ${helm.reused ? "from the tools cache" : `built in ${helm.buildSeconds.toFixed(1)} s`}`,
        `self-check: ${self.render.objects.length} objects from ${self.verdict.templates.length} templates of test/rendered-charts/fixture-chart judged; the planted privileged container failed (${caught})`,
    ];
    const sources: SourceOptions = { overrides: o.sources?.overrides ?? new Map(), istio: o.sources?.istio ?? istioModuleCharts(), fetch: o.sources?.fetch ?? false };
    const { renders, verdict } = checkStackCharts({ ...o, helm: helm.bin, sources, outDir: o.outDir });
    return { report: `${head.join("\n")}\n${formatChartVerdict(o.stack, renders, verdict)}`, passed: passes(verdict), verdict, renders };
}
