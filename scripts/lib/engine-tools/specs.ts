// The Go tools of the conformance run (engine and local control plane) and of the linters, each
// pinned by a wrapper module under tools/<name>/. Pure: what to build, with which link flags, and
// how a built binary must report its version. scripts/lib/engine-tools/build.ts runs Go.
import { goModReplaces, goModRequires } from "../validate-tools";
import { kubeVersionLdflags } from "./kubernetes";
import { PROVIDER_REPORTED_VERSION } from "./provider";

export type GoToolName = "pulumi" | "pulumi-resource-kubernetes" | "kubernetes" | "etcd" | "kwok" | "actionlint" | "promtool" | "helm";

/**
 * engine: what `npm run conformance` runs; linters: checks other commands run on the repo;
 * validators: what `npm run validate` runs besides istioctl and kubectl-validate (validate-tools.ts).
 */
export type GoToolGroup = "engine" | "linters" | "validators";

/** What the Go module proxy says about the pinned module (`go mod download -json`). */
export interface PinnedModule {
    version: string;
    /** RFC 3339 time of the version (the .info file); reproducible build dates come from it. */
    time?: string;
}

export interface VersionProbe {
    /** Arguments that make the binary print its version. */
    args: string[];
    /** Text the output must contain. */
    expect: string;
}

export interface GoToolSpec {
    /** Folder under tools/ holding the wrapper go.mod (+ go.sum). */
    readonly name: GoToolName;
    readonly group: GoToolGroup;
    /** The upstream module whose version the wrapper's go.mod pins. */
    readonly module: string;
    /** Main packages to build; "." is the wrapper's own (or prepared) main package. */
    readonly packages: readonly string[];
    /** Binaries the build leaves in bin/ (one per package, same order). */
    readonly binaries: readonly string[];
    /** Committed files besides go.mod/go.sum that go into the build (hashed into the cache key). */
    readonly sources: readonly string[];
    /** Go build tags (hashed into the cache key). */
    readonly tags?: readonly string[];
    ldflags(pin: PinnedModule): string;
    /** How each binary reports its version; undefined: it has no version flag. */
    versionProbe(binary: string, pin: PinnedModule): VersionProbe | undefined;
}

const bare = (v: string) => v.replace(/^v/, "");

export const GO_TOOLS: readonly GoToolSpec[] = [
    {
        name: "pulumi",
        group: "engine",
        module: "github.com/pulumi/pulumi/pkg/v3",
        packages: ["github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"],
        binaries: ["pulumi"],
        sources: [],
        // `pulumi version` prints this variable (sdk/v3/go/common/version), empty unless linked in.
        ldflags: (pin) => `-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${pin.version}`,
        versionProbe: (_, pin) => ({ args: ["version"], expect: pin.version }),
    },
    {
        name: "pulumi-resource-kubernetes",
        group: "engine",
        module: "github.com/pulumi/pulumi-kubernetes/provider/v4",
        packages: ["."],
        binaries: ["pulumi-resource-kubernetes"],
        sources: [],
        ldflags: () => `-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${PROVIDER_REPORTED_VERSION}`,
        // A plugin speaks gRPC only; `pulumi plugin install` and the engine report its version.
        versionProbe: () => undefined,
    },
    {
        name: "kubernetes",
        group: "engine",
        module: "k8s.io/kubernetes",
        packages: ["k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kube-controller-manager", "k8s.io/kubernetes/cmd/kube-scheduler"],
        binaries: ["kube-apiserver", "kube-controller-manager", "kube-scheduler"],
        sources: [],
        ldflags: (pin) => `-s -w ${kubeVersionLdflags(pin.version, pin.time)}`,
        versionProbe: (_, pin) => ({ args: ["--version"], expect: `Kubernetes ${pin.version}` }),
    },
    {
        name: "etcd",
        group: "engine",
        module: "go.etcd.io/etcd/server/v3",
        packages: ["."],
        binaries: ["etcd"],
        sources: ["main.go"],
        ldflags: () => "-s -w",
        // The version is a constant of go.etcd.io/etcd/api/v3/version, pinned with the server.
        versionProbe: (_, pin) => ({ args: ["--version"], expect: `etcd Version: ${bare(pin.version)}` }),
    },
    {
        name: "kwok",
        group: "engine",
        module: "sigs.k8s.io/kwok",
        packages: ["sigs.k8s.io/kwok/cmd/kwok"],
        binaries: ["kwok"],
        sources: [],
        // consts.Version is the release's own constant ("0.8.0"); releases set it the same way.
        ldflags: () => "-s -w",
        versionProbe: (_, pin) => ({ args: ["--version"], expect: pin.version }),
    },
    {
        name: "actionlint",
        group: "linters",
        module: "github.com/rhysd/actionlint",
        packages: ["github.com/rhysd/actionlint/cmd/actionlint"],
        binaries: ["actionlint"],
        sources: [],
        // Built inside a wrapper module, the build info names the wrapper: set the release's variable.
        ldflags: (pin) => `-s -w -X github.com/rhysd/actionlint.version=${pin.version}`,
        versionProbe: (_, pin) => ({ args: ["-version"], expect: pin.version }),
    },
    {
        name: "promtool",
        group: "linters",
        module: "github.com/prometheus/prometheus",
        packages: ["github.com/prometheus/prometheus/cmd/promtool"],
        binaries: ["promtool"],
        sources: [],
        // promtool's `test rules` and `check rules` need no service discovery: the build tag drops
        // every SD plugin (plugins/plugin_*.go: `//go:build !remove_all_sd || enable_<sd>_sd`) and
        // their cloud SDKs, which are most of a cold build.
        tags: ["remove_all_sd"],
        // Prometheus 3.x is served as module v0.3xx.y (v0.316.0 is release 3.16.0); .promu.yml sets this.
        ldflags: (pin) => `-s -w -X github.com/prometheus/common/version.Version=${prometheusRelease(pin.version)}`,
        versionProbe: (_, pin) => ({ args: ["--version"], expect: `version ${prometheusRelease(pin.version)}` }),
    },
    {
        name: "helm",
        group: "validators",
        module: "helm.sh/helm/v4",
        packages: ["helm.sh/helm/v4/cmd/helm"],
        binaries: ["helm"],
        sources: [],
        // As helm's Makefile links a release (internal/version.version); unset, it says "v4.3".
        ldflags: (pin) => `-s -w -X helm.sh/helm/v4/internal/version.version=${pin.version}`,
        versionProbe: (_, pin) => ({ args: ["version", "--short"], expect: pin.version }),
    },
];

/** Prometheus's module version -> its release: v0.316.0 -> 3.16.0, v0.313.5 -> 3.13.5. */
export function prometheusRelease(moduleVersion: string): string {
    const m = /^v0\.(\d)(\d{2})\.(\d+)$/.exec(moduleVersion);
    if (!m) throw new Error(`not a Prometheus 3.x module version: ${moduleVersion}`);
    return `${m[1]}.${Number(m[2])}.${m[3]}`;
}

export function goToolSpec(name: string): GoToolSpec {
    const spec = GO_TOOLS.find((t) => t.name === name);
    if (!spec) throw new Error(`unknown tool ${name}; known: ${GO_TOOLS.map((t) => t.name).join(", ")}`);
    return spec;
}

/** Problems with a probe's output; empty when it reports the pinned version. */
export function checkVersionOutput(binary: string, probe: VersionProbe, output: string): string[] {
    return output.includes(probe.expect) ? [] : [`${binary} ${probe.args.join(" ")} printed ${JSON.stringify(output.trim().slice(0, 200))}, expected it to contain ${JSON.stringify(probe.expect)}`];
}

/**
 * Modules of a go.mod whose go.sum lacks the go.mod hash (for a replaced module: the replacement's),
 * so a build with -mod=readonly would stop; empty when complete.
 */
export function missingGoSumEntries(goMod: string, goSum: string): string[] {
    const replaces = goModReplaces(goMod);
    const have = new Set(goSum.split("\n").map((l) => l.split(" ").slice(0, 2).join(" ")));
    const missing: string[] = [];
    for (const [mod, version] of goModRequires(goMod)) {
        const target = replaces.get(`${mod}@${version}`) ?? replaces.get(mod);
        if (target && !target.includes("@")) continue; // a local directory
        const [m, v] = target ? (target.split("@") as [string, string]) : [mod, version];
        if (!have.has(`${m} ${v}/go.mod`)) missing.push(`${m} ${v}`);
    }
    return missing;
}
