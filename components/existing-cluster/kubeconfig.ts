// The kubeconfig file named in cluster.existing.kubeconfig, read once when the config is parsed.
// The provider is given its contents, never its path: pulumi-kubernetes keeps the string it is
// given in the provider's state and, when that string is a path, reads the file again on every
// later run (provider/v4 pkg/provider/util.go, parseKubeconfigString), so a moved or edited file
// would change or break what a later `up` or `destroy` reaches.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

type Doc = Record<string, unknown>;

interface Named {
    name: string;
    [k: string]: unknown;
}

export interface Kubeconfig {
    /** Context names, in file order. */
    contexts: string[];
    currentContext?: string;
    doc: Doc;
}

function isObject(v: unknown): v is Doc {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function namedList(doc: Doc, key: string): Named[] {
    const list = doc[key];
    return Array.isArray(list) ? list.filter((e): e is Named => isObject(e) && typeof e.name === "string") : [];
}

/** `~` and `~/…` expanded as the provider does (parseKubeconfigString); relative to `cwd` otherwise. */
export function resolveKubeconfigPath(file: string, cwd = process.cwd(), home = os.homedir()): string {
    if (file === "~") return home;
    if (file.startsWith("~/")) return path.join(home, file.slice(2));
    return path.resolve(cwd, file);
}

/** A kubeconfig document, or why the text is not one. */
export function parseKubeconfig(text: string): Kubeconfig | string {
    let doc: unknown;
    try {
        doc = YAML.parse(text);
    } catch (err) {
        return `is not valid YAML (${(err as Error).message.split("\n")[0]})`;
    }
    if (!isObject(doc)) return "is not a kubeconfig (expected a YAML mapping with clusters, users and contexts)";
    const contexts = namedList(doc, "contexts").map((c) => c.name);
    if (contexts.length === 0) return "has no contexts (expected a kubeconfig such as `kind get kubeconfig` writes)";
    const current = doc["current-context"];
    return { contexts, currentContext: typeof current === "string" && current !== "" ? current : undefined, doc };
}

/**
 * What the provider gets: the one context, its cluster and its user, and nothing else of the file
 * (as `kubectl config view --minify`), so the stack's state holds no other cluster's credentials.
 * File references are made absolute against the file's folder, as client-go does when it loads a
 * file (tools/clientcmd/loader.go, ResolveLocalPaths); from contents it would resolve them against
 * the provider's working directory. Throws a message when the context is incomplete.
 */
export function minifiedKubeconfig(config: Kubeconfig, context: string, dir: string): string {
    const ctx = namedList(config.doc, "contexts").find((c) => c.name === context);
    const ref = isObject(ctx?.context) ? ctx.context : {};
    const clusterName = ref.cluster;
    const userName = ref.user;
    const cluster = namedList(config.doc, "clusters").find((c) => c.name === clusterName);
    if (!cluster) throw new Error(`context ${context} names cluster ${JSON.stringify(clusterName)}, which the file does not define`);
    const user = typeof userName === "string" && userName !== "" ? namedList(config.doc, "users").find((u) => u.name === userName) : undefined;
    if (typeof userName === "string" && userName !== "" && !user) throw new Error(`context ${context} names user ${JSON.stringify(userName)}, which the file does not define`);
    const abs = (v: unknown) => (typeof v === "string" && v !== "" && !path.isAbsolute(v) ? path.join(dir, v) : v);
    const withAbs = (obj: unknown, keys: string[]): unknown => (isObject(obj) ? { ...obj, ...Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, abs(obj[k])])) } : obj);
    const userBody = isObject(user?.user) ? (withAbs(user.user, ["client-certificate", "client-key", "tokenFile"]) as Doc) : undefined;
    // An exec plugin given by path (not looked up on PATH) is resolved too (GetAuthInfoFileReferences).
    if (userBody && isObject(userBody.exec) && typeof userBody.exec.command === "string" && userBody.exec.command.includes("/")) {
        userBody.exec = { ...userBody.exec, command: abs(userBody.exec.command) };
    }
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ ...cluster, cluster: withAbs(cluster.cluster, ["certificate-authority"]) }],
        users: user ? [{ ...user, user: userBody }] : [],
        contexts: [ctx],
        "current-context": context,
    });
}

export type KubeconfigFile = { ok: true; config: Kubeconfig; dir: string } | { ok: false; problem: string };

/** Reads and parses the file; the problem names the path as configured. */
export function readKubeconfigFile(file: string, cwd = process.cwd()): KubeconfigFile {
    const resolved = resolveKubeconfigPath(file, cwd);
    let text: string;
    try {
        if (!fs.statSync(resolved).isFile()) return { ok: false, problem: `${file} is not a file` };
        text = fs.readFileSync(resolved, "utf8");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return { ok: false, problem: code === "ENOENT" ? `${file} does not exist on this machine` : `${file} cannot be read (${code ?? (err as Error).message})` };
    }
    const parsed = parseKubeconfig(text);
    return typeof parsed === "string" ? { ok: false, problem: `${file} ${parsed}` } : { ok: true, config: parsed, dir: path.dirname(resolved) };
}
