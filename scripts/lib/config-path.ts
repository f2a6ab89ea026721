// Config paths as `pulumi config set --path` / `config rm --path` read them: `a.b`, list indices
// `a[0]`, quoted keys `a["b/c"]` (pulumi/sdk go/common/resource/property_path.go). Setting index
// len(list) appends; removing an index shifts the rest (go/common/resource/config/object.go).

export type PathSegment = string | number;
type Tree = Record<string, unknown>;

function isObject(value: unknown): value is Tree {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `mesh.statefulSets["dodo-payments/postgres"]` -> ["mesh", "statefulSets", "dodo-payments/postgres"]. */
export function parseConfigPath(path: string): PathSegment[] {
    const out: PathSegment[] = [];
    let i = 0;
    let word = "";
    const flush = () => {
        if (word !== "") out.push(word);
        word = "";
    };
    while (i < path.length) {
        const c = path[i];
        if (c === ".") {
            flush();
            i++;
        } else if (c === "[") {
            flush();
            const end = path.indexOf("]", i);
            if (end < 0) throw new Error(`${path}: unterminated [`);
            const inner = path.slice(i + 1, end);
            if (/^\d+$/.test(inner)) out.push(Number(inner));
            else if (/^"[^"]*"$/.test(inner)) out.push(inner.slice(1, -1));
            else throw new Error(`${path}: expected a list index or a quoted key in [${inner}]`);
            i = end + 1;
        } else {
            word += c;
            i++;
        }
    }
    flush();
    if (out.length === 0 || typeof out[0] !== "string") throw new Error(`${path}: a path starts with a key`);
    return out;
}

/** Sets (value defined) or removes (undefined) the value at `path` inside `root`, creating maps on the way. */
export function setAtPath(root: Tree, path: readonly PathSegment[], value: unknown): void {
    let node: Tree | unknown[] = root;
    for (let i = 0; i < path.length - 1; i++) {
        const seg = path[i];
        const next = path[i + 1];
        const current: unknown = Array.isArray(node) ? node[seg as number] : node[seg as string];
        let child = current;
        if (typeof next === "number" ? !Array.isArray(current) : !isObject(current)) {
            if (value === undefined) return;
            child = typeof next === "number" ? [] : {};
            if (Array.isArray(node)) node[seg as number] = child;
            else node[seg as string] = child;
        }
        node = child as Tree | unknown[];
    }
    const leaf = path[path.length - 1];
    if (Array.isArray(node)) {
        if (typeof leaf !== "number") throw new Error(`${path.join(".")}: a list is indexed by number`);
        if (value === undefined) {
            if (leaf < node.length) node.splice(leaf, 1);
        } else if (leaf > node.length) {
            throw new Error(`${path.join(".")}: index out of range (the list has ${node.length} entries)`);
        } else {
            node[leaf] = value;
        }
    } else if (value === undefined) {
        delete node[leaf as string];
    } else {
        node[leaf as string] = value;
    }
}
