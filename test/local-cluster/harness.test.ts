import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { clusterKeys } from "../../components/cluster/settings";
import { collectionPath } from "../../scripts/lib/cluster/client";
import { apiserverProcess, controllerManagerProcess, etcdProcess, kwokProcess, NETWORK, WEBHOOK_ADMISSION_PLUGINS } from "../../scripts/lib/cluster/components";
import { DEV_NODE_GROUP, fakeNodes, nodePodCidr, storageClassFixture } from "../../scripts/lib/cluster/fixtures";
import { kubeconfig } from "../../scripts/lib/cluster/kubeconfig";
import { netnsExecArgv, nonLoopbackInterfaces } from "../../scripts/lib/cluster/netns";
import { apiserverSubjectAltNames, Pki, subject } from "../../scripts/lib/cluster/pki";
import { allocatable } from "../../scripts/lib/footprint";

const PKI: Pki = {
    dir: "/p",
    ca: "/p/ca.crt",
    apiserverCert: "/p/apiserver.crt",
    apiserverKey: "/p/apiserver.key",
    saKey: "/p/sa.key",
    saPub: "/p/sa.pub",
    clients: { admin: { cert: "/p/admin.crt", key: "/p/admin.key" }, "front-proxy-client": { cert: "/p/fp.crt", key: "/p/fp.key" } },
};

const flag = (args: string[], name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=").slice(1).join("=");

/** a.b.c.d -> 32-bit number. */
const ipNum = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
const inCidr = (ip: string, cidr: string) => {
    const [base, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits));
    return ipNum(ip) >= ipNum(base) && ipNum(ip) < ipNum(base) + size;
};

describe("local cluster: processes", () => {
    it("serves the API on loopback only, with the webhook admission plugins off (nothing serves them)", () => {
        const args = apiserverProcess("/bin/kube-apiserver", { pki: PKI }).args;
        assert.equal(flag(args, "bind-address"), "127.0.0.1");
        assert.equal(flag(args, "disable-admission-plugins"), "MutatingAdmissionWebhook,ValidatingAdmissionWebhook");
        assert.deepEqual([...WEBHOOK_ADMISSION_PLUGINS], ["MutatingAdmissionWebhook", "ValidatingAdmissionWebhook"]);
        assert.equal(flag(args, "authorization-mode"), "Node,RBAC");
        assert.equal(flag(apiserverProcess("x", { pki: PKI, disableAdmissionPlugins: ["A", "B"] }).args, "disable-admission-plugins"), "A,B");
    });

    it("advertises a documentation address, not loopback: the kubernetes Service's endpoints must validate", () => {
        const adv = flag(apiserverProcess("x", { pki: PKI }).args, "advertise-address")!;
        assert.ok(inCidr(adv, "192.0.2.0/24"), adv);
        assert.ok(!inCidr(adv, "127.0.0.0/8"));
    });

    it("keeps etcd on loopback and unsynced (the data lives as long as the run)", () => {
        const args = etcdProcess("/bin/etcd", "/d").args;
        for (const f of ["listen-client-urls", "advertise-client-urls", "listen-peer-urls"]) assert.match(flag(args, f)!, /^http:\/\/127\.0\.0\.1:/);
        assert.equal(flag(args, "unsafe-no-fsync"), "true");
    });

    it("runs the controllers as their own service accounts, as kubeadm and EKS do", () => {
        const args = controllerManagerProcess("x", PKI, "/k").args;
        assert.equal(flag(args, "use-service-account-credentials"), "true");
        assert.equal(flag(args, "bind-address"), "127.0.0.1");
    });

    it("gives kwok its stages from a file and keeps the user's ~/.kwok config out", () => {
        const p = kwokProcess("x", "/k", "/c/kwok.yaml", "/w");
        assert.equal(flag(p.args, "config"), "/c/kwok.yaml");
        assert.equal(flag(p.args, "manage-nodes-with-annotation-selector"), "kwok.x-k8s.io/node=fake");
        assert.deepEqual(p.env, { KWOK_WORKDIR: "/w" });
    });
});

describe("local cluster: fixtures", () => {
    it("plays the dev node group: its default size and first instance type", () => {
        const dev = <T>(d: unknown) => (d as { dev: T }).dev;
        assert.equal(DEV_NODE_GROUP.count, dev<number>(clusterKeys.desiredSize.default));
        assert.equal(DEV_NODE_GROUP.instanceType, dev<string[]>(clusterKeys.instanceTypes.default)[0]);
        assert.equal(DEV_NODE_GROUP.capacityType, dev<string>(clusterKeys.capacityType.default));
    });

    it("sizes each fake node like a t3.large on EKS: allocatable as the footprint computes it", () => {
        const nodes = fakeNodes(DEV_NODE_GROUP) as { metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> }; spec: { podCIDR: string }; status: { allocatable: Record<string, string>; capacity: Record<string, string>; addresses: { address: string }[] } }[];
        assert.equal(nodes.length, 2);
        const a = allocatable("t3.large");
        for (const n of nodes) {
            assert.equal(n.status.allocatable.cpu, `${a.cpu}m`);
            assert.equal(n.status.allocatable.pods, String(a.pods));
            assert.equal(n.status.allocatable.memory, `${Math.floor(a.memory / 1024)}Ki`);
            assert.equal(n.status.capacity.cpu, "2");
            assert.equal(n.metadata.annotations["kwok.x-k8s.io/node"], "fake");
            assert.equal(n.metadata.labels["node.kubernetes.io/instance-type"], "t3.large");
        }
        assert.notEqual(nodes[0].metadata.labels["topology.kubernetes.io/zone"], nodes[1].metadata.labels["topology.kubernetes.io/zone"]);
    });

    it("takes pod IPs from TEST-NET-2, one /26 per node, never loopback (EndpointSlices reject it)", () => {
        for (let i = 0; i < 4; i++) {
            const [base] = nodePodCidr(i).split("/");
            assert.ok(inCidr(base, NETWORK.podCidr) && inCidr(base, "198.51.100.0/24"), nodePodCidr(i));
        }
        assert.notEqual(nodePodCidr(0), nodePodCidr(1));
        assert.throws(() => nodePodCidr(4), /holds 4 nodes/);
        for (const n of fakeNodes(DEV_NODE_GROUP) as { status: { addresses: { address: string }[] } }[]) assert.ok(!n.status.addresses.some((x) => inCidr(x.address, "127.0.0.0/8")));
    });

    it("creates the gp3 StorageClass the cluster component would (EBS CSI, WaitForFirstConsumer, default class)", () => {
        const sc = storageClassFixture() as { metadata: { name: string; annotations: Record<string, string> }; provisioner: string; volumeBindingMode: string };
        assert.equal(sc.metadata.name, "gp3");
        assert.equal(sc.provisioner, "ebs.csi.aws.com");
        assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
        assert.equal(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
    });
});

describe("local cluster: certificates, kubeconfig, isolation", () => {
    it("puts the groups in O and the user in CN, and refuses subject syntax in names", () => {
        assert.equal(subject("dodo-admin", ["system:masters"]), "/O=system:masters/CN=dodo-admin");
        assert.equal(subject("system:kube-scheduler"), "/CN=system:kube-scheduler");
        assert.throws(() => subject("a/b"), /unsupported character/);
    });

    it("makes the API server certificate valid for loopback, the Service IP and the in-cluster names", () => {
        const san = apiserverSubjectAltNames(NETWORK.serviceIp, NETWORK.advertiseIp);
        for (const want of ["IP:127.0.0.1", "IP:10.100.0.1", "IP:192.0.2.10", "DNS:kubernetes.default.svc.cluster.local"]) assert.ok(san.includes(want), want);
    });

    it("writes a kubeconfig whose one context points at the local API server", () => {
        const kc = parse(kubeconfig({ server: "https://127.0.0.1:6443", caFile: "/p/ca.crt", certFile: "/p/a.crt", keyFile: "/p/a.key", name: "dodo-local-admin" })) as Record<string, unknown>;
        assert.equal(kc["current-context"], "dodo-local-admin");
        assert.deepEqual(kc.clusters, [{ name: "dodo-local-admin", cluster: { server: "https://127.0.0.1:6443", "certificate-authority": "/p/ca.crt" } }]);
    });

    it("treats any interface but loopback as a way out", () => {
        const iface = (address: string) => [{ address, netmask: "", family: "IPv4" as const, mac: "", internal: false, cidr: null }];
        assert.deepEqual(nonLoopbackInterfaces({ lo: iface("127.0.0.1") }), []);
        assert.deepEqual(nonLoopbackInterfaces({ lo: iface("127.0.0.1"), eth0: iface("10.0.0.5") }), ["eth0"]);
        assert.deepEqual(netnsExecArgv("ns1", ["node", "x.js"]), ["ip", "netns", "exec", "ns1", "node", "x.js"]);
    });

    it("addresses core and grouped collections the way the API server serves them", () => {
        assert.equal(collectionPath("v1", "nodes"), "/api/v1/nodes");
        assert.equal(collectionPath("apps/v1", "deployments", "payments"), "/apis/apps/v1/namespaces/payments/deployments");
    });
});
