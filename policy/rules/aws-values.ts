// Address ranges and AWS tags, judged one way by the stack-config parser (components/settings.ts,
// components/cluster/settings.ts, components/network/settings.ts) and by the policy rules over
// resources (cloud.ts), so the program and the pack can never disagree. No dependencies.

/** PCI DSS 10.5.1 keeps a year of audit-log history; prod's control-plane and flow logs follow it. */
export const PROD_MIN_LOG_RETENTION_DAYS = 365;

/**
 * prod's default cap on what the public API endpoint admits, in percent of the IPv4 (or IPv6)
 * address space: about 42,950 IPv4 addresses, so a /17 fits and a /16 does not.
 */
export const DEFAULT_MAX_PUBLIC_ACCESS_PERCENT = 0.001;

export interface ParsedCidr {
    family: 4 | 6;
    /** First address of the block. */
    start: bigint;
    /** Number of addresses. */
    size: bigint;
}

const IPV4_OCTET = /^(0|[1-9]\d{0,2})$/;

function ipv4ToBigint(address: string): bigint | undefined {
    const parts = address.split(".");
    if (parts.length !== 4 || !parts.every((p) => IPV4_OCTET.test(p) && Number(p) <= 255)) return undefined;
    return parts.reduce((acc, p) => (acc << 8n) + BigInt(Number(p)), 0n);
}

/** RFC 4291 text form (with `::` compression); no embedded IPv4, no zone. */
function ipv6ToBigint(address: string): bigint | undefined {
    if (!/^[0-9a-fA-F:]+$/.test(address) || address.split("::").length > 2) return undefined;
    const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
    const groups = (s: string | undefined) => (s ? s.split(":") : []);
    const left = groups(head);
    const right = groups(tail);
    const missing = 8 - left.length - right.length;
    if (tail === undefined ? left.length !== 8 : missing < 1) return undefined;
    const all = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right];
    if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return all.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

/** A CIDR's block, or undefined when it is not a valid IPv4/IPv6 CIDR with its host bits clear. */
export function parseCidr(text: string): ParsedCidr | undefined {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
    if (!m) return undefined;
    const family = m[1].includes(":") ? 6 : 4;
    const bits = family === 4 ? 32 : 128;
    const prefix = Number(m[2]);
    const address = family === 4 ? ipv4ToBigint(m[1]) : ipv6ToBigint(m[1]);
    if (address === undefined || prefix > bits) return undefined;
    const size = 1n << BigInt(bits - prefix);
    if (address % size !== 0n) return undefined;
    return { family, start: address, size };
}

/** RFC 5952 text of an IPv6 address: lower case, the longest run of two or more zero groups as `::`. */
function bigintToIpv6(n: bigint): string {
    const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(16 * (7 - i))) & 0xffffn));
    let best = { at: -1, len: 1 };
    for (let i = 0; i < 8;) {
        let j = i;
        while (j < 8 && groups[j] === 0) j++;
        if (j - i > best.len) best = { at: i, len: j - i };
        i = j > i ? j : i + 1;
    }
    const hex = (g: number[]) => g.map((x) => x.toString(16)).join(":");
    return best.at < 0 ? hex(groups) : `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.len))}`;
}

/**
 * Why the text is not a CIDR this module can count, or undefined: not an IPv4/IPv6 CIDR at all, or
 * host bits set (`10.1.2.3/8`: AWS and Kubernetes mean a block by its first address; what such an
 * entry admits depends on who reads it).
 */
export function cidrProblem(text: string): string | undefined {
    if (parseCidr(text)) return undefined;
    const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
    const v6 = m?.[1]?.includes(":") === true;
    const address = m ? (v6 ? ipv6ToBigint(m[1] as string) : ipv4ToBigint(m[1] as string)) : undefined;
    const prefix = Number(m?.[2]);
    if (address === undefined || prefix > (v6 ? 128 : 32)) return "is not an IPv4 or IPv6 CIDR such as 203.0.113.0/24";
    const size = 1n << BigInt((v6 ? 128 : 32) - prefix);
    const network = address - (address % size);
    const text4 = (n: bigint) => [24n, 16n, 8n, 0n].map((sh) => (n >> sh) & 255n).join(".");
    return `has host bits set; did you mean ${v6 ? bigintToIpv6(network) : text4(network)}/${prefix}?`;
}

/** Whether a CIDR's prefix is /0, whatever address it names: the whole IPv4 or IPv6 internet. */
export function isWholeSpace(text: string): boolean {
    const m = /\/(\d{1,3})$/.exec(text.trim());
    return m !== null && Number(m[1]) === 0;
}

/**
 * Percent of the IPv4 and of the IPv6 address space the CIDRs cover together (overlaps counted
 * once): ["0.0.0.0/1", "128.0.0.0/1"] is 100 % of IPv4, like 0.0.0.0/0. An entry that is not a CIDR
 * with its host bits clear (cidrProblem) counts as 100 % of both: a guard never fails open on what
 * it cannot read.
 */
export function addressSpacePercent(cidrs: readonly string[]): { ipv4: number; ipv6: number } {
    if (cidrs.some((c) => parseCidr(c) === undefined)) return { ipv4: 100, ipv6: 100 };
    const percent = (family: 4 | 6): number => {
        const blocks = cidrs.map(parseCidr).filter((c): c is ParsedCidr => c !== undefined && c.family === family).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
        let covered = 0n;
        let end = -1n; // last address covered so far
        for (const b of blocks) {
            const last = b.start + b.size - 1n;
            if (last <= end) continue;
            covered += last - (b.start > end ? b.start : end + 1n) + 1n;
            end = last;
        }
        const total = 1n << (family === 4 ? 32n : 128n);
        // Nine decimal digits of a percent: exact for any CIDR set a config would hold.
        return Number((covered * 100n * 1_000_000_000n) / total) / 1_000_000_000;
    };
    return { ipv4: percent(4), ipv6: percent(6) };
}

/**
 * Ranges that are never routed on the internet and that a VPC may use (RFC 1918, and RFC 6598's
 * shared space that EKS custom networking puts pods in). docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html.
 */
export const PRIVATE_IPV4_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"] as const;

/** Whether the IPv4 CIDR lies wholly inside one private range; false for IPv6 and invalid input. */
export function isPrivateIpv4Cidr(cidr: string): boolean {
    const block = parseCidr(cidr);
    if (!block || block.family !== 4) return false;
    return PRIVATE_IPV4_RANGES.some((range) => {
        const r = parseCidr(range)!;
        return block.start >= r.start && block.start + block.size <= r.start + r.size;
    });
}

/** Key prefix the Kubernetes cloud integrations reserve: EKS tags the one cluster security group with it. */
export const CLUSTER_TAG_PREFIX = "kubernetes.io/cluster/";

/** Most tags one AWS resource takes (IAM and EC2 alike). */
export const MAX_TAGS_PER_RESOURCE = 50;

// IAM's tag pattern (IAM API Reference, Tag: [\p{L}\p{Z}\p{N}_.:/=+\-@], keys 1-128 characters,
// values 0-256), which is also the set every service accepts ("Tag restrictions" in the EC2 and
// other user guides); `aws:` in any case is reserved in keys and values.
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Why AWS (IAM or EC2) refuses this tag, or undefined. `clusterTagAllowed` only for subnets and the like. */
export function tagProblem(key: string, value: string, clusterTagAllowed = false): string | undefined {
    const length = (s: string) => [...s].length;
    if (length(key) < 1 || length(key) > 128) return `tag key "${key}" must be 1-128 characters`;
    if (length(value) > 256) return `tag value of "${key}" must be at most 256 characters`;
    if (key.toLowerCase().startsWith("aws:")) return `tag keys starting with "aws:" are reserved by AWS`;
    if (value.toLowerCase().startsWith("aws:")) return `tag value of "${key}" starts with "aws:", which AWS reserves`;
    if (!TAG_CHARACTERS.test(key)) return `tag key "${key}" may hold only letters, digits, spaces and _ . : / = + - @ (IAM and EC2)`;
    if (!TAG_CHARACTERS.test(value)) return `tag value of "${key}" may hold only letters, digits, spaces and _ . : / = + - @ (IAM and EC2)`;
    if (!clusterTagAllowed && key.startsWith(CLUSTER_TAG_PREFIX)) {
        return `tag keys starting with "${CLUSTER_TAG_PREFIX}" are reserved: on every security group they would add a second cluster-tagged group, which the AWS Load Balancer Controller refuses`;
    }
    return undefined;
}

/** IAM compares tag keys case-insensitively: "project" and "Project" on one role is an error. */
export function caseInsensitiveDuplicates(keys: readonly string[]): string[][] {
    const groups = new Map<string, string[]>();
    for (const k of keys) groups.set(k.toLowerCase(), [...(groups.get(k.toLowerCase()) ?? []), k]);
    return [...groups.values()].filter((g) => g.length > 1);
}
