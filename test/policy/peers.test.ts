// Agreement with trusted peers: each case is a verdict of ours that once disagreed with a peer's
// own test fixture (kyverno/policies, Istio's analyzer testdata, Checkov). The fixtures under
// fixtures/peers are ours, written after the peer's case, which each one names in its header;
// the peers' files themselves are not part of this repository.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { checkObjects } from "../../policy/check";
import { loadYaml } from "../../scripts/policy-check";

const DIR = path.join(__dirname, "fixtures", "peers");

/** Findings of `rules` over one fixture, one line each: `<rule> <Kind> <namespace>/<name>: <message>`. */
function verdicts(file: string, rules: readonly string[]): string[] {
    const objects = loadYaml(fs.readFileSync(path.join(DIR, file), "utf8"), file).map((s) => s.object);
    return checkObjects(objects, { only: rules }).map((f) => `${f.rule} ${f.kind} ${f.namespace}/${f.name}: ${f.message}`);
}

interface Case {
    /** What the peer decides, as a sentence. */
    what: string;
    /** The peer's file (and test) this case mirrors. */
    peer: string;
    file: string;
    rules: readonly string[];
    expected: readonly string[];
}

const CASES: readonly Case[] = [
    {
        what: "an app container named istio-init gets no init-container exemption (capabilities, root, writable root fs)",
        peer: "kyverno/policies istio/service-mesh-disallow-capabilities/.chainsaw-test/bad.yaml, pod bad03",
        file: "istio-init-as-app-container.yaml",
        rules: ["k8s-run-as-non-root", "k8s-drop-all-capabilities", "k8s-read-only-root-fs"],
        expected: [
            'k8s-run-as-non-root Pod payments/net-tool: container "istio-init" runs as UID 0',
            'k8s-drop-all-capabilities Pod payments/net-tool: container "istio-init" adds capabilities NET_ADMIN, NET_RAW',
            'k8s-read-only-root-fs Pod payments/net-tool: container "istio-init" does not set readOnlyRootFilesystem: true',
        ],
    },
    {
        what: "an app container named istio-init may not run as root",
        peer: "kyverno/policies istio/service-mesh-require-run-as-nonroot/.chainsaw-test/bad.yaml, pod bad02",
        file: "istio-init-as-app-container-root.yaml",
        rules: ["k8s-run-as-non-root"],
        expected: ['k8s-run-as-non-root Deployment payments/ledger-sync: container "istio-init" runs as UID 0'],
    },
    {
        what: "istio-init from another registry's proxyv2 may not run as root; the configured hub's may",
        peer: "kyverno/policies istio/service-mesh-require-run-as-nonroot/.chainsaw-test/bad.yaml, pod bad01",
        file: "istio-init-foreign-hub.yaml",
        rules: ["k8s-run-as-non-root"],
        expected: ['k8s-run-as-non-root Pod payments/lookalike: init container "istio-init" runs as UID 0'],
    },
];

describe("policy: agreement with peers' test fixtures", () => {
    for (const c of CASES) {
        it(`${c.what} (${c.peer})`, () => {
            assert.deepEqual(verdicts(c.file, c.rules), c.expected);
        });
    }

    it("every fixture is used by exactly one case and names the peer it mirrors", () => {
        const files = fs.readdirSync(DIR).sort();
        assert.deepEqual(files, CASES.map((c) => c.file).sort());
        for (const f of files) assert.match(fs.readFileSync(path.join(DIR, f), "utf8"), /^# Mirrors /, f);
    });
});
