// The stack configuration against the real Pulumi CLI (not part of `npm test`: it needs the CLI
// built from tools/pulumi; `npm run test:engine`, run by .ci/run). The mocks never read
// Pulumi.yaml, so only this shows whether the CLI accepts a stack's configuration.
import { strict as assert } from "assert";
import { STACKS } from "../../scripts/lib/stack-config";
import { pulumi, pulumiBinary, previewProgram, shell, tempWorkspace } from "../../scripts/lib/engine";
import { configCommands, ok, sectionBlocks, stackFile } from "./helpers";

// The only error a preview may end with here: no AWS provider plugin (it cannot be built on this
// machine). Anything earlier (config validation, the program's parser) is a failure.
const MISSING_AWS_PLUGIN = /no resource plugin 'pulumi-resource-aws' found|Could not automatically download and install resource plugin 'pulumi-resource-aws'/;

describe("stack configuration on the real Pulumi CLI", function () {
    this.timeout(120_000);
    const [deploy, examples] = sectionBlocks("Deploying for real");

    before(function () {
        // Reuses the cached build (.ci/run builds it first); a cold build takes minutes.
        this.timeout(60 * 60_000);
        pulumiBinary();
    });

    it("the README's deploy block sets config, and its examples are runnable", () => {
        assert.ok(configCommands(deploy).some((l) => l.includes("--secret --path")), "the deploy block sets the secrets");
        assert.ok(configCommands(examples).length >= 4, "the --path examples block");
    });

    for (const stack of STACKS) {
        it(`${stack}: the README's commands are accepted, and a preview stops only at the missing AWS plugin`, async () => {
            const ws = tempWorkspace([stack]);
            ok(pulumi(ws, ["stack", "init", stack]), "stack init");
            // Lines the README marks "dev only" (the in-cluster database's password) are not run elsewhere.
            for (const line of configCommands(deploy.filter((l) => stack === "dev" || !/#\s*dev only\b/.test(l)))) {
                // The README is written for dev; the same commands serve each stack.
                const cmd = line.startsWith("pulumi stack") ? line.replace(/\bdev\b/g, stack) : line;
                ok(shell(ws, cmd), cmd);
            }
            // `config set --secret --path` encrypted the leaves inside their objects.
            const file = stackFile(ws, stack);
            const payments = file.config["dodo-platform:payments"] as { postgres?: { password: { secure?: string } } };
            if (stack === "dev") assert.match(payments.postgres?.password.secure ?? "", /^v1:/);
            else assert.equal(payments.postgres, undefined, "staging and prod keep no database password in config");
            // The CLI validates the stack against Pulumi.yaml before running anything.
            ok(pulumi(ws, ["config", "--show-secrets", "--json"]), "config");

            const preview = await previewProgram(ws, stack);
            assert.equal(preview.ok, false, "a preview without the AWS plugin cannot succeed");
            assert.doesNotMatch(preview.stdout + (preview.error ?? ""), /validating stack config|invalid stack configuration|missing configuration value/);
            assert.deepEqual(preview.errors.map((e) => e.urn?.split("::").slice(-2).join("::")), ["pulumi:providers:aws::aws"], preview.errors.map((e) => e.message).join("\n"));
            assert.match(preview.errors[0].message, MISSING_AWS_PLUGIN);
            assert.ok(preview.registered.some((u) => u.endsWith("pulumi:pulumi:Stack::dodo-platform-" + stack)), "the program ran");
        });
    }

    it("local: the README's existing-cluster commands are accepted, and a preview stops only at the missing Kubernetes plugin", async () => {
        const [kind] = sectionBlocks("An existing cluster (kind, k3d, another stack)");
        const ws = tempWorkspace(["local"]);
        const commands = configCommands(kind);
        assert.ok(commands.length >= 6, commands.join("\n"));
        for (const line of commands) ok(shell(ws, line), line);
        const cluster = stackFile(ws, "local").config["dodo-platform:cluster"] as { existing: Record<string, unknown> };
        assert.equal(cluster.existing.context, "kind-dodo", "the target is named (README, \"Which cluster\")");
        assert.equal(cluster.existing.gatewayServiceType, "NodePort");
        assert.equal(cluster.existing.metricsServer, false, "the stack file's own value stays");
        const preview = await previewProgram(ws, "local");
        assert.equal(preview.ok, false);
        assert.doesNotMatch(preview.stdout + (preview.error ?? ""), /validating stack config|invalid stack configuration/);
        assert.deepEqual(preview.errors.map((e) => e.urn?.split("::").slice(-2).join("::")), ["dodo:platform:ExistingCluster$pulumi:providers:kubernetes::cluster-k8s"], preview.errors.map((e) => e.message).join("\n"));
        assert.match(preview.errors[0].message, /no resource plugin 'pulumi-resource-kubernetes' found/);
        assert.ok(!preview.registered.some((u) => u.includes("pulumi:providers:aws")), "no AWS provider on an existing cluster");
    });

    it("`config set --path` stores typed values the program reads, and `config get --path` reads them back", async () => {
        const ws = tempWorkspace(["dev"]);
        ok(pulumi(ws, ["stack", "init", "dev"]), "stack init");
        const admins = (stackFile(ws, "dev").config["dodo-platform:cluster"] as { adminPrincipals: string[] }).adminPrincipals;
        for (const line of configCommands(examples)) ok(shell(ws, line), line);
        const config = stackFile(ws, "dev").config;
        assert.equal((config["dodo-platform:payments"] as { canary: { weight: unknown } }).canary.weight, 20, "an integer, not the string \"20\"");
        // `[0]` replaces the first entry of the stack file's list; the rest stays.
        const admin = /adminPrincipals\[0\]' (\S+)/.exec(examples.join("\n"))?.[1];
        assert.ok(admin && admins.length > 1 && admin !== admins[0], `${admin} over ${admins.join(", ")}`);
        assert.deepEqual((config["dodo-platform:cluster"] as { adminPrincipals: unknown }).adminPrincipals, [admin, ...admins.slice(1)]);
        assert.equal((config["dodo-platform:tags"] as Record<string, unknown>).CostCenter, "platform-prod");
        assert.equal(ok(pulumi(ws, ["config", "get", "--path", "dodo-platform:payments.canary.weight"]), "config get").trim(), "20");
        assert.equal(ok(pulumi(ws, ["config", "get", "--path", "dodo-platform:payments.host"]), "config get").trim(), "pay.dev.dodopayments.com");
    });

    it("a nested key set without --path, or a secret without --secret, is refused by the program with the key named", async () => {
        const ws = tempWorkspace(["dev"]);
        ok(pulumi(ws, ["stack", "init", "dev"]), "stack init");
        ok(pulumi(ws, ["config", "set", "dodo-platform:payments.canary.weight", "30"]), "flat set");
        ok(pulumi(ws, ["config", "set", "--path", "dodo-platform:payments.postgres.password", "plaintext-password-123456"]), "plaintext set");
        ok(pulumi(ws, ["config", "set", "--secret", "--path", "dodo-platform:observability.grafana.adminPassword", "grafana-password-123456"]), "secret set");
        const preview = await previewProgram(ws, "dev");
        assert.equal(preview.ok, false);
        const text = preview.errors.map((e) => e.message).join("\n");
        assert.match(text, /dodo-platform:payments\.canary\.weight: set as one flat key; nested keys are paths inside "payments"/);
        assert.match(text, /dodo-platform:payments\.postgres\.password: must be encrypted as it's secret \(set it with `pulumi config set --secret --path dodo-platform:payments\.postgres\.password <value>`\)/);
        assert.doesNotMatch(text, /grafana\.adminPassword/, "the secret set with --secret is accepted");
        assert.doesNotMatch(text, /plaintext-password-123456/, "the value is never echoed");
        assert.doesNotMatch(text, /\n\s+at .*\.ts:\d+/, "no stack trace");
        assert.deepEqual(preview.registered.filter((u) => !u.endsWith("pulumi:pulumi:Stack::dodo-platform-dev")), [], "no resource before the config is valid");
    });
});
