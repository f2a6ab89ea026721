import { strict as assert } from "assert";
import { caaRecords, certManagerNamespace, certManagerValues, issuers, route53Policy } from "../../components/certs/builders";
import { CHARTS } from "../../components/versions";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Keys of deploy/charts/cert-manager/values.yaml at this release that the values set, checked
 * against the chart's source. Keys documented there but commented out (`+docs:property`:
 * serviceAccount.name/annotations, the PDBs' maxUnavailable) count as the chart's; `.*` marks a
 * map the chart passes through whole (resources, annotations, the pod securityContext).
 */
const CHART_KEYS_VERSION = "v1.21.1";
const CHART_KEYS: readonly string[] = [
    "crds.enabled", "crds.keep", "replicaCount", "podDisruptionBudget.enabled", "podDisruptionBudget.maxUnavailable", "topologySpreadConstraints", "resources.*",
    "serviceAccount.create", "serviceAccount.name", "serviceAccount.annotations.*", "securityContext.*", "dns01RecursiveNameservers", "dns01RecursiveNameserversOnly",
    ...["webhook", "cainjector"].flatMap((c) => [`${c}.replicaCount`, `${c}.podDisruptionBudget.enabled`, `${c}.podDisruptionBudget.maxUnavailable`, `${c}.topologySpreadConstraints`, `${c}.resources.*`]),
    "startupapicheck.resources.*",
];

describe("cert-manager builders", () => {
    describe("chart values", () => {
        it("installs the CRDs with the release and keeps them on uninstall", () => {
            assert.deepEqual(certManagerValues({ environment: "dev" }).crds, { enabled: true, keep: true });
        });

        it("annotates the controller's account with the IRSA role only when one is given", () => {
            const acme = certManagerValues({ environment: "prod", route53RoleArn: "arn:aws:iam::123456789012:role/dodo-prod-cert-manager" }) as Obj;
            assert.equal(acme.serviceAccount.name, "cert-manager");
            assert.equal(acme.serviceAccount.annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/dodo-prod-cert-manager");
            assert.equal(acme.securityContext.fsGroup, 1001);
            const dev = certManagerValues({ environment: "dev" }) as Obj;
            assert.equal(dev.serviceAccount.annotations, undefined);
            assert.equal(dev.securityContext, undefined);
        });

        it("runs two replicas of each part with PDBs outside dev, one in dev", () => {
            const prod = certManagerValues({ environment: "prod" }) as Obj;
            for (const part of [prod, prod.webhook, prod.cainjector]) {
                assert.equal(part.replicaCount, 2);
                assert.equal(part.podDisruptionBudget.enabled, true);
            }
            assert.equal((certManagerValues({ environment: "dev" }) as Obj).replicaCount, 1);
        });

        it("requests resources for every component", () => {
            const v = certManagerValues({ environment: "staging" }) as Obj;
            for (const part of [v, v.webhook, v.cainjector, v.startupapicheck]) assert.ok(part.resources.requests.cpu && part.resources.limits.memory);
        });

        it(`sets only keys of the ${CHART_KEYS_VERSION} chart's values.yaml (Helm ignores a misspelt key)`, () => {
            assert.equal(CHARTS.certManager.version, CHART_KEYS_VERSION, "the pin moved: recheck CHART_KEYS against that release's deploy/charts/cert-manager/values.yaml");
            const allowed = (p: string) => CHART_KEYS.includes(p) || CHART_KEYS.some((k) => k.endsWith(".*") && p.startsWith(k.slice(0, -1)));
            const leaves = (v: unknown, at: string): string[] =>
                v && typeof v === "object" && !Array.isArray(v) ? Object.entries(v).flatMap(([k, x]) => leaves(x, at ? `${at}.${k}` : k)) : [at];
            for (const input of [{ environment: "prod", route53RoleArn: "arn:aws:iam::123456789012:role/x" }, { environment: "dev" }] as const) {
                assert.deepEqual(leaves(certManagerValues(input), "").filter((p) => !allowed(p)), [], input.environment);
            }
        });
    });

    describe("Route 53 policy", () => {
        const ZONE = "Z0123456789ABCDEFGHIJ";
        const like = (pattern: string, v: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(v);

        /**
         * IAM's evaluation of one ChangeResourceRecordSets request against the Allow statements
         * (no Deny in the document): every condition operator must hold. ForAll* hold when each
         * value of the request matches; Null checks the key's presence. Names arrive as Route 53
         * normalizes them (lowercase, no trailing dot); `omit` drops a key from the request.
         */
        function allowsChange(host: string, names: string[], types: string[], omit: string[] = []): boolean {
            const doc = route53Policy(ZONE, host);
            const request: Record<string, string[]> = {
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": names.map((n) => n.toLowerCase().replace(/\.$/, "")),
                "route53:ChangeResourceRecordSetsRecordTypes": types,
            };
            for (const key of omit) delete request[key];
            return doc.Statement.filter((s) => s.Effect === "Allow" && ([] as string[]).concat(s.Action).includes("route53:ChangeResourceRecordSets")).some((s) =>
                Object.entries(s.Condition ?? {}).every(([op, conds]) =>
                    Object.entries(conds).every(([key, allowed]) => {
                        const list = ([] as string[]).concat(allowed);
                        const values = request[key];
                        if (op === "Null") return (values === undefined) === (list[0] === "true");
                        const test = op === "ForAllValues:StringLike" ? (v: string) => list.some((p) => like(p, v)) : op === "ForAllValues:StringEquals" ? (v: string) => list.includes(v) : () => false;
                        return (values ?? []).every(test);
                    }),
                ),
            );
        }

        it("lets the solver change records in the configured zone only, and list no zones", () => {
            const doc = route53Policy(ZONE, "pay.dodopayments.com");
            const zone = `arn:aws:route53:::hostedzone/${ZONE}`;
            const byAction = (a: string) => doc.Statement.filter((s) => ([] as string[]).concat(s.Action).includes(a));
            assert.deepEqual(byAction("route53:ChangeResourceRecordSets").map((s) => s.Resource), [zone]);
            assert.deepEqual(byAction("route53:ListResourceRecordSets").map((s) => s.Resource), [zone]);
            assert.deepEqual(doc.Statement.filter((s) => s.Resource === "*"), [], "the solver gets the zone ID, so ListHostedZonesByName is not needed");
            assert.ok(doc.Statement.some((s) => s.Action === "route53:GetChange" && s.Resource === "arn:aws:route53:::change/*"));
        });

        it("lets the solver write only its own host's _acme-challenge TXT record", () => {
            assert.equal(allowsChange("pay.dodopayments.com", ["_acme-challenge.pay.dodopayments.com."], ["TXT"]), true);
            assert.equal(allowsChange("pay.dodopayments.com", ["_ACME-Challenge.pay.dodopayments.com"], ["TXT"]), true, "names are compared normalized");
            assert.equal(allowsChange("pay.dodopayments.com", ["pay.dodopayments.com"], ["A"]), false, "the host's own record");
            assert.equal(allowsChange("pay.dodopayments.com", ["pay.dodopayments.com"], ["TXT"]), false);
            assert.equal(allowsChange("pay.dodopayments.com", ["_acme-challenge.pay.dodopayments.com"], ["CNAME"]), false);
            assert.equal(allowsChange("pay.dodopayments.com", ["_acme-challenge.pay.dodopayments.com", "dodopayments.com"], ["TXT", "MX"]), false, "every record of a batch must qualify");
            assert.equal(allowsChange("pay.dodopayments.com", ["_acme-challenge.www.dodopayments.com"], ["TXT"]), false, "another host in the zone");
            assert.equal(allowsChange("pay.dodopayments.com", ["_acme-challenge.x.pay.dodopayments.com"], ["TXT"]), false, "a name under the host");
        });

        it("keeps staging's solver from proving control of prod's host in a shared zone", () => {
            assert.equal(allowsChange("pay.staging.dodopayments.com", ["_acme-challenge.pay.staging.dodopayments.com"], ["TXT"]), true);
            assert.equal(allowsChange("pay.staging.dodopayments.com", ["_acme-challenge.pay.dodopayments.com"], ["TXT"]), false);
        });

        it("refuses a request that carries no record names or types (ForAllValues alone would hold)", () => {
            assert.equal(allowsChange("pay.dodopayments.com", [], ["TXT"], ["route53:ChangeResourceRecordSetsNormalizedRecordNames"]), false);
            assert.equal(allowsChange("pay.dodopayments.com", ["_acme-challenge.pay.dodopayments.com"], [], ["route53:ChangeResourceRecordSetsRecordTypes"]), false);
        });

        it("rejects something that is not a zone ID or one lowercase host", () => {
            assert.throws(() => route53Policy("example.com", "pay.dodopayments.com"), /hostedZoneId must look like Z/);
            assert.throws(() => route53Policy(ZONE, "*.dodopayments.com"), /host must be one lowercase DNS name/);
            assert.throws(() => route53Policy(ZONE, "Pay.dodopayments.com"), /host must be one lowercase DNS name/);
        });
    });

    describe("CAA records", () => {
        it("limit issuance for the host to Let's Encrypt over DNS-01, and forbid wildcards", () => {
            for (const kind of ["letsencrypt", "letsencrypt-staging"] as const) {
                assert.deepEqual(caaRecords(kind), ['0 issue "letsencrypt.org; validationmethods=dns-01"', '0 issuewild ";"']);
            }
        });

        it("bind issuance to the ClusterIssuer's ACME account when it is known", () => {
            assert.deepEqual(caaRecords("letsencrypt", "https://acme-v02.api.letsencrypt.org/acme/acct/123456789")[0], '0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/123456789; validationmethods=dns-01"');
            assert.throws(() => caaRecords("letsencrypt", 'https://x"; issue'), /accountUri must be/);
        });

        it("let no public CA issue for a host signed by the in-cluster CA", () => {
            assert.deepEqual(caaRecords("selfSigned"), ['0 issue ";"', '0 issuewild ";"']);
        });
    });

    describe("issuers", () => {
        it("dev: a self-signed issuer bootstraps a CA certificate, and a CA issuer signs hosts", () => {
            const { objects, issuerName } = issuers({ kind: "selfSigned" });
            assert.equal(issuerName, "dodo-ca");
            assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`), ["ClusterIssuer/dodo-selfsigned", "Certificate/dodo-root-ca", "ClusterIssuer/dodo-ca"]);
            const ca = objects[1] as Obj;
            assert.equal(ca.spec.isCA, true);
            assert.equal(ca.metadata.namespace, "cert-manager");
            assert.deepEqual((objects[2] as Obj).spec, { ca: { secretName: "dodo-root-ca" } });
        });

        it("staging and prod: Let's Encrypt's staging or production ACME server with DNS-01 for the host, in the zone by ID", () => {
            for (const [kind, server] of [
                ["letsencrypt-staging", "https://acme-staging-v02.api.letsencrypt.org/directory"],
                ["letsencrypt", "https://acme-v02.api.letsencrypt.org/directory"],
            ] as const) {
                const { objects, issuerName } = issuers({ kind, email: "platform@dodopayments.com", host: "pay.dodopayments.com", hostedZoneId: "Z0123456789ABCDEFGHIJ", region: "ap-south-1" });
                assert.equal(issuerName, kind);
                const acme = (objects[0] as Obj).spec.acme;
                assert.equal(acme.server, server);
                assert.deepEqual(acme.solvers, [{ selector: { dnsNames: ["pay.dodopayments.com"] }, dns01: { route53: { region: "ap-south-1", hostedZoneID: "Z0123456789ABCDEFGHIJ" } } }]);
            }
        });

        it("refuses an ACME issuer without e-mail, zone or region", () => {
            assert.throws(() => issuers({ kind: "letsencrypt", region: "ap-south-1" }), /needs email, host, hostedZoneId/);
        });
    });

    it("keeps cert-manager's namespace out of the mesh (the API server calls its webhook without mTLS)", () => {
        assert.equal(certManagerNamespace().metadata.labels!["istio-injection"], "disabled");
    });
});
