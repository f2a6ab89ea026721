// A local Kubernetes control plane for the conformance run: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok (fake nodes sized like the dev node group,
// stages standing in for AWS), started inside the caller's isolated network namespace (run the
// command through runIsolated from ./netns). Every process is stopped by PID on stop(), on a
// failed start and on SIGINT/SIGTERM. See tools/README.md, "Local control plane".
import { spawn, SpawnOptions } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { buildGoTools, selectTools } from "../engine-tools/build";
import { KubeClient, KubeObject, waitFor } from "./client";
import { apiserverProcess, controllerManagerProcess, etcdProcess, kwokProcess, NETWORK, schedulerProcess } from "./components";
import { DEV_NODE_GROUP, FakeNodeGroup, fakeNodes, storageClassFixture } from "./fixtures";
import { kubeconfig } from "./kubeconfig";
import { assertIsolated } from "./netns";
import { makePki } from "./pki";
import { ProcessGroup, Running } from "./processes";
import { apiserverReady, defaultServiceAccount, etcdHealthy, healthz, nodesReady } from "./readiness";
import { CERTIFICATE_RESOURCE, certificateReadyStage, kwokDefaultStages, loadBalancerStage, Stage, volumeStages } from "./stages";

export interface ClusterBinaries {
    etcd: string;
    kubeApiserver: string;
    kubeControllerManager: string;
    kubeScheduler: string;
    kwok: string;
    /** kwok's module source (its default node and pod stages are read from it). */
    kwokModuleDir: string;
}

/** The pinned binaries from the tools cache, built first if missing (see tools/README.md). */
export function clusterBinaries(log: (line: string) => void = console.error): ClusterBinaries {
    const t = buildGoTools(selectTools([], ["kubernetes", "etcd", "kwok"]), log);
    const k = t.kubernetes!;
    return {
        etcd: t.etcd!.bins.etcd,
        kubeApiserver: k.bins["kube-apiserver"],
        kubeControllerManager: k.bins["kube-controller-manager"],
        kubeScheduler: k.bins["kube-scheduler"],
        kwok: t.kwok!.bins.kwok,
        kwokModuleDir: t.kwok!.moduleDir,
    };
}

export interface LocalClusterOptions {
    /** Folder for certificates, etcd data, logs and kubeconfigs. Default: a new temporary folder, removed by stop() unless the start failed. */
    dir?: string;
    /** Default: clusterBinaries(). */
    binaries?: ClusterBinaries;
    /** Default: DEV_NODE_GROUP (2 x t3.large). */
    nodes?: FakeNodeGroup;
    /** Default: the webhook admission plugins (components.ts WEBHOOK_ADMISSION_PLUGINS). */
    disableAdmissionPlugins?: readonly string[];
    /** Applied before kwok starts, e.g. CRDs whose kinds kwok's stages refer to. */
    beforeKwok?: readonly KubeObject[];
    log?: (line: string) => void;
}

export interface StepTiming {
    step: string;
    seconds: number;
}

export interface ExecResult {
    code: number;
    stdout: string;
    stderr: string;
}

export interface LocalCluster {
    dir: string;
    /** Kubeconfig of a cluster admin (system:masters). */
    kubeconfig: string;
    server: string;
    client: KubeClient;
    /** process.env plus KUBECONFIG: hand it to children (the Automation API's envVars too). */
    env: NodeJS.ProcessEnv;
    nodes: string[];
    steps: StepTiming[];
    /** Runs a command with `env`; it is in the namespace like everything this process starts. */
    exec(cmd: string, args: readonly string[], opts?: SpawnOptions): Promise<ExecResult>;
    /**
     * Restarts kwok with the stages whose resources are now served and published in OpenAPI (e.g.
     * after cert-manager's CRDs): kwok only watches what it found at start.
     */
    restartKwok(): Promise<void>;
    /** Throws, with the log's tail, if a control-plane process exited: call it between steps. */
    assertRunning(): void;
    processes(): Running[];
    stop(): Promise<void>;
}

export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
    assertIsolated();
    const log = opts.log ?? ((l: string) => console.error(l));
    const bins = opts.binaries ?? clusterBinaries(log);
    const group = opts.nodes ?? DEV_NODE_GROUP;
    const ownDir = opts.dir === undefined;
    const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "dodo-cluster-"));
    const procs = new ProcessGroup(path.join(dir, "logs"));
    const steps: StepTiming[] = [];
    let client: KubeClient | undefined;
    let stopping: Promise<void> | undefined;
    // A failed start keeps the folder: its logs say why.
    let keepDir = !ownDir;

    const stop = () =>
        (stopping ??= (async () => {
            const t0 = Date.now();
            client?.close();
            await procs.stopAll();
            if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
            else log(`cluster: files and logs kept in ${dir}`);
            // Only now: a second Ctrl-C meanwhile must not fall through to Node's default (exit).
            for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(s, onSignal);
            log(`cluster: stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        })());
    const onSignal = (sig: NodeJS.Signals) => {
        log(`cluster: ${sig}, stopping`);
        void stop().then(() => process.exit(128 + (os.constants.signals[sig] ?? 1)));
    };
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, onSignal);

    const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
        const t0 = Date.now();
        const v = await fn();
        const seconds = (Date.now() - t0) / 1000;
        steps.push({ step: name, seconds });
        log(`cluster: ${name} (${seconds.toFixed(1)} s)`);
        return v;
    };
    const assertRunning = () => {
        const dead = procs.died()[0];
        if (dead) throw new Error(`${dead.name} exited (${dead.exit?.code ?? dead.exit?.signal}):\n${procs.tail(dead.name)}\n(logs: ${path.join(dir, "logs")})`);
    };
    // Waits, failing at once (with its log) if a process died meanwhile.
    const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000) =>
        waitFor(what, check, timeoutMs, 250, assertRunning).catch((err: Error) => {
            throw err.message.includes("(logs: ") ? err : new Error(`${err.message}\n(logs: ${path.join(dir, "logs")})`);
        });

    try {
        const pki = await step("certificates", async () => makePki(path.join(dir, "pki"), NETWORK.serviceIp, NETWORK.advertiseIp));
        const server = `https://127.0.0.1:${NETWORK.apiserverPort}`;
        const kc = (name: string) => {
            const file = path.join(dir, `${name}.kubeconfig`);
            fs.writeFileSync(file, kubeconfig({ server, caFile: pki.ca, certFile: pki.clients[name].cert, keyFile: pki.clients[name].key, name: `dodo-local-${name}` }), { mode: 0o600 });
            return file;
        };
        const admin = kc("admin");
        await step("etcd", async () => {
            procs.start(etcdProcess(bins.etcd, path.join(dir, "etcd")));
            await until("etcd /health", () => etcdHealthy(NETWORK.etcdClientPort));
        });
        const api = (client = new KubeClient(server, { ca: pki.ca, cert: pki.clients.admin.cert, key: pki.clients.admin.key }));
        await step("kube-apiserver", async () => {
            procs.start(apiserverProcess(bins.kubeApiserver, { pki, disableAdmissionPlugins: opts.disableAdmissionPlugins }));
            await until("kube-apiserver /readyz", () => apiserverReady(api), 120_000);
        });
        await step("kube-controller-manager and kube-scheduler", async () => {
            procs.start(controllerManagerProcess(bins.kubeControllerManager, pki, kc("kube-controller-manager")));
            procs.start(schedulerProcess(bins.kubeScheduler, kc("kube-scheduler")));
            await until("kube-controller-manager /healthz", () => healthz(NETWORK.controllerManagerPort));
            await until("kube-scheduler /healthz", () => healthz(NETWORK.schedulerPort));
            await until("the default ServiceAccount (kube-controller-manager's serviceaccount controller)", () => defaultServiceAccount(api));
        });
        await step("fixtures (gp3 StorageClass, nodes)", async () => {
            await api.apply(storageClassFixture() as KubeObject);
            for (const node of fakeNodes(group)) await api.apply(node as KubeObject);
            for (const obj of opts.beforeKwok ?? []) await api.apply(obj);
        });
        const kwokKubeconfig = kc("kwok");
        const startKwok = async () => {
            const config = path.join(dir, "kwok.yaml");
            const stages = await clusterStages(api, bins.kwokModuleDir);
            fs.writeFileSync(config, stages.map((s) => `---\n${stringify(s)}`).join(""));
            const log = path.join(dir, "logs", "kwok.log");
            const offset = fs.existsSync(log) ? fs.statSync(log).size : 0;
            procs.start(kwokProcess(bins.kwok, kwokKubeconfig, config, path.join(dir, "kwok")));
            // kwok sets up each stage's resource (other than nodes and pods) while starting, logs
            // "watching stages" for it, and exits if one is missing: wait for all of them.
            const generic = genericStageResources(stages);
            await until(`kwok watching ${generic} resources`, async () => (countSince(log, offset, '"msg":"watching stages"') >= generic ? true : undefined));
        };
        const nodes = await step(`kwok (${group.count} x ${group.instanceType})`, async () => {
            await startKwok();
            return until("kwok's nodes Ready", () => nodesReady(api, group.count));
        });
        const env = { ...process.env, KUBECONFIG: admin };
        log(`cluster: ready, KUBECONFIG=${admin}`);
        return {
            dir,
            kubeconfig: admin,
            server,
            client: api,
            env,
            nodes,
            steps,
            exec: (cmd, args, o) => exec(cmd, args, { env, ...o }),
            restartKwok: () => step("kwok restart", async () => {
                await procs.stop("kwok");
                await startKwok();
                await until("kwok's nodes Ready", () => nodesReady(api, group.count));
            }),
            assertRunning,
            processes: () => procs.list(),
            stop,
        };
    } catch (err) {
        keepDir = true;
        await stop();
        throw err;
    }
}

/** kwok's lifecycle stages plus the AWS stand-ins, the Certificate one if cert-manager's CRD exists. */
export async function clusterStages(client: KubeClient, kwokModuleDir: string): Promise<Stage[]> {
    const sc = storageClassFixture() as { metadata: { name: string }; provisioner: string; reclaimPolicy: "Delete" | "Retain"; volumeBindingMode: string };
    const stages = [
        ...kwokDefaultStages(kwokModuleDir),
        loadBalancerStage(),
        ...volumeStages({ storageClass: sc.metadata.name, driver: sc.provisioner, reclaimPolicy: sc.reclaimPolicy, waitForFirstConsumer: sc.volumeBindingMode === "WaitForFirstConsumer" }),
    ];
    // With cert-manager's CRD present, wait until kwok can use it (served and in OpenAPI v3).
    const cert = CERTIFICATE_RESOURCE;
    const gv = `${cert.group}/${cert.version}`;
    if (await client.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${cert.plural}.${cert.group}`)) {
        await waitFor(`${cert.kind} (${gv}) served and published in OpenAPI v3`, async () => ((await client.serves(gv, cert.plural)) && (await client.inOpenApi(gv, cert.plural)) ? true : undefined), 60_000);
        stages.push(certificateReadyStage());
    }
    return stages;
}

/** Resources kwok drives through generic stage controllers: all but nodes and pods. */
export function genericStageResources(stages: readonly Stage[]): number {
    const refs = stages.map((s) => s.spec.resourceRef as { apiGroup: string; kind: string }).filter((r) => !(r.apiGroup === "v1" && (r.kind === "Node" || r.kind === "Pod")));
    return new Set(refs.map((r) => `${r.apiGroup}/${r.kind}`)).size;
}

function countSince(file: string, offset: number, needle: string): number {
    if (!fs.existsSync(file)) return 0;
    return fs.readFileSync(file, "utf8").slice(offset).split(needle).length - 1;
}

function exec(cmd: string, args: readonly string[], opts: SpawnOptions): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout?.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("error", reject);
        child.on("exit", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    });
}
