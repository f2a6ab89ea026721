// Where images come from: their upstream registries, or the platform's ECR pull-through cache
// (`<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<upstream path>`). Pure: every builder that
// names an image, its own or a chart's, takes an ImageSource and asks these functions.

/** The upstream registries the cache mirrors, each under its own repository prefix. */
export const UPSTREAMS = {
    "docker.io": { prefix: "docker-hub", url: "registry-1.docker.io", credential: "dockerHub" },
    "quay.io": { prefix: "quay", url: "quay.io" },
    "ghcr.io": { prefix: "ghcr", url: "ghcr.io", credential: "github" },
    "registry.k8s.io": { prefix: "k8s", url: "registry.k8s.io" },
    "public.ecr.aws": { prefix: "ecr-public", url: "public.ecr.aws" },
} as const satisfies Record<string, { prefix: string; url: string; credential?: "dockerHub" | "github" }>;

export type Upstream = keyof typeof UPSTREAMS;

/** undefined: every image from its upstream. Otherwise the private registry host holding the cache. */
export interface ImageSource {
    cacheHost?: string;
}

export const UPSTREAM_IMAGES: ImageSource = {};

export function cacheHost(accountId: string, region: string): string {
    return `${accountId}.dkr.ecr.${region}.amazonaws.com`;
}

/** An image reference split like a container runtime reads it (docker.io implied, library/ for its official images). */
export function parseImage(ref: string): { registry: string; repository: string; suffix: string } {
    const at = ref.indexOf("@");
    const nameAndTag = at >= 0 ? ref.slice(0, at) : ref;
    const digest = at >= 0 ? ref.slice(at) : "";
    const slash = nameAndTag.lastIndexOf("/");
    const colon = nameAndTag.lastIndexOf(":");
    const tag = colon > slash ? nameAndTag.slice(colon) : "";
    const name = colon > slash ? nameAndTag.slice(0, colon) : nameAndTag;
    const first = name.split("/")[0];
    const hasRegistry = name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    const registry = hasRegistry ? first : "docker.io";
    let repository = hasRegistry ? name.slice(first.length + 1) : name;
    if (registry === "docker.io" && !repository.includes("/")) repository = `library/${repository}`;
    return { registry, repository, suffix: `${tag}${digest}` };
}

/** A private ECR registry (the cache's own, or the team's): served as it is. */
function isPrivateEcr(registry: string): boolean {
    return /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/.test(registry);
}

function upstreamOf(registry: string): Upstream {
    if (!(registry in UPSTREAMS)) throw new Error(`no pull-through cache rule for ${registry}; add it to UPSTREAMS (components/registry/images.ts)`);
    return registry as Upstream;
}

/** A chart's `registry` + `repository` pair as the source serves it. */
export function imageParts(source: ImageSource, registry: string, repository: string): { registry: string; repository: string } {
    const parsed = parseImage(`${registry}/${repository}`);
    if (!source.cacheHost || isPrivateEcr(parsed.registry)) return { registry, repository };
    return { registry: `${source.cacheHost}/${UPSTREAMS[upstreamOf(parsed.registry)].prefix}`, repository: parsed.repository };
}

/** A repository path without tag (`quay.io/kiali/kiali`) as the source serves it. */
export function repositoryOf(source: ImageSource, repository: string): string {
    const parsed = parseImage(repository);
    if (!source.cacheHost || isPrivateEcr(parsed.registry)) return repository;
    const parts = imageParts(source, parsed.registry, parsed.repository);
    return `${parts.registry}/${parts.repository}`;
}

/** A full image reference (`docker.io/library/postgres:17.9-bookworm`) as the source serves it. */
export function imageOf(source: ImageSource, ref: string): string {
    const parsed = parseImage(ref);
    if (!source.cacheHost || isPrivateEcr(parsed.registry)) return ref;
    return `${repositoryOf(source, `${parsed.registry}/${parsed.repository}`)}${parsed.suffix}`;
}

/** Whether an image reference is served by the cache of `source`. */
export function fromCache(source: Required<ImageSource>, ref: string): boolean {
    return Object.values(UPSTREAMS).some((u) => ref.startsWith(`${source.cacheHost}/${u.prefix}/`));
}
