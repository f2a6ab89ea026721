import { strict as assert } from "assert";
import { KubeObject } from "../../components/k8s";
import { describeDifferences, differences, objectDifferences, quantityValue, unknowableFields } from "../../scripts/lib/conformance/compare";

describe("conformance: rendered vs live objects", () => {
    const rendered: KubeObject = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "backend-v1", namespace: "dodo-payments", labels: { app: "backend" } },
        spec: { replicas: 2, template: { spec: { containers: [{ name: "backend", image: "ghcr.io/x/backend:2.7.0", resources: { requests: { cpu: "1000m", memory: "512Mi" } } }] } } },
    };
    const live = {
        ...rendered,
        metadata: { ...rendered.metadata, labels: { app: "backend", "app.kubernetes.io/managed-by": "pulumi" }, uid: "u", managedFields: [] },
        spec: { replicas: 2, revisionHistoryLimit: 10, template: { spec: { containers: [{ name: "backend", image: "ghcr.io/x/backend:2.7.0", imagePullPolicy: "IfNotPresent", resources: { requests: { cpu: "1", memory: "512Mi" } } }] } } },
        status: { readyReplicas: 2 },
    };

    it("accepts what the server adds (defaults, status, the provider's label) and canonical quantities", () => {
        assert.deepEqual(differences(rendered, live), []);
    });

    it("names a changed field with its path and both values", () => {
        const changed = structuredClone(live);
        changed.spec.template.spec.containers[0].image = "ghcr.io/x/backend:2.6.0";
        const d = differences(rendered, changed);
        assert.deepEqual(d, [{ path: "spec.template.spec.containers[0].image", rendered: "ghcr.io/x/backend:2.7.0", live: "ghcr.io/x/backend:2.6.0" }]);
        assert.deepEqual(describeDifferences(rendered, d), ['Deployment dodo-payments/backend-v1: spec.template.spec.containers[0].image rendered "ghcr.io/x/backend:2.7.0", live "ghcr.io/x/backend:2.6.0"']);
    });

    it("treats a list of another length, a missing object and a real quantity change as differences", () => {
        const fewer = structuredClone(live);
        fewer.spec.template.spec.containers = [];
        assert.equal(differences(rendered, fewer)[0].path, "spec.template.spec.containers");
        assert.equal(differences(rendered, { ...live, spec: undefined })[0].path, "spec");
        const more = structuredClone(live);
        more.spec.template.spec.containers[0].resources.requests.cpu = "2";
        assert.equal(differences(rendered, more)[0].path, "spec.template.spec.containers[0].resources.requests.cpu");
    });

    it("skips values the offline render cannot know", () => {
        assert.deepEqual(differences({ data: { password: "[secret]" }, target: "[unknown]" }, { data: { password: "hunter2" }, target: "nlb.example" }), []);
    });

    it("compares a Secret's stringData with the base64 data the server keeps", () => {
        const secret: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "n" }, stringData: { user: "payments" } };
        assert.deepEqual(objectDifferences(secret, { ...secret, stringData: undefined, data: { user: Buffer.from("payments").toString("base64") } }), []);
        assert.equal(objectDifferences(secret, { ...secret, stringData: undefined, data: { user: Buffer.from("other").toString("base64") } })[0].path, "stringData.user");
    });

    it("lists the rendered fields it cannot compare, by object and path", () => {
        const secret: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "n" }, stringData: "[secret]" };
        assert.deepEqual(unknowableFields([rendered, secret, { ...rendered, spec: { hosts: ["[unknown]"] } }]), ["Secret n/s: stringData [secret]", "Deployment dodo-payments/backend-v1: spec.hosts[0] [unknown]"]);
    });

    it("reads Kubernetes quantities by value", () => {
        assert.equal(quantityValue("500m"), 0.5);
        assert.equal(quantityValue("1Gi"), 2 ** 30);
        assert.equal(quantityValue("2"), 2);
        assert.equal(quantityValue("lots"), undefined);
    });
});
