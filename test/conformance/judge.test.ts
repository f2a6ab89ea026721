import { strict as assert } from "assert";
import { resolveConfig } from "../../policy/config";
import { shippedPackConfig } from "../../policy/config-files";
import { configuredExemptions } from "../../policy/exemptions";
import { asManifest, isPlatformObject, judge } from "../../scripts/lib/conformance/judge";
import { plantedViolation, PLANTED_RULE } from "../../scripts/lib/conformance/planted";
import { allowedLeftover } from "../../scripts/lib/conformance/run";
import { renderCached } from "../harness";

describe("conformance: judging the live objects", () => {
    it("keeps the platform's objects: outside system namespaces, or cluster-scoped and managed by Helm or Pulumi", () => {
        const ns = (namespace: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace } });
        assert.equal(isPlatformObject(ns("dodo-payments"), true), true);
        assert.equal(isPlatformObject(ns("kube-system"), true), false);
        assert.equal(isPlatformObject({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "dodo-payments" } }, true), false, "pods are judged through their workloads");
        const cr = (managedBy?: string) => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r", ...(managedBy ? { labels: { "app.kubernetes.io/managed-by": managedBy } } : {}) } });
        assert.equal(isPlatformObject(cr("Helm"), false), true);
        assert.equal(isPlatformObject(cr(), false), false, "the control plane's own roles");
    });

    it("reads a live object as a manifest: no status or server bookkeeping", () => {
        const m = asManifest({ apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "n", uid: "u", resourceVersion: "7", managedFields: [{}], labels: { a: "b" } }, spec: {}, status: { loadBalancer: {} } });
        assert.deepEqual(m, { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "n", labels: { a: "b" } }, spec: {} });
    });

    it("passes dev's render, catches the planted allow-everyone policy; exemptions whose object is absent are unseen, not stale", async () => {
        const objects = (await renderCached("dev")).manifests as unknown as Parameters<typeof judge>[0];
        const clean = judge(objects, "dev");
        assert.deepEqual(clean.failures, []);
        assert.deepEqual(clean.stale, []);
        const planted = plantedViolation();
        const caught = judge([...objects, planted], "dev").failures;
        assert.deepEqual(caught.map((f) => `${f.rule} ${f.namespace}/${f.name}`), [`${PLANTED_RULE} dodo-payments/planted-allow-everyone`]);
        assert.deepEqual(clean.unseen, configuredExemptions(resolveConfig(shippedPackConfig("dev"), "dev")), "the render has no chart objects, so no exemption applies there");
    });

    it("uses the pack config's exemptions: istiod's missing liveness probe, there and nowhere else; a hardened istiod makes it stale", () => {
        const liveIstiod = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "istiod", namespace: "istio-system" }, spec: { template: { metadata: {}, spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, containers: [{ name: "discovery", image: "docker.io/istio/pilot:1.30.4", readinessProbe: { httpGet: { path: "/ready", port: 8080 } } }] } } } };
        const other = structuredClone(liveIstiod);
        other.metadata.namespace = "payments";
        const probeFailures = (objs: object[]) => judge(objs as never, "dev").failures.filter((f) => f.rule === "k8s-probes");
        assert.deepEqual(probeFailures([liveIstiod]), []);
        assert.deepEqual(judge([liveIstiod] as never, "dev").exempted.map((f) => `${f.rule} ${f.namespace}/${f.name} ${f.container}`), ["k8s-probes istio-system/istiod discovery"]);
        assert.equal(probeFailures([other]).length, 1, "the same Deployment elsewhere is not exempt");
        const healed = structuredClone(liveIstiod) as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
        healed.spec.template.spec.containers[0]!.livenessProbe = { httpGet: { path: "/ready", port: 8080 } };
        assert.deepEqual(judge([healed] as never, "dev").stale.map((e) => `${e.rule} ${e.kind} ${e.namespace}/${e.name}`), ["k8s-probes Deployment istio-system/istiod"]);
    });

    it("after destroy allows only the harness's stand-in cert-manager namespace contents and what a chart keeps on uninstall", () => {
        assert.equal(allowedLeftover({ kind: "ConfigMap", metadata: { name: "kube-root-ca.crt", namespace: "cert-manager" } }), "harness");
        assert.equal(allowedLeftover({ kind: "ConfigMap", metadata: { name: "kube-root-ca.crt", namespace: "dodo-payments" } }), undefined);
        assert.equal(allowedLeftover({ kind: "Secret", metadata: { name: "dodo-root-ca", namespace: "cert-manager" } }), undefined);
        const crd = { kind: "CustomResourceDefinition", metadata: { name: "virtualservices.networking.istio.io", annotations: { "helm.sh/resource-policy": "keep" } } };
        assert.equal(allowedLeftover(crd), "kept by its chart");
        assert.equal(allowedLeftover({ ...crd, metadata: { name: crd.metadata.name } }), undefined);
    });
});
