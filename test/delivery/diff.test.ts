import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderAtCommit } from "../../scripts/diff";
import {
    changedFields,
    diffMarkdown,
    diffRenders,
    findingsOf,
    hasChanges,
    ManifestObject,
    RenderSnapshot,
    ResourceEntry,
    snapshotFromSynth,
} from "../../scripts/lib/diff";
import { REPO_ROOT } from "../../scripts/lib/render";

// A small payments namespace as the synth would render it: a meshed namespace, a backend
// Deployment, its canary VirtualService and a default-deny AuthorizationPolicy.
function namespace(): ManifestObject {
    return { apiVersion: "v1", kind: "Namespace", metadata: { name: "payments", labels: { "istio-injection": "enabled" } } };
}

function backend(): ManifestObject {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "backend-v1", namespace: "payments", labels: { app: "backend", version: "v1" } },
        spec: {
            selector: { matchLabels: { app: "backend", version: "v1" } },
            template: {
                metadata: { labels: { app: "backend", version: "v1" } },
                spec: { containers: [{ name: "backend", image: "ghcr.io/dodopayments/backend:1.4.2" }] },
            },
        },
    };
}

function canary(v1: number, v2: number): ManifestObject {
    return {
        apiVersion: "networking.istio.io/v1",
        kind: "VirtualService",
        metadata: { name: "backend-canary", namespace: "payments" },
        spec: {
            hosts: ["backend.payments.svc.cluster.local"],
            http: [
                {
                    route: [
                        { destination: { host: "backend.payments.svc.cluster.local", subset: "v1" }, weight: v1 },
                        { destination: { host: "backend.payments.svc.cluster.local", subset: "v2" }, weight: v2 },
                    ],
                },
            ],
        },
    };
}

function defaultDeny(): ManifestObject {
    return { apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata: { name: "default-deny", namespace: "payments" }, spec: {} };
}

function pulumiType(o: ManifestObject): string {
    const [group, version] = String(o.apiVersion).includes("/") ? String(o.apiVersion).split("/") : ["core", String(o.apiVersion)];
    return `kubernetes:${group}/${version}:${o.kind}`;
}

const cluster = (version: string): ResourceEntry => ({
    type: "aws:eks/cluster:Cluster",
    name: "cluster",
    ref: "aws:eks/cluster:Cluster::cluster",
    parent: "dodo:platform:Cluster::cluster",
    dependsOn: [],
    provider: "pulumi:providers:aws::aws",
    props: { name: "dodo-prod", version, tags: { Environment: "prod" } },
});

/** A render snapshot of these objects plus the given cloud resources, with real policy findings. */
function snapshot(objects: ManifestObject[], cloud: ResourceEntry[] = [cluster("1.35")]): RenderSnapshot {
    const kube: ResourceEntry[] = objects.map((o) => ({
        type: pulumiType(o),
        name: `${o.metadata?.namespace ?? "cluster"}-${o.metadata?.name}`,
        ref: `${pulumiType(o)}::${o.metadata?.namespace ?? "cluster"}-${o.metadata?.name}`,
        parent: "dodo:platform:Payments::payments",
        dependsOn: [],
        provider: "pulumi:providers:kubernetes::k8s",
        props: o as Record<string, unknown>,
    }));
    const resources = [...cloud, ...kube];
    return { resources, manifests: objects, findings: findingsOf(resources, "prod") };
}

const options = { stack: "prod", base: "`main`", head: "working tree" };

describe("delivery: credential-free diff of two renders", () => {
    it("reports no changes for identical renders, and says so in one line", () => {
        const report = diffRenders(snapshot([namespace(), backend(), canary(90, 10), defaultDeny()]), snapshot([namespace(), backend(), canary(90, 10), defaultDeny()]));
        assert.equal(hasChanges(report), false);
        assert.equal(diffMarkdown(report, options), "### Desired-state diff for `prod`: `main` → working tree\n\nNo changes.\n");
    });

    it("shows a canary weight change as exactly the two weight fields of the VirtualService", () => {
        const report = diffRenders(snapshot([namespace(), backend(), canary(90, 10), defaultDeny()]), snapshot([namespace(), backend(), canary(80, 20), defaultDeny()]));
        assert.deepEqual(report.resources, { added: [], removed: [], changed: [] });
        assert.deepEqual(report.objects.added, []);
        assert.deepEqual(report.objects.removed, []);
        assert.deepEqual(report.objects.changed, [
            {
                apiVersion: "networking.istio.io/v1",
                kind: "VirtualService",
                namespace: "payments",
                name: "backend-canary",
                fields: [
                    { path: "spec.http[0].route[0].weight", before: 90, after: 80 },
                    { path: "spec.http[0].route[1].weight", before: 10, after: 20 },
                ],
            },
        ]);
        assert.deepEqual(report.findings, { added: [], resolved: [] });
        const md = diffMarkdown(report, options);
        assert.match(md, /- VirtualService `payments\/backend-canary` \(networking\.istio\.io\/v1\)\n {2}- `spec\.http\[0\]\.route\[0\]\.weight`: `90` → `80`\n {2}- `spec\.http\[0\]\.route\[1\]\.weight`: `10` → `20`\n/);
        assert.doesNotMatch(md, /Resources changed|policy findings\n/i);
    });

    it("shows a removed AuthorizationPolicy as a removed object and as a new default-deny finding", () => {
        const report = diffRenders(snapshot([namespace(), backend(), canary(90, 10), defaultDeny()]), snapshot([namespace(), backend(), canary(90, 10)]));
        assert.deepEqual(report.objects.removed, [{ apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", namespace: "payments", name: "default-deny" }]);
        assert.deepEqual(report.objects.changed, []);
        assert.deepEqual(
            report.findings.added.map((f) => [f.rule, f.enforcement, f.kind, f.namespace]),
            [["istio-authz-default-deny", "mandatory", "AuthorizationPolicy", "payments"]],
        );
        assert.deepEqual(report.findings.resolved, []);
        const md = diffMarkdown(report, options);
        assert.match(md, /#### Kubernetes objects removed\n\n- AuthorizationPolicy `payments\/default-deny` \(security\.istio\.io\/v1\)/);
        assert.match(md, /#### New policy findings\n\n\| Enforcement \| Rule \| Object \| Finding \|\n\| --- \| --- \| --- \| --- \|\n\| mandatory \| `istio-authz-default-deny` \|/);
        assert.match(md, /Policy findings: 1 new \(1 mandatory\), 0 resolved\./);
    });

    it("reports restoring the AuthorizationPolicy as an added object and a resolved finding", () => {
        const report = diffRenders(snapshot([namespace(), backend()]), snapshot([namespace(), backend(), defaultDeny()]));
        assert.equal(report.objects.added.length, 1);
        assert.deepEqual(report.findings.resolved.map((f) => f.rule), ["istio-authz-default-deny"]);
        assert.match(diffMarkdown(report, options), /#### Resolved policy findings/);
    });

    it("lists cloud resources added, removed and changed with the changed fields, not their Kubernetes objects", () => {
        const logGroup: ResourceEntry = { type: "aws:cloudwatch/logGroup:LogGroup", name: "cluster-control-plane", props: { retentionInDays: 365 } };
        const report = diffRenders(snapshot([namespace()], [cluster("1.34"), logGroup]), snapshot([namespace()], [cluster("1.35")]));
        assert.deepEqual(report.resources.removed, [{ type: "aws:cloudwatch/logGroup:LogGroup", name: "cluster-control-plane" }]);
        assert.deepEqual(report.resources.changed, [
            { type: "aws:eks/cluster:Cluster", name: "cluster", fields: [{ path: "props.version", before: "1.34", after: "1.35" }] },
        ]);
        assert.match(diffMarkdown(report, options), /- `aws:eks\/cluster:Cluster` `cluster`\n {2}- `props\.version`: `"1\.34"` → `"1\.35"`/);
    });

    it("reports a new parent as a change (it changes the URN, so Pulumi replaces the resource)", () => {
        const moved = { ...cluster("1.35"), parent: "dodo:platform:Platform::platform" };
        const report = diffRenders(snapshot([], [cluster("1.35")]), snapshot([], [moved]));
        assert.deepEqual(report.resources.changed[0]?.fields, [{ path: "parent", before: "dodo:platform:Cluster::cluster", after: "dodo:platform:Platform::platform" }]);
    });

    it("names added and removed list entries and fields", () => {
        assert.deepEqual(changedFields({ a: [1], b: 1 }, { a: [1, 2], c: "x" }), [
            { path: "a[1]", after: 2 },
            { path: "b", before: 1 },
            { path: "c", after: "x" },
        ]);
        assert.deepEqual(changedFields({ "app.kubernetes.io/name": "a" }, { "app.kubernetes.io/name": "b" }), [{ path: '"app.kubernetes.io/name"', before: "a", after: "b" }]);
    });

    it("matches named list entries by name, so an inserted route does not shift the others", () => {
        const route = (name: string, weight: number) => ({ name, route: [{ destination: { host: "backend" }, weight }] });
        assert.deepEqual(changedFields({ http: [route("api-read", 90), route("api-write", 90)] }, { http: [route("api-canary", 100), route("api-read", 80), route("api-write", 90)] }), [
            { path: "http[name=api-read].route[0].weight", before: 90, after: 80 },
            { path: "http[name=api-canary]", after: route("api-canary", 100) },
        ]);
    });

    it("caps the fields listed per object so a rewritten Helm values tree stays readable", () => {
        const before: ResourceEntry = { type: "kubernetes:helm.sh/v3:Release", name: "istiod", props: { values: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i])) } };
        const after: ResourceEntry = { ...before, props: { values: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i + 1])) } };
        const md = diffMarkdown(diffRenders(snapshot([], [before]), snapshot([], [after])), { ...options, maxFields: 5 });
        assert.equal((md.match(/^ {2}- `props\.values\.k/gm) ?? []).length, 5);
        assert.match(md, /…and 25 more fields/);
    });

    it("compares JSON documents held in string fields as documents (a policy's one changed Action)", () => {
        const doc = (action: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [action], Resource: "*" }] });
        assert.deepEqual(changedFields({ policy: doc("s3:GetObject") }, { policy: doc("s3:*") }), [
            { path: "policy<json>.Statement[0].Action[0]", before: "s3:GetObject", after: "s3:*" },
        ]);
        assert.deepEqual(changedFields({ policy: doc("a") }, { policy: JSON.stringify(JSON.parse(doc("a")), null, 2) }), [], "reformatting is no change");
        assert.deepEqual(changedFields({ s: "{not json" }, { s: "{not json}" }), [{ path: "s", before: "{not json", after: "{not json}" }]);
    });

    it("judges each side with the pack config it ships: a relaxed config shows as resolved findings", () => {
        const optOut = { ...namespace(), metadata: { name: "payments", labels: { "istio-injection": "disabled" } } };
        const resources = snapshot([optOut]).resources;
        const strict = findingsOf(resources, "prod", {});
        const relaxed = findingsOf(resources, "prod", { rules: { "istio-namespace-injection": { exemptNamespaces: ["payments"] } } });
        assert.ok(strict.some((f) => f.rule === "istio-namespace-injection"));
        const report = diffRenders({ ...snapshot([optOut]), findings: strict }, { ...snapshot([optOut]), findings: relaxed });
        assert.deepEqual(report.findings.resolved.map((f) => f.rule), ["istio-namespace-injection"]);
        // Without a config argument the shipped policy/config/<env>.json applies: cert-manager is exempt there.
        const certManager = { apiVersion: "v1", kind: "Namespace", metadata: { name: "cert-manager", labels: { "istio-injection": "disabled" } } };
        const cm = snapshot([certManager]).resources;
        assert.ok(!findingsOf(cm, "prod").some((f) => f.rule === "istio-namespace-injection"));
        assert.ok(findingsOf(cm, "prod", {}).some((f) => f.rule === "istio-namespace-injection"));
    });

    it("reads the synth's files (resources.json and manifests.yaml) into a snapshot", () => {
        const s = snapshot([namespace(), canary(90, 10)]);
        const yaml = s.manifests.map((m) => `---\napiVersion: ${m.apiVersion}\nkind: ${m.kind}\nmetadata:\n  name: ${m.metadata?.name}\n`).join("");
        const parsed = snapshotFromSynth(JSON.stringify(s.resources), yaml, "prod");
        assert.equal(parsed.resources.length, s.resources.length);
        assert.deepEqual(parsed.manifests.map((m) => m.kind), ["Namespace", "VirtualService"]);
    });
});

describe("delivery: diff command between commits", function () {
    this.timeout(180_000);

    it("refuses a base commit that predates the offline synth, naming it", async () => {
        // A commit of the empty tree, made in a throwaway repository (never in this one's .git),
        // stands for history before the synth.
        const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dodo-diff-test-"));
        const repo = path.join(tmp, "repo");
        try {
            fs.mkdirSync(repo);
            const git = (args: string[]) => spawnSync("git", args, {
                cwd: repo,
                encoding: "utf8",
                env: { ...process.env, GIT_AUTHOR_NAME: "test", GIT_AUTHOR_EMAIL: "test@example.com", GIT_COMMITTER_NAME: "test", GIT_COMMITTER_EMAIL: "test@example.com" },
            });
            assert.equal(git(["init", "-q"]).status, 0);
            const made = git(["commit-tree", EMPTY_TREE, "-m", "before the synth"]);
            assert.equal(made.status, 0, made.stderr);
            const root = made.stdout.trim();
            await assert.rejects(renderAtCommit(root, "dev", tmp, repo), new RegExp(`${root.slice(0, 12)} has no offline synth`));
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("prints No changes for the same commit as base and head (end to end, both rendered)", () => {
        const run = spawnSync(process.execPath, ["-r", "./scripts/lib/register-ts.js", "scripts/diff.ts", "--stack", "dev", "--base", "HEAD", "--head", "HEAD"], {
            cwd: REPO_ROOT,
            encoding: "utf8",
        });
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^### Desired-state diff for `dev`: `HEAD` \([0-9a-f]{7}\) → `HEAD` \([0-9a-f]{7}\)\n\nNo changes\.\n$/);
    });

    it("exits 2 with the usage for a missing or unknown stack", () => {
        const run = spawnSync(process.execPath, ["-r", "./scripts/lib/register-ts.js", "scripts/diff.ts", "--stack", "qa"], { cwd: REPO_ROOT, encoding: "utf8" });
        assert.equal(run.status, 2);
        assert.match(run.stderr, /--stack must be one of dev, staging, prod/);
    });
});
