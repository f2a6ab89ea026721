// Starts the pack with Pulumi's own policy runner (@pulumi/pulumi/cmd/run-policy-pack, what the
// CLI runs for `--policy-pack policy`): from policy/, with ts-node type-checking against
// policy/tsconfig.json and resolving modules from there, so a type error or an unresolvable
// import in the pack fails this test. Then talks to it over the Analyzer gRPC protocol: the
// pack must load, list every rule, accept config and report. (Importing index.ts here would
// start the server inside mocha and hang it.)
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { RULES } from "../../policy/catalog";
import { deployment, podSpec } from "./helpers";

/* eslint-disable @typescript-eslint/no-var-requires */
const grpc = require("@grpc/grpc-js");
const analyzerPath = require.resolve("@pulumi/pulumi/proto/analyzer_pb");
const proto = require(analyzerPath);
const rpc = require(require.resolve("@pulumi/pulumi/proto/analyzer_grpc_pb"));
const pbDir = { paths: [path.dirname(analyzerPath)] };
const { Empty } = require(require.resolve("google-protobuf/google/protobuf/empty_pb", pbDir));
const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", pbDir));
/* eslint-enable @typescript-eslint/no-var-requires */

const ROOT = path.resolve(__dirname, "../..");
type Client = Record<string, (req: unknown, cb: (err: Error | null, resp: unknown) => void) => void>;
interface Diag { policy: string; level: number; message: string }

function call<T>(client: Client, method: string, req: unknown): Promise<T> {
    return new Promise((resolve, reject) => client[method]!.call(client, req, (err, resp) => (err ? reject(err) : resolve(resp as T))));
}

const RUNNER = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
const started: ChildProcess[] = [];

async function startPack(env: Record<string, string> = {}): Promise<{ client: Client; child: ChildProcess }> {
    // Arguments as the CLI passes them: the engine's address (unused until a resource is
    // analyzed with callbacks) and the pack directory.
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv.TS_NODE_TRANSPILE_ONLY; // mocha's transpile-only must not leak into the runner
    const child = spawn(process.execPath, [RUNNER, "127.0.0.1:1", "."], { cwd: path.join(ROOT, "policy"), env: childEnv });
    started.push(child);
    let stderr = "";
    child.stderr!.on("data", (d) => { stderr += String(d); });
    const port = await new Promise<string>((resolve, reject) => {
        let out = "";
        // The pack compiles its TypeScript at start: ~5 s idle, over 30 s on two loaded cores.
        const timer = setTimeout(() => reject(new Error(`policy pack printed no port within 90 s: ${stderr}`)), 90_000);
        child.stdout!.on("data", (d) => {
            out += String(d);
            if (/^\d+\s*$/.test(out)) {
                clearTimeout(timer);
                resolve(out.trim());
            }
        });
        child.on("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`policy pack exited with ${code}: ${stderr}`));
        });
    });
    return { child, client: new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as Client };
}

function probelessDeployment(): unknown {
    const req = new proto.AnalyzeRequest();
    req.setType("kubernetes:apps/v1:Deployment");
    req.setName("backend");
    req.setUrn("urn:pulumi:dev::dodo::kubernetes:apps/v1:Deployment::backend");
    req.setProperties(Struct.fromJavaScript(deployment("backend", "payments", podSpec([{ name: "app", image: "a:1" }]), { replicas: 1 })));
    req.setOptions(new proto.AnalyzerResourceOptions());
    return req;
}

async function analyze(client: Client, req: unknown): Promise<Diag[]> {
    const resp = await call<{ getDiagnosticsList(): { getPolicyname(): string; getEnforcementlevel(): number; getMessage(): string }[] }>(client, "analyze", req);
    return resp.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage() }));
}

async function downgradeProbes(client: Client): Promise<void> {
    const cfg = new proto.ConfigureAnalyzerRequest();
    const pc = new proto.PolicyConfig();
    pc.setEnforcementlevel(proto.EnforcementLevel.ADVISORY);
    pc.setProperties(Struct.fromJavaScript({}));
    cfg.getPolicyconfigMap().set("k8s-probes", pc);
    await call(client, "configure", cfg);
}

describe("policy: the pack as Pulumi runs it (separate process, gRPC)", function () {
    this.timeout(120_000);
    let prod: { client: Client; child: ChildProcess };
    let dev: { client: Client; child: ChildProcess };
    before(async () => {
        [prod, dev] = await Promise.all([startPack(), startPack({ DODO_POLICY_ENVIRONMENT: "dev" })]);
    });
    after(() => {
        // Every child started, also one whose sibling failed to start.
        for (const c of started.splice(0)) if (c.exitCode === null) c.kill();
    });

    it("loads and lists one policy per rule with its enforcement level and config schema", async () => {
        const info = await call<{ getName(): string; getPoliciesList(): { getName(): string; getEnforcementlevel(): number; getConfigschema(): unknown }[] }>(prod.client, "getAnalyzerInfo", new Empty());
        assert.equal(info.getName(), "dodo-platform");
        assert.deepEqual(info.getPoliciesList().map((p) => p.getName()), RULES.map((r) => r.id));
        assert.ok(info.getPoliciesList().every((p) => p.getEnforcementlevel() === proto.EnforcementLevel.MANDATORY && p.getConfigschema()));
    });

    it("a downgrade to advisory in the pack config is overridden in prod and honoured in dev", async () => {
        await Promise.all([downgradeProbes(prod.client), downgradeProbes(dev.client)]);
        const [p, d] = await Promise.all([analyze(prod.client, probelessDeployment()), analyze(dev.client, probelessDeployment())]);
        const probes = (ds: Diag[]) => ds.find((x) => x.policy === "k8s-probes")!;
        assert.equal(probes(p).level, proto.EnforcementLevel.MANDATORY);
        assert.equal(probes(d).level, proto.EnforcementLevel.ADVISORY);
        assert.match(probes(d).message, /Deployment payments\/backend: container "app" has no readinessProbe or livenessProbe/);
        assert.equal(d.find((x) => x.policy === "k8s-resources")!.level, proto.EnforcementLevel.MANDATORY, "rules not downgraded stay mandatory in dev");
    });
});
