// Exemptions that say what they allow: a host-access exemption covers exactly the host access it
// names (Alloy's log directory read-only, node-exporter's host namespaces and read-only mounts),
// and istiod's liveness-probe exemption follows every revision the istiod chart names, no other.
import { strict as assert } from "assert";
import { checkObjects, judgeObjects } from "../../policy/check";
import { RULES } from "../../policy/catalog";
import { fromPackConfig } from "../../policy/config";
import { shippedPackConfig } from "../../policy/config-files";
import { whyStale } from "../../policy/exemptions";
import type { KubeObject } from "../../policy/rules/types";
import { deployment, hardenedContainer, podSpec } from "./helpers";

const ids = RULES.map((r) => r.id);
const prod = shippedPackConfig("prod");
const HOST = "k8s-no-host-namespaces";
const verdicts = (objects: KubeObject[], rule = HOST, config = prod) => checkObjects(objects, { config, only: [rule] }).map((f) => `${f.name}: ${f.message}`);

const daemonSet = (name: string, spec: Record<string, unknown>): KubeObject => {
    const d = deployment(name, "observability", spec, { replicas: 1 });
    delete (d.spec as Record<string, unknown>).replicas;
    return { ...d, kind: "DaemonSet" };
};

/** Alloy's DaemonSet as its chart renders it with mounts.varlog (templates/controllers/_pod.yaml, containers/_agent.yaml). */
function alloy(extra: Record<string, unknown> = {}, alloyMounts: object[] = [{ name: "varlog", mountPath: "/var/log", readOnly: true }]): KubeObject {
    const c = hardenedContainer("alloy", { volumeMounts: [{ name: "config", mountPath: "/etc/alloy" }, ...alloyMounts] });
    const reloader = hardenedContainer("config-reloader", { volumeMounts: [{ name: "config", mountPath: "/etc/alloy" }] });
    const volumes = [{ name: "config", configMap: { name: "alloy" } }, { name: "varlog", hostPath: { path: "/var/log" } }];
    return daemonSet("alloy", podSpec([c, reloader], { volumes, ...extra }));
}

/** node-exporter as the prometheus-node-exporter chart renders it (templates/daemonset.yaml, default values). */
function nodeExporter(extra: Record<string, unknown> = {}): KubeObject {
    const mounts = [{ name: "proc", mountPath: "/host/proc", readOnly: true }, { name: "sys", mountPath: "/host/sys", readOnly: true }, { name: "root", mountPath: "/host/root", mountPropagation: "HostToContainer", readOnly: true }];
    const c = hardenedContainer("node-exporter", { ports: [{ name: "http-metrics", containerPort: 9100, protocol: "TCP" }], volumeMounts: mounts });
    const volumes = [{ name: "proc", hostPath: { path: "/proc" } }, { name: "sys", hostPath: { path: "/sys" } }, { name: "root", hostPath: { path: "/" } }];
    return daemonSet("kube-prometheus-stack-prometheus-node-exporter", podSpec([c], { hostNetwork: true, hostPID: true, hostIPC: false, volumes, ...extra }));
}

describe("policy: host-access exemptions allow exactly what they name", () => {
    it("the shipped configs pass Alloy and node-exporter as their charts render them", () => {
        assert.deepEqual(verdicts([alloy(), nodeExporter()]), []);
        const j = judgeObjects([alloy(), nodeExporter()], { config: prod, only: [HOST] });
        assert.deepEqual(j.stale, [], "every allowance is used: none is wider than the charts need");
        assert.deepEqual(j.used.map((e) => e.name).sort(), ["alloy", "kube-prometheus-stack-prometheus-node-exporter"]);
    });

    it("reports a planted Alloy DaemonSet's hostNetwork, hostPID and writable hostPath / (the exemption allows /var/log read-only)", () => {
        const planted = alloy({ hostNetwork: true, hostPID: true, volumes: [{ name: "config", configMap: { name: "alloy" } }, { name: "varlog", hostPath: { path: "/var/log" } }, { name: "host", hostPath: { path: "/" } }] },
            [{ name: "varlog", mountPath: "/var/log", readOnly: true }, { name: "host", mountPath: "/host" }]);
        assert.deepEqual(verdicts([planted]), [
            "alloy: pod sets hostNetwork: true",
            "alloy: pod sets hostPID: true",
            'alloy: volume "host" is a hostPath of /, mounted writable by "alloy"',
        ]);
    });

    it("reports the allowed path when a container mounts it writable, a path under or beside it, and a path that only looks like it", () => {
        assert.deepEqual(verdicts([alloy({}, [{ name: "varlog", mountPath: "/var/log" }])]), ['alloy: volume "varlog" is a hostPath of /var/log, mounted writable by "alloy"']);
        const under = alloy({ volumes: [{ name: "varlog", hostPath: { path: "/var/log/pods" } }] });
        assert.deepEqual(verdicts([under]), ['alloy: volume "varlog" is a hostPath of /var/log/pods, read-only'], "paths match exactly, never as prefixes");
        const backstep = alloy({ volumes: [{ name: "varlog", hostPath: { path: "/var/log/../../etc" } }] });
        assert.equal(verdicts([backstep]).length, 1);
        assert.deepEqual(verdicts([alloy({ volumes: [{ name: "varlog", hostPath: { path: "/var/log/" } }] })]), [], "a trailing slash is the same directory");
        const initWriter = alloy({ initContainers: [hardenedContainer("fix", { volumeMounts: [{ name: "varlog", mountPath: "/x" }] })] });
        assert.deepEqual(verdicts([initWriter]), ['alloy: volume "varlog" is a hostPath of /var/log, mounted writable by "fix"'], "init containers mount too");
    });

    it("reports node-exporter's hostIPC, a hostPort, another path or a writable root, which its chart does not ask for", () => {
        assert.deepEqual(verdicts([nodeExporter({ hostIPC: true })]), ["kube-prometheus-stack-prometheus-node-exporter: pod sets hostIPC: true"]);
        const etc = nodeExporter();
        const spec = (etc.spec as { template: { spec: { volumes: object[] } } }).template.spec;
        spec.volumes.push({ name: "etc", hostPath: { path: "/etc" } });
        assert.deepEqual(verdicts([etc]), ['kube-prometheus-stack-prometheus-node-exporter: volume "etc" is a hostPath of /etc, read-only']);
        const noHostNet = nodeExporter({ hostNetwork: false });
        const c = (noHostNet.spec as { template: { spec: { containers: { ports: object[] }[] } } }).template.spec.containers[0]!;
        c.ports = [{ containerPort: 9100, hostPort: 9100 }];
        assert.deepEqual(verdicts([noHostNet]), ['kube-prometheus-stack-prometheus-node-exporter: container "node-exporter" binds hostPort 9100']);
    });

    it("under hostNetwork a hostPort (the API server's default: the containerPort) is the hostNetwork finding, not another", () => {
        const d = deployment("x", "payments", podSpec([hardenedContainer("app", { ports: [{ containerPort: 80, hostPort: 80 }] })], { hostNetwork: true }));
        assert.deepEqual(verdicts([d]), ["x: pod sets hostNetwork: true"]);
    });

    it("an allowance wider than the object needs is stale, naming what nothing uses", () => {
        const wide = fromPackConfig({ [HOST]: { exemptions: [{ namespace: "observability", kind: "DaemonSet", name: "alloy", allow: { hostNetwork: true, hostPath: ["/var/log", "/var/lib/docker/containers"], readOnly: true }, reason: "Alloy tails the log files of every pod on its node from /var/log." }] } }, ids);
        const j = judgeObjects([alloy()], { config: wide, only: [HOST] });
        assert.deepEqual(j.findings, []);
        assert.deepEqual(j.stale.map((e) => e.name), ["alloy"]);
        assert.equal(whyStale(j.stale[0]!, j), "it allows hostNetwork, hostPath /var/lib/docker/containers, which the object does not use; narrow it");
    });

    it("refuses a host-access exemption that does not say what it allows, or says it loosely, naming the key", () => {
        const entry = (allow?: unknown, rule = HOST) => fromPackConfig({ [rule]: { exemptions: [{ namespace: "observability", kind: "DaemonSet", name: "alloy", ...(allow === undefined ? {} : { allow }), reason: "Alloy tails the log files of every pod on its node from /var/log." }] } }, ids);
        assert.throws(() => entry(), /k8s-no-host-namespaces\.exemptions\[0\]\.allow is required for k8s-no-host-namespaces/);
        assert.throws(() => entry({}), /\.allow allows nothing/);
        assert.throws(() => entry({ hostPath: ["/var/log"] }), /\.allow\.readOnly is required with hostPath/);
        assert.throws(() => entry({ hostPath: ["/var/log/"], readOnly: true }), /\.allow\.hostPath\[0\] must be an absolute path without trailing slash/);
        assert.throws(() => entry({ hostPath: ["var/log"], readOnly: true }), /\.allow\.hostPath\[0\] must be an absolute path/);
        assert.throws(() => entry({ hostPath: ["/var/log/*"], readOnly: true, hostNetwork: "yes" }), /\.allow\.hostNetwork must be true or absent/);
        assert.throws(() => entry({ hostPort: [0] }), /\.allow\.hostPort must be a non-empty list of port numbers/);
        assert.throws(() => entry({ privileged: true }), /\.allow\.privileged: unknown field/);
        assert.throws(() => entry({ hostPID: true }, "k8s-run-as-non-root"), /k8s-run-as-non-root\.exemptions\[0\]\.allow: only k8s-no-host-namespaces exemptions take one/);
    });
});

describe("policy: istiod's exemption follows every revision of the istiod chart, no other Deployment", () => {
    /** istiod as the chart names and labels it (templates/deployment.yaml), without a liveness probe. */
    const istiod = (name: string, labels: Record<string, string>): KubeObject => {
        const d = deployment(name, "istio-system", podSpec([hardenedContainer("discovery", { livenessProbe: undefined })]), { replicas: 1 });
        return { ...d, metadata: { ...d.metadata, labels } };
    };
    const probes = (objects: KubeObject[]) => verdicts(objects, "k8s-probes");

    it("exempts istiod and istiod-<revision> labelled istio.io/rev=<revision>, as the revisions of components/mesh name them", () => {
        assert.deepEqual(probes([istiod("istiod", { app: "istiod", "istio.io/rev": "default" }), istiod("istiod", {}), istiod("istiod-1-31-4", { app: "istiod", "istio.io/rev": "1-31-4" }), istiod("istiod-1-30-4", { "istio.io/rev": "1-30-4" })]), []);
        const j = judgeObjects([istiod("istiod-1-31-4", { "istio.io/rev": "1-31-4" })], { config: prod, only: ["k8s-probes"] });
        assert.deepEqual([j.used.length, j.stale.length, j.unseen.length], [1, 0, 0], "a revisioned istiod uses the exemption");
        const clean = judgeObjects([{ ...istiod("istiod-1-31-4", { "istio.io/rev": "1-31-4" }), spec: deployment("istiod-1-31-4", "istio-system").spec }], { config: prod, only: ["k8s-probes"] });
        assert.equal(clean.stale.length, 1, "a revisioned istiod with its probes makes the exemption stale");
    });

    it("judges any other Deployment: a name beside the pattern, a label that does not match the name, another namespace", () => {
        const found = probes([
            istiod("istiod-tools", { "istio.io/rev": "default" }),
            istiod("istiod-1-31-4", {}),
            istiod("istiod-1-31-4-debug", { "istio.io/rev": "1-31-4" }),
            istiod("istiod-canary", { "istio.io/rev": "1-31-4" }),
            { ...istiod("istiod-1-31-4", { "istio.io/rev": "1-31-4" }), metadata: { name: "istiod-1-31-4", namespace: "payments", labels: { "istio.io/rev": "1-31-4" } } },
        ]);
        assert.deepEqual(found.map((f) => f.split(":")[0]), ["istiod-tools", "istiod-1-31-4", "istiod-1-31-4-debug", "istiod-canary", "istiod-1-31-4"]);
    });

    it("without istioRevisions an exemption names only its own object, and istioRevisions must be true", () => {
        const plain = fromPackConfig({ "k8s-probes": { exemptions: [{ namespace: "istio-system", kind: "Deployment", name: "istiod", container: "discovery", reason: "Istio's istiod chart defines no liveness probe for istiod." }] } }, ids);
        assert.equal(verdicts([istiod("istiod-1-31-4", { "istio.io/rev": "1-31-4" })], "k8s-probes", plain).length, 1);
        assert.throws(() => fromPackConfig({ "k8s-probes": { exemptions: [{ namespace: "istio-system", kind: "Deployment", name: "istiod", istioRevisions: "yes", reason: "Istio's istiod chart defines no liveness probe for istiod." }] } }, ids), /k8s-probes\.exemptions\[0\]\.istioRevisions must be true or absent/);
    });
});
