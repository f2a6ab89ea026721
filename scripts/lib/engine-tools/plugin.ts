// Installing the locally built Kubernetes provider into a PULUMI_HOME, under the version the npm
// SDK (@pulumi/kubernetes) asks the engine for. The binary reports PROVIDER_REPORTED_VERSION, so
// the engine prints a warning that the two differ; it is expected here and kept visible.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../render";
import { ToolBuildError } from "../validate-tools";

/** The plugin version the npm SDK requests (its package.json `pulumi.version`). */
export function sdkPluginVersion(sdkPackageJson: string): string {
    const pkg = JSON.parse(sdkPackageJson) as { version?: string; pulumi?: { resource?: boolean; version?: string } };
    const v = pkg.pulumi?.version ?? pkg.version;
    if (!v || !/^\d+\.\d+\.\d+/.test(v)) throw new Error(`@pulumi/kubernetes package.json names no plugin version (got ${String(v)})`);
    return v;
}

export function installedSdkPluginVersion(root = REPO_ROOT): string {
    return sdkPluginVersion(fs.readFileSync(path.join(root, "node_modules", "@pulumi", "kubernetes", "package.json"), "utf8"));
}

/** Where `pulumi plugin install resource kubernetes <v>` puts the binary. */
export function pluginPath(pulumiHome: string, version: string): string {
    return path.join(pulumiHome, "plugins", `resource-kubernetes-v${version}`, "pulumi-resource-kubernetes");
}

export interface PluginInstall {
    version: string;
    path: string;
    /** What the CLI printed (the version warning among it); empty when already installed. */
    output: string;
    reused: boolean;
}

/**
 * Installs `provider` as resource plugin kubernetes@<version> into `pulumiHome`, unless that
 * exact binary (same size and mtime not older) is already there.
 */
export function installKubernetesPlugin(pulumi: string, provider: string, pulumiHome: string, version = installedSdkPluginVersion()): PluginInstall {
    const target = pluginPath(pulumiHome, version);
    const built = fs.statSync(provider);
    if (fs.existsSync(target)) {
        const have = fs.statSync(target);
        if (have.size === built.size && have.mtimeMs >= built.mtimeMs) return { version, path: target, output: "", reused: true };
    }
    fs.mkdirSync(pulumiHome, { recursive: true });
    const r = spawnSync(pulumi, ["plugin", "install", "resource", "kubernetes", version, "-f", provider, "--non-interactive"], {
        encoding: "utf8",
        env: { ...process.env, PULUMI_HOME: pulumiHome, PULUMI_SKIP_UPDATE_CHECK: "true" },
    });
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
    if (r.status !== 0 || !fs.existsSync(target)) throw new ToolBuildError(`pulumi plugin install resource kubernetes ${version} -f ${provider} failed:\n${output}`);
    return { version, path: target, output, reused: false };
}
