// One-line YAML scalars for the block fast path (block-yaml.ts): plain scalars resolved as
// Kubernetes resolves them (kube-scalars.ts), quoted scalars with JSON's escapes, `[]`, `{}` and
// one-line flow sequences. Anything else throws Unsupported, and the document goes to js-yaml.
import { resolveKubePlain } from "./kube-scalars";

export class Unsupported extends Error {}
export const no = (): never => {
    throw new Unsupported();
};

/** A plain scalar's value as Kubernetes reads it (`yes` is true, `0777` is 511); the merge key `<<` is js-yaml's to refuse. */
export function resolvePlain(s: string): unknown {
    return resolveKubePlain(s);
}

/** Characters that start something other than a one-line plain scalar. */
const INDICATORS = new Set([..."-?:,[]{}#&*!|>'\"%@`"].map((c) => c.charCodeAt(0)));
export const startsWithIndicator = (s: string): boolean => INDICATORS.has(s.charCodeAt(0));
/** A plain scalar may start with `-` when something other than white space follows (`-1`, `--port`). */
const plainStart = (s: string): boolean => !startsWithIndicator(s) || (s.charCodeAt(0) === 45 && s.length > 1 && !isBlank(s.charCodeAt(1)));
const JSON_ESCAPES_ONLY = /^(?:[^\\"\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*$/;

/** A scalar written on one line: quoted, `[...]`, `{}`, or plain; the part after it may only be a comment. */
export function inlineScalar(text: string): unknown {
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

export const isBlank = (c: number): boolean => c === 32 || c === 9;

export function skipBlank(s: string, i: number): number {
    while (isBlank(s.charCodeAt(i))) i++;
    return i;
}

function trimBlankEnd(s: string): string {
    let end = s.length;
    while (end > 0 && isBlank(s.charCodeAt(end - 1))) end--;
    return end === s.length ? s : s.slice(0, end);
}

/** `s` from `i` on, without leading spaces and tabs. */
export function fromNonBlank(s: string, i: number): string {
    return s.slice(skipBlank(s, i));
}
