// Capabilities.APIVersions for each Release's `helm template`: the built-in APIs with their kinds
// (as helm lists them against a cluster), the program's own APIs, and the CRDs of the Releases
// installed before the chart. The render with the real helm is test/rendered-charts/helm/.
import { strict as assert } from "assert";
import { SUPPORTED_KUBERNETES_VERSIONS } from "../../components/versions";
import type { KubeObject } from "../../policy/rules/types";
import { apiVersionsFor, BUILTIN_APIS_FROM, builtinApiVersions, crdApiVersions, installOrder, programApiVersions, releasesInstalledBefore } from "../../scripts/lib/rendered-charts/capabilities";
import { ChartRelease, RELEASE_TYPE, releasesOf } from "../../scripts/lib/rendered-charts/releases";
import { fixtureApiVersions } from "../../scripts/lib/rendered-charts/self-check";
import { renderCached } from "../harness";

const crd = (group: string, kind: string, versions: { name: string; served: boolean }[]): KubeObject => ({
    apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: `${kind.toLowerCase()}s.${group}` },
    spec: { group, names: { kind, plural: `${kind.toLowerCase()}s` }, scope: "Namespaced", versions },
});
const release = (resource: string): ChartRelease => ({ resource, name: resource, namespace: "ns", chart: resource, values: {}, skipCrds: false, disableHooks: false });

describe("rendered-chart check: the APIs each chart is told the cluster serves", () => {
    it("lists the built-in GA APIs with their kinds, as helm does against a cluster, for every supported Kubernetes version", () => {
        const builtin = builtinApiVersions();
        for (const v of ["policy/v1", "policy/v1/PodDisruptionBudget", "autoscaling/v2", "autoscaling/v2/HorizontalPodAutoscaler", "batch/v1/CronJob", "networking.k8s.io/v1/Ingress", "v1/Service"]) assert.ok(builtin.includes(v), v);
        assert.ok(!builtin.some((v) => v.startsWith("policy/v1beta1") || v.startsWith("autoscaling/v2beta")), "no API removed before the supported versions");
        const minor = (v: string) => Number(v.split(".")[1]);
        for (const v of SUPPORTED_KUBERNETES_VERSIONS) assert.ok(minor(v) >= minor(BUILTIN_APIS_FROM), `Kubernetes ${v} is older than the ${BUILTIN_APIS_FROM} BUILTIN_APIS was checked for`);
    });

    it("adds each CRD's served versions, with its kind, and the program's own custom APIs", () => {
        const monitoring = crd("monitoring.coreos.com", "ServiceMonitor", [{ name: "v1", served: true }, { name: "v1alpha1", served: false }]);
        assert.deepEqual(crdApiVersions([monitoring, { apiVersion: "v1", kind: "Service" }]), ["monitoring.coreos.com/v1", "monitoring.coreos.com/v1/ServiceMonitor"]);
        const own = [{ apiVersion: "v1", kind: "Service" }, { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication" }, { apiVersion: "cert-manager.io/v1", kind: "Certificate" }];
        assert.deepEqual(programApiVersions(own), ["security.istio.io/v1", "security.istio.io/v1/PeerAuthentication", "cert-manager.io/v1", "cert-manager.io/v1/Certificate"]);
        const all = apiVersionsFor(own, [[monitoring]]);
        for (const v of ["monitoring.coreos.com/v1/ServiceMonitor", "cert-manager.io/v1/Certificate", "policy/v1/PodDisruptionBudget"]) assert.ok(all.includes(v), v);
        assert.deepEqual(all, [...new Set(all)].sort(), "sorted, no repeats");
        assert.ok(fixtureApiVersions().includes("monitoring.coreos.com/v1/ServiceMonitor"), "the fixture's earlier Release serves ServiceMonitor");
    });

    it("counts only the Releases installed before a chart (through any resource it depends on), and renders those first", () => {
        const releases = [release("app"), release("crds"), release("unrelated")];
        const resources = [
            { type: RELEASE_TYPE, name: "app", dependsOn: ["kubernetes:core/v1:Namespace::ns"] },
            { type: "kubernetes:core/v1:Namespace", name: "ns", dependsOn: [`${RELEASE_TYPE}::crds`] },
            { type: RELEASE_TYPE, name: "crds", dependsOn: [] },
            { type: RELEASE_TYPE, name: "unrelated" },
        ];
        const before = releasesInstalledBefore(releases, resources);
        assert.deepEqual(Object.fromEntries(before), { app: ["crds"], crds: [], unrelated: [] });
        assert.deepEqual(installOrder(releases, before).map((r) => r.resource), ["crds", "app", "unrelated"]);
    });

    it("knows from prod's synth that istiod installs after Istio's base chart and Grafana after kube-prometheus-stack", async () => {
        const render = await renderCached("prod");
        const releases = releasesOf(render.resources as never);
        const before = releasesInstalledBefore(releases, render.resources);
        assert.ok(before.get("mesh-istiod")?.includes("mesh-base"));
        assert.ok(!before.get("mesh-istiod")?.includes("mesh-ingressgateway"), "the gateway installs after istiod");
        assert.ok(before.get("observability-grafana")?.includes("observability-kube-prometheus-stack"));
        const order = installOrder(releases, before).map((r) => r.resource);
        assert.ok(order.indexOf("mesh-base") < order.indexOf("mesh-istiod") && order.indexOf("mesh-istiod") < order.indexOf("mesh-ingressgateway"));
    });
});
