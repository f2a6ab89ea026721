// The first move onto revision tags, checked where it was made: the commit that introduced
// revisions (it added components/mesh/revisions.ts) rendered against its parent with the diff
// machinery of `npm run diff`. No pod template and no Helm release's chart or values may change;
// only the tag objects, the namespace label and the charts' repository.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderAtCommit } from "../../diff";
import { diffRenders } from "../diff";
import { REPO_ROOT } from "../render";
import { stepEffects } from "./effects";

function git(args: string[]): string | undefined {
    const r = spawnSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Problems of the first move for `stack`; undefined when the history needed is not here (a shallow clone). */
export async function firstMoveProblems(stack: string): Promise<string[] | undefined> {
    const introduced = git(["log", "--diff-filter=A", "--format=%H", "--", "components/mesh/revisions.ts"])?.split("\n").pop();
    const parent = introduced ? git(["rev-parse", "--verify", "--quiet", `${introduced}^`]) : undefined;
    if (!introduced || !parent) return undefined;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dodo-first-move-"));
    try {
        const [before, after] = await Promise.all([renderAtCommit(parent, stack, tmp), renderAtCommit(introduced, stack, tmp)]);
        if (before === "no-stack" || after === "no-stack") return [`${stack} has no stack file at ${parent.slice(0, 7)} or ${introduced.slice(0, 7)}`];
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
        return problems;
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}
