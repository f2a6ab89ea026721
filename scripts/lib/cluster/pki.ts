// Self-signed certificates for the local control plane, made with openssl (3.0+: `req -x509 -CA`).
// One throwaway CA per cluster, valid for a day: nothing outlives the run.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** A client identity: Kubernetes reads the user from CN and the groups from O. */
export interface ClientIdentity {
    /** File name stem under pki/. */
    name: string;
    user: string;
    groups: string[];
}

export interface Pki {
    dir: string;
    ca: string;
    apiserverCert: string;
    apiserverKey: string;
    /** Service-account token signing key pair. */
    saKey: string;
    saPub: string;
    /** Client certificate and key per identity name. */
    clients: Record<string, { cert: string; key: string }>;
}

/** Who talks to the API server, as kubeadm sets it up (the default RBAC roles name these users). */
export const CLIENTS: readonly ClientIdentity[] = [
    { name: "admin", user: "dodo-admin", groups: ["system:masters"] },
    { name: "kube-controller-manager", user: "system:kube-controller-manager", groups: [] },
    { name: "kube-scheduler", user: "system:kube-scheduler", groups: [] },
    // kwok acts as every kubelet and, through its stages, as AWS's controllers: no narrower role fits.
    { name: "kwok", user: "kwok", groups: ["system:masters"] },
    // The API server's identity towards aggregated API servers (kubeadm's front-proxy-client).
    { name: "front-proxy-client", user: "front-proxy-client", groups: [] },
];

/** Names and addresses the API server's certificate is valid for. */
export function apiserverSubjectAltNames(serviceIp: string, advertiseIp: string): string {
    const dns = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"];
    const ips = ["127.0.0.1", serviceIp, advertiseIp];
    return [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(",");
}

/** openssl `-subj` for an identity; rejects characters that would break the subject syntax. */
export function subject(cn: string, groups: readonly string[] = []): string {
    for (const part of [cn, ...groups]) if (/[/=+,\\]/.test(part)) throw new Error(`unsupported character in certificate subject part ${JSON.stringify(part)}`);
    return [...groups.map((g) => `/O=${g}`), `/CN=${cn}`].join("");
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

function openssl(args: string[]): void {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Makes the CA, the API server's serving certificate, the client certificates and the SA keys. */
export function makePki(dir: string, serviceIp: string, advertiseIp: string): Pki {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const p = (f: string) => path.join(dir, f);
    openssl(["req", "-x509", ...EC, "-keyout", p("ca.key"), "-out", p("ca.crt"), "-days", "1", "-subj", "/CN=dodo-local-cluster-ca", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    const signed = (stem: string, subj: string, ext: string[]) =>
        openssl(["req", "-x509", ...EC, "-keyout", p(`${stem}.key`), "-out", p(`${stem}.crt`), "-days", "1", "-subj", subj, "-CA", p("ca.crt"), "-CAkey", p("ca.key"), ...ext.flatMap((e) => ["-addext", e])]);
    signed("apiserver", "/CN=kube-apiserver", ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=serverAuth", `subjectAltName=${apiserverSubjectAltNames(serviceIp, advertiseIp)}`]);
    const clients: Pki["clients"] = {};
    for (const c of CLIENTS) {
        signed(c.name, subject(c.user, c.groups), ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth"]);
        clients[c.name] = { cert: p(`${c.name}.crt`), key: p(`${c.name}.key`) };
    }
    openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", p("sa.key")]);
    openssl(["pkey", "-in", p("sa.key"), "-pubout", "-out", p("sa.pub")]);
    return { dir, ca: p("ca.crt"), apiserverCert: p("apiserver.crt"), apiserverKey: p("apiserver.key"), saKey: p("sa.key"), saPub: p("sa.pub"), clients };
}
