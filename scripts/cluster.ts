// npm run cluster [-- --smoke]
// Starts the local control plane of `npm run conformance` (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok) inside a fresh loopback-only network namespace
// (root, iproute2). Without flags it prints how to reach it and runs until Ctrl-C; --smoke
// runs a Deployment, a LoadBalancer Service, a gp3 claim and a cert-manager Certificate through
// it, prints what happened and stops. Binaries come from the tools cache (`npm run tools:build -- --engine`).
import { parseArgs, runCommand } from "./lib/args";
import { startLocalCluster } from "./lib/cluster";
import { NETNS_ENV, runIsolated } from "./lib/cluster/netns";
import { certificateSmokeTest, smokeTest } from "./lib/cluster/smoke";

const USAGE = "usage: npm run cluster [-- --smoke]";

async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv, { smoke: "boolean" }, USAGE);
    return runIsolated(async () => {
        const t0 = Date.now();
        const cluster = await startLocalCluster();
        try {
            if (args.smoke) {
                const r = await smokeTest(cluster.client, cluster.nodes);
                for (const p of r.pods) console.log(`smoke: pod ${p.name} Running on ${p.node}, IP ${p.ip}`);
                console.log(`smoke: EndpointSlice addresses ${r.endpoints.join(", ")}`);
                console.log(`smoke: LoadBalancer hostname ${r.lbHostname}`);
                console.log(`smoke: claim bound to ${r.volume}, volume deleted with the namespace`);
                const certSeconds = await certificateSmokeTest(cluster.client, cluster.restartKwok);
                console.log(`smoke: a Certificate turned Ready after kwok picked up the certificate stage (${certSeconds.toFixed(1)} s)`);
                console.log(`smoke: passed in ${(r.seconds + certSeconds).toFixed(1)} s`);
                return 0;
            }
            console.log(`\nThe cluster runs in network namespace ${process.env[NETNS_ENV]}. From another shell:`);
            console.log(`  ip netns exec ${process.env[NETNS_ENV]} kubectl --kubeconfig ${cluster.kubeconfig} get nodes`);
            console.log("Ctrl-C stops it.");
            await new Promise<never>(() => undefined);
            return 0;
        } finally {
            await cluster.stop();
            console.log(`cluster: total ${((Date.now() - t0) / 1000).toFixed(1)} s; steps: ${cluster.steps.map((s) => `${s.step} ${s.seconds.toFixed(1)} s`).join(", ")}`);
        }
    });
}

runCommand("cluster", main);
