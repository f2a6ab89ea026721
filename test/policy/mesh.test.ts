import { strict as assert } from "assert";
import { deployment, hardenedContainer, istio, messages, ns, podSpec, run } from "./helpers";
import { unsafePath } from "../../policy/rules/mesh";
import type { KubeObject } from "../../policy/rules/types";
import { VS_GATEWAYS_CHECKED_THROUGH } from "../../policy/rules/traffic";
import { ISTIO_RELEASES, ISTIO_VERSION } from "../../components/versions";

const strictMeshWide = istio("PeerAuthentication", "default", "istio-system", { mtls: { mode: "STRICT" } });
const allowNothing = (namespace: string) => istio("AuthorizationPolicy", "default-deny", namespace, {});

describe("policy: mesh rules", () => {
    describe("istio-mtls-strict", () => {
        it("passes a STRICT policy whose UNSET ports inherit STRICT", () => {
            const pa = istio("PeerAuthentication", "backend", "payments", {
                selector: { matchLabels: { app: "backend" } },
                mtls: { mode: "STRICT" },
                portLevelMtls: { 8080: { mode: "UNSET" }, 9090: { mode: "STRICT" } },
            });
            assert.deepEqual(run("istio-mtls-strict", [pa]), []);
        });
        it("flags a PERMISSIVE port hidden under a STRICT policy", () => {
            const pa = istio("PeerAuthentication", "backend", "payments", {
                selector: { matchLabels: { app: "backend" } },
                mtls: { mode: "STRICT" },
                portLevelMtls: { 9090: { mode: "PERMISSIVE" } },
            });
            const f = run("istio-mtls-strict", [pa]);
            assert.equal(f.length, 1);
            assert.match(f[0]!.message, /portLevelMtls\[9090\]\.mode is PERMISSIVE/);
        });
        it("flags DISABLE in a v1beta1 object", () => {
            const pa = istio("PeerAuthentication", "legacy", "payments", { mtls: { mode: "DISABLE" } }, "security.istio.io/v1beta1");
            assert.match(run("istio-mtls-strict", [pa])[0]!.message, /DISABLE/);
        });
        it("flags a mesh-wide policy left UNSET, which inherits PERMISSIVE", () => {
            const pa = istio("PeerAuthentication", "default", "istio-system", {});
            assert.match(run("istio-mtls-strict", [pa])[0]!.message, /inherits PERMISSIVE/);
        });
        it("accepts a namespace policy left UNSET (it inherits the mesh-wide STRICT)", () => {
            assert.deepEqual(run("istio-mtls-strict", [istio("PeerAuthentication", "default", "payments", { mtls: { mode: "UNSET" } })]), []);
        });
        it("ignores other API groups that reuse the kind name", () => {
            const fake: KubeObject = { apiVersion: "example.com/v1", kind: "PeerAuthentication", metadata: { name: "x", namespace: "a" }, spec: { mtls: { mode: "DISABLE" } } };
            assert.deepEqual(run("istio-mtls-strict", [fake]), []);
        });
    });

    describe("istio-mesh-wide-strict", () => {
        it("passes with a selector-less STRICT policy in the root namespace", () => {
            assert.deepEqual(run("istio-mesh-wide-strict", [ns("payments"), strictMeshWide]), []);
        });
        it("flags a mesh whose only STRICT policy has a selector", () => {
            const scoped = istio("PeerAuthentication", "default", "istio-system", { selector: { matchLabels: { app: "x" } }, mtls: { mode: "STRICT" } });
            const f = run("istio-mesh-wide-strict", [ns("payments"), scoped]);
            assert.equal(f.length, 1);
            assert.equal(f[0]!.namespace, "istio-system");
            assert.equal(f[0]!.kind, "PeerAuthentication");
        });
        it("honours a configured root namespace", () => {
            const pa = istio("PeerAuthentication", "default", "mesh-root", { mtls: { mode: "STRICT" } });
            assert.equal(run("istio-mesh-wide-strict", [ns("payments"), pa]).length, 1);
            assert.deepEqual(run("istio-mesh-wide-strict", [ns("payments"), pa], { config: { rootNamespace: "mesh-root" } }), []);
        });
        it("says nothing about input that has no mesh at all", () => {
            assert.deepEqual(run("istio-mesh-wide-strict", [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }]), []);
        });
    });

    describe("istio-authz-default-deny", () => {
        const backend = deployment("backend", "payments");
        it("flags a meshed namespace with workloads and no allow-nothing policy", () => {
            const f = run("istio-authz-default-deny", [ns("payments"), backend]);
            assert.equal(f.length, 1);
            assert.equal(f[0]!.namespace, "payments");
        });
        it("passes with an allow-nothing policy in the namespace", () => {
            assert.deepEqual(run("istio-authz-default-deny", [ns("payments"), backend, allowNothing("payments")]), []);
        });
        it("passes with an allow-nothing policy in the root namespace", () => {
            assert.deepEqual(run("istio-authz-default-deny", [ns("payments"), backend, allowNothing("istio-system")]), []);
        });
        it("does not count a policy with rules or a selector as allow-nothing", () => {
            const withRules = istio("AuthorizationPolicy", "x", "payments", { rules: [{ from: [{ source: { namespaces: ["a"] } }] }] });
            const withSelector = istio("AuthorizationPolicy", "y", "payments", { selector: { matchLabels: { app: "backend" } } });
            assert.equal(run("istio-authz-default-deny", [ns("payments"), backend, withRules, withSelector]).length, 1);
        });
        it("does not count a dry-run allow-nothing policy, which enforces nothing", () => {
            const dryRun = allowNothing("payments");
            dryRun.metadata!.annotations = { "istio.io/dry-run": "true" };
            assert.equal(run("istio-authz-default-deny", [ns("payments"), backend, dryRun]).length, 1);
        });
        it("ignores namespaces outside the mesh", () => {
            assert.deepEqual(run("istio-authz-default-deny", [ns("tools", {}), deployment("x", "tools")]), []);
        });
        it("does not count an ingress gateway (the gateway injection template) as a meshed workload, but does count a sidecar beside it", () => {
            // As Istio's gateway chart renders it: pod annotation inject.istio.io/templates=gateway.
            const gateway = deployment("istio-ingressgateway", "istio-ingress", undefined, { annotations: { "inject.istio.io/templates": "gateway" } });
            assert.deepEqual(run("istio-authz-default-deny", [ns("istio-ingress"), gateway]), []);
            assert.equal(run("istio-authz-default-deny", [ns("istio-ingress"), gateway, deployment("debug", "istio-ingress")]).length, 1);
        });
    });

    describe("istio-authz-no-allow-all", () => {
        const ap = (rules: unknown[], action?: string) => istio("AuthorizationPolicy", "p", "payments", { ...(action ? { action } : {}), rules });
        it("flags an empty rule", () => {
            assert.match(run("istio-authz-no-allow-all", [ap([{}])])[0]!.message, /empty/);
        });
        it("flags a rule with only an operation", () => {
            assert.match(run("istio-authz-no-allow-all", [ap([{ to: [{ operation: { methods: ["GET"] } }] }])])[0]!.message, /no source constraint/);
        });
        it("flags sources that are only * principals or namespaces", () => {
            assert.equal(run("istio-authz-no-allow-all", [ap([{ from: [{ source: { principals: ["*"], namespaces: ["*"] } }] }])]).length, 1);
            assert.equal(run("istio-authz-no-allow-all", [ap([{ from: [{ source: { principals: ["cluster.local/*"] } }] }])]).length, 1);
            assert.equal(run("istio-authz-no-allow-all", [ap([{ from: [{ source: { ipBlocks: ["0.0.0.0/0", "::/0"] } }] }])]).length, 1);
        });
        it("flags an allow-all hidden in one of several from entries, which Istio ORs", () => {
            const f = run("istio-authz-no-allow-all", [ap([{ from: [{ source: { principals: ["cluster.local/ns/payments/sa/frontend"] } }, { source: { namespaces: ["*"] } }] }])]);
            assert.equal(f.length, 1);
            assert.match(f[0]!.message, /from\[1\] only names sources that match anyone, and from entries are ORed/);
            const missing = run("istio-authz-no-allow-all", [ap([{ from: [{ source: { principals: ["cluster.local/ns/payments/sa/frontend"] } }, {}] }])]);
            assert.match(missing[0]!.message, /from\[1\] has no source/);
        });
        it("treats prefix wildcards that name no namespace as anyone", () => {
            for (const p of ["cluster.local/ns/*", "*/ns/*", "cluster.local/*", "cluster.*", "*"]) {
                assert.equal(run("istio-authz-no-allow-all", [ap([{ from: [{ source: { principals: [p] } }] }])]).length, 1, p);
            }
            assert.deepEqual(run("istio-authz-no-allow-all", [ap([{ from: [{ source: { principals: ["cluster.local/ns/payments/sa/*"] } }] }])]), [], "a namespace's service accounts are a constraint");
            assert.equal(run("istio-authz-no-allow-all", [ap([{ from: [{ source: { ipBlocks: ["10.0.0.0/0"] } }] }])]).length, 1, "any /0 is every address");
        });
        it("counts a when condition on the caller only if its values constrain", () => {
            const when = (key: string, values: string[]) => ap([{ to: [{ operation: { methods: ["GET"] } }], when: [{ key, values }] }]);
            assert.equal(run("istio-authz-no-allow-all", [when("source.ip", ["0.0.0.0/0"])]).length, 1);
            assert.equal(run("istio-authz-no-allow-all", [when("source.principal", ["cluster.local/ns/*"])]).length, 1);
            assert.equal(run("istio-authz-no-allow-all", [when("source.namespace", ["*"])]).length, 1);
            assert.deepEqual(run("istio-authz-no-allow-all", [when("source.ip", ["10.1.0.0/16"])]), []);
            assert.deepEqual(run("istio-authz-no-allow-all", [when("source.principal", ["cluster.local/ns/payments/sa/frontend"])]), []);
            assert.equal(run("istio-authz-no-allow-all", [when("request.headers[x-user]", ["alice"])]).length, 1, "a header says nothing about the caller's identity");
        });
        it("passes a rule naming a service account", () => {
            const rule = { from: [{ source: { principals: ["cluster.local/ns/payments/sa/frontend"] } }], to: [{ operation: { methods: ["GET"], paths: ["/api/*"] } }] };
            assert.deepEqual(run("istio-authz-no-allow-all", [ap([rule])]), []);
            assert.deepEqual(run("istio-authz-no-allow-all", [ap([{ from: [{ source: { serviceAccounts: ["frontend"] } }] }])]), [], "serviceAccounts (Istio 1.25+) is a source constraint");
        });
        it("leaves DENY policies alone", () => {
            assert.deepEqual(run("istio-authz-no-allow-all", [ap([{}], "DENY")]), []);
        });
    });

    describe("istio-authz-safe-patterns", () => {
        const ap = (action: string, rules: unknown[]) => istio("AuthorizationPolicy", "p", "payments", { action, rules });
        it("flags negative matches in ALLOW", () => {
            const f = run("istio-authz-safe-patterns", [ap("ALLOW", [{ from: [{ source: { notNamespaces: ["evil"] } }] }])]);
            assert.match(f[0]!.message, /notNamespaces: ALLOW policies must use positive matches/);
        });
        it("flags positive matches in DENY", () => {
            const f = run("istio-authz-safe-patterns", [ap("DENY", [{ to: [{ operation: { paths: ["/admin"] } }] }])]);
            assert.match(f[0]!.message, /DENY policies must use negative matches \(notPaths\)/);
        });
        it("passes DENY with notPaths and ALLOW with principals", () => {
            assert.deepEqual(run("istio-authz-safe-patterns", [
                ap("DENY", [{ to: [{ operation: { notPaths: ["/public/*"] } }] }]),
                ap("ALLOW", [{ from: [{ source: { principals: ["cluster.local/ns/a/sa/b"] } }], to: [{ operation: { paths: ["/api/{*}/pay"], methods: ["POST"] } }] }]),
            ]), []);
        });
        it("flags paths that Istio normalization rewrites", () => {
            for (const p of ["/a//b", "/a/./b", "/a/../b", "/a%2Fb", "/a\\b", "a/b", "/a?x=1", "/a/*/b", "/a{*}/b", "/a/{**}/b"]) {
                assert.ok(unsafePath(p), `expected ${p} to be unsafe`);
            }
            for (const p of ["*", "/api/*", "*.json", "/api/{*}/x", "/api/{**}", "/exact"]) assert.equal(unsafePath(p), undefined, p);
            const f = run("istio-authz-safe-patterns", [ap("ALLOW", [{ from: [{ source: { principals: ["cluster.local/ns/a/sa/b"] } }], to: [{ operation: { paths: ["/api//pay"] } }] }])]);
            assert.match(f[0]!.message, /contains \/\//);
        });
        it("flags lower-case methods, which never match", () => {
            const f = run("istio-authz-safe-patterns", [ap("ALLOW", [{ from: [{ source: { principals: ["cluster.local/ns/a/sa/b"] } }], to: [{ operation: { methods: ["get"] } }] }])]);
            assert.match(f[0]!.message, /not upper case/);
        });
    });

    describe("istio-dr-tls-not-disabled and istio-dr-tls-verify", () => {
        const dr = (spec: unknown, apiVersion?: string) => istio("DestinationRule", "db", "payments", { host: "postgres", ...(spec as object) }, apiVersion);
        it("flags DISABLE at top level, on a port, inside a subset and a subset's port", () => {
            const f = run("istio-dr-tls-not-disabled", [dr({
                trafficPolicy: { tls: { mode: "DISABLE" }, portLevelSettings: [{ port: { number: 5432 }, tls: { mode: "DISABLE" } }] },
                subsets: [{ name: "v2", labels: { version: "v2" }, trafficPolicy: { tls: { mode: "DISABLE" }, portLevelSettings: [{ port: { number: 80 }, tls: { mode: "DISABLE" } }] } }],
            }, "networking.istio.io/v1alpha3")]);
            assert.equal(f.length, 4);
            assert.ok(messages(f).some((m) => m.startsWith("subsets[0] (v2).trafficPolicy.portLevelSettings[0] (port 80)")));
        });
        it("passes ISTIO_MUTUAL everywhere", () => {
            assert.deepEqual(run("istio-dr-tls-not-disabled", [dr({ trafficPolicy: { tls: { mode: "ISTIO_MUTUAL" } } })]), []);
        });
        it("flags SIMPLE origination without a CA (IST0128) and on a subset port (IST0129)", () => {
            const f = run("istio-dr-tls-verify", [dr({
                trafficPolicy: { tls: { mode: "SIMPLE" } },
                subsets: [{ name: "ext", trafficPolicy: { portLevelSettings: [{ port: { number: 443 }, tls: { mode: "MUTUAL", credentialName: "c", insecureSkipVerify: true } }] } }],
            }, "networking.istio.io/v1beta1")]);
            assert.equal(f.length, 2);
            assert.match(f[0]!.message, /neither caCertificates nor credentialName/);
            assert.match(f[1]!.message, /insecureSkipVerify/);
        });
        it("does not count an empty caCertificates as verification", () => {
            assert.equal(run("istio-dr-tls-verify", [dr({ trafficPolicy: { tls: { mode: "SIMPLE", caCertificates: "" } } })]).length, 1);
        });
        it("passes SIMPLE with caCertificates, or credentialName where a workloadSelector makes sidecars read it", () => {
            const tls = { tls: { mode: "SIMPLE", caCertificates: "/etc/ca.pem" }, portLevelSettings: [{ port: { number: 443 }, tls: { mode: "MUTUAL", credentialName: "client" } }] };
            assert.deepEqual(run("istio-dr-tls-verify", [dr({ trafficPolicy: tls, workloadSelector: { matchLabels: { app: "backend" } } })]), []);
            assert.match(run("istio-dr-tls-verify", [dr({ trafficPolicy: tls })])[0]!.message, /^trafficPolicy.portLevelSettings\[0\] \(port 443\).tls.mode is MUTUAL with credentialName but the DestinationRule has no workloadSelector/);
        });
    });

    describe("istio-gateway-tls", () => {
        const gw = (servers: unknown[], apiVersion?: string) => istio("Gateway", "public", "istio-ingress", { selector: { istio: "ingressgateway" }, servers }, apiVersion);
        const https = { port: { number: 443, name: "https", protocol: "HTTPS" }, hosts: ["pay.dodo.dev"], tls: { mode: "SIMPLE", credentialName: "pay-cert", minProtocolVersion: "TLSV1_2" } };
        it("passes HTTPS with a credential and TLS 1.2, plus a redirecting HTTP server", () => {
            const http = { port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["pay.dodo.dev"], tls: { httpsRedirect: true } };
            assert.deepEqual(run("istio-gateway-tls", [gw([https, http])]), []);
        });
        it("flags a missing minimum TLS version, a missing credential and PASSTHROUGH", () => {
            const f = run("istio-gateway-tls", [gw([
                { ...https, tls: { mode: "SIMPLE", credentialName: "c" } },
                { ...https, tls: { mode: "MUTUAL", minProtocolVersion: "TLSV1_1" } },
                { ...https, tls: { mode: "PASSTHROUGH" } },
            ], "networking.istio.io/v1alpha3")]);
            assert.deepEqual(messages(f).map((m) => m.replace(/ .*/, "")), ["servers[0]", "servers[1]", "servers[1]", "servers[2]"]);
            assert.match(f[3]!.message, /PASSTHROUGH/);
        });
        it("flags plain HTTP without a redirect", () => {
            assert.match(run("istio-gateway-tls", [gw([{ port: { number: 80, protocol: "HTTP" }, hosts: ["a.b"] }])])[0]!.message, /without tls.httpsRedirect/);
        });
    });

    describe("wildcard hosts", () => {
        it("flags * and *.domain on Gateways, including namespace-qualified hosts", () => {
            const g = istio("Gateway", "g", "istio-ingress", { servers: [{ port: { number: 443, protocol: "HTTPS" }, hosts: ["*/pay.dodo.dev", "*.dodo.dev", "./*"] }] });
            assert.equal(run("istio-gateway-no-wildcard-host", [g]).length, 2);
        });
        it("flags * on VirtualServices and passes exact hosts", () => {
            assert.equal(run("istio-vs-no-wildcard-host", [istio("VirtualService", "v", "payments", { hosts: ["*"] })]).length, 1);
            assert.deepEqual(run("istio-vs-no-wildcard-host", [istio("VirtualService", "v", "payments", { hosts: ["pay.dodo.dev", "backend"] }, "networking.istio.io/v1beta1")]), []);
        });
    });

    describe("istio-vs-weights", () => {
        const vs = (route: unknown[]) => istio("VirtualService", "backend", "payments", { hosts: ["backend"], http: [{ name: "canary", route }] });
        it("passes 90/10 and a single unweighted destination", () => {
            assert.deepEqual(run("istio-vs-weights", [vs([{ destination: { host: "backend", subset: "v1" }, weight: 90 }, { destination: { host: "backend", subset: "v2" }, weight: 10 }])]), []);
            assert.deepEqual(run("istio-vs-weights", [vs([{ destination: { host: "backend" } }])]), []);
        });
        it("flags weights that do not sum to 100 and negative weights", () => {
            assert.match(run("istio-vs-weights", [vs([{ destination: { host: "a" }, weight: 90 }, { destination: { host: "b" }, weight: 20 }])])[0]!.message, /sum to 110/);
            const neg = run("istio-vs-weights", [vs([{ destination: { host: "a" }, weight: 110 }, { destination: { host: "b" }, weight: -10 }])]);
            assert.match(neg[0]!.message, /weight -10/);
        });
    });

    describe("istio-vs-subsets-defined", () => {
        const vs = istio("VirtualService", "backend", "payments", { hosts: ["backend"], http: [{ route: [{ destination: { host: "backend", subset: "v1" }, weight: 90 }, { destination: { host: "backend.payments.svc.cluster.local", subset: "v2" }, weight: 10 }] }] });
        const dr = (subsets: string[]) => istio("DestinationRule", "backend", "payments", { host: "backend", subsets: subsets.map((name) => ({ name, labels: { version: name } })) });
        it("passes when a DestinationRule for the host (short or FQDN) defines every subset", () => {
            assert.deepEqual(run("istio-vs-subsets-defined", [vs, dr(["v1", "v2"])]), []);
        });
        it("flags an undefined subset and a host without a DestinationRule", () => {
            assert.match(run("istio-vs-subsets-defined", [vs, dr(["v1"])])[0]!.message, /subset "v2".*which no DestinationRule/);
            assert.equal(run("istio-vs-subsets-defined", [vs]).length, 2);
        });
    });

    describe("istio-vs-gateway-exists", () => {
        const gw = istio("Gateway", "public", "istio-ingress", { servers: [{ port: { number: 443, protocol: "HTTPS" }, hosts: ["payments/pay.dodo.dev"] }] });
        const vs = (gateways: string[], hosts = ["pay.dodo.dev"], namespace = "payments") => istio("VirtualService", "frontend", namespace, { hosts, gateways, http: [{ route: [{ destination: { host: "frontend" } }] }] });
        it("passes when the gateway exists and admits the host from this namespace", () => {
            assert.deepEqual(run("istio-vs-gateway-exists", [gw, vs(["istio-ingress/public", "mesh"])]), []);
        });
        it("flags a missing gateway (short names resolve in the VirtualService's namespace)", () => {
            assert.match(run("istio-vs-gateway-exists", [gw, vs(["public"])])[0]!.message, /payments\/public\) does not exist/);
        });
        it("flags a gateway that does not admit the host or the namespace", () => {
            assert.equal(run("istio-vs-gateway-exists", [gw, vs(["istio-ingress/public"], ["other.dodo.dev"])]).length, 1);
            assert.equal(run("istio-vs-gateway-exists", [gw, vs(["istio-ingress/public"], ["pay.dodo.dev"], "web")]).length, 1);
        });
        it("refuses a Gateway API Gateway as the pinned Istio does (pilot binds to Istio Gateways only), and Istio's generated name for one (IST0165)", () => {
            const apiGw: KubeObject = { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "edge", namespace: "payments" }, spec: { listeners: [{ name: "http", port: 80, protocol: "HTTP" }] } };
            assert.deepEqual(messages(run("istio-vs-gateway-exists", [apiGw, vs(["edge"], ["anything.dodo.dev"])])), [
                "gateway edge (payments/edge) is a Gateway API Gateway, and Istio (through 1.31) binds a VirtualService only to an Istio Gateway (networking.istio.io): route through it with an HTTPRoute, or name an Istio Gateway",
            ]);
            assert.match(run("istio-vs-gateway-exists", [apiGw, vs(["payments/edge~istio-autogenerated-k8s-gateway~http"])])[0]!.message, /one Istio generates from a Gateway API Gateway \(IST0165\)/);
            const istioGw = istio("Gateway", "edge", "payments", { selector: { istio: "ingressgateway" }, servers: [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["*"] }] });
            assert.deepEqual(run("istio-vs-gateway-exists", [apiGw, istioGw, vs(["edge"], ["anything.dodo.dev"])]), [], "an Istio Gateway of that name is the one bound (Istio's lookup order)");
        });

        it("was checked against every Istio release the platform pins; a newer one needs this rule read again", () => {
            const minor = (v: string) => v.split(".").slice(0, 2).map(Number);
            const [maxMajor, maxMinor] = minor(VS_GATEWAYS_CHECKED_THROUGH) as [number, number];
            for (const v of [ISTIO_VERSION, ...ISTIO_RELEASES]) {
                const [major, m] = minor(v) as [number, number];
                assert.ok(major < maxMajor || (major === maxMajor && m <= maxMinor), `Istio ${v} is pinned (components/versions.ts): check whether it binds a VirtualService to a Gateway API Gateway (pilot and pkg/config/analysis/analyzers/virtualservice/gateways.go at that tag), then update VS_GATEWAYS_CHECKED_THROUGH in policy/rules/traffic.ts`);
            }
        });
    });

    describe("istio-namespace-injection", () => {
        it("passes exactly one injection label", () => {
            assert.deepEqual(run("istio-namespace-injection", [ns("a"), ns("b", { "istio.io/rev": "1-29" })]), []);
        });
        it("flags none, both, and disabled", () => {
            const f = run("istio-namespace-injection", [ns("a", {}), ns("b", { "istio-injection": "enabled", "istio.io/rev": "1-29" }), ns("c", { "istio-injection": "disabled" })]);
            assert.equal(f.length, 3);
            assert.match(f[1]!.message, /both/);
        });
        it("flags any istio-injection value but enabled, even beside a revision label", () => {
            for (const v of ["disabled", "Enabled", "true", ""]) {
                const f = run("istio-namespace-injection", [ns("c", { "istio-injection": v, "istio.io/rev": "1-29" })]);
                assert.equal(f.length, 1, v);
                assert.match(f[0]!.message, /only "enabled" injects/);
            }
        });
        it("exempts system namespaces and configured ones", () => {
            assert.deepEqual(run("istio-namespace-injection", [ns("kube-system", {}), ns("istio-system", {}), ns("tools", {})], { config: { exemptNamespaces: ["tools"] } }), []);
        });
    });

    describe("istio-no-injection-opt-out", () => {
        it("flags a Deployment and a CronJob opting out", () => {
            const d = deployment("backend", "payments", podSpec(), { annotations: { "sidecar.istio.io/inject": "false" } });
            const cj: KubeObject = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "report", namespace: "payments" }, spec: { jobTemplate: { spec: { template: { metadata: { labels: { "sidecar.istio.io/inject": "false" } }, spec: podSpec() } } } } };
            assert.equal(run("istio-no-injection-opt-out", [d, cj]).length, 2);
        });
        it("flags any non-empty value Istio does not read as inject, on the label or the annotation", () => {
            for (const v of ["False", "no", "0", "off", "disabled"]) {
                const d = deployment("backend", "payments", podSpec(), { annotations: { "sidecar.istio.io/inject": v } });
                assert.equal(run("istio-no-injection-opt-out", [d]).length, 1, v);
            }
            const cj: KubeObject = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "report", namespace: "payments" }, spec: { jobTemplate: { spec: { template: { metadata: { labels: { "sidecar.istio.io/inject": "nope" } }, spec: podSpec() } } } } };
            assert.match(run("istio-no-injection-opt-out", [cj])[0]!.message, /pod label sidecar.istio.io\/inject="nope" opts out/);
            for (const v of ["y", "YES", "True", "on", ""]) {
                const d = deployment("backend", "payments", podSpec(), { annotations: { "sidecar.istio.io/inject": v } });
                assert.deepEqual(run("istio-no-injection-opt-out", [d]), [], v);
            }
        });
        it("allows opt-outs in exempt namespaces and opt-ins anywhere", () => {
            const d = deployment("coredns", "kube-system", podSpec(), { annotations: { "sidecar.istio.io/inject": "false" } });
            const e = deployment("backend", "payments", podSpec(), { annotations: { "sidecar.istio.io/inject": "true" } });
            assert.deepEqual(run("istio-no-injection-opt-out", [d, e]), []);
        });
    });

    describe("istio-service-port-names", () => {
        const svc = (ports: unknown[]): KubeObject => ({ apiVersion: "v1", kind: "Service", metadata: { name: "backend", namespace: "payments" }, spec: { ports } });
        it("passes protocol-prefixed names and appProtocol", () => {
            assert.deepEqual(run("istio-service-port-names", [svc([{ name: "http-api", port: 80 }, { name: "grpc", port: 9090 }, { name: "db", port: 5432, appProtocol: "tcp" }])]), []);
        });
        it("flags unnamed and unprefixed ports", () => {
            assert.equal(run("istio-service-port-names", [svc([{ port: 80 }, { name: "api", port: 8080 }, { name: "httpx", port: 81 }])]).length, 3);
        });
    });

    describe("istio-uid-not-1337", () => {
        it("flags an app container inheriting UID 1337 from the pod", () => {
            const d = deployment("backend", "payments", podSpec([hardenedContainer("app", { securityContext: {} })], { securityContext: { runAsUser: 1337 } }));
            assert.match(run("istio-uid-not-1337", [d])[0]!.message, /container "app" runs as UID 1337/);
        });
        it("flags GID 1337 too (istio-iptables also exempts --gid-owner 1337)", () => {
            const d = deployment("backend", "payments", podSpec([hardenedContainer("app", { securityContext: { runAsUser: 10001, runAsGroup: 1337 } })]));
            assert.match(run("istio-uid-not-1337", [d])[0]!.message, /runs as GID 1337/);
        });
        it("does not flag Istio's proxy and init containers, even as native sidecars", () => {
            const proxy = { name: "istio-proxy", image: "docker.io/istio/proxyv2:1.29.0", restartPolicy: "Always", securityContext: { runAsUser: 1337 } };
            const init = { name: "istio-validation", image: "docker.io/istio/proxyv2:1.29.0", args: ["istio-iptables", "--run-validation", "--skip-rule-apply"], securityContext: { runAsUser: 1337 } };
            const d = deployment("backend", "payments", podSpec([hardenedContainer()], { initContainers: [init, proxy] }));
            assert.deepEqual(run("istio-uid-not-1337", [d]), []);
        });
        it("does flag a container that only borrows the proxy's name", () => {
            const fake = { name: "istio-proxy", image: "evil.example/tool:1.0", securityContext: { runAsUser: 1337 } };
            assert.equal(run("istio-uid-not-1337", [deployment("x", "payments", podSpec([fake]))]).length, 1);
        });
    });

    it("a compliant mesh namespace passes every mesh rule together", () => {
        const all = [ns("payments"), strictMeshWide, allowNothing("payments"), deployment("backend", "payments")];
        const f = run("istio-authz-default-deny", all).concat(run("istio-mesh-wide-strict", all), run("istio-namespace-injection", all));
        assert.deepEqual(f, []);
    });
});
