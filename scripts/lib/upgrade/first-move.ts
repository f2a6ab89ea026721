// The first move onto revision tags, checked where it was made: the commit that introduced
// revisions (it added components/mesh/revisions.ts) rendered against its parent with the diff
// machinery of `npm run diff`. No pod template and no Helm release's chart or values may change;
// only the tag objects, the namespace label and the charts' repository. Node replacements count as
// restarts (a node image change drains every node: effects.ts); the nodes' own first move (the
// release pin, components/cluster) is reported from the parent to the current render.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderAtCommit } from "../../diff";
import { diffRenders, RenderSnapshot } from "../diff";
import { REPO_ROOT } from "../render";
import { nodeReplacement, stepEffects } from "./effects";

export interface FirstMove {
    problems: string[];
    /**
     * Node replacements from the install before revisions to the current render: the node group's
     * releaseVersion, pinned since (nodes.imageRelease). Replaced unless the stack pins the
     * release its nodes already run (docs/upgrades.md, "Node images").
     */
    nodes: string[];
}

function git(args: string[]): string | undefined {
    const r = spawnSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The first move for `stack` (`current`: its render now); undefined when the history needed is not here (a shallow clone). */
export async function firstMove(stack: string, current: RenderSnapshot): Promise<FirstMove | undefined> {
    const introduced = git(["log", "--diff-filter=A", "--format=%H", "--", "components/mesh/revisions.ts"])?.split("\n").pop();
    const parent = introduced ? git(["rev-parse", "--verify", "--quiet", `${introduced}^`]) : undefined;
    if (!introduced || !parent) return undefined;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dodo-first-move-"));
    try {
        const [before, after] = await Promise.all([renderAtCommit(parent, stack, tmp), renderAtCommit(introduced, stack, tmp)]);
        if (before === "no-stack" || after === "no-stack") return { problems: [`${stack} has no stack file at ${parent.slice(0, 7)} or ${introduced.slice(0, 7)}`], nodes: [] };
        const report = diffRenders(before, after);
        const problems: string[] = [];
        const effects = stepEffects(report, () => undefined);
        if (effects.restarts.length > 0) problems.push(`the first move restarts ${effects.restarts.join(", ")}`);
        const releases = report.resources.changed.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.fields.some((f) => f.path !== "props.repositoryOpts.repo" && !f.path.startsWith("dependsOn")));
        if (releases.length > 0) problems.push(`the first move changes Helm releases beyond their repository: ${releases.map((r) => `${r.name} (${r.fields.map((f) => f.path).join(", ")})`).join("; ")}`);
        const workloads = report.objects.changed.filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind));
        if (workloads.length > 0) problems.push(`the first move changes workloads: ${workloads.map((o) => `${o.kind} ${o.namespace}/${o.name}`).join(", ")}`);
        const added = report.objects.added.map((o) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`).sort();
        const expected = ["MutatingWebhookConfiguration istio-revision-tag-prod-stable", "Service istio-system/istiod-revision-tag-prod-stable"];
        if (JSON.stringify(added) !== JSON.stringify(expected)) problems.push(`the first move adds ${JSON.stringify(added)}, expected ${JSON.stringify(expected)}`);
        const nodes = diffRenders(before, current).resources.changed.map(nodeReplacement).filter((x): x is string => x !== undefined);
        return { problems, nodes };
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}
