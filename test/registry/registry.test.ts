import { strict as assert } from "assert";
import { ConfigError, parsePlatformConfig } from "../../components/config";
import { pullThroughCachePolicy, templateRolePolicy } from "../../components/registry/iam";
import { cacheLifecyclePolicy, UNTAGGED_EXPIRY_DAYS } from "../../components/registry/templates";
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

    it("creates every cache repository from a template of its prefix: the cache's KMS key, untagged images expiring", () => {
        const templates: Record<string, Obj> = Object.fromEntries(of(prod, "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate").map((r) => [(r.props as Obj).prefix, r.props as Obj]));
        assert.deepEqual(Object.keys(templates).sort(), Object.values(UPSTREAMS).map((u) => u.prefix).sort(), "one template per pull-through cache prefix");
        const key = of(prod, "aws:kms/key:Key").find((r) => r.name === "registry-cache")!;
        assert.equal((key.props as Obj).enableKeyRotation, true);
        const role = of(prod, "aws:iam/role:Role").find((r) => r.name === "registry-templates")!;
        for (const [prefix, t] of Object.entries(templates)) {
            assert.deepEqual(t.appliedFors, ["PULL_THROUGH_CACHE"], prefix);
            assert.equal(t.encryptionConfigurations.length, 1, prefix);
            assert.equal(t.encryptionConfigurations[0].encryptionType, "KMS", prefix);
            assert.match(t.encryptionConfigurations[0].kmsKey, /^arn:aws:kms:ap-south-1:\d{12}:key\/registry-cache/, prefix);
            assert.match(t.customRoleArn, /registry-templates/, `${prefix}: a KMS template needs the custom role`);
            assert.equal(t.imageTagMutability, "MUTABLE", `${prefix}: the cache re-syncs tags`);
            assert.deepEqual(JSON.parse(t.lifecyclePolicy), cacheLifecyclePolicy());
        }
        const trust = JSON.parse((role.props as Obj).assumeRolePolicy) as Obj;
        assert.deepEqual(trust.Statement.map((st: Obj) => st.Principal.Service), ["ecr.amazonaws.com"]);
        // The rules wait for the templates, so no cache repository is created without them.
        const templateRefs = of(prod, "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate").map((r) => r.ref);
        for (const rule of of(prod, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule")) assert.deepEqual(templateRefs.filter((t) => !rule.dependsOn.includes(t)), [], rule.ref);
    });

    it("expires only untagged images, after two weeks", () => {
        const [rule] = (cacheLifecyclePolicy() as { rules: Obj[] }).rules;
        assert.equal(UNTAGGED_EXPIRY_DAYS, 14);
        assert.deepEqual(rule.selection, { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 });
        assert.deepEqual(rule.action, { type: "expire" });
        assert.throws(() => cacheLifecyclePolicy(0), /days >= 1/);
    });

    it("lets the template role create only the cache's repositories, with only the cache's key", () => {
        const doc = templateRolePolicy({ region: "ap-south-1", accountId: "111122223333", prefixes: ["docker-hub", "quay"], keyArn: "arn:aws:kms:ap-south-1:111122223333:key/k" });
        assert.deepEqual(doc.Statement.map((st) => [st.Action, st.Resource]), [
            [["ecr:CreateRepository", "ecr:TagResource"], ["arn:aws:ecr:ap-south-1:111122223333:repository/docker-hub/*", "arn:aws:ecr:ap-south-1:111122223333:repository/quay/*"]],
            [["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"], "arn:aws:kms:ap-south-1:111122223333:key/k"],
        ]);
        const rendered = JSON.parse((of(prod, "aws:iam/rolePolicy:RolePolicy").find((r) => r.name === "registry-templates")!.props as Obj).policy) as Obj;
        assert.equal(rendered.Statement[0].Resource.length, Object.keys(UPSTREAMS).length);
    });

    it("scans every cache prefix on push (the registry's scanning configuration)", () => {
        const [scanning] = of(prod, "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration");
        const props = scanning.props as Obj;
        assert.equal(props.scanType, "BASIC");
        assert.deepEqual(props.rules.map((r: Obj) => r.scanFrequency), ["SCAN_ON_PUSH"]);
        assert.deepEqual(props.rules[0].repositoryFilters.map((f: Obj) => `${f.filterType} ${f.filter}`).sort(), Object.values(UPSTREAMS).map((u) => `WILDCARD ${u.prefix}/*`).sort());
        // ScanningRepositoryFilter.filter's pattern (ECR API reference).
        for (const f of props.rules[0].repositoryFilters) assert.match(f.filter, /^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$/);
    });

    it("is off in dev by default and refused on an existing cluster, naming the key", async () => {
        const dev = await renderCached("dev");
        assert.equal(of(dev, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule").length, 0);
        assert.equal(of(dev, "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate").length, 0);
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
