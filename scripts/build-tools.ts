// npm run tools:build [-- --engine] [-- --linters] [-- --all] [-- --only <tool>[,<tool>]]
// Builds Go tools pinned in tools/ into ~/.cache/dodo-platform-tools (or $DODO_TOOLS_CACHE),
// reusing what is already built, and prints where they are and how long each build took.
// Without flags: the validators (istioctl, kubectl-validate, helm), which `npm run validate` also
// builds on demand. --engine: the Pulumi CLI, the Kubernetes provider, kube-apiserver/-controller-manager/
// -scheduler, etcd and kwok for `npm run conformance` (about 45 min cold on 2 cores).
// --linters: actionlint and promtool. See tools/README.md.
import { ISTIO_VALIDATOR_VERSION } from "../components/versions";
import { parseArgs, runCommand } from "./lib/args";
import { buildGoTools, selectTools } from "./lib/engine-tools/build";
import { GoToolGroup } from "./lib/engine-tools/specs";
import { buildTools, ToolBuildError } from "./lib/validate-tools";

const USAGE = "usage: npm run tools:build [-- --engine] [--linters] [--all] [--only pulumi,kubernetes,...]";

function buildValidators(): void {
    const t = buildTools({ istioVersion: ISTIO_VALIDATOR_VERSION });
    for (const tool of [t.istioctl, t.kubectlValidate]) {
        console.log(`${tool.name}: ${tool.bin} (${tool.reused ? "cached" : `built in ${tool.buildSeconds.toFixed(1)} s`})`);
    }
    console.log(`istio CRDs: ${t.istioCrds}`);
    console.log(`kubectl-validate embedded Kubernetes schemas: ${t.embeddedKubernetesVersions.join(", ")}`);
}

async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv, { engine: "boolean", linters: "boolean", all: "boolean", only: "list" }, USAGE);
    const started = Date.now();
    const only = (args.only ?? []).flatMap((o) => o.split(",")).filter((o) => o !== "");
    const validators = args.all || (!args.engine && !args.linters && only.length === 0);
    const groups: GoToolGroup[] = [...(validators ? ["validators" as const] : []), ...(args.engine || args.all ? ["engine" as const] : []), ...(args.linters || args.all ? ["linters" as const] : [])];
    try {
        if (validators) buildValidators();
        const built = buildGoTools(selectTools(groups, only));
        for (const tool of Object.values(built)) {
            const how = tool.reused ? "cached" : `built in ${tool.buildSeconds.toFixed(1)} s`;
            for (const [name, bin] of Object.entries(tool.bins)) console.log(`${name}: ${bin} (${tool.version}, ${how})`);
        }
    } catch (err) {
        if (!(err instanceof ToolBuildError)) throw err;
        console.error(`error: ${err.message}`);
        return 1;
    }
    console.log(`tool build took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
}

runCommand("tools:build", main);
