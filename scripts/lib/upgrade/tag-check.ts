// The revision-tag objects the platform renders itself (components/mesh/tags.ts) against what
// Istio's own chart renders for `revisionTags` (istioctl manifest generate, offline, from the
// pinned istio.io/istio module): same webhooks, selectors and Service, and the labels istiod and
// istioctl read. Run by `npm run upgrade:walk`.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import * as YAML from "yaml";
import { revisionTagService, revisionTagWebhook } from "../../../components/mesh/tags";
import { KubeObject } from "../../../components/k8s";

/** The labels istiod's webhook patcher and `istioctl tag list` go by. */
const FUNCTIONAL_LABELS = ["istio.io/rev", "istio.io/tag", "app"];

function istioctlTagObjects(istioctl: string, tag: string, revision: string): KubeObject[] {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "dodo-tags-"));
    try {
        const args = ["manifest", "generate", "--set", "profile=empty", "--set", "components.pilot.enabled=true", "--set", `values.revisionTags[0]=${tag}`, ...(revision === "default" ? [] : ["--set", `revision=${revision}`])];
        // No cluster, no network: what it renders comes from the charts compiled into it.
        const r = spawnSync(istioctl, args, { encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: home, KUBECONFIG: path.join(home, "none"), HTTPS_PROXY: "http://127.0.0.1:9" }, maxBuffer: 64 * 1024 * 1024 });
        if (r.status !== 0) throw new Error(`istioctl manifest generate failed: ${r.stderr}`);
        return YAML.parseAllDocuments(r.stdout).map((d) => d.toJS() as KubeObject).filter((o) => o && o.metadata?.labels?.["istio.io/tag"] === tag);
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
}

const pick = (labels: Record<string, string> | undefined) => Object.fromEntries(FUNCTIONAL_LABELS.map((k) => [k, labels?.[k]]));

/** Differences between ours and Istio's for each (tag, revision); empty when they agree. */
export function tagObjectDifferences(
    istioctl: string,
    cases: readonly [tag: string, revision: string][],
    ours: (tag: string, revision: string) => [KubeObject, KubeObject] = (tag, revision) => [revisionTagWebhook(tag, revision), revisionTagService(tag, revision)],
): string[] {
    const problems: string[] = [];
    for (const [tag, revision] of cases) {
        const theirs = istioctlTagObjects(istioctl, tag, revision);
        const mwc = theirs.find((o) => o.kind === "MutatingWebhookConfiguration");
        const svc = theirs.find((o) => o.kind === "Service");
        const [ourMwc, ourSvc] = ours(tag, revision);
        const where = `tag ${tag} -> ${revision}`;
        if (!mwc || !svc) {
            problems.push(`${where}: istioctl rendered no tag webhook or Service`);
            continue;
        }
        if (mwc.metadata.name !== ourMwc.metadata.name) problems.push(`${where}: webhook name ${ourMwc.metadata.name}, Istio's ${mwc.metadata.name}`);
        if (!isDeepStrictEqual(ourMwc.webhooks, mwc.webhooks)) problems.push(`${where}: webhooks differ:\nours   ${JSON.stringify(ourMwc.webhooks)}\nIstio's ${JSON.stringify(mwc.webhooks)}`);
        if (!isDeepStrictEqual(pick(ourMwc.metadata.labels), pick(mwc.metadata.labels))) problems.push(`${where}: webhook labels ${JSON.stringify(pick(ourMwc.metadata.labels))}, Istio's ${JSON.stringify(pick(mwc.metadata.labels))}`);
        if (!isDeepStrictEqual([ourSvc.metadata.name, ourSvc.spec], [svc.metadata.name, svc.spec])) problems.push(`${where}: Service differs:\nours   ${JSON.stringify([ourSvc.metadata.name, ourSvc.spec])}\nIstio's ${JSON.stringify([svc.metadata.name, svc.spec])}`);
    }
    return problems;
}
