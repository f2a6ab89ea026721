import { strict as assert } from "assert";
import { cronJob, deployment, hardenedContainer, messages, podSpec, run } from "./helpers";
import { unpinnedImage } from "../../policy/rules/workloads";
import { isIstioProxyImage } from "../../policy/rules/util";
import { DEFAULT_ISTIO_HUBS } from "../../policy/config";
import { ISTIO_HUB } from "../../components/versions";
import type { KubeObject } from "../../policy/rules/types";

/** The containers Istio's injector adds, with the security contexts its template sets. */
const istioInit = {
    name: "istio-init", image: "docker.io/istio/proxyv2:1.29.0",
    args: ["istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*", "-x", "", "-b", "*", "-d", "15090,15021", "--log_output_level=default:info"],
    resources: { requests: { cpu: "10m", memory: "40Mi" }, limits: { memory: "1Gi" } },
    securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: false, runAsNonRoot: false, runAsUser: 0, capabilities: { add: ["NET_ADMIN", "NET_RAW"], drop: ["ALL"] } },
};
const istioProxy = {
    name: "istio-proxy", image: "docker.io/istio/proxyv2:1.29.0", args: ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local"],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "1Gi" } },
    readinessProbe: { httpGet: { path: "/healthz/ready", port: 15021 } },
    securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1337, runAsGroup: 1337, capabilities: { drop: ["ALL"] } },
};
const injected = (app = hardenedContainer()) => podSpec([app, istioProxy], { initContainers: [istioInit], securityContext: { seccompProfile: { type: "RuntimeDefault" } } });

const CONTAINER_RULES = ["k8s-no-privileged", "k8s-no-privilege-escalation", "k8s-run-as-non-root", "k8s-drop-all-capabilities",
    "k8s-read-only-root-fs", "k8s-seccomp-runtime-default", "k8s-no-host-namespaces", "k8s-resources", "k8s-probes", "k8s-image-pinned"];

describe("policy: workload rules", () => {
    it("a hardened, injected Deployment passes every container rule (Istio's own containers included)", () => {
        const d = deployment("backend", "payments", injected());
        for (const rule of CONTAINER_RULES) assert.deepEqual(run(rule, [d]), [], rule);
    });

    it("an Istio gateway pod with image: auto passes the image and probe rules", () => {
        const gw: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "gw", namespace: "istio-ingress" }, spec: { containers: [{ ...istioProxy, image: "auto", readinessProbe: undefined }] } };
        assert.deepEqual(run("k8s-image-pinned", [gw]), []);
        assert.deepEqual(run("k8s-probes", [gw]), []);
    });

    it("an ingress gateway Deployment as the istio/gateway chart renders it passes the mesh and hardening rules", () => {
        const gw: KubeObject = {
            apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "istio-ingressgateway", namespace: "istio-ingress" },
            spec: { replicas: 1, selector: { matchLabels: { istio: "ingressgateway" } }, template: {
                metadata: { labels: { istio: "ingressgateway", "sidecar.istio.io/inject": "true" }, annotations: { "inject.istio.io/templates": "gateway" } },
                spec: {
                    securityContext: { sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }], seccompProfile: { type: "RuntimeDefault" } },
                    containers: [{
                        name: "istio-proxy", image: "auto", ports: [{ containerPort: 15090, name: "http-envoy-prom" }],
                        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "2000m", memory: "1024Mi" } },
                        securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1337, runAsGroup: 1337, capabilities: { drop: ["ALL"] } },
                    }],
                },
            } },
        };
        for (const rule of [...CONTAINER_RULES, "istio-uid-not-1337", "istio-no-injection-opt-out"]) assert.deepEqual(run(rule, [gw]), [], rule);
    });

    it("istio-init's NET_ADMIN/NET_RAW and root are allowed only for the real istio-init", () => {
        const fake = { ...istioInit, image: "busybox:1.36" };
        const d = deployment("backend", "payments", podSpec([hardenedContainer()], { initContainers: [fake] }));
        assert.match(run("k8s-drop-all-capabilities", [d])[0]!.message, /init container "istio-init" adds capabilities NET_ADMIN, NET_RAW/);
        assert.match(run("k8s-run-as-non-root", [d])[0]!.message, /UID 0/);
    });

    it("istio-init's exemptions need the injector's command line: no command, args starting istio-iptables (injection-template.yaml)", () => {
        const judged = (init: Record<string, unknown>) => {
            const d = deployment("backend", "payments", podSpec([hardenedContainer()], { initContainers: [init] }));
            return ["k8s-run-as-non-root", "k8s-drop-all-capabilities", "k8s-read-only-root-fs"].flatMap((r) => messages(run(r, [d])));
        };
        assert.deepEqual(judged(istioInit), [], "as the injector writes it");
        const flush = { ...istioInit, command: ["iptables"], args: ["-t", "nat", "-F"] };
        assert.deepEqual(judged(flush), [
            'init container "istio-init" runs as UID 0',
            'init container "istio-init" adds capabilities NET_ADMIN, NET_RAW',
            'init container "istio-init" does not set readOnlyRootFilesystem: true',
        ]);
        assert.equal(judged({ ...istioInit, command: ["pilot-agent"] }).length, 3, "even with the injector's args, a command of its own is not the injector's");
        assert.equal(judged({ ...istioInit, args: ["sh", "-c", "iptables -t nat -F"] }).length, 3);
        const { args: _args, ...noArgs } = istioInit;
        assert.equal(judged(noArgs).length, 3, "no args: pilot-agent would not run istio-iptables");
        const proxyWithCommand = deployment("backend", "payments", podSpec([hardenedContainer(), { ...istioProxy, readinessProbe: undefined, command: ["/bin/sh"], args: ["-c", "sleep 1d"] }]));
        assert.match(run("k8s-probes", [proxyWithCommand])[0]!.message, /container "istio-proxy" has no readinessProbe or livenessProbe/, "a proxy running another command is an ordinary container");
    });

    it("Istio's image is <hub>/proxyv2 with a tag or digest from the configured hub, which is the mesh's", () => {
        assert.deepEqual([...DEFAULT_ISTIO_HUBS], [ISTIO_HUB]);
        const hubs = ["docker.io/istio"];
        assert.equal(isIstioProxyImage("docker.io/istio/proxyv2:1.30.4", hubs), true);
        assert.equal(isIstioProxyImage("istio/proxyv2:1.30.4-distroless", hubs), true, "Docker's short form");
        assert.equal(isIstioProxyImage(`docker.io/istio/proxyv2@sha256:${"a".repeat(64)}`, hubs), true);
        assert.equal(isIstioProxyImage("docker.io/mymirror/proxyv2:1.30.4", hubs), false);
        assert.equal(isIstioProxyImage("docker.io/istio/proxyv2-debug:1.30.4", hubs), false);
        assert.equal(isIstioProxyImage("docker.io/istio/proxyv2", hubs), false, "the injector always writes a tag");
        assert.equal(isIstioProxyImage("registry.internal/istio/proxyv2:1.30.4", ["registry.internal/istio/"]), true);
    });

    it("a mirrored hub is honoured only when configured (istioHubs)", () => {
        const mirrored = { ...istioInit, image: "registry.internal/istio/proxyv2:1.30.4" };
        const d = deployment("backend", "payments", podSpec([hardenedContainer()], { initContainers: [mirrored] }));
        assert.match(run("k8s-run-as-non-root", [d])[0]!.message, /init container "istio-init" runs as UID 0/);
        assert.deepEqual(run("k8s-run-as-non-root", [d], { config: { istioHubs: ["registry.internal/istio"] } }), []);
    });

    it("an istio-proxy without an image is an ordinary container (no image, no probes)", () => {
        const noImage = deployment("backend", "payments", podSpec([hardenedContainer(), { ...istioProxy, image: undefined }]));
        assert.match(run("k8s-image-pinned", [noImage])[0]!.message, /container "istio-proxy" has no image/);
        assert.match(run("k8s-probes", [noImage])[0]!.message, /container "istio-proxy" has no livenessProbe/);
    });

    const broken = (securityContext: Record<string, unknown>) => deployment("backend", "payments", podSpec([hardenedContainer("app", { securityContext })]));

    it("k8s-no-privileged flags privileged containers", () => {
        assert.match(run("k8s-no-privileged", [broken({ privileged: true })])[0]!.message, /container "app" is privileged/);
    });
    it("k8s-no-privilege-escalation flags a container that leaves the default (true)", () => {
        assert.equal(run("k8s-no-privilege-escalation", [broken({})]).length, 1);
    });
    it("k8s-run-as-non-root flags missing runAsNonRoot and UID 0, and accepts the pod-level setting", () => {
        assert.equal(run("k8s-run-as-non-root", [broken({})]).length, 1);
        assert.match(run("k8s-run-as-non-root", [broken({ runAsNonRoot: true, runAsUser: 0 })])[0]!.message, /UID 0/);
        const podLevel = deployment("backend", "payments", podSpec([hardenedContainer("app", { securityContext: {} })], { securityContext: { runAsNonRoot: true } }));
        assert.deepEqual(run("k8s-run-as-non-root", [podLevel]), []);
    });
    it("k8s-drop-all-capabilities flags keeping capabilities and adding SYS_ADMIN", () => {
        assert.match(run("k8s-drop-all-capabilities", [broken({ capabilities: { drop: ["NET_RAW"] } })])[0]!.message, /does not drop ALL/);
        assert.match(run("k8s-drop-all-capabilities", [broken({ capabilities: { drop: ["ALL"], add: ["SYS_ADMIN", "NET_BIND_SERVICE"] } })])[0]!.message, /adds capabilities SYS_ADMIN$/);
    });
    it("k8s-read-only-root-fs flags a writable root filesystem", () => {
        assert.equal(run("k8s-read-only-root-fs", [broken({ readOnlyRootFilesystem: false })]).length, 1);
    });
    it("k8s-seccomp-runtime-default flags Unconfined and unset, accepts the pod-level profile", () => {
        assert.match(run("k8s-seccomp-runtime-default", [broken({ seccompProfile: { type: "Unconfined" } })])[0]!.message, /Unconfined/);
        assert.match(run("k8s-seccomp-runtime-default", [broken({})])[0]!.message, /unset/);
        const podLevel = deployment("b", "payments", podSpec([hardenedContainer("app", { securityContext: {} })], { securityContext: { seccompProfile: { type: "RuntimeDefault" } } }));
        assert.deepEqual(run("k8s-seccomp-runtime-default", [podLevel]), []);
    });
    it("k8s-no-host-namespaces flags hostNetwork, hostPID, hostIPC, hostPath and hostPort", () => {
        const spec = podSpec([hardenedContainer("app", { ports: [{ containerPort: 80, hostPort: 80 }] })], {
            hostNetwork: true, hostPID: true, hostIPC: true, volumes: [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }],
        });
        assert.deepEqual(messages(run("k8s-no-host-namespaces", [deployment("x", "payments", spec)])), [
            "pod sets hostNetwork: true", "pod sets hostPID: true", "pod sets hostIPC: true", 'volume "docker" is a hostPath of /var/run/docker.sock, read-only',
        ], "under hostNetwork the hostPort is the host's port already: one finding, hostNetwork");
        const ported = deployment("y", "payments", podSpec([hardenedContainer("app", { ports: [{ containerPort: 80, hostPort: 80 }] })]));
        assert.deepEqual(messages(run("k8s-no-host-namespaces", [ported])), ['container "app" binds hostPort 80']);
    });
    it("k8s-resources names what is missing", () => {
        const c = hardenedContainer("app", { resources: { requests: { cpu: "1" } } });
        assert.match(run("k8s-resources", [deployment("x", "payments", podSpec([c]))])[0]!.message, /requests.memory, limits.memory/);
    });
    it("k8s-probes flags a Deployment without probes but not a CronJob", () => {
        const c = hardenedContainer("app", { readinessProbe: undefined, livenessProbe: undefined });
        assert.match(run("k8s-probes", [deployment("x", "payments", podSpec([c]))])[0]!.message, /no readinessProbe or livenessProbe/);
        assert.deepEqual(run("k8s-probes", [cronJob("report", "payments", podSpec([c]))]), []);
    });
    it("k8s-image-pinned accepts tags and digests, flags latest and untagged (registry ports are not tags)", () => {
        assert.equal(unpinnedImage("registry:5000/team/app"), "has no tag (resolves to latest)");
        assert.equal(unpinnedImage("app:latest"), "uses tag \"latest\"");
        assert.equal(unpinnedImage("registry:5000/app:1.2.3"), undefined);
        assert.equal(unpinnedImage("app@sha256:" + "a".repeat(64)), undefined);
        assert.equal(run("k8s-image-pinned", [deployment("x", "payments", podSpec([hardenedContainer("app", { image: "nginx" })]))]).length, 1);
    });

    it("checks the pod template inside a CronJob", () => {
        const cj = cronJob("report", "payments", podSpec([hardenedContainer("report", { securityContext: { privileged: true } })]));
        const f = run("k8s-no-privileged", [cj]);
        assert.equal(f.length, 1);
        assert.equal(f[0]!.kind, "CronJob");
        assert.equal(f[0]!.name, "report");
    });

    it("checks bare Pods, StatefulSets, DaemonSets, Jobs and ReplicaSets", () => {
        const bad = podSpec([hardenedContainer("app", { securityContext: { privileged: true } })]);
        const tpl = { template: { metadata: {}, spec: bad } };
        const objects: KubeObject[] = [
            { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "a" }, spec: bad },
            ...["StatefulSet", "DaemonSet", "ReplicaSet"].map((kind) => ({ apiVersion: "apps/v1", kind, metadata: { name: kind, namespace: "a" }, spec: tpl })),
            { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j", namespace: "a" }, spec: tpl },
        ];
        assert.deepEqual(run("k8s-no-privileged", objects).map((f) => f.kind), ["Pod", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"]);
    });

    it("judges kube-system like any namespace (charts run there), and skips configured exempt namespaces per rule", () => {
        const priv = (namespace: string) => deployment("x", namespace, podSpec([hardenedContainer("app", { securityContext: { privileged: true } })]));
        assert.equal(run("k8s-no-privileged", [priv("kube-system")]).length, 1);
        assert.deepEqual(run("k8s-no-privileged", [priv("kube-node-lease")]), [], "kube-public and kube-node-lease hold no workloads");
        assert.equal(run("k8s-no-privileged", [priv("monitoring")]).length, 1);
        assert.deepEqual(run("k8s-no-privileged", [priv("monitoring")], { config: { rules: { "k8s-no-privileged": { exemptNamespaces: ["monitoring"] } } } }), []);
    });

    describe("k8s-pdb", () => {
        const pdb = (selector: unknown, namespace = "payments"): KubeObject => ({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "pdb", namespace }, spec: { minAvailable: 1, selector } });
        const d = deployment("backend", "payments", podSpec(), { replicas: 3, labels: { app: "backend", tier: "api" } });
        it("passes when a PDB's matchLabels or matchExpressions select the pods", () => {
            assert.deepEqual(run("k8s-pdb", [d, pdb({ matchLabels: { app: "backend" } })]), []);
            assert.deepEqual(run("k8s-pdb", [d, pdb({ matchExpressions: [{ key: "tier", operator: "In", values: ["api"] }, { key: "canary", operator: "DoesNotExist" }] })]), []);
        });
        it("flags a replicated workload with no PDB, or one in another namespace or for other pods", () => {
            assert.match(run("k8s-pdb", [d])[0]!.message, /3 replicas/);
            assert.equal(run("k8s-pdb", [d, pdb({ matchLabels: { app: "backend" } }, "other")]).length, 1);
            assert.equal(run("k8s-pdb", [d, pdb({ matchLabels: { app: "frontend" } })]).length, 1);
        });
        it("ignores single-replica workloads", () => {
            assert.deepEqual(run("k8s-pdb", [deployment("one", "payments", podSpec(), { replicas: 1 })]), []);
        });
    });

    describe("k8s-no-public-services", () => {
        const svc = (type: string, namespace: string): KubeObject => ({ apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace }, spec: { type, ports: [{ name: "https", port: 443 }] } });
        it("flags LoadBalancer and NodePort outside the ingress namespace", () => {
            assert.deepEqual(messages(run("k8s-no-public-services", [svc("LoadBalancer", "payments"), svc("NodePort", "payments"), svc("ClusterIP", "payments")])).length, 2);
        });
        it("allows them in the (configurable) ingress namespace", () => {
            assert.deepEqual(run("k8s-no-public-services", [svc("LoadBalancer", "istio-ingress")]), []);
            assert.deepEqual(run("k8s-no-public-services", [svc("LoadBalancer", "edge")], { config: { ingressNamespaces: ["edge"] } }), []);
        });
    });
});
