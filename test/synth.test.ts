import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as YAML from "yaml";
import { registeredBeforeFailure, runProgram } from "../scripts/lib/mock-engine";
import { offlineSecret, readStackConfig, renderStack, REPO_ROOT } from "../scripts/lib/render";
import { allSynthFiles } from "../scripts/lib/synth-sections";
import { manifestsYaml, synthFiles } from "../scripts/lib/synth-output";
import { get, ofType, props, renderCached } from "./harness";

describe("offline synth", () => {
    for (const stack of ["dev", "staging", "prod"] as const) {
        it(`renders ${stack} with the EKS cluster, node group, OIDC provider, add-ons and LB controller`, async () => {
            const r = await renderCached(stack);
            const eks = props<any>(get(r.resources, "aws:eks/cluster:Cluster", "cluster-eks"));
            assert.deepEqual(eks.encryptionConfig.resources, ["secrets"]);
            assert.equal(eks.enabledClusterLogTypes.length, 5);
            assert.equal(props<any>(get(r.resources, "aws:kms/key:Key", "cluster-secrets")).enableKeyRotation, true);
            assert.equal(props<any>(get(r.resources, "aws:ec2/launchTemplate:LaunchTemplate", "cluster-general")).metadataOptions.httpTokens, "required");
            get(r.resources, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "cluster-oidc");
            assert.equal(ofType(r.resources, "aws:eks/addon:Addon").length, 5);
            get(r.resources, "kubernetes:helm.sh/v3:Release", "cluster-lb-controller");
        });
    }

    it("follows each environment's NAT gateway default", async () => {
        assert.equal(ofType((await renderCached("dev")).resources, "aws:ec2/natGateway:NatGateway").length, 1);
        assert.equal(ofType((await renderCached("staging")).resources, "aws:ec2/natGateway:NatGateway").length, 1);
        assert.equal(ofType((await renderCached("prod")).resources, "aws:ec2/natGateway:NatGateway").length, 3);
    });

    it("records parent, dependsOn and provider as refs, with unique (type, name) pairs", async () => {
        const r = await renderCached("prod");
        const refs = new Set(r.resources.map((x) => x.ref));
        assert.equal(refs.size, r.resources.length);
        for (const res of r.resources) {
            for (const ref of [res.parent, res.provider, ...res.dependsOn]) if (ref) assert.ok(refs.has(ref), `${res.ref} points at unknown ${ref}`);
        }
        const sorted = [...r.resources].sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type < b.type ? -1 : 1));
        assert.deepEqual(r.resources.map((x) => x.ref), sorted.map((x) => x.ref));
        assert.equal(get(r.resources, "aws:eks/cluster:Cluster", "cluster-eks").provider, "pulumi:providers:aws::aws");
    });

    it("is deterministic: two renders of one commit in one process give byte-identical files", async () => {
        // The process's cached render (made first, by whichever test asked) against a fresh one.
        const a = synthFiles(await renderCached("staging"));
        const b = synthFiles(await renderStack("staging"));
        assert.deepEqual(Object.keys(a), ["resources.json", "manifests.yaml", "summary.md"]);
        for (const file of Object.keys(a)) assert.equal(a[file], b[file], `${file} differs between runs`);
    });

    it("quotes strings that YAML 1.1 readers (kubectl, istioctl) would take for booleans", () => {
        const yaml = manifestsYaml({ manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", labels: { a: "on", b: "y" } }, data: { c: "no" } }] } as never);
        assert.match(yaml, /a: "on"/);
        assert.match(yaml, /b: "y"/);
        assert.match(yaml, /c: "no"/);
    });

    it("redacts secrets, in props and outputs", async () => {
        const run = await runProgram(() => {
            const p = new k8s.Provider("p", { kubeconfig: "{}" });
            new k8s.core.v1.Secret("s", { metadata: { name: "db", namespace: "x" }, stringData: { password: pulumi.secret("hunter2") } }, { provider: p });
            return { password: pulumi.secret("hunter2") };
        }, { project: "dodo-platform", stack: "dev", config: {} });
        const secret = get(run.resources, "kubernetes:core/v1:Secret", "s");
        assert.equal(secret.props.stringData, "[secret]");
        assert.doesNotMatch(JSON.stringify(run), /hunter2/);
        const kubeconfig = get((await renderCached("dev")).resources, "pulumi:providers:kubernetes", "cluster-k8s");
        assert.equal(kubeconfig.props.kubeconfig, "[secret]");
    });

    it("reads secure: values and declared secrets missing from the stack file as secrets; refuses committed plaintext ones", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        const dev = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
        const payments = dev.config["dodo-platform:payments"] as Record<string, unknown>;
        payments.postgres = { password: { secure: "v1:AAABAKx" } };
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), YAML.stringify(dev));
        const c = readStackConfig("dev", dir);
        // Like the CLI: the object holding a secure leaf is one secret key, handed over as JSON.
        const key = "dodo-platform:payments.postgres.password";
        assert.equal((JSON.parse(c.values["dodo-platform:payments"]) as { postgres: { password: string } }).postgres.password, offlineSecret(key));
        assert.ok(c.secretKeys.includes("dodo-platform:payments"));
        assert.deepEqual(c.missingSecrets, ["dodo-platform:observability.grafana.adminPassword"]);
        assert.ok(c.secretKeys.includes("dodo-platform:observability"));
        payments.postgres = { password: "committed-in-plaintext-oops" };
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), YAML.stringify(dev));
        assert.throws(() => readStackConfig("dev", dir), /dodo-platform:payments\.postgres\.password: must be encrypted as it's secret \(set it with `pulumi config set --secret --path dodo-platform:payments\.postgres\.password <value>`\)/);
    });

    it("never writes a secret's value into any synth file (canary values)", async () => {
        // dev with the in-cluster database: the one stack that takes a database password from config.
        const canaries = { "dodo-platform:payments.postgres.password": "canary-postgres-7f3a9c1e5b", "dodo-platform:observability.grafana.adminPassword": "canary-grafana-2d8e4b6a0c" };
        const files = allSynthFiles(await renderStack("dev", { config: canaries }));
        for (const [name, content] of Object.entries(files)) {
            for (const value of Object.values(canaries)) assert.ok(!content.includes(value), `${name} leaks ${value}`);
        }
        assert.match(files["resources.json"], /"\[secret\]"/);
    });

    it("rejects a bad stack config naming the key, before any resource is registered", async () => {
        await assert.rejects(renderStack("dev", { config: { "dodo-platform:nodes.desiredSize": 9 } }), (err: Error) => {
            assert.match(err.message, /dodo-platform:nodes\.desiredSize: must be between nodes\.minSize \(2\) and nodes\.maxSize \(4\), got 9/);
            assert.equal(registeredBeforeFailure(err), 0, "no resource may be registered before the config is valid");
            return true;
        });
    });

    it("as two separate processes writes byte-identical files", () => {
        const outs = [0, 1].map(() => {
            const out = fs.mkdtempSync(path.join(os.tmpdir(), "synth-det-"));
            const res = spawnSync(process.execPath, ["-r", "./scripts/lib/register-ts.js", "scripts/synth.ts", "--stack", "prod", "--out", out], { cwd: REPO_ROOT, encoding: "utf8" });
            assert.equal(res.status, 0, res.stderr);
            return out;
        });
        const names = fs.readdirSync(outs[0]).sort();
        assert.deepEqual(names, fs.readdirSync(outs[1]).sort());
        assert.ok(names.includes("authz-matrix.md"));
        for (const name of names) assert.ok(fs.readFileSync(path.join(outs[0], name)).equals(fs.readFileSync(path.join(outs[1], name))), `${name} differs between processes`);
    });

    it("as a process: exits 1 with the key named, no stack trace, and writes nothing", () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "synth-out-"));
        fs.rmSync(out, { recursive: true });
        const res = spawnSync(process.execPath, ["-r", "./scripts/lib/register-ts.js", "scripts/synth.ts", "--stack", "dev", "--out", out, "--set", "dodo-platform:network.availabilityZones=7"], { cwd: REPO_ROOT, encoding: "utf8" });
        assert.equal(res.status, 1, res.stderr);
        assert.match(res.stderr, /dodo-platform:network\.availabilityZones: must be between 2 and 3 \(got 7\)/);
        assert.doesNotMatch(res.stderr, /\n\s+at /);
        assert.equal(fs.existsSync(out), false);
    });
});
