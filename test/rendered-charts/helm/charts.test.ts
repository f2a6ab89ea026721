// The rendered-chart check with the real helm (tools/helm, built into the tools cache on first use):
// the fixture chart, and Istio's charts from the pinned istio.io/istio module with the values of
// every stack. npm run test:charts (in .ci/run); not part of npm test, which builds no tools.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parsePlatformConfig } from "../../../components/config";
import { checkStackCharts } from "../../../scripts/lib/rendered-charts";
import { judgeCharts, ReleaseRender } from "../../../scripts/lib/rendered-charts/judge";
import { helmBinary, renderRelease } from "../../../scripts/lib/rendered-charts/render";
import { FIXTURE_CHART, fixtureApiVersions, fixtureRelease, objectTemplates, PLANTED, runFixtureSelfCheck } from "../../../scripts/lib/rendered-charts/self-check";
import { istioModuleCharts, SourceOptions } from "../../../scripts/lib/rendered-charts/sources";
import { ALL_STACKS, readStackConfig, renderStack } from "../../../scripts/lib/render";
import { imageReferences } from "../../../scripts/lib/images";
import { KubeObject } from "../../../components/k8s";
import { cacheHost } from "../../../components/registry/images";
import { gatewayDrain } from "../../../components/mesh/drain";

describe("rendered-chart check with the real helm", () => {
    let helm: string;
    let out: string;
    before(() => {
        helm = helmBinary((l) => console.log(`      ${l}`)).bin;
        out = fs.mkdtempSync(path.join(os.tmpdir(), "charts-test-"));
    });
    after(() => fs.rmSync(out, { recursive: true, force: true }));

    describe("the fixture chart (test/rendered-charts/fixture-chart)", () => {
        it("judges the objects of every template, the CRD and the hook Job included, and leaves the test hook out", () => {
            const { render, verdict, problems } = runFixtureSelfCheck(helm, out);
            assert.deepEqual(problems, []);
            assert.deepEqual(verdict.templates.map((t) => t.template).sort(), objectTemplates(FIXTURE_CHART));
            assert.ok(objectTemplates(FIXTURE_CHART).includes("fixture-app/templates/job-migrate.yaml"), "the hook is an object template");
            assert.ok(!render.objects.some((o) => o.object.kind === "Pod"), "the helm test Pod is not rendered");
            assert.equal(verdict.judged, render.objects.length);
        });

        it("fails the planted privileged container, naming the rule, the DaemonSet and the template it came from", () => {
            const { verdict } = runFixtureSelfCheck(helm, out);
            const planted = verdict.failures.find(({ finding: f }) => f.rule === PLANTED.rule);
            assert.ok(planted, "k8s-no-privileged reported");
            assert.equal(`${planted.finding.kind} ${planted.finding.namespace}/${planted.finding.name}`, `${PLANTED.kind} ${PLANTED.namespace}/${PLANTED.name}`);
            assert.equal(planted.finding.container, "agent");
            assert.match(planted.origin, /^fixture: fixture-app\/templates\/daemonset\.yaml \(DaemonSet at line \d+\)$/);
        });

        it("renders with the values the Release passes: without the planted value nothing fails", () => {
            const release = { ...fixtureRelease(), values: { replicas: 4 } };
            const r = renderRelease({ helm, release, source: { kind: "local", chartRef: FIXTURE_CHART, from: "fixture" }, kubeVersion: "1.35.0", apiVersions: fixtureApiVersions(), outFile: path.join(out, "clean.yaml") });
            const render: ReleaseRender = { release: "fixture", chart: "fixture-app", from: "fixture", objects: r.objects, duplicateKeys: r.duplicateKeys, seconds: r.seconds };
            assert.deepEqual(judgeCharts([], [render], [], "prod", {}).failures, []);
            const app = r.objects.find((o) => o.object.kind === "Deployment")!.object as { spec: { replicas: number } };
            assert.equal(app.spec.replicas, 4);
        });

        it("renders what a template gates on Capabilities.APIVersions only when the APIs the stack derives include it", () => {
            const render = (apiVersions: readonly string[], file: string) => renderRelease({ helm, release: fixtureRelease(), source: { kind: "local", chartRef: FIXTURE_CHART, from: "fixture" }, kubeVersion: "1.35.0", apiVersions, outFile: path.join(out, file) }).objects;
            const kinds = (objects: ReturnType<typeof render>) => objects.filter((o) => ["ServiceMonitor", "PodDisruptionBudget"].includes(o.object.kind as string)).map((o) => `${o.object.apiVersion} ${o.object.kind}`).sort();
            // helm's offline defaults: group/versions only, so the Kind-gated PDB falls back and the ServiceMonitor is left out.
            assert.deepEqual(kinds(render([], "bare.yaml")), ["policy/v1beta1 PodDisruptionBudget"]);
            assert.deepEqual(kinds(render(fixtureApiVersions(), "served.yaml")), ["monitoring.coreos.com/v1 ServiceMonitor", "policy/v1 PodDisruptionBudget"]);
        });
    });

    describe("Istio's charts of every stack (offline, from the pinned istio.io/istio module)", () => {
        let istio: NonNullable<SourceOptions["istio"]>;
        before(() => {
            istio = istioModuleCharts();
        });

        /** Each stack rendered and its Istio charts checked once, for every test that reads them. */
        const checked = new Map<string, ReturnType<typeof check>>();
        async function check(stack: (typeof ALL_STACKS)[number]) {
            const config = readStackConfig(stack);
            const platform = parsePlatformConfig({ stack, values: config.values, secretKeys: config.secretKeys });
            const render = await renderStack(stack);
            const result = checkStackCharts({
                stack, env: platform.environment, resources: render.resources, manifests: render.manifests as never, kubeVersion: platform.cluster.kubernetesVersion,
                helm, sources: { overrides: new Map(), istio, fetch: false }, outDir: path.join(out, stack),
            });
            return { platform, render, ...result };
        }
        const checkedStack = (stack: (typeof ALL_STACKS)[number]) => {
            if (!checked.has(stack)) checked.set(stack, check(stack));
            return checked.get(stack)!;
        };

        for (const stack of ALL_STACKS) {
            it(`${stack}: base, istiod and the gateway render with the stack's values and leave no unexempted mandatory finding`, async () => {
                const { render, renders, verdict } = await checkedStack(stack);
                const istioReleases = render.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && ["base", "istiod", "gateway"].some((c) => (r.props as { chart?: string }).chart?.endsWith(c)));
                assert.equal(renders.length, istioReleases.length, `every Istio Release rendered; not rendered: ${JSON.stringify(verdict.skipped)}`);
                assert.ok(renders.length >= 3);
                for (const r of renders) assert.ok(r.objects.length > 0, `${r.release} rendered objects`);
                assert.deepEqual(verdict.failures.map(({ finding: f, origin }) => `${f.rule} ${f.kind} ${f.namespace}/${f.name} (${origin})`), []);
                assert.deepEqual(verdict.judgement.stale, []);
                assert.ok(verdict.judgement.used.some((e) => e.rule === "k8s-probes" && e.name === "istiod"), "istiod's missing liveness probe is exempted, not absent");
                // The values reach the chart: the gateway's pods carry the labels the program sets.
                const gateway = renders.flatMap((r) => r.objects).find((o) => o.object.kind === "Deployment" && o.object.metadata?.namespace === "istio-ingress");
                const labels = (gateway?.object.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
                assert.equal(labels["app.kubernetes.io/part-of"], "dodo-payments");
            });

            if (stack === "prod") {
                it("prod: the charts render one-at-a-time PDBs for istiod and the gateway, and the gateway's drain, from the values the program passes", async () => {
                    const { renders } = await checkedStack(stack);
                    type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
                    const objects = renders.flatMap((r) => r.objects.map((o) => o.object as unknown as Obj));
                    const pdbs = objects.filter((o) => o.kind === "PodDisruptionBudget");
                    assert.ok(pdbs.some((p) => p.metadata.namespace === "istio-ingress") && pdbs.some((p) => p.metadata.name.startsWith("istiod")), pdbs.map((p) => p.metadata.name).join());
                    for (const p of pdbs) {
                        assert.equal(p.spec.maxUnavailable, 1, p.metadata.name);
                        assert.equal(p.spec.minAvailable, undefined, `${p.metadata.name}: the chart's default minAvailable is dropped`);
                    }
                    const drain = gatewayDrain();
                    const gateway = objects.find((o) => o.kind === "Deployment" && o.metadata.namespace === "istio-ingress")!;
                    const pod = gateway.spec.template;
                    assert.equal(pod.spec.terminationGracePeriodSeconds, drain.terminationGracePeriodSeconds);
                    const proxy = pod.spec.containers.find((c: { name: string }) => c.name === "istio-proxy");
                    assert.deepEqual(proxy.lifecycle, { preStop: { sleep: { seconds: drain.preStopSleepSeconds } } });
                    assert.deepEqual(JSON.parse(pod.metadata.annotations["proxy.istio.io/config"]), { terminationDrainDuration: `${drain.terminationDrainDurationSeconds}s` });
                });
            }

            if (stack === "staging" || stack === "prod") {
                it(`${stack}: every container image the rendered charts run comes from the stack's ECR pull-through cache`, async () => {
                    const { platform, renders } = await checkedStack(stack);
                    const objects = renders.flatMap((r) => r.objects.map((o) => o.object as unknown as KubeObject));
                    assert.equal(platform.registry.pullThroughCache, true);
                    const cache = `${cacheHost(platform.aws.allowedAccountIds[0], platform.region)}/`;
                    const { images } = imageReferences({ stack, resources: [], manifests: objects, outputs: {}, missingSecrets: [] });
                    assert.ok(images.length >= 2, `the charts run containers: ${images.map((i) => i.where).join(", ")}`);
                    // `auto`: the gateway's proxy, filled in by injection from the injector's global.hub (below).
                    const outside = images.filter((i) => i.image !== "auto" && !i.image.startsWith(cache));
                    assert.deepEqual(outside.map((i) => `${i.where}: ${i.image}`), [], `every image from ${cache}`);
                    assert.ok(images.some((i) => i.image === "auto"), "the gateway's proxy is injected");
                    const injectors = objects.filter((o) => o.kind === "ConfigMap" && /^istio-sidecar-injector/.test(o.metadata.name));
                    assert.ok(injectors.length >= 1, "an injector per istiod");
                    for (const cm of injectors) {
                        const hub = (JSON.parse(String((cm as unknown as { data: Record<string, string> }).data.values)) as { global: { hub: string } }).global.hub;
                        assert.ok(hub.startsWith(cache), `${cm.metadata.name}: proxies come from ${hub}`);
                    }
                });
            }
        }
    });
});
