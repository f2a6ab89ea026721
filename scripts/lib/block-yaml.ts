// A fast path for the YAML that renderers write: block mappings and sequences, one-line plain and
// quoted scalars, `[]`/`{}` and one-line flow sequences of plain scalars, literal block scalars.
// Anything else (anchors, aliases, tags, folded or multi-line scalars, flow mappings, escapes
// beyond JSON's, duplicate keys, tabs in indentation) answers UNSUPPORTED, and the caller hands
// the document to js-yaml, which then decides, or reports the error. Plain scalars are resolved by
// js-yaml's own core-schema tags, so both paths give the same values (test/policy/load-yaml.test.ts
// compares them).
import { NOT_RESOLVED, boolCoreTag, floatCoreTag, intCoreTag, nullCoreTag } from "js-yaml";
import type { ScalarTagDefinition } from "js-yaml";

export const UNSUPPORTED: unique symbol = Symbol("unsupported by the block fast path");

class Unsupported extends Error {}
const no = (): never => {
    throw new Unsupported();
};

/** js-yaml's CORE_SCHEMA implicit tags, in its order; each may resolve a plain scalar, else it is a string. */
const CORE_TAGS: readonly ScalarTagDefinition[] = [nullCoreTag, boolCoreTag, intCoreTag, floatCoreTag];
/** The tags to try by first character, as js-yaml's composer dispatches them (Schema.resolveImplicitScalarTag). */
const ANY_FIRST_CHAR = CORE_TAGS.filter((t) => t.implicitFirstChars === null);
const BY_FIRST_CHAR = new Map<string, ScalarTagDefinition[]>();
for (const tag of CORE_TAGS) {
    for (const c of tag.implicitFirstChars ?? []) BY_FIRST_CHAR.set(c, CORE_TAGS.filter((t) => t.implicitFirstChars === null || t.implicitFirstChars.includes(c)));
}

/** Characters no number holds; numbers start with a digit, sign or dot, so "100m" or "1.30.4-distroless" skip the resolvers. */
const NOT_NUMERIC = /[^0-9a-fA-FoxX._+-]/;

function resolvePlain(s: string): unknown {
    const c = s.charCodeAt(0);
    if (c >= 48 && c <= 57 && NOT_NUMERIC.test(s)) return s;
    for (const tag of BY_FIRST_CHAR.get(s.charAt(0)) ?? ANY_FIRST_CHAR) {
        const v = tag.resolve(s, false, tag.tagName);
        if (v !== NOT_RESOLVED) return v;
    }
    return s;
}

/** Characters that start something other than a one-line plain scalar. */
const INDICATORS = new Set([..."-?:,[]{}#&*!|>'\"%@`"].map((c) => c.charCodeAt(0)));
const startsWithIndicator = (s: string): boolean => INDICATORS.has(s.charCodeAt(0));
/** A plain scalar may start with `-` when something other than white space follows (`-1`, `--port`). */
const plainStart = (s: string): boolean => !startsWithIndicator(s) || (s.charCodeAt(0) === 45 && s.length > 1 && !isBlank(s.charCodeAt(1)));
/** `-` or `- ...`: a sequence item. */
const isItem = (s: string): boolean => s.charCodeAt(0) === 45 && (s.length === 1 || s.charCodeAt(1) === 32);
const JSON_ESCAPES_ONLY = /^(?:[^\\"\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*$/;

/** A scalar written on one line: quoted, `[...]`, `{}`, or plain; the part after it may only be a comment. */
function inlineScalar(text: string): unknown {
    const c = text.charAt(0);
    if (c === "'") {
        const end = text.lastIndexOf("'");
        if (end <= 0 || !isTail(text, end + 1)) no();
        const inner = text.slice(1, end);
        if (/'(?!')/.test(inner.replace(/''/g, ""))) no();
        return inner.replace(/''/g, "'");
    }
    if (c === '"') {
        const end = text.lastIndexOf('"');
        const inner = text.slice(1, end);
        if (end <= 0 || !isTail(text, end + 1) || !JSON_ESCAPES_ONLY.test(inner)) no();
        return JSON.parse(`"${inner}"`) as string; // YAML's double-quoted escapes include JSON's
    }
    const plain = stripComment(text);
    if (plain === "[]") return [];
    if (plain === "{}") return {};
    if (c === "[") return flowSequence(plain);
    if (!plainStart(plain)) no();
    if (plain.includes(": ") || plain.endsWith(":") || plain.includes("\t#")) no();
    return resolvePlain(plain);
}

/** `[a, 'b', "c"]`: plain or quoted scalars on one line, no nested collections, no trailing comma. */
function flowSequence(text: string): unknown[] {
    const end = text.length - 1;
    if (text.charCodeAt(end) !== 93 || text.includes("\t")) no(); // js-yaml refuses tabs in some flow positions
    const out: unknown[] = [];
    for (let i = skipBlank(text, 1); i < end || out.length > 0;) {
        const q = text.charCodeAt(i);
        let j: number;
        if (q === 39 || q === 34) {
            j = closingQuote(text, i);
            out.push(inlineScalar(text.slice(i, j + 1)));
            j++;
        } else {
            j = text.indexOf(",", i);
            if (j < 0) j = end;
            const item = trimBlankEnd(text.slice(i, j));
            if (item === "" || !plainStart(item) || /[[\]{}'"#]|: |:$/.test(item)) no();
            out.push(resolvePlain(item));
        }
        i = skipBlank(text, j);
        if (i === end) return out;
        if (text.charCodeAt(i) !== 44) no();
        i = skipBlank(text, i + 1);
        if (i === end) no(); // a trailing comma
    }
    return out;
}

/** Index of the quote that closes the one at `i` (`''` inside single quotes, `\\"` inside double quotes are not closings). */
function closingQuote(text: string, i: number): number {
    const q = text.charCodeAt(i);
    for (let j = i + 1; j < text.length; j++) {
        const c = text.charCodeAt(j);
        if (q === 34 && c === 92) j++;
        else if (c === q) {
            if (q === 39 && text.charCodeAt(j + 1) === 39) j++;
            else return j;
        }
    }
    return no();
}

/** Nothing, or spaces and perhaps a comment, from `i` on (a comment needs a space before its `#`). */
function isTail(text: string, i: number): boolean {
    const rest = text.slice(i);
    return rest === "" || /^[ ]+(?:#.*)?$/.test(rest);
}

/** A plain scalar ends before ` #`; trailing spaces and tabs (YAML's only white space) are not part of it. */
function stripComment(text: string): string {
    const hash = text.indexOf(" #");
    return trimBlankEnd(hash < 0 ? text : text.slice(0, hash));
}

const isBlank = (c: number): boolean => c === 32 || c === 9;

function skipBlank(s: string, i: number): number {
    while (isBlank(s.charCodeAt(i))) i++;
    return i;
}

function trimBlankEnd(s: string): string {
    let end = s.length;
    while (end > 0 && isBlank(s.charCodeAt(end - 1))) end--;
    return end === s.length ? s : s.slice(0, end);
}

/** `s` from `i` on, without leading spaces and tabs. */
function fromNonBlank(s: string, i: number): string {
    return s.slice(skipBlank(s, i));
}

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

    /** The next line from column `indent` on. */
    text(indent: number): string {
        return (this.lines[this.i] as string).slice(indent);
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

/** The node whose first line is the reader's next line at exactly `indent`. */
function node(r: Reader, indent: number): unknown {
    return isItem(r.text(indent)) ? sequence(r, indent) : mapping(r, indent);
}

/** Where `key: value` (or `key:`) splits, or -1 when the line is not a mapping entry. */
function colonOf(text: string): number {
    const colon = text.indexOf(": ");
    if (colon >= 0) return colon;
    return text.charCodeAt(text.length - 1) === 58 ? text.length - 1 : -1;
}

/** A mapping key: quoted, or plain and resolving to a string (a key that reads as a number or bool is js-yaml's to convert). */
function keyOf(raw: string): string {
    const q = raw.charCodeAt(0);
    // A quoted key ends at its closing quote: anything after it (a comment holding ": ") is not a key.
    const k = q === 34 || q === 39 ? (raw.charCodeAt(raw.length - 1) === q ? inlineScalar(raw) : no())
        : startsWithIndicator(raw) || raw.includes("#") || isBlank(raw.charCodeAt(raw.length - 1)) ? no() : resolvePlain(raw);
    if (typeof k !== "string" || k === "__proto__" || k === "<<") no();
    return k as string;
}

/** The text after `: `, without the separating spaces. */
function after(text: string, colon: number): string {
    return fromNonBlank(text, colon + 1);
}

/** The value after `key:` or `- `, on the same line or, when that is empty, on the lines below. */
function value(r: Reader, inline: string, indent: number, inSequence: boolean): unknown {
    if (inline === "" || inline.startsWith("#")) {
        r.next();
        const n = r.peekIndent();
        if (n > indent) return node(r, n);
        // A sequence may sit at its key's own indent (`key:` then `- item`), never at an item's.
        if (n === indent && !inSequence && isItem(r.text(n))) return sequence(r, n);
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
        const text = r.text(indent);
        if (isItem(text)) break; // the parent's sequence goes on
        const colon = colonOf(text);
        if (colon <= 0) no();
        const key = keyOf(text.slice(0, colon));
        if (out[key] !== undefined) no(); // a duplicate (or a name Object has): js-yaml decides
        out[key] = value(r, after(text, colon), indent, false);
    }
    return out;
}

function sequence(r: Reader, indent: number): unknown[] {
    const out: unknown[] = [];
    for (let n = indent; n === indent; n = r.peekIndent()) {
        const text = r.text(indent);
        if (!isItem(text)) break;
        const rest = fromNonBlank(text, 1);
        const inner = indent + text.length - rest.length;
        const c = rest.charCodeAt(0);
        if (isItem(rest)) no(); // `- - x`: nested compact sequences are js-yaml's
        if (rest !== "" && c !== 35 && c !== 124 && colonOf(rest) > 0) out.push(compactMapping(r, inner));
        else out.push(value(r, rest, indent, true));
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
