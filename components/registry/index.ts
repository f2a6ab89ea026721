import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumeRolePolicy, roleNamePrefix } from "../iam";
import { cacheHost, ImageSource, UPSTREAMS } from "./images";
import { pullThroughCachePolicy, templateRolePolicy } from "./iam";
import { cacheScanning, cacheTemplate } from "./templates";
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
 * (Docker Hub and GHCR with the credentials from config), a repository creation template per
 * prefix (KMS key of its own, untagged images expire), scanning on push, and the policy that lets
 * the nodes fill it on a first pull. Builders rewrite every image to `images.cacheHost`.
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
        const prefixes = Object.values(UPSTREAMS).map((u) => u.prefix);

        // What every cache repository gets when ECR creates it on a first pull (templates.ts): the
        // templates exist before the rules, so no repository is ever created without them.
        const key = new aws.kms.Key(`${name}-cache`, {
            description: `${args.name} ECR pull-through cache repositories`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
        }, parent);
        const templateRole = new aws.iam.Role(`${name}-templates`, {
            namePrefix: roleNamePrefix(args.name, "ecr-templates"),
            assumeRolePolicy: JSON.stringify(assumeRolePolicy("ecr.amazonaws.com")),
        }, parent);
        const templateRolePolicyResource = new aws.iam.RolePolicy(`${name}-templates`, {
            role: templateRole.name,
            policy: key.arn.apply((keyArn) => JSON.stringify(templateRolePolicy({ region: args.region, accountId: args.accountId, prefixes, keyArn }))),
        }, parent);
        const templates = Object.entries(UPSTREAMS).map(([upstream, u]) => {
            const t = pulumi.all([key.arn, templateRole.arn]).apply(([kmsKeyArn, roleArn]) => cacheTemplate({ prefix: u.prefix, upstream, kmsKeyArn, roleArn }));
            return new aws.ecr.RepositoryCreationTemplate(`${name}-${u.prefix}`, {
                prefix: u.prefix,
                appliedFors: t.appliedFors,
                description: t.description,
                encryptionConfigurations: t.encryptionConfigurations,
                imageTagMutability: t.imageTagMutability,
                lifecyclePolicy: t.lifecyclePolicy,
                customRoleArn: t.customRoleArn,
            }, { ...parent, dependsOn: [templateRolePolicyResource] });
        });
        const scanning = new aws.ecr.RegistryScanningConfiguration(`${name}-scanning`, cacheScanning(prefixes), parent);

        const rules = Object.values(UPSTREAMS).map(
            (u) =>
                new aws.ecr.PullThroughCacheRule(`${name}-${u.prefix}`, {
                    ecrRepositoryPrefix: u.prefix,
                    upstreamRegistryUrl: u.url,
                    credentialArn: "credential" in u ? credentials[u.credential] : undefined,
                }, { ...parent, dependsOn: [...templates, scanning] }),
        );
        this.ready = [...rules, ...templates, scanning];
        const policy = new aws.iam.Policy(`${name}-nodes`, {
            namePrefix: `${args.name}-pull-through-cache-`,
            description: `${args.name} nodes fill the ECR pull-through cache`,
            policy: JSON.stringify(pullThroughCachePolicy({ region: args.region, accountId: args.accountId, prefixes })),
        }, parent);
        this.nodePolicyArn = policy.arn;
        this.images = { cacheHost: cacheHost(args.accountId, args.region) };
        this.registerOutputs({ cacheHost: this.images.cacheHost });
    }
}
