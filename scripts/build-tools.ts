// npm run tools:build
// Builds istioctl and kubectl-validate from the Go modules pinned in tools/ into
// ~/.cache/dodo-platform-tools (or $DODO_TOOLS_CACHE), reusing what is already built, and
// prints where they are and how long it took. `npm run validate` does the same on demand.
import { ISTIO_VERSION } from "../components/versions";
import { buildTools, ToolBuildError } from "./lib/validate-tools";

try {
    const t = buildTools({ istioVersion: ISTIO_VERSION });
    for (const tool of [t.istioctl, t.kubectlValidate]) {
        console.log(`${tool.name}: ${tool.bin} (${tool.reused ? "cached" : `built in ${tool.buildSeconds.toFixed(1)} s`})`);
    }
    console.log(`istio CRDs: ${t.istioCrds}`);
    console.log(`kubectl-validate embedded Kubernetes schemas: ${t.embeddedKubernetesVersions.join(", ")}`);
    console.log(`tool build took ${t.totalSeconds.toFixed(1)} s`);
} catch (err) {
    const e = err as Error;
    console.error(err instanceof ToolBuildError ? `error: ${e.message}` : e.stack ?? String(err));
    process.exit(1);
}
