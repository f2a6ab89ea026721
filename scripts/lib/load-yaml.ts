// Multi-document Kubernetes YAML to objects with the line each starts on, for policy-check, with
// plain scalars read as Kubernetes reads them (YAML 1.1 booleans and octals: kube-scalars.ts).
// js-yaml's event parser: about ten times the speed of the `yaml` package's document model on
// rendered manifests (npm run bench), with node offsets from which the lines are computed.
import { EVENT_ID, YAMLException, constructFromEvents, parseEvents } from "js-yaml";
import type { Event } from "js-yaml";
import type { KubeObject } from "../../policy/rules/types";
import { UNSUPPORTED, parseBlockDocument } from "./block-yaml";
import { KUBE_SCHEMA, mergeKeyOffset } from "./kube-scalars";

/** A usage or input problem: printed as one line, exit code 2, never a stack trace. */
export class InputError extends Error {}

export interface SourcedObject {
    object: KubeObject;
    file: string;
    line: number;
}

/** Limits that keep a hostile file from exhausting memory (alias bombs) or the stack (deep nesting). */
const LIMITS = { maxAliases: 100, maxDepth: 100 } as const;

/** 1-based line of each offset, by binary search over the line starts. */
function lineIndex(text: string): (offset: number) => number {
    const starts = [0];
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    return (offset) => {
        let lo = 0;
        let hi = starts.length - 1;
        while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if ((starts[mid] as number) <= offset) lo = mid;
            else hi = mid - 1;
        }
        return lo + 1;
    };
}

/** Where a node starts: a collection's first entry, a scalar's value, an alias's anchor name. */
function startOf(e: Event | undefined): number {
    if (!e) return 0;
    if (e.type === EVENT_ID.MAPPING || e.type === EVENT_ID.SEQUENCE) return Math.max(e.start, 0);
    if (e.type === EVENT_ID.SCALAR) return Math.max(e.valueStart, 0);
    if (e.type === EVENT_ID.ALIAS) return Math.max(e.anchorStart, 0);
    return 0;
}

/** Index of the event after the node that starts at `i` (a node is one event, or an opening event up to its POP). */
function skipNode(events: readonly Event[], i: number): number {
    const t = events[i]?.type;
    if (t !== EVENT_ID.MAPPING && t !== EVENT_ID.SEQUENCE) return i + 1;
    let depth = 0;
    do {
        const e = events[i++] as Event;
        if (e.type === EVENT_ID.MAPPING || e.type === EVENT_ID.SEQUENCE) depth++;
        else if (e.type === EVENT_ID.POP) depth--;
    } while (depth > 0 && i < events.length);
    return i;
}

/** Start offsets of the entries of the root mapping's `items` sequence (a `kind: List`), in order. */
function listItemStarts(events: readonly Event[], root: number, source: string): number[] {
    if (events[root]?.type !== EVENT_ID.MAPPING) return [];
    for (let i = root + 1; i < events.length && events[i]?.type !== EVENT_ID.POP;) {
        const key = events[i] as Event;
        const value = skipNode(events, i);
        if (key.type === EVENT_ID.SCALAR && source.slice(key.valueStart, key.valueEnd) === "items" && events[value]?.type === EVENT_ID.SEQUENCE) {
            const out: number[] = [];
            for (let j = value + 1; j < events.length && events[j]?.type !== EVENT_ID.POP; j = skipNode(events, j)) out.push(startOf(events[j]));
            return out;
        }
        i = skipNode(events, value);
    }
    return [];
}

/** The 1-based number of the document an offset falls in: `---` lines before it, and any content before the first. */
function documentAt(text: string, offset: number): number {
    const before = text.slice(0, offset);
    const markers = before.match(/^---(?=[ \t\r\n]|$)/gm)?.length ?? 0;
    const first = /^---(?=[ \t\r\n]|$)/m.exec(text)?.index ?? text.length;
    const implicit = /^[ \t]*[^#\s]/m.test(text.slice(0, first)) ? 1 : 0;
    return Math.max(markers + implicit, 1);
}

interface Doc {
    value: unknown;
    /** 1-based, as js-yaml counts documents. */
    number: number;
    /** 1-based line where the document's content starts. */
    line: number;
    /** For a `kind: List`, the line of each entry of `items`. */
    itemLines?: number[];
}

function isList(v: unknown): boolean {
    const o = v as KubeObject | null;
    return typeof o?.kind === "string" && (o.kind === "List" || (o.kind.endsWith("List") && Array.isArray(o.items)));
}

/** js-yaml over `text`, whose first line is line `lineOffset + 1` of the file and whose first document is number `firstNumber`. */
function jsYamlDocs(text: string, file: string, firstNumber: number, lineOffset: number): Doc[] {
    let events: Event[];
    let values: unknown[];
    try {
        events = parseEvents(text, { filename: file, maxDepth: LIMITS.maxDepth });
        const merge = mergeKeyOffset(events, text);
        if (merge >= 0) {
            const line = lineIndex(text)(merge);
            throw new InputError(`${file}: merge key "<<" in document ${documentAt(text, merge) + firstNumber - 1} at line ${line + lineOffset}: not supported (Kubernetes applies it in document order, unlike YAML's merge); write the keys out`);
        }
        // Plain scalars as the API server reads them (kube-scalars.ts): `privileged: yes` is true.
        values = constructFromEvents(events, { source: text, filename: file, maxAliases: LIMITS.maxAliases, schema: KUBE_SCHEMA });
    } catch (e) {
        if (!(e instanceof YAMLException)) throw e;
        const at = e.mark ? ` at line ${e.mark.line + 1 + lineOffset}, column ${e.mark.column + 1}` : "";
        throw new InputError(`${file}: invalid YAML in document ${documentAt(text, e.mark?.position ?? 0) + firstNumber - 1}: ${e.reason}${at}`);
    }
    const lineOf = lineIndex(text);
    const roots: number[] = [];
    for (let i = 0; i < events.length; i++) if (events[i]?.type === EVENT_ID.DOCUMENT) roots.push(i + 1);
    return values.map((value, i) => {
        const root = roots[i] as number;
        const doc: Doc = { value, number: firstNumber + i, line: lineOf(startOf(events[root])) + lineOffset };
        if (isList(value)) doc.itemLines = listItemStarts(events, root, text).map((p) => lineOf(p) + lineOffset);
        return doc;
    });
}

/** A `---` line: it starts a document, whatever follows on it. */
function isMarker(line: string): boolean {
    return line.charCodeAt(0) === 45 && line.startsWith("---") && (line.length === 3 || " \t\r".includes(line.charAt(3)));
}

/** The first line in [from, to) holding something besides spaces and a comment, or -1. */
function hasContent(lines: readonly string[], from: number, to: number): number {
    for (let i = from; i < to; i++) {
        const line = lines[i] as string;
        let n = 0;
        while (line.charCodeAt(n) === 32) n++;
        const c = line.charCodeAt(n);
        if (n < line.length && c !== 35 && !(c === 13 && n === line.length - 1)) return i; // not a comment, not a CRLF blank
    }
    return -1;
}

/**
 * Splits the stream at its `---` lines and reads each document with the block fast path, or with
 * js-yaml when the document needs more (or is a List, whose item lines come from js-yaml's events).
 */
function splitDocs(text: string, file: string): Doc[] {
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop(); // the final newline does not start a line
    const docs: Doc[] = [];
    let number = 0;
    const read = (marker: number, from: number, to: number) => {
        number++;
        const markerRest = marker >= 0 ? (lines[marker] as string).slice(3).trim() : "";
        const value = markerRest === "" || markerRest.startsWith("#") ? parseBlockDocument(lines, from, to) : UNSUPPORTED;
        if (value === UNSUPPORTED || isList(value)) {
            const start = marker >= 0 ? marker : from;
            docs.push(...jsYamlDocs(lines.slice(start, to).join("\n"), file, number, start));
            return;
        }
        const first = hasContent(lines, from, to);
        docs.push({ value, number, line: (first < 0 ? from : first) + 1 });
    };
    let marker = -1;
    let from = 0;
    for (let i = 0; i <= lines.length; i++) {
        if (i < lines.length && !isMarker(lines[i] as string)) continue;
        // Text before the first `---` is a document only if it holds something besides comments.
        if (marker >= 0 || hasContent(lines, from, i) >= 0) read(marker, from, i);
        marker = i;
        from = i + 1;
    }
    return docs;
}

/** Parses multi-document YAML into Kubernetes objects with their 1-based start lines; `kind: List` is expanded. */
export function loadYaml(text: string, file: string): SourcedObject[] {
    // Directives, document-end markers and a byte-order mark: js-yaml reads the whole stream.
    const docs = /^(?:%|\.\.\.(?:[ \t\r]|$))/m.test(text) || text.charCodeAt(0) === 0xfeff ? jsYamlDocs(text, file, 1, 0) : splitDocs(text, file);
    const out: SourcedObject[] = [];
    for (const { value, number, line, itemLines } of docs) {
        if (value === null || value === undefined) continue; // an empty document between separators
        if (typeof value !== "object" || Array.isArray(value)) throw new InputError(`${file}:${line}: document ${number} is not a mapping, so not a Kubernetes object`);
        const o = value as KubeObject;
        if (typeof o.kind !== "string" || typeof o.apiVersion !== "string") {
            throw new InputError(`${file}:${line}: document ${number} has no apiVersion/kind, so it is not a Kubernetes object`);
        }
        if (itemLines) {
            (Array.isArray(o.items) ? o.items : []).forEach((item: unknown, j: number) => {
                if (item && typeof item === "object" && !Array.isArray(item)) out.push({ object: item as KubeObject, file, line: itemLines[j] ?? line });
            });
            continue;
        }
        out.push({ object: o, file, line });
    }
    return out;
}
