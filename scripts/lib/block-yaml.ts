// A fast path for the YAML that renderers write: block mappings and sequences, one-line plain and
// quoted scalars, `[]`/`{}` and one-line flow sequences of scalars, literal block scalars.
// Anything else (anchors, aliases, tags, folded or multi-line scalars, flow mappings, escapes
// beyond JSON's, duplicate keys, tabs in indentation) answers UNSUPPORTED, and the caller hands
// the document to js-yaml, which then decides, or reports the error. Plain scalars are resolved as
// Kubernetes resolves them, by the resolver js-yaml's schema uses too (kube-scalars.ts), so both
// paths give the same values (test/policy/load-yaml.test.ts compares them).
import { Unsupported, fromNonBlank, inlineScalar, isBlank, no, resolvePlain, skipBlank, startsWithIndicator } from "./yaml-scalars";

export const UNSUPPORTED: unique symbol = Symbol("unsupported by the block fast path");

/** Deeper documents go to js-yaml, which enforces its nesting limit (nesting never outgrows indentation by much). */
const MAX_INDENT = 64;

/** One document's lines, read top-down with a cursor. */
class Reader {
    private i: number;
    /** The line whose indent reads as `shiftIndent`: a `- key: value` item, whose mapping starts inside the line. */
    private shiftLine = -1;
    private shiftIndent = 0;
    /** The last line peekIndent measured, which it is often asked again. */
    private memoLine = -1;
    private memoIndent = 0;

    constructor(private readonly lines: readonly string[], start: number, private readonly end: number) {
        this.i = start;
    }

    /** Indent of the next line with content (skipping blank and comment lines), or -1 at the end. */
    peekIndent(): number {
        if (this.i === this.memoLine) return this.memoIndent;
        for (; this.i < this.end; this.i++) {
            if (this.i === this.shiftLine) return this.shiftIndent;
            const line = this.lines[this.i] as string;
            let n = 0;
            while (line.charCodeAt(n) === 32) n++;
            if (n === line.length || line.charCodeAt(n) === 35) continue; // blank or comment
            if (line.charCodeAt(n) === 9 || line.charCodeAt(line.length - 1) === 13 || n > MAX_INDENT) no(); // tab indent, CR, depth
            this.memoLine = this.i;
            this.memoIndent = n;
            return n;
        }
        return -1;
    }

    /** The next line, whole (callers read it from their column on, without slicing it first). */
    line(): string {
        return this.lines[this.i] as string;
    }

    /** Makes the current line read as indented by `indent` (where its compact mapping starts). */
    shift(indent: number): void {
        this.shiftLine = this.i;
        this.shiftIndent = indent;
        this.memoLine = -1;
    }

    next(): void {
        this.i++;
    }

    atEnd(): boolean {
        return this.peekIndent() < 0;
    }

    /** A literal block scalar (`|`, `|-`, `|+`) whose lines are indented more than `parent`. */
    literal(header: string, parent: number): string {
        if (!/^\|[-+]?\s*(?:#.*)?$/.test(header) || /^\|[-+]?#/.test(header)) no();
        const chomp = header.charAt(1);
        const body: string[] = [];
        let indent = -1;
        for (; this.i < this.end; this.i++) {
            const line = this.lines[this.i] as string;
            let n = 0;
            while (line.charCodeAt(n) === 32) n++;
            if (n === line.length) {
                if (indent >= 0 ? n > indent : n > parent + 1) no(); // spaces that might be content
                body.push("");
                continue;
            }
            if (indent < 0) {
                if (n <= parent || body.length > 0) no(); // an empty first line, or no content at all
                indent = n;
            }
            if (n < indent) break;
            if (line.endsWith("\r")) no();
            body.push(line.slice(indent));
        }
        if (indent < 0) no();
        let last = body.length;
        while (last > 0 && body[last - 1] === "") last--;
        const content = body.slice(0, last).join("\n");
        if (chomp === "-") return content;
        if (chomp === "+") return `${body.join("\n")}\n`;
        return `${content}\n`;
    }
}

/** `-` or `- ...` at column `at`: a sequence item. */
function isItemAt(line: string, at: number): boolean {
    return line.charCodeAt(at) === 45 && (line.length === at + 1 || line.charCodeAt(at + 1) === 32);
}

/** The node whose first line is the reader's next line at exactly `indent`. */
function node(r: Reader, indent: number): unknown {
    return isItemAt(r.line(), indent) ? sequence(r, indent) : mapping(r, indent);
}

/** Where `key: value` (or `key:`) splits after column `from`, or -1 when the line is not a mapping entry there. */
function colonOf(line: string, from: number): number {
    const colon = line.indexOf(": ", from);
    if (colon >= 0) return colon;
    return line.charCodeAt(line.length - 1) === 58 && line.length - 1 >= from ? line.length - 1 : -1;
}

/** A mapping key: quoted, or plain and resolving to a string (a key that reads as a number or bool is js-yaml's to convert). */
function keyOf(raw: string): string {
    // Renders repeat a few hundred keys (name, metadata, spec, ...): each is judged once.
    let k = KEYS.get(raw);
    if (k === undefined) {
        if (KEYS.size > 10_000) KEYS.clear(); // a file of ever-new keys does not grow it without end
        KEYS.set(raw, (k = readKey(raw)));
    }
    return k;
}
const KEYS = new Map<string, string>();

function readKey(raw: string): string {
    const q = raw.charCodeAt(0);
    // A quoted key ends at its closing quote: anything after it (a comment holding ": ") is not a key.
    const k = q === 34 || q === 39 ? (raw.charCodeAt(raw.length - 1) === q ? inlineScalar(raw) : no())
        : startsWithIndicator(raw) || raw.includes("#") || isBlank(raw.charCodeAt(raw.length - 1)) ? no() : resolvePlain(raw);
    if (typeof k !== "string" || k === "__proto__" || k === "<<") no();
    return k as string;
}

/** The value after `key:` or `- `, on the same line or, when that is empty, on the lines below. */
function value(r: Reader, inline: string, indent: number, inSequence: boolean): unknown {
    if (inline === "" || inline.startsWith("#")) {
        r.next();
        const n = r.peekIndent();
        if (n > indent) return node(r, n);
        // A sequence may sit at its key's own indent (`key:` then `- item`), never at an item's.
        if (n === indent && !inSequence && isItemAt(r.line(), n)) return sequence(r, n);
        return null;
    }
    if (inline.charAt(0) === "|") {
        r.next();
        return r.literal(inline, indent);
    }
    const v = inlineScalar(inline);
    r.next();
    if (r.peekIndent() > indent) no(); // a continuation line: a multi-line scalar
    return v;
}

function mapping(r: Reader, indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let n = indent; n === indent; n = r.peekIndent()) {
        const line = r.line();
        if (isItemAt(line, indent)) break; // the parent's sequence goes on
        const colon = colonOf(line, indent);
        if (colon <= indent) no();
        const key = keyOf(line.slice(indent, colon));
        if (out[key] !== undefined) no(); // a duplicate (or a name Object has): js-yaml decides
        out[key] = value(r, fromNonBlank(line, colon + 1), indent, false);
    }
    return out;
}

function sequence(r: Reader, indent: number): unknown[] {
    const out: unknown[] = [];
    for (let n = indent; n === indent; n = r.peekIndent()) {
        const line = r.line();
        if (!isItemAt(line, indent)) break;
        const inner = skipBlank(line, indent + 1); // the column the item's content starts at
        const c = line.charCodeAt(inner);
        if (isItemAt(line, inner)) no(); // `- - x`: nested compact sequences are js-yaml's
        if (inner < line.length && c !== 35 && c !== 124 && colonOf(line, inner) > inner) out.push(compactMapping(r, inner));
        else out.push(value(r, line.slice(inner), indent, true));
    }
    return out;
}

/** `- key: value` and the entries below it at the same column: the mapping starts inside the item's line. */
function compactMapping(r: Reader, inner: number): Record<string, unknown> {
    r.shift(inner);
    return mapping(r, inner);
}

/**
 * The value of the document in lines [start, end), or UNSUPPORTED when it uses anything this
 * fast path leaves to js-yaml. An empty document is null.
 */
export function parseBlockDocument(lines: readonly string[], start: number, end: number): unknown {
    try {
        const r = new Reader(lines, start, end);
        const n = r.peekIndent();
        if (n < 0) return null;
        const v = node(r, n);
        if (!r.atEnd()) no();
        return v;
    } catch (e) {
        if (e instanceof Unsupported) return UNSUPPORTED;
        throw e;
    }
}
