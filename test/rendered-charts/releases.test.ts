// The rendered-chart check's pure parts: which Releases a synth holds and with what values, the
// `helm template` command for each, where each chart comes from, and how a rendered stream is read.
// The run with the real helm is test/rendered-charts/helm/ (npm run test:charts).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHARTS, UNREVISIONED_ISTIO_VERSION } from "../../components/versions";
import { chartName, ChartRelease, helmTemplateArgs, releasesOf, RELEASE_TYPE } from "../../scripts/lib/rendered-charts/releases";
import { readRendered, templateOfLine } from "../../scripts/lib/rendered-charts/render";
import { chartSource, SourceOptions } from "../../scripts/lib/rendered-charts/sources";
import { chartObjectsSection } from "../../scripts/lib/rendered-charts/summary";
import { renderCached } from "../harness";

const release = (over: Partial<ChartRelease> = {}): ChartRelease => ({
    resource: "observability-alloy", name: "alloy", namespace: "observability", chart: "alloy", version: "1.11.1", repo: "https://grafana.github.io/helm-charts",
    values: {}, skipCrds: false, disableHooks: false, ...over,
});

describe("rendered-chart check: Releases and the helm command", () => {
    it("reads every Release of the prod synth with the chart, version, repository and values the program passes", async () => {
        const render = await renderCached("prod");
        const releases = releasesOf(render.resources as never);
        assert.equal(releases.length, render.resources.filter((r) => r.type === RELEASE_TYPE).length);
        const istiod = releases.find((r) => r.resource === "mesh-istiod")!;
        // prod's stack file runs the unrevisioned istiod (revision "default") at its own release.
        assert.deepEqual([istiod.name, istiod.namespace, istiod.chart, istiod.version, istiod.repo], ["istiod", "istio-system", "istiod", UNREVISIONED_ISTIO_VERSION, CHARTS.istiod.repository]);
        const props = render.resources.find((r) => r.name === "mesh-istiod")!.props as { values: unknown };
        assert.deepEqual(istiod.values, props.values, "the values are the Release's, untouched");
        assert.ok(releases.some((r) => r.name === "istio-ingressgateway" && r.namespace === "istio-ingress"));
    });

    it("the synth's summary names every Release and where its objects are judged", async () => {
        const render = await renderCached("prod");
        const section = chartObjectsSection(render);
        for (const r of releasesOf(render.resources as never)) assert.match(section, new RegExp(`^\\| ${r.name} \\| ${r.namespace} \\|`, "m"));
        assert.match(section, /^\| alloy \| observability \| alloy \| 1\.11\.1 \| needs chart access/m);
        assert.match(section, /npm run charts:check -- --stack prod/);
    });

    it("refuses a Release whose install it cannot reproduce (a post-renderer changes what Helm applies)", () => {
        const r = { type: RELEASE_TYPE, name: "x", props: { chart: "a", name: "x", postrender: "/usr/bin/kustomize" } };
        assert.throws(() => releasesOf([r]), /x: Release\.postrender is set; the rendered-chart check cannot reproduce it/);
        assert.throws(() => releasesOf([{ type: RELEASE_TYPE, name: "y", props: { name: "y" } }]), /y: Release has no chart/);
    });

    it("renders as helm install would: hooks and CRDs in, test hooks out; version and repository only for a remote chart", () => {
        const local = helmTemplateArgs(release(), { chartRef: "/charts/alloy", valuesFile: "/w/values.json", kubeVersion: "1.35", apiVersions: ["networking.istio.io/v1", "cert-manager.io/v1"], remote: false });
        assert.deepEqual(local, ["template", "alloy", "/charts/alloy", "--namespace", "observability", "--values", "/w/values.json", "--kube-version", "1.35", "--skip-tests", "--include-crds", "--api-versions", "cert-manager.io/v1,networking.istio.io/v1"]);
        const remote = helmTemplateArgs(release({ skipCrds: true, disableHooks: true }), { chartRef: "alloy", valuesFile: "v", kubeVersion: "1.34", apiVersions: [], remote: true });
        assert.deepEqual(remote.slice(10), ["--no-hooks", "--version", "1.11.1", "--repo", "https://grafana.github.io/helm-charts"]);
        assert.ok(!remote.includes("--include-crds"), "Release.skipCrds");
    });

    it("names a chart whatever its source form", () => {
        assert.equal(chartName(release()), "alloy");
        assert.equal(chartName(release({ chart: "oci://111122223333.dkr.ecr.ap-south-1.amazonaws.com/helm-charts/alloy" })), "alloy");
        assert.equal(chartName(release({ chart: "/charts/cert-manager-v1.21.1.tgz", version: "v1.21.1" })), "cert-manager");
        assert.equal(chartName(release({ chart: "/charts/kube-prometheus-stack-88.5.3.tgz", version: "88.5.3" })), "kube-prometheus-stack");
    });
});

describe("rendered-chart check: where each chart comes from", () => {
    let tmp: string;
    let istio: NonNullable<SourceOptions["istio"]>;
    before(() => {
        // A stand-in for the module cache's copy of the pinned istio.io/istio (tools/istio-releases.json).
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "charts-sources-"));
        const charts = (v: string) => path.join(tmp, "istio.io", `istio@${v}`, "manifests", "charts");
        for (const v of ["v0.0.0-20260826214018-9739e10eb9d7", "v0.0.0-20250101000000-000000000000"]) {
            for (const c of ["base", "gateway", "istio-control/istio-discovery"]) {
                fs.mkdirSync(path.join(charts(v), c), { recursive: true });
                fs.writeFileSync(path.join(charts(v), c, "Chart.yaml"), "apiVersion: v2\nname: x\nversion: 1.0.0\n");
            }
        }
        const at = (v: string) => ({ base: path.join(charts(v), "base"), istiod: path.join(charts(v), "istio-control", "istio-discovery"), gateway: path.join(charts(v), "gateway"), module: `istio.io/istio@${v}` });
        istio = at("v0.0.0-20260826214018-9739e10eb9d7");
        fs.mkdirSync(path.join(tmp, "alloy"));
        fs.writeFileSync(path.join(tmp, "alloy", "Chart.yaml"), "apiVersion: v2\nname: alloy\nversion: 1.11.1\n");
        fs.mkdirSync(path.join(tmp, "alloy-old"));
        fs.writeFileSync(path.join(tmp, "alloy-old", "Chart.yaml"), "apiVersion: v2\nname: alloy\nversion: 1.10.0\n");
        (istio as { other?: unknown }).other = at("v0.0.0-20250101000000-000000000000");
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const opts = (o: Partial<SourceOptions> = {}): SourceOptions => ({ overrides: new Map(), istio, fetch: false, ...o });
        // The stand-in module is the commit of Istio 1.30.4 (tools/istio-releases.json).
    const istiod = (version = "1.30.4") => release({ resource: "mesh-istiod", name: "istiod", namespace: "istio-system", chart: "istiod", version, repo: "https://istio-release.storage.googleapis.com/charts" });

    it("takes Istio's charts from the pinned istio.io/istio module, offline", () => {
        assert.deepEqual(chartSource(istiod(), opts()), { kind: "local", chartRef: istio.istiod, from: istio.module });
        assert.equal(chartSource(release({ chart: "gateway", version: "1.30.4" }), opts()).kind, "local");
        const other = chartSource(istiod("1.31.4"), opts());
        assert.equal(other.kind, "unavailable", "another Istio release's chart is not what the Release installs");
        assert.match((other as { why: string }).why, /1\.31\.4: not in the module at hand \(.*\(1\.30\.4\), but Istio 1\.31\.4 is pinned\)/);
        assert.equal(chartSource(istiod("1.31.4"), opts({ fetch: true })).kind, "remote");
    });

    it("refuses a module that is not the pinned release's commit", () => {
        const other = (istio as unknown as { other: typeof istio }).other;
        const s = chartSource(istiod(), opts({ istio: other }));
        assert.equal(s.kind, "unavailable");
        assert.match((s as { why: string }).why, /is the istio\.io\/istio module v0\.0\.0-20250101000000-000000000000 \(no release in tools\/istio-releases\.json\)/);
    });

    it("uses a pulled chart the user names, only at the Release's version; else the Release's own local chart", () => {
        assert.deepEqual(chartSource(release(), opts({ overrides: new Map([["alloy", path.join(tmp, "alloy")]]) })), { kind: "local", chartRef: path.join(tmp, "alloy"), from: `--chart alloy=${path.join(tmp, "alloy")}` });
        const old = chartSource(release(), opts({ overrides: new Map([["alloy", path.join(tmp, "alloy-old")]]) }));
        assert.match((old as { why: string }).why, /holds chart version 1\.10\.0, but 1\.11\.1 is pinned/);
        assert.equal(chartSource(release({ chart: path.join(tmp, "alloy") }), opts()).kind, "local");
    });

    it("leaves other charts to --fetch, and says so when it cannot render them", () => {
        assert.deepEqual(chartSource(release(), opts({ fetch: true })), { kind: "remote", chartRef: "alloy", from: "https://grafana.github.io/helm-charts" });
        const s = chartSource(release(), opts());
        assert.deepEqual(s, { kind: "unavailable", why: "needs chart access: https://grafana.github.io/helm-charts 1.11.1 (--fetch, or --chart alloy=<dir|tgz>)" });
    });
});

describe("rendered-chart check: reading helm's output", () => {
    const stream = [
        "---",
        "# Source: fixture-app/templates/serviceaccount.yaml",
        "apiVersion: v1",
        "kind: ServiceAccount",
        "metadata:",
        "  name: a",
        "---",
        "# Source: fixture-app/templates/deployment.yaml",
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  name: b",
        "---",
        "# Source: fixture-app/templates/job-migrate.yaml",
        "apiVersion: batch/v1",
        "kind: Job",
        "metadata:",
        "  name: c",
        "",
    ].join("\n");

    it("ties each object to the template helm says it came from, with its line", () => {
        const objs = readRendered(stream, "out/x.yaml", "fixture").objects;
        assert.deepEqual(objs.map((o) => `${o.object.kind} ${o.template} ${o.line} ${o.release}`), [
            "ServiceAccount fixture-app/templates/serviceaccount.yaml 3 fixture",
            "Deployment fixture-app/templates/deployment.yaml 9 fixture",
            "Job fixture-app/templates/job-migrate.yaml 15 fixture",
        ]);
        assert.equal(templateOfLine(stream)(1), "");
    });

    it("reads a repeated key as Helm does (the last one wins) and reports it", () => {
        const doubled = "---\n# Source: gateway/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: g\n  labels:\n    part-of: istio\n    part-of: dodo-payments\n";
        const r = readRendered(doubled, "out/g.yaml", "g");
        assert.deepEqual(r.objects[0]!.object.metadata?.labels, { "part-of": "dodo-payments" });
        assert.deepEqual(r.duplicateKeys, [{ template: "gateway/templates/deployment.yaml", line: 9, key: "part-of" }]);
    });

    it("reads YAML 1.1 booleans a template writes as the API server does (hostNetwork: yes is true)", () => {
        const pod = "---\n# Source: c/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    a: \"yes\"\nspec:\n  hostNetwork: yes\n  containers:\n  - name: c\n    securityContext:\n      privileged: On\n      readOnlyRootFilesystem: off\n";
        const o = readRendered(pod, "out/p.yaml", "r").objects[0]!.object as unknown as { metadata: { annotations: unknown }; spec: { hostNetwork: unknown; containers: { securityContext: unknown }[] } };
        assert.equal(o.spec.hostNetwork, true);
        assert.deepEqual(o.spec.containers[0]!.securityContext, { privileged: true, readOnlyRootFilesystem: false });
        assert.deepEqual(o.metadata.annotations, { a: "yes" });
    });

    it("refuses a document that is not a Kubernetes object, naming the file and line", () => {
        assert.throws(() => readRendered("---\n# Source: c/templates/x.yaml\nfoo: bar\n", "out/x.yaml", "r"), /out\/x\.yaml:3: a document with no apiVersion\/kind/);
        assert.throws(() => readRendered("---\nkind: [\n", "out/x.yaml", "r"), /out\/x\.yaml:2: invalid YAML/);
    });
});
