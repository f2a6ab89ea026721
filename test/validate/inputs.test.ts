import { strict as assert } from "node:assert";
import * as YAML from "yaml";
import { KubeObject } from "../../components/k8s";
import { RegisteredResource } from "../../scripts/lib/mock-engine";
import { apiGroup, goYaml, meshConfigOf, schemaInputs, schemaVersion, unredactedForValidation, yamlStream } from "../../scripts/lib/validate-inputs";

function obj(apiVersion: string, kind: string, name: string, namespace?: string): KubeObject {
    return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } } as KubeObject;
}

const BUILT_IN = new Set(["v1", "apps/v1", "policy/v1", "networking.k8s.io/v1"]);

describe("validate: tool inputs", () => {
    it("gives redacted Secret payloads the shape the API expects instead of waiving the finding", () => {
        const whole = { ...obj("v1", "Secret", "db", "payments"), type: "Opaque", stringData: "[secret]", data: "[secret]" } as unknown as KubeObject;
        assert.deepEqual(unredactedForValidation(whole), { ...whole, stringData: {}, data: {} });
        const perKey = { ...obj("v1", "Secret", "db", "payments"), stringData: { user: "app", password: "[secret]" }, data: { token: "[secret]" } } as unknown as KubeObject;
        const got = unredactedForValidation(perKey) as unknown as { stringData: Record<string, string>; data: Record<string, string> };
        assert.deepEqual(got.stringData, { user: "app", password: "redacted-offline" });
        assert.equal(Buffer.from(got.data.token, "base64").toString(), "redacted-offline");
        assert.equal((perKey as unknown as { stringData: Record<string, string> }).stringData.password, "[secret]", "the render is not mutated");
        const configMap = { ...obj("v1", "ConfigMap", "c", "payments"), data: "[secret]" } as unknown as KubeObject;
        assert.equal(unredactedForValidation(configMap), configMap, "only Secrets are touched");
    });

    it("reads the API group of an apiVersion (core group is empty)", () => {
        assert.equal(apiGroup("v1"), "");
        assert.equal(apiGroup("apps/v1"), "apps");
        assert.equal(apiGroup("security.istio.io/v1"), "security.istio.io");
    });

    it("gives kubectl-validate built-in kinds and Istio kinds, one object per file, and lists the rest as skipped", () => {
        const got = schemaInputs(
            [
                obj("v1", "Namespace", "payments"),
                obj("apps/v1", "Deployment", "backend-v1", "payments"),
                obj("security.istio.io/v1", "AuthorizationPolicy", "allow-frontend-to-backend", "payments"),
                obj("cert-manager.io/v1", "Certificate", "payments-tls", "istio-ingress"),
                obj("cert-manager.io/v1", "Certificate", "grafana-tls", "istio-ingress"),
                obj("monitoring.coreos.com/v1", "PodMonitor", "envoy", "payments"),
            ],
            BUILT_IN,
        );
        assert.deepEqual(
            got.files.map((f) => [f.file, f.object]),
            [
                ["0000-namespace-payments.yaml", "Namespace payments"],
                ["0001-deployment-payments-backend-v1.yaml", "Deployment payments/backend-v1"],
                ["0002-authorizationpolicy-payments-allow-frontend-to-backend.yaml", "AuthorizationPolicy payments/allow-frontend-to-backend"],
            ],
        );
        assert.equal(got.builtIn, 2);
        assert.equal(got.istio, 1);
        assert.deepEqual(
            got.skipped.map((s) => [s.kind, s.count]),
            [
                ["cert-manager.io/v1 Certificate", 2],
                ["monitoring.coreos.com/v1 PodMonitor", 1],
            ],
        );
        assert.deepEqual(YAML.parse(got.files[1].yaml), obj("apps/v1", "Deployment", "backend-v1", "payments"));
    });

    it("skips a built-in group at a version the cluster's schemas do not serve (e.g. a removed beta)", () => {
        const got = schemaInputs([obj("policy/v1beta1", "PodDisruptionBudget", "backend", "payments")], BUILT_IN);
        assert.deepEqual(got.files, []);
        assert.equal(got.skipped[0].kind, "policy/v1beta1 PodDisruptionBudget");
    });

    it("quotes strings the Go tools would read as YAML 1.1 booleans (a namespace \"y\", a value \"on\")", () => {
        const text = goYaml({ metadata: { namespace: "y" }, data: { flag: "on", answer: "no", port: 8080 } });
        assert.match(text, /namespace: "y"/);
        assert.match(text, /flag: "on"/);
        assert.match(text, /answer: "no"/);
        assert.match(text, /port: 8080/);
    });

    it("writes every object into one YAML stream for istioctl", () => {
        const stream = yamlStream([obj("v1", "Namespace", "a"), obj("v1", "Namespace", "b")]);
        assert.deepEqual(
            YAML.parseAllDocuments(stream).map((d) => (d.toJS() as KubeObject).metadata.name),
            ["a", "b"],
        );
    });

    it("takes the mesh config from the istiod Helm release's values", () => {
        const resources = [
            { type: "kubernetes:helm.sh/v3:Release", name: "mesh-base", props: { chart: "base", values: {} } },
            { type: "kubernetes:helm.sh/v3:Release", name: "mesh-istiod", props: { chart: "istiod", values: { meshConfig: { accessLogFile: "/dev/stdout" } } } },
        ] as unknown as RegisteredResource[];
        assert.deepEqual(meshConfigOf(resources), { accessLogFile: "/dev/stdout" });
        assert.equal(meshConfigOf([]), undefined);
    });

    it("validates against the cluster's Kubernetes minor when its schemas are embedded", () => {
        assert.deepEqual(schemaVersion("1.35", ["1.33", "1.34", "1.35"]), { version: "1.35" });
    });

    it("falls back to the newest older embedded minor, and says so", () => {
        const got = schemaVersion("1.36", ["1.34", "1.35"]);
        assert.equal(got.version, "1.35");
        assert.match(got.note ?? "", /runs Kubernetes 1\.36.*checked against 1\.35/);
    });

    it("refuses when no embedded minor is at or below the cluster's", () => {
        assert.throws(() => schemaVersion("1.20", ["1.34", "1.35"]), /no schemas for Kubernetes 1\.20/);
    });
});
