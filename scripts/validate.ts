// npm run validate -- --stack <dev|staging|prod|local> [--out <dir>] [--no-synth]
// Synths the stack, then checks what it renders with upstream tools built from pinned Go modules
// (tools/): `istioctl analyze --use-kube=false` (the platform's Istio release, with the mesh config
// the istiod release installs) and kubectl-validate (built-in kinds against the cluster's
// Kubernetes schemas, Istio kinds against Istio's CRDs), and runs the policy rules over what the
// charts render (scripts/lib/rendered-charts). Prints a short report; exits 1 on any error or
// warning not waived in validation-waivers.yaml or any unexempted mandatory chart finding, 2 on bad arguments.
// Nothing is fetched at validation time; tools and their inputs come from the Go module proxy
// when they are built, and the tools themselves run with networking pointed at nowhere.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { KubeObject } from "../components/k8s";
import { ISTIO_VALIDATOR_VERSION, ISTIO_VERSION } from "../components/versions";
import { parseArgs, runCommand, UsageError } from "./lib/args";
import { parsePlatformConfig } from "../components/config";
import { ALL_STACKS as STACKS, readStackConfig, REPO_ROOT } from "./lib/render";
import { goYaml, meshConfigOf, schemaInputs, schemaVersion, unredactedForValidation, yamlStream } from "./lib/validate-inputs";
import { decide, Finding, formatReport, parseIstioctlOutput, parseKubectlValidateOutput, parseWaivers, SELF_CHECK, selfCheckProblems, ToolRun, WaiverFileError } from "./lib/validate-report";
import { BuiltTools, builtInGroupVersions, buildTools, ToolBuildError, validatorSkewProblem } from "./lib/validate-tools";
import { runChartCheck } from "./lib/rendered-charts";

const USAGE = "usage: npm run validate -- --stack <dev|staging|prod|local> [--out <dir>] [--no-synth]";
const WAIVERS_FILE = path.join(REPO_ROOT, "validation-waivers.yaml");
const SELF_CHECK_FIXTURE = path.join(REPO_ROOT, "test", "validate", "fixtures", "known-bad.yaml");

class SynthError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "SynthError";
    }
}

class SelfCheckError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "SelfCheckError";
    }
}

/** Environment for the tools: no cluster, no network (a proxy that refuses every connection). */
function offlineEnv(home: string): NodeJS.ProcessEnv {
    const nowhere = "http://127.0.0.1:9";
    return {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        KUBECONFIG: path.join(home, "no-kubeconfig"),
        HTTP_PROXY: nowhere,
        HTTPS_PROXY: nowhere,
        http_proxy: nowhere,
        https_proxy: nowhere,
        NO_PROXY: "",
        no_proxy: "",
    };
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv): { status: number; stdout: string; stderr: string } {
    const r = spawnSync(bin, args, { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw new Error(`${path.basename(bin)}: ${r.error.message}`);
    return { status: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv, { stack: "string", out: "string", "no-synth": "boolean" }, USAGE);
    const stack = args.stack;
    if (!stack || !(STACKS as readonly string[]).includes(stack)) throw new UsageError(`--stack must be one of ${STACKS.join(", ")}\n${USAGE}`);
    const out = path.resolve(args.out ?? path.join(REPO_ROOT, "out", stack));

    // Waivers first: a malformed waiver file should fail before minutes of building.
    const waivers = parseWaivers(YAML.parse(fs.readFileSync(WAIVERS_FILE, "utf8")));

    if (!args["no-synth"]) {
        // The synth command itself (not its internals): validation sees exactly what `npm run synth` writes.
        const synth = spawnSync(process.execPath, ["-r", path.join(REPO_ROOT, "scripts", "lib", "register-ts.js"), path.join(REPO_ROOT, "scripts", "synth.ts"), "--stack", stack, "--out", out], {
            cwd: REPO_ROOT,
            stdio: ["ignore", "inherit", "inherit"],
        });
        if (synth.status !== 0) throw new SynthError(`synth ${stack} failed (exit ${synth.status ?? synth.signal})`);
    }
    const manifests = YAML.parseAllDocuments(fs.readFileSync(path.join(out, "manifests.yaml"), "utf8"))
        .map((d) => d.toJS() as KubeObject | null)
        .filter((o): o is KubeObject => o !== null && typeof o === "object");
    const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as { type: string; name: string; props: Record<string, unknown> }[];

    // The validator's release, not the platform's: istio.io/istio is served only up to 1.30.4.
    const skew = validatorSkewProblem(ISTIO_VERSION, ISTIO_VALIDATOR_VERSION);
    if (skew) throw new ToolBuildError(skew);
    const tools = buildTools({ istioVersion: ISTIO_VALIDATOR_VERSION });
    const built = [tools.istioctl, tools.kubectlValidate].filter((t) => !t.reused);
    console.log(
        built.length > 0
            ? `tools: built ${built.map((t) => `${t.name} in ${t.buildSeconds.toFixed(1)} s`).join(", ")} (total ${tools.totalSeconds.toFixed(1)} s)`
            : `tools: reused from cache (checked in ${tools.totalSeconds.toFixed(1)} s)`,
    );

    // The stack's EKS version; an existing cluster's is not known here, so the default stands in.
    const { values, secretKeys } = readStackConfig(stack);
    const platform = parsePlatformConfig({ stack, values, secretKeys });
    const wanted = platform.cluster.kubernetesVersion;
    const k8s = schemaVersion(wanted, tools.embeddedKubernetesVersions);

    // The tools must find the defects planted in the fixture before their silence on the stack means anything.
    const fixture = YAML.parseAllDocuments(fs.readFileSync(SELF_CHECK_FIXTURE, "utf8"))
        .map((d) => d.toJS() as KubeObject | null)
        .filter((o): o is KubeObject => o !== null && typeof o === "object");
    const self = runTools(tools, fixture, undefined, k8s.version);
    const selfProblems = selfCheckProblems(self.findings);
    if (selfProblems.length > 0) throw new SelfCheckError(`tool self-check failed:\n  ${selfProblems.join("\n  ")}`);
    console.log(`self-check: both tools reported all ${SELF_CHECK.length} defects planted in ${path.relative(REPO_ROOT, SELF_CHECK_FIXTURE)}`);

    const { findings, runs } = runTools(tools, manifests, meshConfigOf(resources as never), k8s.version, k8s.note);
    const verdict = decide(findings, waivers, stack);
    console.log(formatReport(stack, runs, verdict));

    // The policy rules over what the charts install (helm from tools/helm; policy/README.md, "Chart objects").
    const charts = runChartCheck({ stack, env: platform.environment, resources: resources as never, manifests: manifests as never, kubeVersion: wanted, outDir: path.join(out, "charts") });
    console.log(charts.report.trimEnd());
    return verdict.exitCode !== 0 ? verdict.exitCode : charts.passed ? 0 : 1;
}

/** Runs both tools over `manifests` in a scratch folder, offline. */
function runTools(tools: BuiltTools, rendered: KubeObject[], mesh: Record<string, unknown> | undefined, k8sVersion: string, note?: string): { findings: Finding[]; runs: ToolRun[] } {
    // Secrets redacted by the offline synth get the shape the API expects (no waiver needed).
    const manifests = rendered.map(unredactedForValidation);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "dodo-validate-"));
    try {
        const env = offlineEnv(work);
        const findings: Finding[] = [];
        const runs: ToolRun[] = [];

        // kubectl-validate: one object per file, Istio CRDs from the pinned istio.io/istio module.
        const inputs = schemaInputs(manifests, builtInGroupVersions(tools.kubectlValidate.moduleDir, k8sVersion));
        const objDir = path.join(work, "objects");
        const crdDir = path.join(work, "crds");
        fs.mkdirSync(objDir);
        fs.mkdirSync(crdDir);
        fs.copyFileSync(tools.istioCrds, path.join(crdDir, "istio-crds.yaml"));
        const objects: Record<string, string> = {};
        for (const f of inputs.files) {
            const file = path.join(objDir, f.file);
            fs.writeFileSync(file, f.yaml);
            objects[file] = f.object;
        }
        if (inputs.files.length > 0) {
            const r = run(tools.kubectlValidate.bin, ["--version", k8sVersion, "--local-crds", crdDir, "-o", "json", objDir], env);
            findings.push(...parseKubectlValidateOutput(r.stdout, objects));
        }
        runs.push({
            tool: "kubectl-validate",
            version: `${tools.kubectlValidate.version}, Kubernetes ${k8sVersion} schemas`,
            input: `${inputs.files.length} objects (${inputs.builtIn} built-in, ${inputs.istio} Istio against Istio ${ISTIO_VALIDATOR_VERSION} CRDs${ISTIO_VALIDATOR_VERSION === ISTIO_VERSION ? "" : `, the platform runs ${ISTIO_VERSION}`})${note ? `; note: ${note}` : ""}`,
            skipped: inputs.skipped,
        });

        // istioctl analyze: every object (it ignores kinds it has no schema for) and the mesh config.
        const all = path.join(work, "manifests.yaml");
        fs.writeFileSync(all, yamlStream(manifests));
        const istioArgs = ["analyze", "--use-kube=false", "--all-namespaces", "--output", "json", "--output-threshold", "Info", "--istioNamespace", "istio-system"];
        if (mesh) {
            const meshFile = path.join(work, "mesh.yaml");
            fs.writeFileSync(meshFile, goYaml(mesh));
            istioArgs.push("--meshConfigFile", meshFile);
        }
        const ir = run(tools.istioctl.bin, [...istioArgs, all], env);
        if (ir.status !== 0) throw new Error(`istioctl analyze exited ${ir.status}:\n${ir.stderr || ir.stdout}`);
        findings.push(...parseIstioctlOutput(ir.stdout, ir.stderr));
        runs.push({
            tool: "istioctl",
            version: ISTIO_VALIDATOR_VERSION === ISTIO_VERSION ? ISTIO_VERSION : `${ISTIO_VALIDATOR_VERSION} (platform ${ISTIO_VERSION}: one minor ahead, tools/README.md)`,
            input: `analyze --use-kube=false over ${manifests.length} objects, ${mesh ? "with the istiod release's meshConfig" : "with Istio's default mesh config (no istiod release in this stack)"}`,
            skipped: [],
        });
        return { findings, runs };
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

runCommand("validate", main, (err) => err instanceof WaiverFileError || err instanceof ToolBuildError || err instanceof SynthError || err instanceof SelfCheckError);
