// The synth's files, computed as strings first (pure, so tests compare them byte for byte).
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { RegisteredResource } from "./mock-engine";
import { Render } from "./render";

/** Sorts object keys recursively so output does not depend on registration order. */
export function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.keys(value as object)
                .sort()
                .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}

export function resourcesJson(resources: RegisteredResource[]): string {
    const entries = resources.map((r) => ({
        type: r.type,
        name: r.name,
        ref: r.ref,
        parent: r.parent,
        dependsOn: r.dependsOn,
        provider: r.provider,
        props: sortKeys(r.props),
    }));
    return JSON.stringify(entries, null, 2) + "\n";
}

export function manifestsYaml(render: Render): string {
    return render.manifests
        .map((m) => {
            const { apiVersion, kind, metadata, ...rest } = m;
            // YAML 1.1 quoting: Go consumers (kubectl, istioctl) read a bare `on` or `y` as a boolean.
            return YAML.stringify({ apiVersion, kind, metadata: sortKeys(metadata), ...(sortKeys(rest) as object) }, { lineWidth: 0, version: "1.1" });
        })
        .map((doc) => `---\n${doc}`)
        .join("");
}

export interface HelmReleaseSummary {
    name: string;
    namespace: string;
    chart: string;
    version: string;
    repository: string;
}

export function helmReleases(resources: RegisteredResource[]): HelmReleaseSummary[] {
    return resources
        .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
        .map((r) => {
            const p = r.props as { name?: string; namespace?: string; chart?: string; version?: string; repositoryOpts?: { repo?: string } };
            return { name: p.name ?? r.name, namespace: p.namespace ?? "default", chart: p.chart ?? "", version: p.version ?? "", repository: p.repositoryOpts?.repo ?? "" };
        });
}

/** Extra sections other capabilities add to the summary (policy verdicts, footprint, ...). */
export type SummarySection = (render: Render) => string;

export function summaryMarkdown(render: Render, sections: SummarySection[] = []): string {
    const counts = new Map<string, number>();
    for (const r of render.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const lines = [
        `# Synth of stack \`${render.stack}\``,
        "",
        `${render.resources.length} resources (${render.resources.filter((r) => r.custom).length} custom, ${render.resources.filter((r) => !r.custom).length} components), ${render.manifests.length} Kubernetes objects.`,
        "",
        ...(render.missingSecrets.length > 0
            ? [
                  "Secrets rendered as `[secret]` that this stack file does not set yet (required for `pulumi up`, set each with `pulumi config set --secret --path <key> <value>`):",
                  "",
                  ...render.missingSecrets.map((k) => `- \`${k}\``),
                  "",
              ]
            : []),
        "## Resources by type",
        "",
        "| type | count |",
        "| --- | ---: |",
        ...[...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, n]) => `| \`${t}\` | ${n} |`),
        "",
        "## Helm releases",
        "",
        "| release | namespace | chart | version | repository |",
        "| --- | --- | --- | --- | --- |",
        ...helmReleases(render.resources).map((h) => `| ${h.name} | ${h.namespace} | ${h.chart} | ${h.version} | ${h.repository} |`),
        "",
    ];
    for (const section of sections) lines.push(section(render).trimEnd(), "");
    return lines.join("\n");
}

export function synthFiles(render: Render, sections: SummarySection[] = []): Record<string, string> {
    return {
        "resources.json": resourcesJson(render.resources),
        "manifests.yaml": manifestsYaml(render),
        "summary.md": summaryMarkdown(render, sections),
    };
}

/** Writes the files into `outDir` (created when missing). */
export function writeFiles(files: Record<string, string>, outDir: string): string[] {
    fs.mkdirSync(outDir, { recursive: true });
    return Object.entries(files).map(([name, content]) => {
        const file = path.join(outDir, name);
        fs.writeFileSync(file, content);
        return file;
    });
}
