// Which cluster an existing-cluster stack reaches: cluster.existing.kubeconfig read when the config
// is parsed, a context that must be named unless the file has only one, and a stack reference
// that must export a kubeconfig.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfig, PlatformConfig } from "../../components/config";
import { stackKubeconfig } from "../../components/existing-cluster";
import { resolveKubeconfigPath } from "../../components/existing-cluster/kubeconfig";
import { ConfigError } from "../../components/settings";
import { readStackConfig, REPO_ROOT } from "../../scripts/lib/stack-config";
import { runComponent } from "../harness";

const KEY = "dodo-platform:cluster.existing.kubeconfig";
const CONTEXT = "dodo-platform:cluster.existing.context";

/** The local stack with these paths set on top; problems, or the parsed config. */
function parseLocal(paths: Record<string, unknown>): { problems: string[]; config?: PlatformConfig } {
    try {
        return { problems: [], config: parsePlatformConfig({ stack: "local", ...readStackConfig("local", REPO_ROOT, paths) }) };
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return { problems: [...err.problems] };
    }
}

function kubeconfigYaml(contexts: string[]): string {
    const clusters = contexts.map((c) => `  - name: ${c}\n    cluster:\n      server: https://${c}.example:6443\n      certificate-authority: pki/${c}-ca.crt\n`).join("");
    const users = contexts.map((c) => `  - name: ${c}\n    user:\n      client-certificate-data: c2VjcmV0LW9mLSR7Y30=\n      client-key: keys/${c}.key\n`).join("");
    const ctxs = contexts.map((c) => `  - name: ${c}\n    context:\n      cluster: ${c}\n      user: ${c}\n`).join("");
    return `apiVersion: v1\nkind: Config\nclusters:\n${clusters}users:\n${users}contexts:\n${ctxs}current-context: ${contexts[0] ?? ""}\n`;
}

describe("existing cluster: which cluster the stack reaches", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dodo-kubeconfig-test-"));
    const file = (name: string, text: string) => {
        const f = path.join(dir, name);
        fs.writeFileSync(f, text);
        return f;
    };
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("refuses a kubeconfig file that is missing, a folder, empty, broken or without contexts, naming the key", () => {
        const cases: [string, RegExp][] = [
            [path.join(dir, "moved-away"), /does not exist on this machine$/],
            [dir, /is not a file$/],
            [file("empty", ""), /is not a kubeconfig/],
            [file("broken", "clusters: [\n  - name: a\n"), /is not valid YAML/],
            [file("no-contexts", "apiVersion: v1\nkind: Config\nclusters: []\n"), /has no contexts/],
        ];
        for (const [f, message] of cases) {
            const { problems } = parseLocal({ [KEY]: f, [CONTEXT]: null });
            const mine = problems.filter((p) => p.startsWith(`${KEY}: ${f} `));
            assert.equal(mine.length, 1, `${f}: ${problems.join("\n")}`);
            assert.match(mine[0], message);
        }
    });

    it("requires the context to be one of the file's, and to be named when the file has several", () => {
        const two = file("two", kubeconfigYaml(["kind-dodo", "prod-admin"]));
        assert.deepEqual(parseLocal({ [KEY]: two, [CONTEXT]: "kind-other" }).problems, [`${CONTEXT}: kind-other is not a context of ${two} (it has kind-dodo, prod-admin)`]);
        assert.deepEqual(parseLocal({ [KEY]: two, [CONTEXT]: null }).problems, [`${CONTEXT}: required: ${two} has 2 contexts (kind-dodo, prod-admin); name the one to deploy to`]);
        assert.equal(parseLocal({ [KEY]: two, [CONTEXT]: "prod-admin" }).config?.target.existing?.context, "prod-admin");
    });

    it("requires the context without a kubeconfig file: kubectl can switch the current one", () => {
        const { problems } = parseLocal({ [CONTEXT]: null });
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /^dodo-platform:cluster\.existing\.context: required: without cluster\.existing\.kubeconfig the provider reads \$KUBECONFIG/);
    });

    it("takes a one-context file's context, and keeps only that context, its cluster and its user, with file references made absolute", () => {
        const one = file("one", kubeconfigYaml(["kind-dodo"]));
        const existing = parseLocal({ [KEY]: one, [CONTEXT]: null }).config?.target.existing;
        assert.equal(existing?.context, "kind-dodo");
        const two = file("two-again", kubeconfigYaml(["kind-dodo", "prod-admin"]));
        const picked = parseLocal({ [KEY]: two, [CONTEXT]: "kind-dodo" }).config?.target.existing;
        const doc = JSON.parse(picked?.kubeconfigContents ?? "{}") as { clusters: { name: string; cluster: Record<string, string> }[]; users: { name: string; user: Record<string, string> }[]; contexts: { name: string }[]; "current-context": string };
        assert.deepEqual([doc.clusters.map((c) => c.name), doc.users.map((u) => u.name), doc.contexts.map((c) => c.name), doc["current-context"]], [["kind-dodo"], ["kind-dodo"], ["kind-dodo"], "kind-dodo"]);
        assert.equal(doc.clusters[0].cluster["certificate-authority"], path.join(dir, "pki/kind-dodo-ca.crt"));
        assert.equal(doc.users[0].user["client-key"], path.join(dir, "keys/kind-dodo.key"));
        assert.doesNotMatch(picked?.kubeconfigContents ?? "", /prod-admin/, "no other cluster's credentials in the provider's state");
    });

    it("expands ~/ like the provider, and resolves relative paths against the project folder", () => {
        assert.equal(resolveKubeconfigPath("~/.kube/kind", "/work/p", "/home/me"), "/home/me/.kube/kind");
        assert.equal(resolveKubeconfigPath("kind.yaml", "/work/p", "/home/me"), "/work/p/kind.yaml");
    });

    describe("a stack reference's kubeconfig output", () => {
        const ref = (value: unknown) => ({ getOutput: () => pulumi.output(value) }) as unknown as pulumi.StackReference;
        const resolve = (o: pulumi.Output<string>) => new Promise<string>((r) => o.apply(r));

        it("takes a string as is and an object as JSON, as a secret", async () => {
            let outputs: string[] = [];
            let secret = false;
            await runComponent(async () => {
                const s = stackKubeconfig(ref("apiVersion: v1"), "acme/platform-cluster/dev");
                secret = await (s as unknown as { isSecret: Promise<boolean> }).isSecret;
                outputs = [await resolve(s), await resolve(stackKubeconfig(ref({ apiVersion: "v1" }), "acme/platform-cluster/dev"))];
            });
            assert.deepEqual(outputs, ["apiVersion: v1", '{"apiVersion":"v1"}']);
            assert.equal(secret, true);
        });

        it("fails the run with a RunError naming the key when the stack exports no kubeconfig", async () => {
            await assert.rejects(
                runComponent(() => stackKubeconfig(ref(undefined), "acme/platform-cluster/dev").apply((k) => k)),
                (err: Error) => pulumi.RunError.isInstance(err) && /^dodo-platform:cluster\.existing\.stackReference: stack acme\/platform-cluster\/dev has no `kubeconfig` output/.test(err.message),
            );
        });
    });
});
