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

const IST0150 = "the sidecar may not forward TCP or unmatched traffic to the external name (Istio's IST0150); name it for the protocol it carries (https, tls-<suffix>, http-<suffix>)";
const GATEWAY_API = "is a Gateway API Gateway, and Istio (through 1.31) binds a VirtualService only to an Istio Gateway (networking.istio.io): route through it with an HTTPRoute, or name an Istio Gateway";
const IST0123 = "sidecar injection beside the ambient data-plane label is undefined behaviour (Istio's IST0123); keep only the injection label";

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
    {
        what: "credentialName without a workloadSelector does not verify the server at sidecars; with one it does",
        peer: "Istio analyzer testdata destinationrule-simple-destination-credentialname(-selector).yaml, IST0128",
        file: "dr-credentialname-without-selector.yaml",
        rules: ["istio-dr-tls-verify"],
        expected: ["istio-dr-tls-verify DestinationRule payments/card-vault: trafficPolicy.tls.mode is SIMPLE with credentialName but the DestinationRule has no workloadSelector, so sidecars ignore credentialName and do not verify the server; set caCertificates or a workloadSelector"],
    },
    {
        what: "the same at port level",
        peer: "Istio analyzer testdata destinationrule-simple-port-credentialname(-selector).yaml, IST0129",
        file: "dr-port-credentialname-without-selector.yaml",
        rules: ["istio-dr-tls-verify"],
        expected: ["istio-dr-tls-verify DestinationRule payments/fx-rates: trafficPolicy.portLevelSettings[0] (port 8443).tls.mode is SIMPLE with credentialName but the DestinationRule has no workloadSelector, so sidecars ignore credentialName and do not verify the server; set caCertificates or a workloadSelector"],
    },
    {
        what: "an ExternalName Service's port must name its protocol",
        peer: "Istio analyzer testdata incorrect-port-name-external-name-service-type.yaml, Service nginx, IST0150",
        file: "externalname-port-unconventional-name.yaml",
        rules: ["istio-service-port-names"],
        expected: [`istio-service-port-names Service payments/acquirer: ports[0] (acquirer, 443) of an ExternalName Service declares no protocol: ${IST0150}`],
    },
    {
        what: "an ExternalName Service's unnamed port is reported",
        peer: "Istio analyzer testdata incorrect-port-name-external-name-service-type.yaml, Service nginx-svc2, IST0150",
        file: "externalname-port-unnamed.yaml",
        rules: ["istio-service-port-names"],
        expected: [`istio-service-port-names Service payments/risk-engine: ports[0] (unnamed, 8443) of an ExternalName Service declares no protocol: ${IST0150}`],
    },
    {
        what: "an ExternalName Service's port named plain \"tcp\" is reported; \"https\" is not",
        peer: "Istio analyzer testdata incorrect-/correct-port-name-external-name-service-type.yaml, Service nginx-svc3, IST0150",
        file: "externalname-port-plain-tcp.yaml",
        rules: ["istio-service-port-names"],
        expected: [`istio-service-port-names Service payments/ledger-db: ports[0] (tcp, 5432) of an ExternalName Service is named plain "tcp": ${IST0150}`],
    },
    {
        what: "a VirtualService naming a Gateway API Gateway is not bound to it in the pinned Istio (1.30, 1.31); only the analyzer on master after 1.31 accepts it",
        peer: "Istio analyzer testdata virtualservice_kubernetes_gateways.yaml, istio/istio master after #60776 only; at the pinned releases gateways.go reports IST0101",
        file: "vs-bound-to-gateway-api-gateway.yaml",
        rules: ["istio-vs-gateway-exists"],
        expected: [
            `istio-vs-gateway-exists VirtualService partners/settlements: gateway partner-edge (partners/partner-edge) ${GATEWAY_API}`,
            `istio-vs-gateway-exists VirtualService partners/reports: gateway partners/partner-edge (partners/partner-edge) ${GATEWAY_API}`,
        ],
    },
    {
        what: "istio-injection=enabled beside istio.io/dataplane-mode=ambient is reported",
        peer: "Istio analyzer testdata injection.yaml, Namespace multi-ns-2, IST0123",
        file: "namespace-injection-and-ambient.yaml",
        rules: ["istio-namespace-injection"],
        expected: [`istio-namespace-injection Namespace checkout/checkout: namespace carries istio-injection=enabled and istio.io/dataplane-mode=ambient: ${IST0123}`],
    },
    {
        what: "istio.io/rev beside istio.io/dataplane-mode=ambient is reported; disabled injection is reported for itself",
        peer: "Istio analyzer testdata injection.yaml, Namespaces multi-ns-3 and not-conflict-ns-1, IST0123",
        file: "namespace-revision-and-ambient.yaml",
        rules: ["istio-namespace-injection"],
        expected: [
            `istio-namespace-injection Namespace refunds/refunds: namespace carries istio.io/rev=1-30 and istio.io/dataplane-mode=ambient: ${IST0123}`,
            'istio-namespace-injection Namespace batch/batch: namespace has istio-injection="disabled"; only "enabled" injects, any other value turns injection off (even with istio.io/rev), so pods here get no sidecar',
        ],
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
