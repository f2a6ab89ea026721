import { strict as assert } from "node:assert";
import * as fs from "fs";
import * as path from "path";
import { ISTIO_VALIDATOR_VERSION, ISTIO_VERSION } from "../../components/versions";
import { buildKey, checkIstioPin, goEnv, goModReplaces, goModRequires, IstioReleasePin, proxyOnly, readIstioReleases, TOOLS_DIR, toolsCacheRoot, validatorSkewProblem } from "../../scripts/lib/validate-tools";

const GO_MOD = `// comment
module example/tools

go 1.25.9

require istio.io/istio v0.0.0-20260826214018-9739e10eb9d7

require (
	github.com/spf13/cobra v1.10.1 // indirect
	istio.io/api v1.30.4-0.20260824163423-69099aec2678 // indirect
)

tool istio.io/istio/istioctl/cmd/istioctl

replace istio.io/client-go v1.30.4-0.20260824164123-eb36a3f6cac0 => istio.io/client-go v1.30.4

replace (
	istio.io/api v1.30.4-0.20260824163423-69099aec2678 => istio.io/api v1.30.3
	example.com/local => ../local
)
`;

const PIN: IstioReleasePin = {
    module: "istio.io/istio",
    version: "v0.0.0-20260826214018-9739e10eb9d7",
    branch: "release-1.30",
    apiVersion: "v1.30.4-0.20260824163423-69099aec2678",
};

describe("validate: tool pins", () => {
    it("reads require lines in single-line and block form", () => {
        const r = goModRequires(GO_MOD);
        assert.equal(r.get("istio.io/istio"), "v0.0.0-20260826214018-9739e10eb9d7");
        assert.equal(r.get("github.com/spf13/cobra"), "v1.10.1");
        assert.equal(r.get("istio.io/api"), "v1.30.4-0.20260824163423-69099aec2678");
        assert.equal(r.get("tool"), undefined);
    });

    it("reads replace directives in single-line and block form", () => {
        const r = goModReplaces(GO_MOD);
        assert.equal(r.get("istio.io/client-go@v1.30.4-0.20260824164123-eb36a3f6cac0"), "istio.io/client-go@v1.30.4");
        assert.equal(r.get("istio.io/api@v1.30.4-0.20260824163423-69099aec2678"), "istio.io/api@v1.30.3");
        assert.equal(r.get("example.com/local"), "../local");
    });

    it("accepts a consistent pin: release mapped, go.mod requires that pseudo-version, upstream api from the same release", () => {
        assert.deepEqual(checkIstioPin("1.30.4", { "1.30.4": PIN }, GO_MOD, PIN.apiVersion), []);
    });

    it("fails when the mesh's Istio release has no entry in the release map", () => {
        const problems = checkIstioPin("1.31.0", { "1.30.4": PIN }, GO_MOD);
        assert.equal(problems.length, 1);
        assert.match(problems[0], /pins Istio 1\.31\.0, but tools\/istio-releases\.json has no entry/);
    });

    it("fails when tools/istioctl/go.mod requires another istio commit than the map says", () => {
        const other = GO_MOD.replace("require istio.io/istio v0.0.0-20260826214018-9739e10eb9d7", "require istio.io/istio v0.0.0-20260827124520-eed52ebb66ad");
        assert.match(checkIstioPin("1.30.4", { "1.30.4": PIN }, other).join("\n"), /requires istio\.io\/istio v0\.0\.0-20260827124520-eed52ebb66ad, but .* maps Istio 1\.30\.4 to v0\.0\.0-20260826214018/);
    });

    it("fails when the recorded istio.io/api is not from the same release line", () => {
        const wrong = { ...PIN, apiVersion: "v1.31.0-rc.0.0.20260824154656-b943409680a7" };
        assert.match(checkIstioPin("1.30.4", { "1.30.4": wrong }, GO_MOD).join("\n"), /not from the v1\.30\.4 line/);
    });

    it("fails when the pinned commit's own go.mod requires another istio.io/api (wrong commit for the release)", () => {
        assert.match(checkIstioPin("1.30.4", { "1.30.4": PIN }, GO_MOD, "v1.31.0").join("\n"), /is not the Istio 1\.30\.4 release commit/);
    });

    it("the committed tools pin the validator's Istio release (components/versions.ts ISTIO_VALIDATOR_VERSION)", () => {
        const goMod = fs.readFileSync(path.join(TOOLS_DIR, "istioctl", "go.mod"), "utf8");
        assert.deepEqual(checkIstioPin(ISTIO_VALIDATOR_VERSION, readIstioReleases(), goMod), []);
        // The platform's own release has no istio.io/istio commit on the module proxy (served up to 1.30.4).
        assert.match(checkIstioPin(ISTIO_VERSION, readIstioReleases(), goMod).join("\n"), /has no entry for it/);
    });

    it("lets the validator lag the platform by one minor at most, never lead it", () => {
        assert.equal(validatorSkewProblem(ISTIO_VERSION, ISTIO_VALIDATOR_VERSION), undefined, "the committed pins");
        assert.equal(validatorSkewProblem("1.30.8", "1.30.4"), undefined);
        assert.equal(validatorSkewProblem("1.31.4", "1.30.4"), undefined);
        assert.match(validatorSkewProblem("1.32.0", "1.30.4") ?? "", /same minor or one minor behind/);
        assert.match(validatorSkewProblem("1.30.4", "1.31.0") ?? "", /same minor or one minor behind/);
        assert.match(validatorSkewProblem("2.0.0", "1.30.4") ?? "", /same minor or one minor behind/);
    });

    it("every tool module has a go.sum holding a hash for each module it requires, istioctl's pinned istio.io/istio included", () => {
        for (const tool of ["istioctl", "kubectl-validate"]) {
            const goMod = fs.readFileSync(path.join(TOOLS_DIR, tool, "go.mod"), "utf8");
            const sum = fs.readFileSync(path.join(TOOLS_DIR, tool, "go.sum"), "utf8");
            const replaces = goModReplaces(goMod);
            for (const [mod, version] of goModRequires(goMod)) {
                // A replaced version is verified under its replacement.
                const target = replaces.get(`${mod}@${version}`) ?? replaces.get(mod);
                if (target && !target.includes("@")) continue; // local directory replacement
                const [m, v] = target ? (target.split("@") as [string, string]) : [mod, version];
                assert.match(sum, new RegExp(`^${m.replace(/[.]/g, "\\.")} ${v.replace(/[.+]/g, "\\$&")}/go\\.mod h1:`, "m"), `tools/${tool}/go.sum lacks ${m} ${v}/go.mod`);
            }
        }
        const pin = readIstioReleases()[ISTIO_VALIDATOR_VERSION] as IstioReleasePin;
        const istioSum = fs.readFileSync(path.join(TOOLS_DIR, "istioctl", "go.sum"), "utf8");
        assert.match(istioSum, new RegExp(`^istio\\.io/istio ${pin.version}/go\\.mod h1:[A-Za-z0-9+/]{43}=$`, "m"), "go.mod hash of the pinned istio.io/istio");
        assert.match(istioSum, new RegExp(`^istio\\.io/istio ${pin.version} h1:[A-Za-z0-9+/]{43}=$`, "m"), "module hash of the pinned istio.io/istio");
    });

    it("builds with the module proxy only: no direct (VCS) fallback, no private bypass, checksums kept", () => {
        assert.equal(proxyOnly("https://proxy.golang.org,direct"), "https://proxy.golang.org");
        assert.equal(proxyOnly("https://goproxy.corp.example|https://proxy.golang.org,direct"), "https://goproxy.corp.example,https://proxy.golang.org");
        assert.equal(proxyOnly("direct"), "https://proxy.golang.org");
        assert.equal(proxyOnly("off"), "https://proxy.golang.org");
        assert.equal(proxyOnly(undefined), "https://proxy.golang.org");
        const env = goEnv({ GOPROXY: "https://proxy.golang.org,direct", GOPRIVATE: "github.com/*", GONOPROXY: "*", GOSUMDB: "sum.golang.org" });
        assert.equal(env.GOPROXY, "https://proxy.golang.org");
        assert.equal(env.GOPRIVATE, "");
        assert.equal(env.GONOPROXY, "");
        assert.equal(env.GOSUMDB, "sum.golang.org");
        assert.match(env.GOFLAGS ?? "", /-mod=readonly/);
        assert.equal(env.GOTOOLCHAIN, "local");
    });

    it("keys a build by everything that changes the binary, readable by tool and version", () => {
        const a = buildKey("istioctl", "1.30.4", ["go.mod", "go.sum", "go1.26"]);
        assert.match(a, /^istioctl-1\.30\.4-[0-9a-f]{12}$/);
        assert.equal(buildKey("istioctl", "1.30.4", ["go.mod", "go.sum", "go1.26"]), a);
        assert.notEqual(buildKey("istioctl", "1.30.4", ["go.mod", "go.sum changed", "go1.26"]), a);
        assert.notEqual(buildKey("istioctl", "1.30.4", ["go.mod", "go.sum", "go1.27"]), a);
        // Inputs are delimited: moving text between inputs changes the key.
        assert.notEqual(buildKey("x", "1", ["ab", "c"]), buildKey("x", "1", ["a", "bc"]));
    });

    it("caches outside the repo: $DODO_TOOLS_CACHE, else $XDG_CACHE_HOME, else ~/.cache", () => {
        assert.equal(toolsCacheRoot({ DODO_TOOLS_CACHE: "/c/tools", XDG_CACHE_HOME: "/x" }), "/c/tools");
        assert.equal(toolsCacheRoot({ XDG_CACHE_HOME: "/x" }), "/x/dodo-platform-tools");
        assert.match(toolsCacheRoot({}), /\/\.cache\/dodo-platform-tools$/);
    });
});
