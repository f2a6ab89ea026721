// Plain YAML scalars as Kubernetes reads them. kubectl, Helm and the API server turn YAML into JSON
// with sigs.k8s.io/yaml, which parses with go-yaml v2 (its goyaml.v2 fork, now go.yaml.in/yaml/v2):
// YAML 1.1's implicit types as kubernetes-sigs/yaml goyaml.v2/resolve.go has them (resolveMapList,
// resolve), so `privileged: yes` and `hostNetwork: on` are true there, while a YAML 1.2 reader
// keeps them as strings and a policy would wave them through. One resolver serves the block fast
// path (yaml-scalars.ts) and js-yaml (KUBE_SCHEMA), so both read what the cluster reads.
import { defineScalarTag, EVENT_ID, FAILSAFE_SCHEMA, NOT_RESOLVED, SCALAR_STYLE } from "js-yaml";
import type { Event, Schema } from "js-yaml";

type Resolved = { tag: "null" | "bool" | "int" | "float"; value: unknown } | undefined;

// resolve.go resolveMapList: the words and signs a plain scalar may spell, exactly as listed.
const WORDS = new Map<string, Resolved>();
const word = (tag: NonNullable<Resolved>["tag"], value: unknown, spellings: string[]) => spellings.forEach((w) => WORDS.set(w, { tag, value }));
word("bool", true, ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]);
word("bool", false, ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]);
word("null", null, ["", "~", "null", "Null", "NULL"]);
word("float", NaN, [".nan", ".NaN", ".NAN"]);
word("float", Infinity, [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"]);
word("float", -Infinity, ["-.inf", "-.Inf", "-.INF"]);

/** resolve.go's hint table: only these first characters can make anything but a string. */
const WORD_FIRST = new Set("yYnNtTfFoO~");

/** strconv.ParseInt/ParseUint with base 0 (after resolve.go drops every `_`): sign, then 0b/0o/0x, a leading-0 octal, or decimal. */
const GO_INT = /^([-+]?)(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/;
/** resolve.go yamlStyleFloat. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** strconv.ParseFloat of text starting with `.` (the '.' hint, no `_` dropped). */
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;
/** Characters no number holds: timestamps, versions with letters, quantities such as 100m are strings. */
const NOT_NUMERIC = /[^0-9a-fA-FoOxX._+-]/;

function goInt(plain: string): number | undefined {
    const m = GO_INT.exec(plain);
    if (!m) return undefined;
    const [, sign, digits] = m as unknown as [string, string, string];
    // BigInt reads 0b/0o/0x itself; a leading-0 literal is octal in Go. Past int64/uint64,
    // resolve.go falls back to a float (decimal) or a big.Int: a number either way.
    const body = /^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits;
    return Number(sign === "-" ? -BigInt(body) : BigInt(body));
}

/** resolve.go `resolve("", in)`: the tag and value go-yaml v2 gives an untagged plain scalar; undefined for a string. */
function kubeScalar(s: string): Resolved {
    if (s === "") return WORDS.get(s);
    const c = s.charAt(0);
    if (WORD_FIRST.has(c)) return WORDS.get(s);
    if (c === ".") {
        const w = WORDS.get(s);
        if (w) return w;
        const v = DOT_FLOAT.test(s) ? Number(s) : NaN;
        return Number.isFinite(v) ? { tag: "float", value: v } : undefined;
    }
    const code = s.charCodeAt(0);
    if (!((code >= 48 && code <= 57) || c === "+" || c === "-")) return undefined;
    const w = WORDS.get(s);
    if (w) return w;
    if (NOT_NUMERIC.test(s)) return undefined; // also every timestamp, which go-yaml hands to JSON as a string
    const plain = s.includes("_") ? s.replace(/_/g, "") : s;
    const i = goInt(plain);
    if (i !== undefined) return { tag: "int", value: i };
    if (YAML_STYLE_FLOAT.test(plain)) {
        const v = Number(plain);
        if (Number.isFinite(v)) return { tag: "float", value: v }; // ParseFloat refuses what overflows
    }
    return undefined;
}

/** A plain scalar's value as Kubernetes reads it: `yes`/`on`/`y` true, `no`/`off`/`n` false, `0777` 511, `1_000` 1000. */
export function resolveKubePlain(s: string): unknown {
    const r = kubeScalar(s);
    return r === undefined ? s : r.value;
}

/** A go-yaml v2 scalar tag: implicit for plain scalars, explicit (`!!bool yes`) only where v2's resolve agrees (an int may be a float). */
function kubeTag(tag: NonNullable<Resolved>["tag"], firstChars: readonly string[]) {
    return defineScalarTag<unknown>(`tag:yaml.org,2002:${tag}`, {
        implicit: true,
        implicitFirstChars: firstChars,
        resolve: (source) => {
            const r = kubeScalar(source);
            if (r?.tag === tag) return r.value;
            return tag === "float" && r?.tag === "int" ? r.value : NOT_RESOLVED;
        },
        identify: () => false, // load only
    });
}

const DIGITS = [..."0123456789"];

/**
 * js-yaml's schema for Kubernetes manifests: go-yaml v2's null, bool, int and float over the
 * failsafe schema (strings, sequences, mappings). No merge key: go-yaml v2 applies `<<` in
 * document order, later keys overwriting earlier ones (decode.go mapping/merge), which js-yaml's
 * merge does not, so the loaders refuse a plain `<<` key instead of reading it another way.
 */
export const KUBE_SCHEMA: Schema = FAILSAFE_SCHEMA.withTags(
    kubeTag("null", ["", "~", "n", "N"]),
    kubeTag("bool", [..."yYnNtTfFoO"]),
    kubeTag("int", [...DIGITS, "+", "-"]),
    kubeTag("float", [...DIGITS, "+", "-", "."]),
);

/**
 * Offset of the first mapping key that go-yaml v2 takes as the merge key (a plain, untagged `<<`,
 * decode.go isMerge), or -1. The loaders refuse it: see KUBE_SCHEMA.
 */
export function mergeKeyOffset(events: readonly Event[], source: string): number {
    // Per open node: entries seen so far in a mapping, -1 in a document or sequence.
    const open: number[] = [];
    for (const e of events) {
        if (e.type === EVENT_ID.POP) {
            open.pop();
            continue;
        }
        const top = open.length - 1;
        const inMapping = top >= 0 && (open[top] as number) >= 0;
        const isKey = inMapping && (open[top] as number) % 2 === 0;
        if (inMapping) open[top] = (open[top] as number) + 1;
        if (isKey && e.type === EVENT_ID.SCALAR && e.style === SCALAR_STYLE.PLAIN && e.tagStart < 0 && source.slice(e.valueStart, e.valueEnd) === "<<") return e.valueStart;
        if (e.type === EVENT_ID.MAPPING) open.push(0);
        else if (e.type === EVENT_ID.SEQUENCE || e.type === EVENT_ID.DOCUMENT) open.push(-1);
    }
    return -1;
}
