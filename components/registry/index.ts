import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cacheHost, ImageSource, UPSTREAMS } from "./images";
import { pullThroughCachePolicy } from "./iam";
import { RegistryConfig } from "./settings";

/** What a component needs to pull through the cache: where images come from, the nodes' policy, the rules to wait for. */
export interface PullThroughCache {
    images: ImageSource;
    nodePolicyArn: pulumi.Input<string>;
    ready: pulumi.Resource[];
}

export interface RegistryCacheArgs {
    /** The stack's name prefix, e.g. `dodo-prod`. */
    name: string;
    region: string;
    /** The account whose private registry holds the cache (aws:allowedAccountIds[0]). */
    accountId: string;
    config: RegistryConfig;
}

/**
 * Images from a registry the platform controls: an ECR pull-through cache rule per upstream
 * (Docker Hub and GHCR with the credentials from config), and the policy that lets the nodes fill
 * it on a first pull. Builders rewrite every image to `images.cacheHost`.
 */
export class RegistryCache extends pulumi.ComponentResource implements PullThroughCache {
    readonly images: ImageSource;
    /** For every node role: CreateRepository and BatchImportUpstreamImage under the cache's prefixes. */
    readonly nodePolicyArn: pulumi.Output<string>;
    /** The rules: nothing may pull through the cache before they exist. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: RegistryCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dodo:platform:RegistryCache", name, {}, opts);
        const parent = { parent: this };
        const credentials = { dockerHub: args.config.dockerHubCredentialArn, github: args.config.githubCredentialArn };
        this.ready = Object.values(UPSTREAMS).map(
            (u) =>
                new aws.ecr.PullThroughCacheRule(`${name}-${u.prefix}`, {
                    ecrRepositoryPrefix: u.prefix,
                    upstreamRegistryUrl: u.url,
                    credentialArn: "credential" in u ? credentials[u.credential] : undefined,
                }, parent),
        );
        const policy = new aws.iam.Policy(`${name}-nodes`, {
            namePrefix: `${args.name}-pull-through-cache-`,
            description: `${args.name} nodes fill the ECR pull-through cache`,
            policy: JSON.stringify(pullThroughCachePolicy({ region: args.region, accountId: args.accountId, prefixes: Object.values(UPSTREAMS).map((u) => u.prefix) })),
        }, parent);
        this.nodePolicyArn = policy.arn;
        this.images = { cacheHost: cacheHost(args.accountId, args.region) };
        this.registerOutputs({ cacheHost: this.images.cacheHost });
    }
}
