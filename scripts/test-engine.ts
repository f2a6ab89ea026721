// npm run test:engine [-- <mocha arguments>]
// The stack configuration against the real Pulumi CLI (test/engine), inside a fresh network
// namespace with only loopback, as the conformance runs (scripts/lib/cluster/netns.ts; root and
// iproute2). The tests need no network: a config change that made the CLI fetch a plugin or a
// chart fails here instead of downloading it.
import { spawn } from "child_process";
import { runCommand } from "./lib/args";
import { NETNS_ENV, runIsolated } from "./lib/cluster/netns";
import { buildGoTools, selectTools } from "./lib/engine-tools/build";

async function main(argv: string[]): Promise<number> {
    if (!process.env[NETNS_ENV]) {
        // Outside the namespace, where the module proxy is reachable: build the CLI if it is missing.
        buildGoTools(selectTools(["engine"], ["pulumi"]), (l) => console.error(l));
    }
    return runIsolated(
        () =>
            new Promise<number>((resolve, reject) => {
                const mocha = spawn(process.execPath, [require.resolve("mocha/bin/mocha.js"), "--config", "test/engine/.mocharc.json", ...argv], { stdio: "inherit" });
                mocha.on("error", reject);
                mocha.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
            }),
    );
}

runCommand("test:engine", main);
