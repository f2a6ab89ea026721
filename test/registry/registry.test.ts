import { strict as assert } from "assert";
import { ConfigError, parsePlatformConfig } from "../../components/config";
import { pullThroughCachePolicy } from "../../components/registry/iam";
import { UPSTREAMS } from "../../components/registry/images";
import { readStackConfig, REPO_ROOT } from "../../scripts/lib/stack-config";
import { Render, renderCached } from "../harness";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function problems(stack: string, paths: Record<string, unknown>): string[] {
    try {
        parsePlatformConfig({ stack, ...readStackConfig(stack, REPO_ROOT, paths) });
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return [...err.problems];
    }
    return [];
}

const of = (render: Render, type: string) => render.resources.filter((r) => r.type === type);

describe("registry (ECR pull-through cache)", () => {
    let prod: Render;
    before(async () => {
        prod = await renderCached("prod");
    });

    it("has a rule per upstream, Docker Hub and GHCR with their credentials from config", () => {
        const rules: Record<string, Obj> = Object.fromEntries(of(prod, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule").map((r) => [(r.props as Obj).ecrRepositoryPrefix, r.props as Obj]));
        assert.deepEqual(Object.keys(rules).sort(), ["docker-hub", "ecr-public", "ghcr", "k8s", "quay"]);
        assert.deepEqual(Object.values(rules).map((r) => r.upstreamRegistryUrl).sort(), ["ghcr.io", "public.ecr.aws", "quay.io", "registry-1.docker.io", "registry.k8s.io"]);
        assert.equal(rules["docker-hub"].credentialArn, "arn:aws:secretsmanager:ap-south-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf");
        assert.match(rules.ghcr.credentialArn, /:secret:ecr-pullthroughcache\//);
        assert.equal(rules.quay.credentialArn, undefined);
    });

    it("lets both node roles (system group and Karpenter's) fill the cache, and nothing else", () => {
        const policy = of(prod, "aws:iam/policy:Policy").find((r) => r.name === "registry-nodes")!;
        const doc = JSON.parse((policy.props as Obj).policy) as Obj;
        const resources = doc.Statement[0].Resource as string[];
        assert.deepEqual(doc.Statement[0].Action, ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"], "no read or write beyond filling the cache");
        assert.deepEqual(doc, pullThroughCachePolicy({ region: "ap-south-1", accountId: "111122223333", prefixes: Object.values(UPSTREAMS).map((u) => u.prefix) }));
        assert.ok(resources.every((r) => /^arn:aws:ecr:ap-south-1:111122223333:repository\/[a-z0-9-]+\/\*$/.test(r)), resources.join());
        const attached = of(prod, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((r) => r.name.endsWith("-nodes-pull-through-cache"));
        assert.deepEqual(attached.map((r) => r.name).sort(), ["autoscaling-nodes-pull-through-cache", "cluster-nodes-pull-through-cache"]);
        const group = of(prod, "aws:eks/nodeGroup:NodeGroup")[0];
        assert.ok(group.dependsOn.includes(attached.find((r) => r.name.startsWith("cluster-"))!.ref), "nodes start with the permission");
    });

    it("installs nothing that pulls an image before the rules exist", () => {
        const byRef = new Map(prod.resources.map((r) => [r.ref, r]));
        const waitsFor = (ref: string) => {
            const seen = new Set<string>();
            const todo = [...(byRef.get(ref)?.dependsOn ?? [])];
            while (todo.length > 0) {
                const next = todo.pop()!;
                if (!seen.has(next)) (seen.add(next), todo.push(...(byRef.get(next)?.dependsOn ?? [])));
            }
            return seen;
        };
        const rules = of(prod, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule").map((r) => r.ref);
        const pullers = prod.resources.filter((r) =>
            (r.type === "kubernetes:helm.sh/v3:Release" && !/(karpenter-crd|base)$/.test(String((r.props as Obj).chart))) || /:(Deployment|StatefulSet|DaemonSet)$/.test(r.type),
        );
        assert.ok(pullers.length > 10);
        for (const r of pullers) {
            const deps = waitsFor(r.ref);
            assert.deepEqual(rules.filter((rule) => !deps.has(rule)), [], `${r.ref} can pull before the cache rules exist`);
        }
    });

    it("is off in dev by default and refused on an existing cluster, naming the key", async () => {
        const dev = await renderCached("dev");
        assert.equal(of(dev, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule").length, 0);
        assert.ok(problems("local", { "dodo-platform:registry.pullThroughCache": true }).includes("dodo-platform:registry.pullThroughCache: has no effect with cluster.mode existing (the AWS layer is not built); remove it"));
    });

    it("requires the credentials, named ecr-pullthroughcache/..., in the cache's account and region", () => {
        const missing = problems("prod", { "dodo-platform:registry.dockerHubCredentialArn": undefined });
        assert.ok(missing.some((p) => p.startsWith("dodo-platform:registry.dockerHubCredentialArn: required with registry.pullThroughCache")), missing.join("\n"));
        const badName = problems("prod", { "dodo-platform:registry.githubCredentialArn": "arn:aws:secretsmanager:ap-south-1:111122223333:secret:ghcr-token-AbCdEf" });
        assert.ok(badName.some((p) => p.startsWith("dodo-platform:registry.githubCredentialArn: expected the ARN of a Secrets Manager secret named ecr-pullthroughcache/")), badName.join("\n"));
        const elsewhere = problems("prod", { "dodo-platform:registry.githubCredentialArn": "arn:aws:secretsmanager:eu-west-1:444455556666:secret:ecr-pullthroughcache/ghcr-AbCdEf" });
        assert.ok(elsewhere.includes("dodo-platform:registry.githubCredentialArn: must be in the cache's own account and region (111122223333, ap-south-1), got 444455556666, eu-west-1"), elsewhere.join("\n"));
        const noAccount = problems("dev", { "dodo-platform:registry.pullThroughCache": true, "dodo-platform:registry.dockerHubCredentialArn": "arn:aws:secretsmanager:ap-south-1:123456789012:secret:ecr-pullthroughcache/d-AbCdEf", "dodo-platform:registry.githubCredentialArn": "arn:aws:secretsmanager:ap-south-1:123456789012:secret:ecr-pullthroughcache/g-AbCdEf" });
        assert.ok(noAccount.includes("dodo-platform:registry.pullThroughCache: needs aws:allowedAccountIds: the cache is the registry of its first account"), noAccount.join("\n"));
    });
});
