// What a host-access exemption allows (`"allow": { "hostPath": ["/var/log"], "readOnly": true }`),
// and whether it covers one k8s-no-host-namespaces finding. A workload exempted for its log
// directory is still reported for hostNetwork, hostPID, another path, or a writable mount.
import type { HostAccess, HostAllowance } from "./rules/types";

/** Rules whose exemptions must say what they allow. */
export const ALLOW_RULES: ReadonlySet<string> = new Set(["k8s-no-host-namespaces"]);

const FLAGS = ["hostNetwork", "hostPID", "hostIPC"] as const;
const KEYS = [...FLAGS, "hostPath", "readOnly", "hostPort"];

/**
 * An absolute path with its `.` segments, repeated and trailing slashes removed; undefined for a
 * relative path or one with `..` (which Kubernetes refuses in a hostPath: validatePathNoBacksteps).
 */
export function normalizeHostPath(p: string): string | undefined {
    if (!p.startsWith("/")) return undefined;
    const parts = p.split("/").filter((s) => s !== "" && s !== ".");
    if (parts.includes("..")) return undefined;
    return `/${parts.join("/")}`;
}

/** Parses an exemption's `allow`; throws naming the key. */
export function parseAllowance(at: string, raw: unknown): HostAllowance {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${at} must be an object such as { "hostPath": ["/var/log"], "readOnly": true }`);
    const o = raw as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!KEYS.includes(k)) throw new Error(`${at}.${k}: unknown field (expected ${KEYS.join(", ")})`);
    const out: HostAllowance = {};
    for (const f of FLAGS) {
        if (o[f] === undefined) continue;
        if (o[f] !== true) throw new Error(`${at}.${f} must be true or absent (got ${JSON.stringify(o[f])})`);
        out[f] = true;
    }
    if (o.hostPath !== undefined) {
        if (!Array.isArray(o.hostPath) || o.hostPath.length === 0) throw new Error(`${at}.hostPath must be a non-empty list of absolute paths`);
        out.hostPath = o.hostPath.map((p, i) => {
            if (typeof p !== "string" || normalizeHostPath(p) !== p) throw new Error(`${at}.hostPath[${i}] must be an absolute path without trailing slash, "." or ".." (got ${JSON.stringify(p)})`);
            return p;
        });
        if (typeof o.readOnly !== "boolean") throw new Error(`${at}.readOnly is required with hostPath: true if every mount must be read-only, false to allow writable mounts`);
        out.readOnly = o.readOnly;
    } else if (o.readOnly !== undefined) throw new Error(`${at}.readOnly applies to hostPath; name the paths`);
    if (o.hostPort !== undefined) {
        if (!Array.isArray(o.hostPort) || o.hostPort.length === 0 || !o.hostPort.every((p) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535)) {
            throw new Error(`${at}.hostPort must be a non-empty list of port numbers`);
        }
        out.hostPort = o.hostPort as number[];
    }
    if (Object.keys(out).length === 0) throw new Error(`${at} allows nothing; name the host access the workload needs`);
    return out;
}

/**
 * Whether `allow` covers a finding's host access. Without an allowance only findings about no host
 * access are covered; with one, only host access it names.
 */
export function coveredBy(allow: HostAllowance | undefined, host: HostAccess | undefined): boolean {
    if (!allow || !host) return !allow && !host;
    switch (host.kind) {
        case "hostNetwork": case "hostPID": case "hostIPC":
            return allow[host.kind] === true;
        case "hostPath": {
            const p = normalizeHostPath(host.path);
            return p !== undefined && (allow.hostPath ?? []).includes(p) && (allow.readOnly === false || host.readOnly);
        }
        case "hostPort":
            return (allow.hostPort ?? []).includes(host.port);
    }
}

/** Each thing an allowance allows, as reports name it: `hostNetwork`, `hostPath /var/log`, `hostPort 9100`. */
export function allowanceItems(allow: HostAllowance): string[] {
    return [
        ...FLAGS.filter((f) => allow[f]),
        ...(allow.hostPath ?? []).map((p) => `hostPath ${p}`),
        ...(allow.hostPort ?? []).map((p) => `hostPort ${p}`),
    ];
}

/** What the allowance allows that none of `used` needed. */
export function unusedAllowance(allow: HostAllowance | undefined, used: readonly (HostAccess | undefined)[]): string[] {
    if (!allow) return [];
    const needed = new Set(used.map((h) => (!h ? "" : h.kind === "hostPath" ? `hostPath ${normalizeHostPath(h.path) ?? h.path}` : h.kind === "hostPort" ? `hostPort ${h.port}` : h.kind)));
    return allowanceItems(allow).filter((i) => !needed.has(i));
}

/** `hostNetwork, hostPID, hostPath / /proc /sys (read-only)`, for reports and the README. */
export function describeAllowance(allow: HostAllowance): string {
    const parts: string[] = FLAGS.filter((f) => allow[f]);
    if (allow.hostPath) parts.push(`hostPath ${allow.hostPath.join(" ")} (${allow.readOnly ? "read-only" : "writable"})`);
    if (allow.hostPort) parts.push(`hostPort ${allow.hostPort.join(" ")}`);
    return parts.join(", ");
}
