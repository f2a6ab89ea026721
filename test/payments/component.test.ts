import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { CertManager } from "../../components/certs";
import { Payments } from "../../components/payments";
import { CHARTS, POSTGRES_IMAGE } from "../../components/versions";
import { get, ofType, props, RegisteredResource, runComponent, testProvider } from "../harness";
import { membershipOn, paymentsConfig } from "./fixtures";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const oidc = { providerArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.ap-south-1.amazonaws.com/id/ABC", issuerUrl: "https://oidc.eks.ap-south-1.amazonaws.com/id/ABC" };

function program(issuer: "selfSigned" | "letsencrypt") {
    return () => {
        const provider = testProvider();
        const certs = new CertManager("certs", {
            name: "dodo-prod",
            environment: "prod",
            region: "ap-south-1",
            issuer,
            hostedZone: { name: "pay.dodopayments.com", zoneId: "Z0123456789ABCDEFGHIJ" },
            host: "pay.dodopayments.com",
            acmeEmail: "platform@dodopayments.com",
            oidc,
            provider,
        });
        const base = paymentsConfig({ host: "pay.dodopayments.com", tls: { issuer, installCertManager: true }, canary: { weight: 10, edgeHeader: true } });
        new Payments("payments", {
            environment: "prod",
            config: { ...base, postgres: { storageGiB: 100, password: pulumi.secret("a-very-long-database-password") } },
            provider,
            mesh: membershipOn("1-31-4"),
            issuerName: certs.issuerName,
            certificateDependsOn: certs.ready,
            dns: issuer === "letsencrypt" ? { hostedZoneId: "Z0123456789ABCDEFGHIJ", target: "k8s-istioing-abc.elb.ap-south-1.amazonaws.com" } : undefined,
        });
    };
}

const byKindName = (rs: RegisteredResource[], kind: string, name: string) =>
    rs.find((r) => (r.props as Obj).kind === kind && (r.props as Obj).metadata?.name === name);

describe("Payments and CertManager components", () => {
    let prod: RegisteredResource[];
    let selfSigned: RegisteredResource[];

    before(async () => {
        prod = await runComponent(program("letsencrypt"), { stack: "prod" });
        selfSigned = await runComponent(program("selfSigned"), { stack: "dev" });
    });

    describe("cert-manager", () => {
        it("installs the pinned chart with CRDs into its own namespace", () => {
            const release = props<Obj>(get(prod, "kubernetes:helm.sh/v3:Release", "certs-release"));
            assert.equal(release.chart, "cert-manager");
            assert.equal(release.version, CHARTS.certManager.version);
            assert.equal(release.repositoryOpts.repo, "https://charts.jetstack.io");
            assert.equal(release.namespace, "cert-manager");
            assert.equal(release.values.crds.enabled, true);
        });

        it("gives the controller an IRSA role limited to the hosted zone, only for ACME", () => {
            const role = props<Obj>(get(prod, "aws:iam/role:Role", "certs-route53"));
            const trust = JSON.parse(role.assumeRolePolicy);
            assert.deepEqual(Object.values(trust.Statement[0].Condition.StringEquals), ["system:serviceaccount:cert-manager:cert-manager", "sts.amazonaws.com"]);
            const policy = JSON.parse(props<Obj>(get(prod, "aws:iam/rolePolicy:RolePolicy", "certs-route53")).policy);
            assert.ok(policy.Statement.some((s: Obj) => s.Resource === "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"));
            const release = props<Obj>(get(prod, "kubernetes:helm.sh/v3:Release", "certs-release"));
            assert.match(release.values.serviceAccount.annotations["eks.amazonaws.com/role-arn"], /^arn:aws:iam::123456789012:role\//);
            assert.equal(ofType(selfSigned, "aws:iam/role:Role").length, 0, "the self-signed issuer needs no AWS access");
        });

        it("creates the ClusterIssuer after the release, and the host Certificate after the issuer", () => {
            const issuer = ofType(prod, "kubernetes:cert-manager.io/v1:ClusterIssuer");
            assert.deepEqual(issuer.map((r) => (r.props as Obj).metadata.name), ["letsencrypt"]);
            assert.ok(issuer[0].dependsOn.includes("kubernetes:helm.sh/v3:Release::certs-release"));
            const cert = byKindName(prod, "Certificate", "dodo-payments-tls")!;
            assert.equal((cert.props as Obj).spec.issuerRef.name, "letsencrypt");
            assert.ok(cert.dependsOn.includes(issuer[0].ref));
        });

        it("issues from the dev CA when the issuer is selfSigned", () => {
            assert.equal((byKindName(selfSigned, "Certificate", "dodo-payments-tls")!.props as Obj).spec.issuerRef.name, "dodo-ca");
        });
    });

    describe("payments", () => {
        it("registers every object of the issue under the component", () => {
            const expected = [
                "Namespace/dodo-payments", "ServiceAccount/frontend-sa", "ServiceAccount/backend-sa", "ServiceAccount/postgres-sa",
                "Deployment/frontend", "Deployment/backend-v1", "Deployment/backend-v2", "StatefulSet/postgres", "Secret/postgres-credentials",
                "Service/frontend-service", "Service/backend-service", "Service/postgres",
                "HorizontalPodAutoscaler/frontend", "HorizontalPodAutoscaler/backend-v1", "HorizontalPodAutoscaler/backend-v2",
                "PodDisruptionBudget/frontend", "PodDisruptionBudget/backend-v1", "PodDisruptionBudget/backend-v2", "PodDisruptionBudget/postgres",
                "Gateway/dodo-gateway", "VirtualService/payments-edge", "VirtualService/backend-canary", "DestinationRule/backend",
                "EnvoyFilter/ingress-local-rate-limit", "Certificate/dodo-payments-tls",
                "PeerAuthentication/default", "AuthorizationPolicy/default-deny", "AuthorizationPolicy/allow-ingress-to-frontend",
                "AuthorizationPolicy/allow-ingress-to-backend", "AuthorizationPolicy/allow-frontend-to-backend", "AuthorizationPolicy/allow-backend-to-postgres",
                "Sidecar/default",
            ];
            for (const e of expected) {
                const [kind, name] = e.split("/");
                const r = byKindName(prod, kind, name);
                assert.ok(r, `missing ${e}`);
                assert.equal(r!.parent, "dodo:platform:Payments::payments", `${e} is not parented to the component`);
                assert.equal(r!.provider, "pulumi:providers:kubernetes::test-k8s", `${e} does not use the cluster's provider`);
            }
        });

        it("uses Istio v1 APIs (v1alpha3 only for the EnvoyFilter)", () => {
            const istio = prod.filter((r) => /istio\.io\//.test(r.type));
            assert.ok(istio.length >= 10);
            for (const r of istio) {
                const api = (r.props as Obj).apiVersion as string;
                assert.ok(api.endsWith("/v1") || ((r.props as Obj).kind === "EnvoyFilter" && api === "networking.istio.io/v1alpha3"), `${r.name}: ${api}`);
            }
        });

        it("labels the namespace with the tag the mesh gives it", () => {
            assert.equal((byKindName(prod, "Namespace", "dodo-payments")!.props as Obj).metadata.labels["istio.io/rev"], "prod-stable");
        });

        it("keeps the database password secret and pins the PostgreSQL image", () => {
            assert.equal((byKindName(prod, "Secret", "postgres-credentials")!.props as Obj).stringData, "[secret]");
            assert.doesNotMatch(JSON.stringify(prod), /a-very-long-database-password/);
            assert.equal((byKindName(prod, "StatefulSet", "postgres")!.props as Obj).spec.template.spec.containers[0].image, POSTGRES_IMAGE);
        });

        it("starts workloads only after the policies, the database's egress, accounts and Secret exist", () => {
            const backend = byKindName(prod, "Deployment", "backend-v1")!;
            for (const dep of ["default-deny", "allow-frontend-to-backend", "postgres-credentials", "backend-sa", "destinationrule-postgres"]) {
                assert.ok(backend.dependsOn.some((d) => d.endsWith(`-${dep}`)), `backend-v1 does not wait for ${dep}: ${backend.dependsOn.join(", ")}`);
            }
        });

        it("binds the Gateway after its certificate so it never serves without a secret", () => {
            const gw = byKindName(prod, "Gateway", "dodo-gateway")!;
            assert.ok(gw.dependsOn.includes(byKindName(prod, "Certificate", "dodo-payments-tls")!.ref));
        });

        it("publishes the host as an alias to the gateway's NLB, with a CAA record naming Let's Encrypt, when a hosted zone is given", () => {
            const record = props<Obj>(get(prod, "aws:route53/record:Record", "payments-host"));
            assert.deepEqual([record.zoneId, record.name, record.type, record.records], ["Z0123456789ABCDEFGHIJ", "pay.dodopayments.com", "A", undefined]);
            assert.deepEqual(record.aliases, [{ name: "k8s-istioing-abc.elb.ap-south-1.amazonaws.com", zoneId: "ZMOCKNETWORK", evaluateTargetHealth: true }]);
            const caa = props<Obj>(get(prod, "aws:route53/record:Record", "payments-host-caa"));
            assert.deepEqual([caa.name, caa.type, caa.records], ["pay.dodopayments.com", "CAA", ['0 issue "letsencrypt.org; validationmethods=dns-01"', '0 issuewild ";"']]);
            // Route 53 refuses a CAA set beside a CNAME: created only after the host record's update replaced an older CNAME.
            assert.deepEqual(get(prod, "aws:route53/record:Record", "payments-host-caa").dependsOn, [get(prod, "aws:route53/record:Record", "payments-host").ref]);
            assert.equal(ofType(selfSigned, "aws:route53/record:Record").length, 0);
        });

        it("gives the cert-manager role the host's challenge record only, and the ClusterIssuer the zone by ID", () => {
            const policy = JSON.parse(props<Obj>(get(prod, "aws:iam/rolePolicy:RolePolicy", "certs-route53")).policy);
            const change = policy.Statement.find((s: Obj) => s.Action === "route53:ChangeResourceRecordSets");
            assert.deepEqual(change.Condition["ForAllValues:StringEquals"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"], ["_acme-challenge.pay.dodopayments.com"]);
            const issuer = props<Obj>(ofType(prod, "kubernetes:cert-manager.io/v1:ClusterIssuer")[0]);
            assert.deepEqual(issuer.spec.acme.solvers[0].dns01.route53.hostedZoneID, "Z0123456789ABCDEFGHIJ");
        });

        it("routes the configured canary weight", () => {
            const vs = (byKindName(prod, "VirtualService", "backend-canary")!.props as Obj).spec;
            const split = vs.http.find((r: Obj) => r.name === "api-write");
            assert.deepEqual(split.route.map((d: Obj) => [d.destination.subset, d.weight]), [["v1", 90], ["v2", 10]]);
        });
    });
});
