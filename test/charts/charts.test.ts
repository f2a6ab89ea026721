import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { releaseChart, UPSTREAM } from "../../components/charts";
import { chartsSection, localChartProblem, sourceKind } from "../../components/charts/settings";
import { ConfigReader } from "../../components/settings";
import { CHARTS, ISTIO_VALIDATOR_VERSION } from "../../components/versions";
import { cliConfigFromPaths } from "../../scripts/lib/stack-config";

function read(paths: Record<string, unknown>): { problems: string[] } {
    const reader = new ConfigReader("dev", cliConfigFromPaths(paths));
    chartsSection.read(reader);
    return { problems: reader.problems };
}

// Every folder the tests make lives under one root, removed after the suite.
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "dodo-charts-test-"));

function chartDir(version: string, parent = fs.mkdtempSync(path.join(TMP, "chart-")), name = "grafana"): string {
    fs.mkdirSync(parent, { recursive: true });
    fs.writeFileSync(path.join(parent, "Chart.yaml"), `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
    return parent;
}

describe("chart sources", () => {
    after(() => fs.rmSync(TMP, { recursive: true, force: true }));

    it("by default pulls each chart from its upstream repository at the pinned version", () => {
        assert.deepEqual(releaseChart("istiod", UPSTREAM), { chart: "istiod", version: CHARTS.istiod.version, repositoryOpts: { repo: CHARTS.istiod.repository } });
        assert.deepEqual(releaseChart("istiod", UPSTREAM, "1.29.2"), { chart: "istiod", version: "1.29.2", repositoryOpts: { repo: CHARTS.istiod.repository } });
    });

    it("takes every chart from an OCI mirror as <mirror>/<chart>, pinned", () => {
        const mirror = "oci://111122223333.dkr.ecr.ap-south-1.amazonaws.com/helm-charts";
        assert.deepEqual(releaseChart("certManager", { mirror, sources: {} }), { chart: `${mirror}/cert-manager`, version: CHARTS.certManager.version });
    });

    it("takes every chart from a directory of archives as <chart>-<version>.tgz", () => {
        assert.deepEqual(releaseChart("loki", { localDir: "/opt/charts", sources: {} }), { chart: `/opt/charts/loki-${CHARTS.loki.version}.tgz` });
    });

    it("lets one chart's source override the mirror: a local directory, another repository or an OCI reference", () => {
        const sources = { mirror: "oci://registry.example.com/charts", sources: { istioBase: "/src/istio/manifests/charts/base", grafana: "https://charts.example.com/grafana", loki: "oci://registry.example.com/other/loki" } };
        assert.deepEqual(releaseChart("istioBase", sources), { chart: "/src/istio/manifests/charts/base" });
        assert.deepEqual(releaseChart("grafana", sources), { chart: "grafana", version: CHARTS.grafana.version, repositoryOpts: { repo: "https://charts.example.com/grafana" } });
        assert.deepEqual(releaseChart("loki", sources), { chart: "oci://registry.example.com/other/loki", version: CHARTS.loki.version });
        assert.deepEqual(releaseChart("jaeger", sources), { chart: "oci://registry.example.com/charts/jaeger", version: CHARTS.jaeger.version });
    });

    it("classifies sources, and refuses anything else", () => {
        assert.equal(sourceKind("oci://a.b/c"), "oci");
        assert.equal(sourceKind("https://charts.jetstack.io"), "repository");
        assert.equal(sourceKind("./charts/base"), "path");
        assert.equal(sourceKind("/abs/base"), "path");
        assert.equal(sourceKind("http://insecure.example.com"), undefined);
        assert.equal(sourceKind("base"), undefined);
    });

    describe("config", () => {
        it("refuses an unknown chart key, a malformed source, and a mirror beside a directory", () => {
            const { problems } = read({ "charts.sources": { istiodd: "/x", grafana: "ftp://x" }, "charts.mirror": "oci://r.example.com/c", "charts.localDir": "/" });
            assert.ok(problems.some((p) => /charts\.sources: \[istiodd\] unknown chart; expected one of istioBase, istiod/.test(p)), problems.join("\n"));
            assert.ok(problems.some((p) => /^dodo-platform:charts\.sources: .*; \[grafana\] expected an oci:\/\/ reference, an https:\/\/ repository/.test(p)), problems.join("\n"));
            assert.ok(problems.includes("dodo-platform:charts.localDir: set either charts.mirror or charts.localDir, not both"), problems.join("\n"));
        });

        it("refuses a local chart that is missing or holds another version than the pin", () => {
            const wrong = chartDir("9.9.9");
            const { problems } = read({ "charts.sources": { grafana: wrong, loki: "/nonexistent/loki" } });
            assert.ok(problems.includes(`dodo-platform:charts.sources.grafana: ${wrong} holds chart version 9.9.9, but ${CHARTS.grafana.version} is pinned (components/versions.ts)`), problems.join("\n"));
            assert.ok(problems.includes("dodo-platform:charts.sources.loki: /nonexistent/loki does not exist on this machine"), problems.join("\n"));
            assert.deepEqual(read({ "charts.sources": { grafana: chartDir(CHARTS.grafana.version) } }).problems, []);
        });

        it("refuses a local chart whose Chart.yaml is empty, broken or has no version, and a charts.localDir that is a file, naming the key", () => {
            const chart = (text: string) => {
                const dir = fs.mkdtempSync(path.join(TMP, "chart-"));
                fs.writeFileSync(path.join(dir, "Chart.yaml"), text);
                return dir;
            };
            const [empty, broken, unversioned] = [chart(""), chart("name: grafana\nversion: [1.0\n"), chart("apiVersion: v2\nname: grafana\n")];
            const file = path.join(TMP, "charts.tgz");
            fs.writeFileSync(file, "");
            const { problems } = read({ "charts.sources": { grafana: empty, loki: broken, jaeger: unversioned }, "charts.localDir": file });
            const of = (key: string) => problems.filter((p) => p.startsWith(`dodo-platform:${key}: `));
            assert.match(of("charts.sources.grafana")[0] ?? "", /Chart\.yaml has no version \(expected a chart's Chart\.yaml with name and version\)$/, problems.join("\n"));
            assert.match(of("charts.sources.loki")[0] ?? "", /Chart\.yaml is not valid YAML \(/, problems.join("\n"));
            assert.match(of("charts.sources.jaeger")[0] ?? "", /Chart\.yaml has no version/, problems.join("\n"));
            assert.deepEqual(of("charts.localDir"), [`dodo-platform:charts.localDir: ${file} is not a directory (expected one holding <chart>-<version>.tgz archives)`]);
        });

        it("refuses a local chart of another name than the key's chart, as a directory or an archive", () => {
            const loki = chartDir(CHARTS.grafana.version, undefined, "loki");
            const archive = path.join(TMP, `loki-${CHARTS.grafana.version}.tgz`);
            fs.writeFileSync(archive, "");
            const unnamed = chartDir(CHARTS.grafana.version, undefined, '""');
            const { problems } = read({ "charts.sources": { grafana: loki, jaeger: archive, kialiServer: unnamed } });
            assert.ok(problems.includes(`dodo-platform:charts.sources.grafana: ${path.join(loki, "Chart.yaml")} is chart loki, not grafana`), problems.join("\n"));
            assert.ok(problems.includes(`dodo-platform:charts.sources.jaeger: ${archive} is not jaeger at the pinned version ${CHARTS.jaeger.version} (expected jaeger-${CHARTS.jaeger.version}.tgz)`), problems.join("\n"));
            assert.ok(problems.includes(`dodo-platform:charts.sources.kialiServer: ${path.join(unnamed, "Chart.yaml")} has no name (expected a chart's Chart.yaml with name and version)`), problems.join("\n"));
            const good = path.join(TMP, `jaeger-${CHARTS.jaeger.version}.tgz`);
            fs.writeFileSync(good, "");
            assert.deepEqual(read({ "charts.sources": { jaeger: good } }).problems, []);
        });

        it("accepts Istio's source charts (version 1.0.0) only from the istio.io/istio module of the release asked for", () => {
            const releases = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "tools", "istio-releases.json"), "utf8")) as Record<string, { version: string }>;
            const root = fs.mkdtempSync(path.join(TMP, "modcache-"));
            // The module the validator pins: Istio's charts at 1.30.4 (the conformance run deploys them).
            const pinned = chartDir("1.0.0", path.join(root, `istio.io/istio@${releases[ISTIO_VALIDATOR_VERSION].version}/manifests/charts/istio-control/istio-discovery`), "istiod");
            assert.equal(localChartProblem(pinned, ISTIO_VALIDATOR_VERSION, "istiod"), undefined);
            assert.match(localChartProblem(pinned, ISTIO_VALIDATOR_VERSION, "base") ?? "", /is chart istiod, not base$/);
            assert.match(localChartProblem(pinned, "1.31.4") ?? "", /is the istio\.io\/istio module .* \(1\.30\.4\), but Istio 1\.31\.4 is pinned/);
            const other = chartDir("1.0.0", path.join(root, "istio.io/istio@v0.0.0-20250101000000-abcdefabcdef/manifests/charts/base"));
            assert.match(localChartProblem(other, CHARTS.istioBase.version) ?? "", /is the istio\.io\/istio module v0\.0\.0-20250101000000-abcdefabcdef \(no release in tools\/istio-releases\.json\), but Istio .* is pinned/);
            assert.match(localChartProblem(chartDir("1.0.0"), CHARTS.istioBase.version) ?? "", /holds chart version 1\.0\.0/);
        });
    });
});
