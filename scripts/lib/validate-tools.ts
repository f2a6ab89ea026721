// The upstream validators (istioctl, kubectl-validate), built from the Go modules pinned in
// tools/ into a cache outside the repo and reused while their pins do not change.
// Pure parts (go.mod parsing, pin checks, cache keys) are exported for tests; buildTools runs Go.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "./render";

export const TOOLS_DIR = path.join(REPO_ROOT, "tools");

/** One tool: a Go module folder under tools/ and the package it builds. */
export interface ToolSpec {
    /** Binary name and folder under tools/. */
    readonly name: "istioctl" | "kubectl-validate";
    /** The upstream module whose version tools/<name>/go.mod pins. */
    readonly module: string;
    /** The main package built from it. */
    readonly pkg: string;
}

export const TOOLS: readonly ToolSpec[] = [
    { name: "istioctl", module: "istio.io/istio", pkg: "istio.io/istio/istioctl/cmd/istioctl" },
    { name: "kubectl-validate", module: "sigs.k8s.io/kubectl-validate", pkg: "sigs.k8s.io/kubectl-validate" },
];

/** A release line of tools/istio-releases.json. */
export interface IstioReleasePin {
    module: string;
    /** Pseudo-version of the release commit on the Go module proxy. */
    version: string;
    branch: string;
    /** The istio.io/api version that commit's go.mod requires (ties the commit to the release). */
    apiVersion: string;
}

/** `require` versions of a go.mod (single-line and block form; indirect included). */
export function goModRequires(goMod: string): Map<string, string> {
    const out = new Map<string, string>();
    let inBlock = false;
    for (const raw of goMod.split("\n")) {
        const line = raw.replace(/\/\/.*$/, "").trim();
        if (inBlock) {
            if (line === ")") inBlock = false;
            else if (line) {
                const [mod, version] = line.split(/\s+/);
                if (mod && version) out.set(mod, version);
            }
            continue;
        }
        if (/^require\s*\($/.test(line)) inBlock = true;
        else {
            const m = /^require\s+(\S+)\s+(\S+)$/.exec(line);
            if (m) out.set(m[1], m[2]);
        }
    }
    return out;
}

/** `replace` directives of a go.mod as "old[@version]" -> "new[@version]". */
export function goModReplaces(goMod: string): Map<string, string> {
    const out = new Map<string, string>();
    let inBlock = false;
    const add = (spec: string) => {
        const [from, to] = spec.split("=>").map((s) => s.trim().split(/\s+/).join("@"));
        if (from && to) out.set(from, to);
    };
    for (const raw of goMod.split("\n")) {
        const line = raw.replace(/\/\/.*$/, "").trim();
        if (inBlock) {
            if (line === ")") inBlock = false;
            else if (line.includes("=>")) add(line);
            continue;
        }
        if (/^replace\s*\($/.test(line)) inBlock = true;
        else if (/^replace\s+/.test(line)) add(line.replace(/^replace\s+/, ""));
    }
    return out;
}

/**
 * Checks that the platform's Istio release, the release map and tools/istioctl/go.mod agree.
 * `upstreamApiVersion` is the istio.io/api requirement read from the pinned istio.io/istio
 * go.mod in the module cache (undefined when not checked). Returns problems, empty when consistent.
 */
export function checkIstioPin(
    istioVersion: string,
    releases: Record<string, IstioReleasePin | string>,
    istioctlGoMod: string,
    upstreamApiVersion?: string,
): string[] {
    const pin = releases[istioVersion];
    if (!pin || typeof pin === "string") {
        return [`components/versions.ts pins Istio ${istioVersion}, but tools/istio-releases.json has no entry for it (see tools/README.md, "Bumping Istio")`];
    }
    const problems: string[] = [];
    const required = goModRequires(istioctlGoMod).get(pin.module);
    if (required !== pin.version) {
        problems.push(
            `tools/istioctl/go.mod requires ${pin.module} ${required ?? "(nothing)"}, but tools/istio-releases.json maps Istio ${istioVersion} to ${pin.version}`,
        );
    }
    // Istio's release commit requires istio.io/api at (a pseudo-version based on) the same release.
    const apiRelease = `v${istioVersion}`;
    if (pin.apiVersion !== apiRelease && !pin.apiVersion.startsWith(`${apiRelease}-0.`)) {
        problems.push(`tools/istio-releases.json: Istio ${istioVersion} records istio.io/api ${pin.apiVersion}, which is not from the ${apiRelease} line`);
    }
    if (upstreamApiVersion !== undefined && upstreamApiVersion !== pin.apiVersion) {
        problems.push(
            `${pin.module}@${pin.version} requires istio.io/api ${upstreamApiVersion}, not ${pin.apiVersion}: that commit is not the Istio ${istioVersion} release commit recorded in tools/istio-releases.json`,
        );
    }
    return problems;
}

/**
 * The validator may lag the platform's Istio by one minor at most (ISTIO_VALIDATOR_VERSION in
 * components/versions.ts): Istio allows a control plane one minor ahead of its data plane, and
 * objects checked against the older release's schemas also survive a rollback to it. Never ahead:
 * it would accept fields the platform's release does not know.
 */
export function validatorSkewProblem(platform: string, validator: string): string | undefined {
    const minor = (v: string) => v.split(".").slice(0, 2).map(Number);
    const [pm, pn] = minor(platform);
    const [vm, vn] = minor(validator);
    if (pm === vm && (pn === vn || pn === vn + 1)) return undefined;
    return `the validator runs Istio ${validator} and the platform ${platform}: it must be the same minor or one minor behind (components/versions.ts ISTIO_VALIDATOR_VERSION, tools/README.md)`;
}

/** Cache root: $DODO_TOOLS_CACHE, else $XDG_CACHE_HOME/dodo-platform-tools, else ~/.cache/dodo-platform-tools. */
export function toolsCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
    if (env.DODO_TOOLS_CACHE) return path.resolve(env.DODO_TOOLS_CACHE);
    const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), ".cache");
    return path.join(base, "dodo-platform-tools");
}

/**
 * Folder of one build: readable (tool, pinned version) plus a hash of everything that changes
 * the binary (go.mod, go.sum, Go version, platform, link flags), so a changed pin never reuses
 * an old binary and an unchanged one always does.
 */
export function buildKey(tool: string, version: string, inputs: string[]): string {
    const h = crypto.createHash("sha256");
    for (const i of inputs) h.update(i).update("\0");
    const readable = version.replace(/[^A-Za-z0-9.-]/g, "_").slice(0, 40);
    return `${tool}-${readable}-${h.digest("hex").slice(0, 12)}`;
}

export interface BuiltTool {
    name: ToolSpec["name"];
    bin: string;
    version: string;
    /** Seconds spent building; 0 when reused from the cache. */
    buildSeconds: number;
    reused: boolean;
    /** Source folder of the pinned module in the Go module cache. */
    moduleDir: string;
}

export interface BuiltTools {
    istioctl: BuiltTool;
    kubectlValidate: BuiltTool;
    /** Istio's CRDs (crd-all.gen.yaml from the pinned istio.io/istio module). */
    istioCrds: string;
    /** Kubernetes minors whose built-in schemas kubectl-validate embeds. */
    embeddedKubernetesVersions: string[];
    totalSeconds: number;
}

export class ToolBuildError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ToolBuildError";
    }
}

/**
 * GOPROXY for the builds: the configured proxy list without `direct` (and `off`), so a module
 * the proxy lacks fails the build instead of being fetched from its VCS host. Nothing left
 * means the public proxy.
 */
export function proxyOnly(goproxy: string | undefined): string {
    const entries = (goproxy ?? "").split(/[,|]/).map((e) => e.trim()).filter((e) => e !== "" && e !== "direct" && e !== "off");
    return entries.length ? entries.join(",") : "https://proxy.golang.org";
}

/**
 * Environment for every `go` call: local toolchain only, low priority, modules read-only, and
 * modules from the proxy only (no VCS: GONOPROXY/GOPRIVATE emptied, checksums still checked by GOSUMDB).
 */
export function goEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return {
        ...env,
        GOPROXY: proxyOnly(env.GOPROXY ?? goEnvDefault("GOPROXY")),
        GONOPROXY: "",
        GOPRIVATE: "",
        GOTOOLCHAIN: "local",
        GOFLAGS: `-mod=readonly -buildvcs=false -p=${env.DODO_TOOLS_BUILD_PARALLEL ?? "2"}`,
        GOMAXPROCS: env.GOMAXPROCS ?? "2",
        GOWORK: "off",
        CGO_ENABLED: "0",
    };
}

/** A setting from `go env` (go.env or `go env -w`), read once; undefined without Go. */
const goEnvDefaults = new Map<string, string | undefined>();
function goEnvDefault(key: string): string | undefined {
    if (!goEnvDefaults.has(key)) {
        const r = spawnSync("go", ["env", key], { encoding: "utf8", env: { ...process.env, GOTOOLCHAIN: "local" } });
        goEnvDefaults.set(key, r.status === 0 ? r.stdout.trim() : undefined);
    }
    return goEnvDefaults.get(key);
}

/** Runs `go` (under `nice -n 19` where available) with goEnv(); inherit streams a build's output. */
export function go(args: string[], cwd: string, inherit = false): string {
    const useNice = fs.existsSync("/usr/bin/nice") || fs.existsSync("/bin/nice");
    const cmd = useNice ? "nice" : "go";
    const argv = useNice ? ["-n", "19", "go", ...args] : args;
    const r = spawnSync(cmd, argv, { cwd, env: goEnv(), encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: inherit ? ["ignore", "inherit", "inherit"] : "pipe" });
    if (r.error) throw new ToolBuildError(`go ${args.join(" ")}: ${r.error.message} (is Go installed and on PATH?)`);
    if (r.status !== 0) throw new ToolBuildError(`go ${args.join(" ")} (in ${path.relative(REPO_ROOT, cwd)}) failed:\n${r.stderr ?? ""}`);
    return r.stdout ?? "";
}

/** Go version and platform, part of every build key. */
export function goVersion(): string {
    return go(["env", "GOVERSION"], TOOLS_DIR).trim() + "/" + go(["env", "GOOS"], TOOLS_DIR).trim() + "/" + go(["env", "GOARCH"], TOOLS_DIR).trim();
}

/** Downloads (from the Go module proxy only) and locates the pinned module's source. */
export function moduleDir(toolDir: string, module: string): { dir: string; version: string; goMod: string } {
    const info = JSON.parse(go(["mod", "download", "-json", module], toolDir)) as { Dir?: string; Version?: string; GoMod?: string; Error?: string };
    if (info.Error || !info.Dir || !info.Version || !info.GoMod) throw new ToolBuildError(`go mod download ${module}: ${info.Error ?? "no module directory"}`);
    return { dir: info.Dir, version: info.Version, goMod: info.GoMod };
}

export function readIstioReleases(): Record<string, IstioReleasePin | string> {
    return JSON.parse(fs.readFileSync(path.join(TOOLS_DIR, "istio-releases.json"), "utf8")) as Record<string, IstioReleasePin | string>;
}

/** Link flags: istioctl reports the release it was built from (`istioctl version --remote=false`). */
function ldflags(tool: ToolSpec, istioVersion: string, pin: IstioReleasePin | undefined): string {
    if (tool.name !== "istioctl" || !pin) return "-s -w";
    const commit = pin.version.split("-").pop() ?? "unknown";
    return [
        "-s -w",
        `-X istio.io/istio/pkg/version.buildVersion=${istioVersion}`,
        `-X istio.io/istio/pkg/version.buildGitRevision=${commit}`,
        `-X istio.io/istio/pkg/version.buildTag=${istioVersion}`,
        "-X istio.io/istio/pkg/version.buildStatus=Modified",
        `-X istio.io/istio/pkg/version.buildOS=${process.platform}`,
        `-X istio.io/istio/pkg/version.buildArch=${process.arch === "x64" ? "amd64" : process.arch}`,
    ].join(" ");
}

export interface BuildOptions {
    istioVersion: string;
    log?: (line: string) => void;
}

/** Builds (or reuses) both tools and returns where they are. Network: the Go module proxy only. */
export function buildTools(opts: BuildOptions): BuiltTools {
    const log = opts.log ?? ((l: string) => console.log(l));
    const started = Date.now();
    const releases = readIstioReleases();
    const istioctlGoMod = fs.readFileSync(path.join(TOOLS_DIR, "istioctl", "go.mod"), "utf8");
    const pinProblems = checkIstioPin(opts.istioVersion, releases, istioctlGoMod);
    if (pinProblems.length > 0) throw new ToolBuildError(pinProblems.join("\n"));
    const pin = releases[opts.istioVersion] as IstioReleasePin;
    const gover = goVersion();
    const root = toolsCacheRoot();
    const built: Partial<Record<ToolSpec["name"], BuiltTool>> = {};
    for (const tool of TOOLS) {
        const toolDir = path.join(TOOLS_DIR, tool.name);
        const goMod = fs.readFileSync(path.join(toolDir, "go.mod"), "utf8");
        const goSum = fs.readFileSync(path.join(toolDir, "go.sum"), "utf8");
        const version = goModRequires(goMod).get(tool.module);
        if (!version) throw new ToolBuildError(`tools/${tool.name}/go.mod does not require ${tool.module}`);
        const mod = moduleDir(toolDir, tool.module);
        if (tool.name === "istioctl") {
            const upstreamApi = goModRequires(fs.readFileSync(mod.goMod, "utf8")).get("istio.io/api");
            const problems = checkIstioPin(opts.istioVersion, releases, istioctlGoMod, upstreamApi);
            if (problems.length > 0) throw new ToolBuildError(problems.join("\n"));
        }
        const flags = ldflags(tool, opts.istioVersion, pin);
        const key = buildKey(tool.name, tool.name === "istioctl" ? opts.istioVersion : version, [goMod, goSum, gover, flags, tool.pkg]);
        const dir = path.join(root, key);
        const bin = path.join(dir, "bin", tool.name);
        const label = tool.name === "istioctl" ? `${tool.name} ${opts.istioVersion} (${tool.module}@${version})` : `${tool.name} (${tool.module}@${version})`;
        if (fs.existsSync(bin)) {
            log(`tools: ${label}: reusing ${bin}`);
            built[tool.name] = { name: tool.name, bin, version, buildSeconds: 0, reused: true, moduleDir: mod.dir };
            continue;
        }
        log(`tools: ${label}: building into ${dir} (the first build can take several minutes)`);
        const t0 = Date.now();
        fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
        const tmp = `${bin}.tmp-${process.pid}`;
        go(["build", "-trimpath", "-ldflags", flags, "-o", tmp, tool.pkg], toolDir, true);
        fs.renameSync(tmp, bin);
        const secs = (Date.now() - t0) / 1000;
        log(`tools: ${label}: built in ${secs.toFixed(1)} s`);
        built[tool.name] = { name: tool.name, bin, version, buildSeconds: secs, reused: false, moduleDir: mod.dir };
    }
    const istioctl = built.istioctl!;
    const kubectlValidate = built["kubectl-validate"]!;
    const istioCrds = path.join(istioctl.moduleDir, "manifests", "charts", "base", "files", "crd-all.gen.yaml");
    if (!fs.existsSync(istioCrds)) throw new ToolBuildError(`Istio CRDs not found at ${istioCrds}`);
    const builtinsDir = path.join(kubectlValidate.moduleDir, "pkg", "openapiclient", "builtins");
    const embeddedKubernetesVersions = fs.existsSync(builtinsDir)
        ? fs.readdirSync(builtinsDir).filter((v) => /^\d+\.\d+$/.test(v)).sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]))
        : [];
    const totalSeconds = (Date.now() - started) / 1000;
    return { istioctl, kubectlValidate, istioCrds, embeddedKubernetesVersions, totalSeconds };
}

/**
 * Group/versions whose built-in schemas kubectl-validate embeds for a Kubernetes minor
 * (`api/v1.json` -> "v1", `apis/apps/v1.json` -> "apps/v1").
 */
export function builtInGroupVersions(kubectlValidateModuleDir: string, kubernetesVersion: string): Set<string> {
    const dir = path.join(kubectlValidateModuleDir, "pkg", "openapiclient", "builtins", kubernetesVersion);
    const out = new Set<string>();
    const api = path.join(dir, "api");
    if (fs.existsSync(api)) for (const f of fs.readdirSync(api)) if (f.endsWith(".json")) out.add(f.slice(0, -5));
    const apis = path.join(dir, "apis");
    if (fs.existsSync(apis)) {
        for (const group of fs.readdirSync(apis)) {
            for (const f of fs.readdirSync(path.join(apis, group))) if (f.endsWith(".json")) out.add(`${group}/${f.slice(0, -5)}`);
        }
    }
    return out;
}
