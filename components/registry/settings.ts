// registry.*: the ECR pull-through cache every image comes through (eks mode).
import { z } from "zod";
import { ConfigReader, ConfigSection, defineKey } from "../settings";

export interface RegistryConfig {
    /** Images from the stack's own ECR pull-through cache instead of their upstream registries. */
    pullThroughCache: boolean;
    /** Secrets Manager secrets ECR logs in to the upstreams with (Docker Hub and GHCR require one). */
    dockerHubCredentialArn?: string;
    githubCredentialArn?: string;
}

// ECR accepts only secrets whose name starts with ecr-pullthroughcache/ (CreatePullThroughCacheRule,
// credentialArn pattern), in the registry's own account and region.
const CREDENTIAL_ARN = /^arn:aws:secretsmanager:([a-z]{2}-[a-z]+-\d):(\d{12}):secret:ecr-pullthroughcache\/[a-zA-Z0-9/_+=.@-]+$/;
const credentialArn = z.string().regex(CREDENTIAL_ARN, {
    message: "expected the ARN of a Secrets Manager secret named ecr-pullthroughcache/<name>, such as arn:aws:secretsmanager:ap-south-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf",
});

export const registryKeys = {
    pullThroughCache: defineKey({
        key: "registry.pullThroughCache",
        type: "boolean",
        description: "Pull every image (charts' included) through the stack's ECR pull-through cache for docker.io, quay.io, ghcr.io, registry.k8s.io and public.ecr.aws, with the nodes' own role; needs aws:allowedAccountIds (the registry's account) and the two credentials. Default: dev false, staging and prod true.",
        schema: z.boolean(),
        default: { dev: false, staging: true, prod: true },
    }),
    dockerHubCredentialArn: defineKey({
        key: "registry.dockerHubCredentialArn",
        type: "string",
        description: "ARN of the Secrets Manager secret (name ecr-pullthroughcache/..., JSON username and accessToken) ECR logs in to Docker Hub with; required with registry.pullThroughCache. Same account and region as the stack.",
        schema: credentialArn,
        optional: true,
    }),
    githubCredentialArn: defineKey({
        key: "registry.githubCredentialArn",
        type: "string",
        description: "ARN of the Secrets Manager secret (name ecr-pullthroughcache/..., a GitHub user and a token that reads packages) ECR logs in to ghcr.io with; required with registry.pullThroughCache. Same account and region as the stack.",
        schema: credentialArn,
        optional: true,
    }),
} as const;

export const registrySection: ConfigSection<RegistryConfig> = {
    keys: Object.values(registryKeys),
    read(reader: ConfigReader): RegistryConfig {
        const k = registryKeys;
        return {
            pullThroughCache: reader.get(k.pullThroughCache),
            dockerHubCredentialArn: reader.get(k.dockerHubCredentialArn, "optional"),
            githubCredentialArn: reader.get(k.githubCredentialArn, "optional"),
        };
    },
};

/** Problems of a cache turned on: its account, and credentials in that account and region. */
export function registryProblems(config: RegistryConfig, ctx: { region: string; accountId?: string }): { key: string; message: string }[] {
    if (!config.pullThroughCache) return [];
    const problems: { key: string; message: string }[] = [];
    if (!ctx.accountId) problems.push({ key: registryKeys.pullThroughCache.key, message: "needs aws:allowedAccountIds: the cache is the registry of its first account" });
    for (const spec of [registryKeys.dockerHubCredentialArn, registryKeys.githubCredentialArn]) {
        const arn = spec === registryKeys.dockerHubCredentialArn ? config.dockerHubCredentialArn : config.githubCredentialArn;
        if (arn === undefined) {
            problems.push({ key: spec.key, message: `required with registry.pullThroughCache (ECR's rule for that upstream logs in with it); create the secret, then \`pulumi config set --path dodo-platform:${spec.key} <arn>\`` });
            continue;
        }
        const [, region, account] = CREDENTIAL_ARN.exec(arn) ?? [];
        if (region !== ctx.region || (ctx.accountId && account !== ctx.accountId)) {
            problems.push({ key: spec.key, message: `must be in the cache's own account and region (${ctx.accountId ?? "?"}, ${ctx.region}), got ${account}, ${region}` });
        }
    }
    return problems;
}
