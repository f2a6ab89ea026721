// The `local` stack: the Kubernetes layer on an existing cluster (the conformance run's stack).
import { strict as assert } from "assert";
import { policyFindings } from "../../scripts/lib/synth-sections";
import { manifests, ofType, props, Render } from "../harness";
import { renderStack } from "../../scripts/lib/render";

describe("the local stack (existing cluster)", () => {
    let render: Render;
    before(async () => {
        render = await renderStack("local");
    });

    it("builds nothing on AWS: no AWS provider or resource, no DNS record, no IAM role", () => {
        assert.deepEqual(render.resources.filter((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws").map((r) => r.type), []);
    });

    it("installs Istio and payments through the existing cluster's provider", () => {
        const releases = ofType(render.resources, "kubernetes:helm.sh/v3:Release").map((r) => props<{ name: string }>(r).name).sort();
        assert.deepEqual(releases, ["istio-base", "istio-ingressgateway", "istiod"]);
        const providers = new Set(render.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.provider?.split("::").pop()));
        assert.deepEqual([...providers], ["cluster-k8s"]);
    });

    it("exposes the gateway as a plain LoadBalancer Service, with none of the NLB's annotations", () => {
        const [svc] = manifests(render, "Service", "istio-ingress");
        const spec = svc.spec as { type: string; loadBalancerClass?: string };
        assert.equal(spec.type, "LoadBalancer");
        assert.equal(spec.loadBalancerClass, undefined);
        assert.equal(svc.metadata.annotations, undefined);
    });

    it("signs the host certificate with the in-cluster CA on the cluster's own cert-manager (not installed here)", () => {
        assert.deepEqual(manifests(render, "ClusterIssuer").map((i) => i.metadata.name).sort(), ["dodo-ca", "dodo-selfsigned"]);
        assert.ok(manifests(render, "Certificate").some((c) => (c.spec as { dnsNames?: string[] }).dnsNames?.includes("pay.local.dodopayments.test")));
        assert.equal(manifests(render, "Namespace").some((n) => n.metadata.name === "cert-manager"), false);
    });

    it("keeps PostgreSQL's volume on the cluster's StorageClass", () => {
        const [sts] = manifests(render, "StatefulSet", "dodo-payments");
        const claims = (sts.spec as { volumeClaimTemplates: { spec: { storageClassName: string } }[] }).volumeClaimTemplates;
        assert.deepEqual(claims.map((c) => c.spec.storageClassName), ["standard"]);
    });

    it("leaves observability out (its charts cannot be fetched where the conformance runs)", () => {
        assert.equal(manifests(render, "Namespace").some((n) => n.metadata.name === "observability"), false);
        assert.equal(render.outputs.portForward, undefined);
    });

    it("has zero mandatory policy findings under dev's pack config", () => {
        assert.deepEqual(policyFindings(render).filter((f) => f.enforcement === "mandatory"), []);
    });
});
