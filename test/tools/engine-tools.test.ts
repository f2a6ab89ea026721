import { strict as assert } from "node:assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { goToolKey, readToolInputs, selectTools } from "../../scripts/lib/engine-tools/build";
import { checkStagingReplaces, kubeVersionLdflags, stagingModules, stagingReplaceBlock, stagingVersion } from "../../scripts/lib/engine-tools/kubernetes";
import { embedMapping, embedSchema, PROVIDER_REPORTED_VERSION } from "../../scripts/lib/engine-tools/provider";
import { installedSdkPluginVersion, pluginPath, sdkPluginVersion } from "../../scripts/lib/engine-tools/plugin";
import { checkVersionOutput, GO_TOOLS, goToolSpec, missingGoSumEntries, prometheusRelease } from "../../scripts/lib/engine-tools/specs";
import { goModReplaces, goModRequires, TOOLS_DIR } from "../../scripts/lib/validate-tools";

// The shape of k8s.io/kubernetes's own go.mod: staging modules replaced by local folders.
const UPSTREAM = `module k8s.io/kubernetes

require (
	k8s.io/api v0.0.0
	k8s.io/client-go v0.0.0
	github.com/spf13/cobra v1.10.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go
)
`;

const WRAPPER = `module dodo-platform/tools/kubernetes

require k8s.io/kubernetes v1.35.4

replace (
	k8s.io/api => k8s.io/api v0.35.4
	k8s.io/client-go => k8s.io/client-go v0.35.4
)
`;

/** The module cache's copy of a module's go.mod, when this machine has downloaded it. */
function cachedGoMod(module: string, version: string): string | undefined {
    const root = process.env.GOMODCACHE ?? path.join(process.env.GOPATH ?? path.join(os.homedir(), "go"), "pkg", "mod");
    const file = path.join(root, "cache", "download", module, "@v", `${version}.mod`);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

const pinned = (name: string) => readToolInputs(goToolSpec(name)).version;

describe("tools: engine and linter pins", () => {
    it("pins the versions issue 11 and the other issues name", () => {
        assert.equal(pinned("pulumi"), "v3.276.0");
        assert.equal(pinned("pulumi-resource-kubernetes"), "v4.0.0-20260115033456-f47bc2d6f199");
        assert.equal(pinned("kubernetes"), "v1.35.4");
        assert.equal(pinned("etcd"), "v3.6.16");
        assert.equal(pinned("kwok"), "v0.8.0");
        assert.equal(pinned("actionlint"), "v1.7.12");
        assert.equal(pinned("promtool"), "v0.316.0");
    });

    it("every wrapper's go.sum holds the go.mod hash of each module it requires (a -mod=readonly build needs them)", () => {
        for (const spec of GO_TOOLS) {
            const dir = path.join(TOOLS_DIR, spec.name);
            assert.deepEqual(missingGoSumEntries(fs.readFileSync(path.join(dir, "go.mod"), "utf8"), fs.readFileSync(path.join(dir, "go.sum"), "utf8")), [], spec.name);
        }
    });

    it("flags a go.sum that lacks a required module, looking replaced modules up under their replacement", () => {
        const sum = "k8s.io/api v0.35.4/go.mod h1:x=\nk8s.io/kubernetes v1.35.4/go.mod h1:y=\n";
        assert.deepEqual(missingGoSumEntries(WRAPPER.replace("require k8s.io/kubernetes v1.35.4", "require (\n\tk8s.io/kubernetes v1.35.4\n\tk8s.io/api v0.0.0\n)"), sum), []);
        assert.deepEqual(missingGoSumEntries(WRAPPER, "k8s.io/api v0.35.4/go.mod h1:x=\n"), ["k8s.io/kubernetes v1.35.4"]);
    });

    it("the Pulumi CLI wrapper carries upstream's one module replace (clipboard)", () => {
        const goMod = fs.readFileSync(path.join(TOOLS_DIR, "pulumi", "go.mod"), "utf8");
        assert.deepEqual([...goModReplaces(goMod).keys()], ["github.com/atotto/clipboard"]);
        // Upstream's other replace points at ../sdk, a folder of its repository that a dependent cannot use.
        const upstream = cachedGoMod("github.com/pulumi/pulumi/pkg/v3", pinned("pulumi"));
        if (upstream) assert.deepEqual(goModReplaces(goMod), new Map([...goModReplaces(upstream)].filter(([, to]) => to.includes("@"))));
    });

    it("the etcd wrapper's own main only hands over to etcdmain.Main", () => {
        const main = fs.readFileSync(path.join(TOOLS_DIR, "etcd", "main.go"), "utf8");
        assert.match(main, /etcdmain\.Main\(os\.Args\)/);
        assert.ok(main.split("\n").length < 30);
    });
});

describe("tools: k8s.io/kubernetes staging replaces", () => {
    it("finds the staging modules in k8s.io/kubernetes's go.mod", () => {
        assert.deepEqual(stagingModules(UPSTREAM), ["k8s.io/api", "k8s.io/client-go"]);
    });

    it("maps a release to its staging version and writes the block", () => {
        assert.equal(stagingVersion("v1.35.4"), "v0.35.4");
        assert.equal(stagingVersion("v1.36.0-rc.1"), "v0.36.0-rc.1");
        assert.throws(() => stagingVersion("v0.35.4"), /not a Kubernetes release/);
        assert.equal(stagingReplaceBlock(UPSTREAM, "v1.35.4"), "replace (\n\tk8s.io/api => k8s.io/api v0.35.4\n\tk8s.io/client-go => k8s.io/client-go v0.35.4\n)\n");
    });

    it("accepts a wrapper that replaces exactly the staging modules at the release's version", () => {
        assert.deepEqual(checkStagingReplaces(WRAPPER, UPSTREAM), []);
    });

    it("names a missing, a wrong-version and an extra replace, and prints the block to paste", () => {
        const missing = checkStagingReplaces(WRAPPER.replace("\tk8s.io/api => k8s.io/api v0.35.4\n", ""), UPSTREAM);
        assert.match(missing[0], /^k8s\.io\/api: replaced by nothing, expected k8s\.io\/api v0\.35\.4$/);
        assert.match(missing.at(-1) ?? "", /the block to paste/);
        const wrong = checkStagingReplaces(WRAPPER.replace("client-go v0.35.4", "client-go v0.35.3"), UPSTREAM);
        assert.match(wrong[0], /client-go: replaced by k8s\.io\/client-go@v0\.35\.3, expected k8s\.io\/client-go v0\.35\.4/);
        const extra = checkStagingReplaces(WRAPPER.replace("replace (", "replace (\n\tk8s.io/utils => k8s.io/utils v0.0.1"), UPSTREAM);
        assert.match(extra[0], /k8s\.io\/utils is replaced but is not a staging module/);
    });

    it("tools/kubernetes/go.mod replaces all 31 staging modules of v1.35.4 by their v0.35.4 modules", () => {
        const goMod = fs.readFileSync(path.join(TOOLS_DIR, "kubernetes", "go.mod"), "utf8");
        const replaces = goModReplaces(goMod);
        assert.equal(replaces.size, 31);
        for (const [from, to] of replaces) assert.equal(to, `${from}@v0.35.4`);
        // Against upstream's own list where the module cache has it (after `npm run tools:build -- --engine`).
        const upstream = cachedGoMod("k8s.io/kubernetes", goModRequires(goMod).get("k8s.io/kubernetes") ?? "");
        if (upstream) assert.deepEqual(checkStagingReplaces(goMod, upstream), []);
    });

    it("links the release into the version variables hack/lib/version.sh sets, dated by the release", () => {
        const flags = kubeVersionLdflags("v1.35.4", "2026-04-15T18:01:22Z");
        assert.match(flags, /-X k8s\.io\/component-base\/version\.gitVersion=v1\.35\.4/);
        assert.match(flags, /-X k8s\.io\/component-base\/version\.gitMinor=35/);
        assert.match(flags, /-X k8s\.io\/client-go\/pkg\/version\.buildDate=2026-04-15T18:01:22Z/);
    });
});

describe("tools: builds, cache keys and version checks", () => {
    it("keys a build by go.mod, go.sum, committed sources, Go version and link flags", () => {
        const inputs = readToolInputs(goToolSpec("etcd"));
        const key = goToolKey(inputs, "go1.26.8/linux/amd64", "-s -w");
        assert.match(key, /^etcd-v3\.6\.16-[0-9a-f]{12}$/);
        assert.equal(goToolKey(inputs, "go1.26.8/linux/amd64", "-s -w"), key);
        assert.notEqual(goToolKey({ ...inputs, files: [...inputs.files.slice(0, 2), "package main // changed"] }, "go1.26.8/linux/amd64", "-s -w"), key);
        assert.notEqual(goToolKey(inputs, "go1.26.9/linux/amd64", "-s -w"), key);
        assert.notEqual(goToolKey(inputs, "go1.26.8/linux/amd64", "-s -w -X a.b=c"), key);
        assert.notEqual(goToolKey({ ...inputs, spec: { ...inputs.spec, tags: ["netgo"] } }, "go1.26.8/linux/amd64", "-s -w"), key, "build tags");
    });

    it("builds promtool without service discovery (it only tests and checks rules)", () => {
        assert.deepEqual(goToolSpec("promtool").tags, ["remove_all_sd"]);
    });

    it("selects tools by group or by name, and rejects unknown names", () => {
        assert.deepEqual(selectTools(["engine"]).map((t) => t.name), ["pulumi", "pulumi-resource-kubernetes", "kubernetes", "etcd", "kwok"]);
        assert.deepEqual(selectTools(["linters"]).map((t) => t.name), ["actionlint", "promtool"]);
        assert.deepEqual(selectTools([], ["kwok", "etcd"]).map((t) => t.name), ["etcd", "kwok"]);
        assert.throws(() => selectTools([], ["kind"]), /unknown tool\(s\) kind/);
    });

    it("expects each binary to print the pinned version", () => {
        const probe = goToolSpec("kubernetes").versionProbe("kube-apiserver", { version: "v1.35.4" });
        assert.deepEqual(probe, { args: ["--version"], expect: "Kubernetes v1.35.4" });
        assert.deepEqual(checkVersionOutput("kube-apiserver", probe!, "Kubernetes v1.35.4\n"), []);
        assert.match(checkVersionOutput("kube-apiserver", probe!, "Kubernetes v0.0.0-master+$Format:%H$")[0], /expected it to contain "Kubernetes v1\.35\.4"/);
        assert.equal(goToolSpec("etcd").versionProbe("etcd", { version: "v3.6.16" })?.expect, "etcd Version: 3.6.16");
        assert.equal(goToolSpec("promtool").versionProbe("promtool", { version: "v0.316.0" })?.expect, "version 3.16.0");
    });

    it("reads Prometheus releases out of its v0 module versions", () => {
        assert.equal(prometheusRelease("v0.316.0"), "3.16.0");
        assert.equal(prometheusRelease("v0.305.1"), "3.5.1");
        assert.throws(() => prometheusRelease("v2.53.0"), /not a Prometheus 3\.x module version/);
    });
});

describe("tools: the Kubernetes provider plugin", () => {
    it("writes the embedded schema the way upstream's generate.go does: version set, no indentation", () => {
        const out = embedSchema('{\n  "name": "kubernetes",\n  "resources": {}\n}', PROVIDER_REPORTED_VERSION);
        assert.equal(out, '{"name":"kubernetes","resources":{},"version":"4.24.0-dev"}');
        assert.throws(() => embedSchema('{"a":1}', "1"), /not a Pulumi package schema/);
        assert.equal(embedMapping('{\n "a": [1, 2]\n}'), '{"a":[1,2]}');
    });

    it("installs the plugin under the npm SDK's version, the one package.json pins", () => {
        assert.equal(sdkPluginVersion('{"version":"4.34.2","pulumi":{"resource":true,"version":"4.34.2"}}'), "4.34.2");
        const pkg = JSON.parse(fs.readFileSync(path.join(TOOLS_DIR, "..", "package.json"), "utf8")) as { dependencies: Record<string, string> };
        assert.equal(installedSdkPluginVersion(), pkg.dependencies["@pulumi/kubernetes"]);
        assert.equal(pluginPath("/h", "4.34.2"), "/h/plugins/resource-kubernetes-v4.34.2/pulumi-resource-kubernetes");
    });
});
