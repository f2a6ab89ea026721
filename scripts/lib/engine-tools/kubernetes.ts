// k8s.io/kubernetes as a dependency: its go.mod replaces each staging module (k8s.io/api,
// client-go, ...) with ./staging/src/k8s.io/<m>, a path that only exists in its own repository.
// tools/kubernetes/go.mod replaces every one of them with the published staging module of the
// same release (v1.35.4 -> v0.35.4). Pure: generation and checks of that replace block.
import { goModReplaces, goModRequires } from "../validate-tools";

/** Staging modules of k8s.io/kubernetes's go.mod: the left sides of its `=> ./staging/...` replaces. */
export function stagingModules(upstreamGoMod: string): string[] {
    return [...goModReplaces(upstreamGoMod)]
        .filter(([, to]) => to.startsWith("./staging/"))
        .map(([from]) => from)
        .sort();
}

/** The staging modules' version for a Kubernetes release: v1.35.4 -> v0.35.4. */
export function stagingVersion(kubernetesVersion: string): string {
    const m = /^v1\.(\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(kubernetesVersion);
    if (!m) throw new Error(`not a Kubernetes release version: ${kubernetesVersion}`);
    return `v0.${m[1]}`;
}

/** The replace block tools/kubernetes/go.mod must carry, one line per staging module. */
export function stagingReplaceBlock(upstreamGoMod: string, kubernetesVersion: string): string {
    const v = stagingVersion(kubernetesVersion);
    const lines = stagingModules(upstreamGoMod).map((m) => `\t${m} => ${m} ${v}`);
    return `replace (\n${lines.join("\n")}\n)\n`;
}

/**
 * Problems with the wrapper's replaces: every staging module of the pinned k8s.io/kubernetes
 * must be replaced by itself at the release's staging version, and nothing else replaced.
 * Empty when consistent.
 */
export function checkStagingReplaces(wrapperGoMod: string, upstreamGoMod: string): string[] {
    const version = goModRequires(wrapperGoMod).get("k8s.io/kubernetes");
    if (!version) return ["tools/kubernetes/go.mod does not require k8s.io/kubernetes"];
    const want = stagingVersion(version);
    const replaces = goModReplaces(wrapperGoMod);
    const staging = stagingModules(upstreamGoMod);
    const problems: string[] = [];
    for (const m of staging) {
        const got = replaces.get(m);
        if (got !== `${m}@${want}`) problems.push(`${m}: replaced by ${got ?? "nothing"}, expected ${m} ${want}`);
    }
    for (const [from] of replaces) {
        if (!staging.includes(from)) problems.push(`${from} is replaced but is not a staging module of k8s.io/kubernetes ${version}`);
    }
    if (problems.length > 0) {
        problems.push(`the block to paste into tools/kubernetes/go.mod:\n${stagingReplaceBlock(upstreamGoMod, version)}`);
    }
    return problems;
}

/**
 * Link flags that make the binaries report the release (`kube-apiserver --version`, /version), as
 * hack/lib/version.sh does: it sets the same variables of k8s.io/component-base/version (and of
 * client-go's copy). The build date is the release's time on the module proxy, so builds repeat.
 */
export function kubeVersionLdflags(version: string, releaseTime?: string): string {
    const m = /^v(\d+)\.(\d+)\./.exec(version);
    if (!m) throw new Error(`not a Kubernetes release version: ${version}`);
    const vars: [string, string][] = [
        ["gitVersion", version],
        ["gitMajor", m[1]],
        ["gitMinor", m[2]],
        ["gitTreeState", "clean"],
        ["buildDate", (releaseTime ?? "1970-01-01T00:00:00Z").replace(/\.\d+Z$/, "Z")],
    ];
    return ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"].flatMap((pkg) => vars.map(([k, v]) => `-X ${pkg}.${k}=${v}`)).join(" ");
}
