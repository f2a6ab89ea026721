// Builds the Go tools of scripts/lib/engine-tools/specs.ts into the tools cache shared with the
// validators (~/.cache/dodo-platform-tools/<tool>-<version>-<hash>/bin/), one at a time, reusing
// a build whose inputs did not change. Same Go settings as the validators (goEnv: module proxy
// only, GOTOOLCHAIN=local, -mod=readonly, nice -n 19, -trimpath).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { buildKey, go, goModRequires, goVersion, moduleDir, TOOLS_DIR, toolsCacheRoot, ToolBuildError } from "../validate-tools";
import { checkStagingReplaces } from "./kubernetes";
import { prepareProviderBuildDir } from "./provider";
import { checkVersionOutput, GO_TOOLS, GoToolGroup, GoToolName, GoToolSpec, missingGoSumEntries, PinnedModule } from "./specs";

export interface BuiltGoTool {
    name: GoToolName;
    /** Binary name -> absolute path. */
    bins: Record<string, string>;
    /** The pinned upstream module version (from tools/<name>/go.mod). */
    version: string;
    /** Source folder of the pinned module in the Go module cache (kwok's stages are read from it). */
    moduleDir: string;
    /** The cache folder of this build. */
    dir: string;
    /** Seconds spent building; 0 when reused. */
    buildSeconds: number;
    reused: boolean;
}

export interface GoToolInputs {
    spec: GoToolSpec;
    toolDir: string;
    version: string;
    /** go.mod, go.sum and the spec's committed sources, in order. */
    files: string[];
}

/** Reads a tool's committed inputs and checks that go.mod pins the module and go.sum covers it. */
export function readToolInputs(spec: GoToolSpec, toolsDir = TOOLS_DIR): GoToolInputs {
    const toolDir = path.join(toolsDir, spec.name);
    const read = (f: string) => fs.readFileSync(path.join(toolDir, f), "utf8");
    const goMod = read("go.mod");
    const goSum = read("go.sum");
    const version = goModRequires(goMod).get(spec.module);
    if (!version) throw new ToolBuildError(`tools/${spec.name}/go.mod does not require ${spec.module}`);
    const missing = missingGoSumEntries(goMod, goSum);
    if (missing.length > 0) throw new ToolBuildError(`tools/${spec.name}/go.sum lacks ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""}: run go mod tidy there`);
    return { spec, toolDir, version, files: [goMod, goSum, ...spec.sources.map(read)] };
}

/** Cache folder name of a tool build: everything that changes the binaries goes into the hash. */
export function goToolKey(inputs: GoToolInputs, goVer: string, ldflags: string): string {
    return buildKey(inputs.spec.name, inputs.version, [...inputs.files, goVer, ldflags, ...inputs.spec.packages, ...(inputs.spec.tags ?? []).map((t) => `tag:${t}`)]);
}

/** The tools of the groups asked for, in spec order; `only` narrows them to named tools. */
export function selectTools(groups: readonly GoToolGroup[], only?: readonly string[]): GoToolSpec[] {
    if (only && only.length > 0) {
        const unknown = only.filter((n) => !GO_TOOLS.some((t) => t.name === n));
        if (unknown.length > 0) throw new ToolBuildError(`unknown tool(s) ${unknown.join(", ")}; known: ${GO_TOOLS.map((t) => t.name).join(", ")}`);
        return GO_TOOLS.filter((t) => only.includes(t.name));
    }
    return GO_TOOLS.filter((t) => groups.includes(t.group));
}

function pinnedModule(toolDir: string, module: string): { dir: string; pin: PinnedModule; goMod: string } {
    const mod = moduleDir(toolDir, module);
    const infoFile = mod.goMod.replace(/\.mod$/, ".info");
    const info = fs.existsSync(infoFile) ? (JSON.parse(fs.readFileSync(infoFile, "utf8")) as { Time?: string }) : {};
    return { dir: mod.dir, pin: { version: mod.version, time: info.Time }, goMod: mod.goMod };
}

function probeVersions(spec: GoToolSpec, bins: Record<string, string>, pin: PinnedModule): void {
    for (const [name, bin] of Object.entries(bins)) {
        const probe = spec.versionProbe(name, pin);
        if (!probe) continue;
        const r = spawnSync(bin, probe.args, { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
        const problems = checkVersionOutput(name, probe, `${r.stdout ?? ""}${r.stderr ?? ""}`);
        if (problems.length > 0) throw new ToolBuildError(problems.join("\n"));
    }
}

/** Builds (or reuses) one tool. Network: the Go module proxy, only for modules not yet cached. */
export function buildGoTool(spec: GoToolSpec, log: (line: string) => void, goVer = goVersion()): BuiltGoTool {
    const inputs = readToolInputs(spec);
    const mod = pinnedModule(inputs.toolDir, spec.module);
    if (spec.name === "kubernetes") {
        const problems = checkStagingReplaces(inputs.files[0], fs.readFileSync(mod.goMod, "utf8"));
        if (problems.length > 0) throw new ToolBuildError(`tools/kubernetes/go.mod:\n${problems.join("\n")}`);
    }
    const ldflags = spec.ldflags(mod.pin);
    const dir = path.join(toolsCacheRoot(), goToolKey(inputs, goVer, ldflags));
    const bins = Object.fromEntries(spec.binaries.map((b) => [b, path.join(dir, "bin", b)]));
    const label = `${spec.name} (${spec.module}@${inputs.version})`;
    const result = { name: spec.name, bins, version: inputs.version, moduleDir: mod.dir, dir };
    if (Object.values(bins).every((b) => fs.existsSync(b))) {
        log(`tools: ${label}: reusing ${dir}`);
        return { ...result, buildSeconds: 0, reused: true };
    }
    log(`tools: ${label}: building into ${dir}`);
    const t0 = Date.now();
    const tmp = path.join(dir, `bin.tmp-${process.pid}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const cwd = spec.name === "pulumi-resource-kubernetes" ? prepareProviderBuildDir(mod.dir, inputs.toolDir, path.join(dir, "src")) : inputs.toolDir;
    // One binary: -o names the file; several: -o names a folder and each keeps its package's name.
    const out = spec.packages.length === 1 ? path.join(tmp, spec.binaries[0]) : `${tmp}${path.sep}`;
    const tags = spec.tags && spec.tags.length > 0 ? ["-tags", spec.tags.join(",")] : [];
    go(["build", "-trimpath", ...tags, "-ldflags", ldflags, "-o", out, ...spec.packages], cwd, true);
    probeVersions(spec, Object.fromEntries(spec.binaries.map((b) => [b, path.join(tmp, b)])), mod.pin);
    fs.rmSync(path.join(dir, "bin"), { recursive: true, force: true });
    fs.renameSync(tmp, path.join(dir, "bin"));
    const secs = (Date.now() - t0) / 1000;
    log(`tools: ${label}: built in ${secs.toFixed(1)} s`);
    return { ...result, buildSeconds: secs, reused: false };
}

/** Builds the selected tools one after another (they are CPU-heavy); returns them by name. */
export function buildGoTools(specs: readonly GoToolSpec[], log: (line: string) => void = console.log): Partial<Record<GoToolName, BuiltGoTool>> {
    const goVer = goVersion();
    const out: Partial<Record<GoToolName, BuiltGoTool>> = {};
    for (const spec of specs) out[spec.name] = buildGoTool(spec, log, goVer);
    return out;
}
