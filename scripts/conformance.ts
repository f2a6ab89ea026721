// npm run conformance
// The local stack (Pulumi.local.yaml: Istio and payments on an existing cluster) through the real
// Pulumi engine onto a local control plane, inside a loopback-only network namespace: preview, up,
// compare with the offline synth (objects and the engine's resources), a second preview with no
// changes (refreshed), judge the live objects (a planted violation included), a planted drift the
// preview must catch, the preview role on the API server, plan then up --plan, destroy (volumes
// included), stop. Needs root (ip netns) and the engine tools
// (`npm run tools:build -- --engine`, built here first if missing). See docs/conformance.md.
import { runCommand } from "./lib/args";
import { clusterBinaries } from "./lib/cluster";
import { NETNS_ENV, runIsolated } from "./lib/cluster/netns";
import { buildGoTools, selectTools } from "./lib/engine-tools/build";
import { runConformance } from "./lib/conformance/run";
import { istioModuleCharts } from "./lib/conformance/workspace";

async function main(argv: string[]): Promise<number> {
    if (argv.length > 0) {
        console.error("usage: npm run conformance");
        return 2;
    }
    const t0 = Date.now();
    if (!process.env[NETNS_ENV]) {
        // Outside the namespace, where the module proxy is reachable: build what is missing.
        buildGoTools(selectTools(["engine"]), (l) => console.error(l));
        clusterBinaries((l) => console.error(l));
        istioModuleCharts();
    }
    return runIsolated(async () => {
        const report = await runConformance((l) => console.error(l));
        console.log("\nconformance report");
        for (const s of report.steps) console.log(`  ${s.step.padEnd(32)} ${s.seconds.toFixed(1).padStart(6)} s  ${s.detail}`);
        console.log(`  resources created: ${report.created}; objects compared with the synth: ${report.compared}; resources matched between the state and the synth: ${report.resources}; live objects judged: ${report.judged}`);
        if (report.keptByCharts.length > 0) console.log(`  kept after destroy by their chart (helm.sh/resource-policy: keep): ${report.keptByCharts.length} (${report.keptByCharts.join(", ")})`);
        console.log(`  total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        for (const f of report.failures) console.log(`\nFAILED: ${f}`);
        return report.failures.length > 0 ? 1 : 0;
    });
}

runCommand("conformance", main);
