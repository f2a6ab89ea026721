// Command lines of the local control plane's processes. Pure. Flags checked against the pinned
// sources (etcd server/v3 v3.6.16 embed/config.go; k8s.io/kubernetes v1.35.4 cmd/*/app/options and
// k8s.io/apiserver v0.35.4 pkg/server/options; kwok v0.8.0 pkg/kwok/cmd/root.go) and modelled on
// how kwokctl's binary runtime starts the same binaries (kwok pkg/kwokctl/components/*.go).
import { Pki } from "./pki";

/** Addresses inside the namespace. Nothing here is routable from it except 127.0.0.1. */
export const NETWORK = {
    /** EKS's default Service range when the VPC is not in 10.0.0.0/8's first half. */
    serviceCidr: "10.100.0.0/16",
    serviceIp: "10.100.0.1",
    /**
     * The address the API server publishes in the `kubernetes` Service's endpoints. 127.0.0.1
     * would fail EndpointSlice validation (loopback), so a TEST-NET-1 address (RFC 5737) is used.
     */
    advertiseIp: "192.0.2.10",
    /** Pod IPs: TEST-NET-2 (RFC 5737), split per node; loopback pod IPs fail EndpointSlice validation. */
    podCidr: "198.51.100.0/24",
    etcdClientPort: 2379,
    etcdPeerPort: 2380,
    apiserverPort: 6443,
    controllerManagerPort: 10257,
    schedulerPort: 10259,
} as const;

/** The admission plugins that call out (webhooks): no istiod or cert-manager serves them here. */
export const WEBHOOK_ADMISSION_PLUGINS = ["MutatingAdmissionWebhook", "ValidatingAdmissionWebhook"] as const;

export interface ProcessSpec {
    name: string;
    bin: string;
    args: string[];
    env?: Record<string, string>;
}

const etcdUrl = (port: number) => `http://127.0.0.1:${port}`;

/** A single-member etcd on loopback. fsync off: the data lives as long as the run. */
export function etcdProcess(bin: string, dataDir: string): ProcessSpec {
    const client = etcdUrl(NETWORK.etcdClientPort);
    const peer = etcdUrl(NETWORK.etcdPeerPort);
    return {
        name: "etcd",
        bin,
        args: [
            "--name=local",
            `--data-dir=${dataDir}`,
            `--listen-client-urls=${client}`,
            `--advertise-client-urls=${client}`,
            `--listen-peer-urls=${peer}`,
            `--initial-advertise-peer-urls=${peer}`,
            `--initial-cluster=local=${peer}`,
            "--unsafe-no-fsync=true",
            "--auto-compaction-retention=1",
            `--quota-backend-bytes=${4 * 1024 ** 3}`,
            "--log-level=warn",
        ],
    };
}

export interface ApiserverInput {
    pki: Pki;
    /** Admission plugins to turn off; default: the two webhook plugins. */
    disableAdmissionPlugins?: readonly string[];
}

export function apiserverProcess(bin: string, input: ApiserverInput): ProcessSpec {
    const { pki } = input;
    return {
        name: "kube-apiserver",
        bin,
        args: [
            `--etcd-servers=${etcdUrl(NETWORK.etcdClientPort)}`,
            "--bind-address=127.0.0.1",
            `--secure-port=${NETWORK.apiserverPort}`,
            `--advertise-address=${NETWORK.advertiseIp}`,
            `--service-cluster-ip-range=${NETWORK.serviceCidr}`,
            `--client-ca-file=${pki.ca}`,
            `--tls-cert-file=${pki.apiserverCert}`,
            `--tls-private-key-file=${pki.apiserverKey}`,
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            `--service-account-key-file=${pki.saPub}`,
            `--service-account-signing-key-file=${pki.saKey}`,
            "--authorization-mode=Node,RBAC",
            // The front proxy, as kubeadm sets it up: without it the controllers log, every few
            // seconds, that extension-apiserver-authentication has no requestheader CA.
            `--requestheader-client-ca-file=${pki.ca}`,
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-username-headers=X-Remote-User",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            `--proxy-client-cert-file=${pki.clients["front-proxy-client"].cert}`,
            `--proxy-client-key-file=${pki.clients["front-proxy-client"].key}`,
            // EKS lets privileged pods run (the Istio CNI and init containers ask for it).
            "--allow-privileged=true",
            `--disable-admission-plugins=${(input.disableAdmissionPlugins ?? WEBHOOK_ADMISSION_PLUGINS).join(",")}`,
            "--profiling=false",
        ],
    };
}

/**
 * What kube-controller-manager and kube-scheduler share: one identity for the API and for checking
 * callers of their /healthz, loopback only, a single instance (no leader election).
 */
function controllerFlags(kubeconfigPath: string, port: number): string[] {
    return [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${port}`,
        "--leader-elect=false",
        "--profiling=false",
    ];
}

export function controllerManagerProcess(bin: string, pki: Pki, kubeconfigPath: string): ProcessSpec {
    return {
        name: "kube-controller-manager",
        bin,
        args: [
            ...controllerFlags(kubeconfigPath, NETWORK.controllerManagerPort),
            // Each controller acts as its own service account, as kubeadm and EKS run it: the
            // bootstrap RBAC roles (system:controller:*) then apply as in a real cluster.
            "--use-service-account-credentials=true",
            `--root-ca-file=${pki.ca}`,
            `--service-account-private-key-file=${pki.saKey}`,
        ],
    };
}

export function schedulerProcess(bin: string, kubeconfigPath: string): ProcessSpec {
    return {
        name: "kube-scheduler",
        bin,
        args: controllerFlags(kubeconfigPath, NETWORK.schedulerPort),
    };
}

/** The annotation that marks a Node as kwok's to play (kwok's own convention). */
export const KWOK_NODE_ANNOTATION = { key: "kwok.x-k8s.io/node", value: "fake" } as const;

/**
 * kwok with its stages from a config file. KWOK_WORKDIR keeps ~/.kwok/kwok.yaml (read first when
 * present, pkg/config/flags.go) out of the run.
 */
export function kwokProcess(bin: string, kubeconfigPath: string, configPath: string, workDir: string): ProcessSpec {
    return {
        name: "kwok",
        bin,
        args: [
            `--kubeconfig=${kubeconfigPath}`,
            `--config=${configPath}`,
            `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
            // Nodes carry their own podCIDR; this is only the fallback pool.
            `--cidr=${NETWORK.podCidr}`,
            `--node-ip=${NETWORK.advertiseIp}`,
            // kwokctl's default with the lease heartbeat stage (pkg/kwokctl/runtime/cluster.go).
            "--node-lease-duration-seconds=40",
        ],
        env: { KWOK_WORKDIR: workDir },
    };
}
