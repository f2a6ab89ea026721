// The policy CLI's YAML reader: the block fast path must give exactly what js-yaml gives, or step
// aside; errors name the document and the file's line; hostile input is refused.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import { dump, loadAll } from "js-yaml";
import { stringify } from "yaml";
import { UNSUPPORTED, parseBlockDocument } from "../../scripts/lib/block-yaml";
import { KUBE_SCHEMA } from "../../scripts/lib/kube-scalars";
import { loadYaml } from "../../scripts/lib/load-yaml";
import { generateObjects } from "../../scripts/bench-policy";

const ROOT = path.join(__dirname, "../..");

/** What the fast path makes of one document: its value, or UNSUPPORTED. */
function fast(text: string): unknown {
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    return parseBlockDocument(lines, 0, lines.length);
}

/** js-yaml's value for one document (null when empty), with Kubernetes' scalars as the loader reads them. */
function reference(text: string): unknown {
    return loadAll(text, { schema: KUBE_SCHEMA })[0] ?? null;
}

/** Asserts the fast path agrees with js-yaml or steps aside; returns whether it took the document. */
function agrees(text: string): boolean {
    const got = fast(text);
    if (got === UNSUPPORTED) return false;
    let want: unknown;
    assert.doesNotThrow(() => (want = reference(text)), `the fast path accepted what js-yaml rejects:\n${text}`);
    assert.ok(isDeepStrictEqual(got, want), `fast path ${JSON.stringify(got)} != js-yaml ${JSON.stringify(want)} for:\n${text}`);
    return true;
}

/** Every YAML document of the repository's test fixtures. */
function fixtureDocuments(): string[] {
    const out: string[] = [];
    const walk = (dir: string): void => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            // A Helm chart's templates/ hold Go templates, not YAML (test/rendered-charts/fixture-chart).
            if (e.isDirectory()) {
                if (!(e.name === "templates" && fs.existsSync(path.join(dir, "Chart.yaml")))) walk(p);
            }
            else if (/\.ya?ml$/.test(e.name)) out.push(...fs.readFileSync(p, "utf8").split(/^---[ \t]*$/m));
        }
    };
    walk(path.join(ROOT, "test"));
    return out;
}

/** Constructs the fast path must take (so rendered manifests stay fast), each with a twist. */
const FAST: readonly string[] = [
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web # the public one\n  labels: {}\nspec:\n  ports:\n  - name: http\n    port: 80\n",
    "containers:\n  - name: app\n    args: [--port, '8080', \"--debug\"]\n    env:\n      - name: EMPTY\n        value: ''\n",
    "data:\n  keep: |+\n    a\n\n  strip: |-\n    b\n      indented\n  clip: |\n    c # not a comment\n\n",
    "values:\n  - 1\n  - -2.5\n  - 0x1F\n  - 1e3\n  - .inf\n  - ~\n  - null\n  - True\n  - yes\n  - 1.30.4\n  - 100m\n  - \"8080\"\n  - 'it''s'\n",
    "# a comment first\nroot:\n  nested:\n    deeper:\n    - x\n    -\n    - w: 1\n      z: 2\n  after: done\n",
    "url: http://example.com:8080/path?x=1#frag\nquoted: \"tab\\tand \\u00e9\"\nnbsp: \"\u00a0kept\u00a0\"\n",
];

/** Constructs it must leave to js-yaml. */
const SLOW: readonly string[] = [
    "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: >\n  folded\n", "a: {b: 1}\n", "a: 'multi\n  line'\n", "a: plain\n  continued\n",
    "a: 1\na: 2\n", "- - nested\n", "a:\r\n  b: 1\r\n", "a: \"\\x41\"\n", "? complex\n: key\n", "a: |2\n   x\n", "1: number key\n",
];

describe("policy-check YAML reader", () => {
    it("takes the common constructs of rendered manifests on the fast path, with js-yaml's values", () => {
        for (const text of FAST) assert.equal(agrees(text), true, `not on the fast path:\n${text}`);
    });

    it("leaves anchors, tags, folded and multi-line scalars, flow mappings, duplicates and CRLF to js-yaml", () => {
        for (const text of SLOW) assert.equal(fast(text), UNSUPPORTED, text);
    });

    it("agrees with js-yaml on every test fixture and on generated renders, as two dumpers write them", () => {
        let taken = 0;
        const docs = [...fixtureDocuments(), ...generateObjects(300).flatMap((o) => [stringify(o), dump(o), dump(o, { flowLevel: 3 })])];
        for (const text of docs) if (agrees(text)) taken++;
        assert.ok(taken > docs.length * 0.8, `only ${taken} of ${docs.length} documents took the fast path`);
    });

    it("agrees with js-yaml on awkward scalars in every position (seeded)", () => {
        const scalars = ["", " ", "true", "no", "~", "-1", "0o17", "+1", ".5", "1.", "012", "a: b", "a #b", "- x", "[a]", "'q'", "\"d\"", "it's", "tab\tx", "nl\nx", "trail ", "\u00a0", "*a", "&a", "!t", "%", "@", "`", "|", ">", "?", ":", "x:", "C:\\p", "2024-01-01", "NaN",
            "yes", "On", "OFF", "n", "Y", "yES", "0777", "08", "1_000", "+.5", "-0b11", ".Inf", "0x_1F", "1e3", "Null"];
        let seed = 7;
        const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
        const value = (depth: number): unknown => {
            const r = rnd(10);
            if (depth > 3 || r < 5) return r === 0 ? rnd(1e6) - 5e5 : (scalars[rnd(scalars.length)] as string);
            if (r < 8) return Object.fromEntries(Array.from({ length: rnd(4) }, () => [rnd(3) ? `k${rnd(20)}` : scalars[rnd(scalars.length)], value(depth + 1)]));
            return Array.from({ length: rnd(4) }, () => value(depth + 1));
        };
        for (let i = 0; i < 1500; i++) {
            const v = { a: value(0), b: value(0) };
            const text = i % 2 ? stringify(v) : dump(v);
            agrees(rnd(3) ? text : text.replace(/\n/g, (m) => (rnd(8) ? m : " # note: x\n")));
        }
    });

    it("names the document and the file's line for invalid YAML, after documents read either way", () => {
        const text = "kind: A\napiVersion: v1\n---\nkind: B\napiVersion: v1\nx: &a 1\ny: *a\n---\nkind: C\napiVersion: v1\nmetadata: [unclosed\n";
        assert.throws(() => loadYaml(text, "s.yaml"), (e: Error) => {
            assert.match(e.message, /^s\.yaml: invalid YAML in document 3: .+ at line 1[12], column \d+$/);
            return true;
        });
        assert.throws(() => loadYaml("a: 1\na: 2\n", "d.yaml"), { message: "d.yaml: invalid YAML in document 1: duplicated mapping key at line 2, column 1" });
    });

    it("gives each object its first line whichever path read it, CRLF files included", () => {
        const text = "# header\n---\nkind: A\napiVersion: v1\n---\n\n# note\nkind: B\napiVersion: v1\nx: &a 1\nz: *a\n";
        assert.deepEqual(loadYaml(text, "l.yaml").map((s) => [s.object.kind, s.line]), [["A", 3], ["B", 8]]);
        assert.deepEqual(loadYaml(text.replace(/\n/g, "\r\n"), "crlf.yaml").map((s) => [s.object.kind, s.line, s.object.z]), [["A", 3, undefined], ["B", 8, 1]]);
    });

    it("refuses alias bombs and nesting past js-yaml's limit", () => {
        const bomb = ["kind: A\napiVersion: v1\na: &a [x, x]"].concat(Array.from({ length: 120 }, (_, i) => `${i}: &a${i} [*a, *a]`.replace(/\*a,/, i ? `*a${i - 1},` : "*a,").replace(/\*a\]/, i ? `*a${i - 1}]` : "*a]"))).join("\n");
        assert.throws(() => loadYaml(bomb, "bomb.yaml"), /invalid YAML in document 1/);
        const deep = `kind: A\napiVersion: v1\nx: ${"[".repeat(150)}${"]".repeat(150)}\n`;
        assert.throws(() => loadYaml(deep, "deep.yaml"), /invalid YAML in document 1/);
    });
});
