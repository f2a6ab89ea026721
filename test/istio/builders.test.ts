import { strict as assert } from "node:assert";
import {
    allowNothing,
    authorizationPolicy,
    destinationRule,
    envoyFilter,
    gateway,
    meshWideStrictMtls,
    peerAuthentication,
    principal,
    requestAuthentication,
    serviceEntry,
    sidecar,
    telemetry,
    virtualService,
    weightedRoutes,
} from "../../components/istio/builders";

describe("istio builders", () => {
    describe("apiVersions", () => {
        it("uses the v1 APIs, and v1alpha3 only for EnvoyFilter", () => {
            const ns = "payments";
            const got = [
                peerAuthentication({ name: "a", namespace: ns, spec: {} }),
                authorizationPolicy({ name: "a", namespace: ns, spec: {} }),
                requestAuthentication({ name: "a", namespace: ns, spec: {} }),
                gateway({ name: "a", namespace: ns, spec: { selector: { istio: "ingressgateway" }, servers: [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["*"] }] } }),
                virtualService({ name: "a", namespace: ns, spec: { hosts: ["b"] } }),
                destinationRule({ name: "a", namespace: ns, spec: { host: "b" } }),
                sidecar({ name: "a", namespace: ns, spec: {} }),
                serviceEntry({ name: "a", namespace: ns, spec: { hosts: ["example.com"] } }),
                telemetry({ name: "a", namespace: ns, spec: {} }),
                envoyFilter({ name: "a", namespace: ns, spec: { configPatches: [{ applyTo: "HTTP_FILTER", patch: { operation: "INSERT_BEFORE" } }] } }),
            ].map((o) => `${o.apiVersion}/${o.kind}`);
            assert.deepEqual(got, [
                "security.istio.io/v1/PeerAuthentication",
                "security.istio.io/v1/AuthorizationPolicy",
                "security.istio.io/v1/RequestAuthentication",
                "networking.istio.io/v1/Gateway",
                "networking.istio.io/v1/VirtualService",
                "networking.istio.io/v1/DestinationRule",
                "networking.istio.io/v1/Sidecar",
                "networking.istio.io/v1/ServiceEntry",
                "telemetry.istio.io/v1/Telemetry",
                "networking.istio.io/v1alpha3/EnvoyFilter",
            ]);
        });

        it("copies labels and annotations into metadata and omits them when empty", () => {
            const o = authorizationPolicy({ name: "x", namespace: "payments", labels: { "app.kubernetes.io/part-of": "dodo-payments" }, spec: {} });
            assert.deepEqual(o.metadata, { name: "x", namespace: "payments", labels: { "app.kubernetes.io/part-of": "dodo-payments" } });
            assert.deepEqual(authorizationPolicy({ name: "x", namespace: "payments", labels: {}, spec: {} }).metadata, { name: "x", namespace: "payments" });
        });
    });

    describe("input validation", () => {
        it("rejects empty or non-DNS names and namespaces", () => {
            assert.throws(() => virtualService({ name: "", namespace: "payments", spec: { hosts: ["a"] } }), /VirtualService: name must not be empty/);
            assert.throws(() => virtualService({ name: "Backend_VS", namespace: "payments", spec: { hosts: ["a"] } }), /DNS-1123/);
            assert.throws(() => virtualService({ name: "vs", namespace: "", spec: { hosts: ["a"] } }), /namespace must not be empty/);
        });

        it("rejects invalid AuthorizationPolicies with the reason", () => {
            assert.throws(
                () => authorizationPolicy({ name: "p", namespace: "payments", spec: { rules: [{ to: [{ operation: { ports: ["eighty"] } }] }] } }),
                /AuthorizationPolicy "p": .*bad port "eighty"/,
            );
            assert.throws(() => authorizationPolicy({ name: "p", namespace: "payments", spec: { selector: { matchLabels: { a: "b" } }, targetRefs: [{ kind: "Gateway", name: "g" }] } }), /only one of selector or targetRefs/);
        });

        it("rejects portLevelMtls without a selector", () => {
            assert.throws(() => peerAuthentication({ name: "p", namespace: "payments", spec: { mtls: { mode: "STRICT" }, portLevelMtls: { "8080": { mode: "PERMISSIVE" } } } }), /portLevelMtls requires a selector/);
        });

        it("rejects an HTTPS gateway server without a credential and an empty selector", () => {
            const server = { port: { number: 443, name: "https", protocol: "HTTPS" as const }, hosts: ["pay.example.com"], tls: { mode: "SIMPLE" as const } };
            assert.throws(() => gateway({ name: "g", namespace: "istio-ingress", spec: { selector: { istio: "ingressgateway" }, servers: [server] } }), /credentialName is required/);
            assert.throws(() => gateway({ name: "g", namespace: "istio-ingress", spec: { selector: {}, servers: [server] } }), /selector/);
        });

        it("rejects VirtualService routes whose weights do not sum to 100", () => {
            const route = [
                { destination: { host: "backend", subset: "v1" }, weight: 80 },
                { destination: { host: "backend", subset: "v2" }, weight: 10 },
            ];
            assert.throws(() => virtualService({ name: "vs", namespace: "payments", spec: { hosts: ["backend"], http: [{ route }] } }), /http\[0\]\.route weights must sum to 100 \(got 90\)/);
        });

        it("rejects a lone destination with weight 0 (istiod: total destination weight = 0)", () => {
            const route = [{ destination: { host: "backend" }, weight: 0 }];
            assert.throws(() => virtualService({ name: "vs", namespace: "payments", spec: { hosts: ["backend"], http: [{ route }] } }), /single destination with weight 0/);
        });

        it("rejects duplicate DestinationRule subsets and bare Sidecar egress hosts", () => {
            assert.throws(() => destinationRule({ name: "dr", namespace: "payments", spec: { host: "b", subsets: [{ name: "v1" }, { name: "v1" }] } }), /defined twice/);
            assert.throws(() => sidecar({ name: "s", namespace: "payments", spec: { egress: [{ hosts: ["istio-system"] }] } }), /<namespace>\/<host>/);
        });

        it("rejects a tracing sampling percentage above 100", () => {
            assert.throws(() => telemetry({ name: "t", namespace: "istio-system", spec: { tracing: [{ randomSamplingPercentage: 150 }] } }), /randomSamplingPercentage must be between 0 and 100 \(got 150\)/);
        });
    });

    describe("helpers", () => {
        it("formats principals as <trust-domain>/ns/<ns>/sa/<sa>", () => {
            assert.equal(principal("cluster.local", "payments", "payments-backend"), "cluster.local/ns/payments/sa/payments-backend");
            assert.throws(() => principal("cluster.local", "Payments", "x"), /namespace must be a DNS-1123 label/);
        });

        it("allowNothing is an ALLOW policy named default-deny with an empty spec", () => {
            const p = allowNothing("payments");
            assert.deepEqual(p, { apiVersion: "security.istio.io/v1", kind: "AuthorizationPolicy", metadata: { name: "default-deny", namespace: "payments" }, spec: {} });
        });

        it("meshWideStrictMtls is a selector-less STRICT PeerAuthentication in the root namespace", () => {
            assert.deepEqual(meshWideStrictMtls(), {
                apiVersion: "security.istio.io/v1",
                kind: "PeerAuthentication",
                metadata: { name: "default", namespace: "istio-system" },
                spec: { mtls: { mode: "STRICT" } },
            });
        });

        it("weightedRoutes splits 100 - w to v1 and w to v2, keeping zero-weight destinations", () => {
            const r = weightedRoutes("payments-backend.payments.svc.cluster.local", 8080, 10);
            assert.deepEqual(r.map((d) => [d.destination.subset, d.weight, d.destination.port?.number]), [["v1", 90, 8080], ["v2", 10, 8080]]);
            assert.deepEqual(weightedRoutes("b", 80, 0).map((d) => d.weight), [100, 0]);
            assert.deepEqual(weightedRoutes("b", 80, 100).map((d) => d.weight), [0, 100]);
            // the output is accepted by the VirtualService builder (weights sum to 100)
            virtualService({ name: "vs", namespace: "payments", spec: { hosts: ["b"], http: [{ route: weightedRoutes("b", 80, 37) }] } });
        });

        it("weightedRoutes rejects weights outside 0..100 or fractional, naming the argument", () => {
            for (const bad of [-1, 101, 12.5, Number.NaN]) {
                assert.throws(() => weightedRoutes("b", 80, bad), /v2Weight must be an integer between 0 and 100/);
            }
            assert.throws(() => weightedRoutes("b", 0, 5), /port must be/);
        });
    });
});
