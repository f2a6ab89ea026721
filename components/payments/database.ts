// The database as the mesh and the backend see it, for both engines: the in-cluster StatefulSet
// (dev's default) and Amazon RDS (staging, prod). Pure builders; the AWS side is in ./rds.ts.
//
// RDS is outside the mesh: a ServiceEntry (MESH_EXTERNAL, TCP 5432, DNS) puts its endpoint in the
// registry so REGISTRY_ONLY admits it, and only the backend's Sidecar names it. TLS is the
// application's own (`sslmode=verify-full` against the RDS CA bundle shipped as a ConfigMap); the
// sidecar passes the TCP stream through. Credentials arrive through the External Secrets Operator
// as files (a rotated password is picked up without a restart).
import { destinationRule, serviceEntry, sidecar } from "../istio/builders";
import { DestinationRuleObject, ServiceEntryObject, SidecarObject } from "../istio/types";
import { KubeObject, standardLabels } from "../k8s";
import { ISTIO_ROOT_NAMESPACE } from "../mesh/topology";
import { externalSecret, secretStore, tokenRequestAccess } from "../secrets/builders";
import { collectorHost, JAEGER_COLLECTOR } from "../tracing";
import { BACKEND, PAYMENTS_NAMESPACE, POSTGRES, serviceHost } from "./names";

const ns = PAYMENTS_NAMESPACE;

/** Where the backend finds its database credentials and the CA bundle (the application contract). */
export const DB_FILES = {
    credentialsDir: "/var/run/secrets/dodo/db",
    caDir: "/etc/dodo/db-ca",
    caKey: "ca.pem",
    caConfigMap: "rds-ca",
} as const;

/**
 * The backend's proxy config (its `proxy.istio.io/config` annotation). DNS capture makes the agent
 * answer the app's lookups of hosts in the pod's Sidecar view (pkg/dns/server/name_table.go walks
 * the SidecarScope's services) with the ServiceEntry's address istiod auto-allocates
 * (PILOT_ENABLE_IP_AUTOALLOCATE, on by default: pilot/pkg/features/pilot.go), and only a proxy
 * with DNS capture is given that address (pilot/pkg/model/service.go, GetAddressForProxy): without
 * it the address-less TCP ServiceEntry of RDS becomes a 0.0.0.0:5432 listener that any other
 * address-less TCP entry on 5432 in the view would share. Names outside the view are forwarded by
 * the agent (UID 1337, not captured) to the resolvers in resolv.conf, i.e. cluster DNS: the
 * kube-dns egress and the DNS security-group rules stay.
 */
export const BACKEND_PROXY_CONFIG = {
    holdApplicationUntilProxyStarts: true,
    proxyMetadata: { ISTIO_META_DNS_CAPTURE: "true" },
} as const;

/**
 * How long the backend retries a login refused with 28P01 (invalid password), re-reading the
 * mounted files, before failing: the worst case between a master-password rotation (RDS-managed
 * rotation is single-user: the old password stops working at once) and the new value in the
 * file. Rotation itself (about a minute), ESO's next read (its refreshInterval), the kubelet's
 * refresh of the Secret volume (its sync period plus its secret cache TTL, a minute each by
 * default), and a margin: 5 minutes. docs/payments.md ("Credentials and rotation") says the same.
 */
export const CREDENTIAL_PROPAGATION = { rotationSeconds: 60, esoRefreshSeconds: 60, kubeletSyncSeconds: 60, kubeletCacheSeconds: 60, marginSeconds: 60 } as const;

export function credentialRetryBudgetSeconds(p: Record<keyof typeof CREDENTIAL_PROPAGATION, number> = CREDENTIAL_PROPAGATION): number {
    return Object.values(p).reduce((a, b) => a + b, 0);
}

/**
 * The DNS names of the cluster DNS Service and the hosts every payments proxy needs besides its
 * peers: istio-system (istiod) and cluster DNS (resolvers fall back to TCP/53 for large answers).
 */
export const CLUSTER_DNS = { namespace: "kube-system", host: "kube-dns.kube-system.svc.cluster.local" } as const;
export const PLATFORM_HOSTS: readonly string[] = [`${ISTIO_ROOT_NAMESPACE}/*`, `${CLUSTER_DNS.namespace}/${CLUSTER_DNS.host}`];

/**
 * The trace collector, on its OTLP/gRPC port only: the tracing provider's cluster must be in each
 * proxy's view or spans are dropped, but the collector's Service also serves Jaeger's query API
 * (16686, 16685: every trace). A listener with a port imports only that port of its hosts (Istio
 * pilot/pkg/model/sidecar.go, needsPortMatch / serviceMatchingListenerPort); it goes before the
 * port-less catch-all listener, as the Sidecar API requires.
 */
export const OTLP_EGRESS: NonNullable<SidecarObject["spec"]["egress"]>[number] = {
    port: { number: JAEGER_COLLECTOR.port, protocol: "GRPC", name: "grpc-otlp" },
    hosts: [`${JAEGER_COLLECTOR.namespace}/${collectorHost(JAEGER_COLLECTOR)}`],
};

/**
 * Envoy's TCP idle timeout towards the database: twice the pool's idle time, so the proxy never
 * closes a connection the pool still counts as open (Envoy's default is one hour; a pool that keeps
 * connections longer would see them cut mid-idle and fail its next query).
 */
export function databaseIdleTimeoutSeconds(poolIdleSeconds: number): number {
    if (!Number.isInteger(poolIdleSeconds) || poolIdleSeconds <= 0) throw new Error(`pool idle time must be a positive number of seconds, got ${poolIdleSeconds}`);
    return 2 * poolIdleSeconds;
}

/**
 * TCP keepalive on the proxy's upstream connection: a connection to an instance that failed over
 * (Multi-AZ: the endpoint moves to the standby) is found dead in about 60 + 3 x 10 s, instead of
 * hanging until the kernel's two hours.
 */
export const DATABASE_KEEPALIVE = { time: "60s", interval: "10s", probes: 3 } as const;

/** The connection policy to the database host, for either engine. */
export function databaseDestinationRule(host: string, poolIdleSeconds: number): DestinationRuleObject {
    return destinationRule({
        name: "postgres",
        namespace: ns,
        labels: standardLabels("postgres"),
        spec: {
            host,
            // exportTo ".": only this namespace's proxies use it.
            exportTo: ["."],
            trafficPolicy: {
                connectionPool: {
                    tcp: { connectTimeout: "5s", idleTimeout: `${databaseIdleTimeoutSeconds(poolIdleSeconds)}s`, tcpKeepalive: { ...DATABASE_KEEPALIVE } },
                },
            },
        },
    });
}

/** The RDS endpoint in the mesh's registry: MESH_EXTERNAL, TCP 5432, resolved by DNS, this namespace only. */
export function rdsServiceEntry(host: string): ServiceEntryObject {
    return serviceEntry({
        name: "payments-rds",
        namespace: ns,
        labels: standardLabels("payments-rds"),
        spec: {
            hosts: [host],
            exportTo: ["."],
            location: "MESH_EXTERNAL",
            ports: [{ number: POSTGRES.port, name: "tcp-postgres", protocol: "TCP" }],
            resolution: "DNS",
        },
    });
}

/** The database host as the backend's Sidecar names it: `./<host>` (this namespace's registry). */
export function databaseEgressHost(host: string): string {
    return `./${host}`;
}

/**
 * The backend's own Sidecar: its egress names the database, the platform hosts and the collector's
 * OTLP port, nothing else in the namespace (the backend calls no other payments service), and
 * REGISTRY_ONLY in every stack.
 */
export function backendSidecar(databaseEgress: string): SidecarObject {
    return sidecar({
        name: "backend",
        namespace: ns,
        labels: standardLabels("backend"),
        spec: {
            workloadSelector: { labels: { app: BACKEND.app } },
            egress: [OTLP_EGRESS, { hosts: [databaseEgress, ...PLATFORM_HOSTS] }],
            outboundTrafficPolicy: { mode: "REGISTRY_ONLY" },
        },
    });
}

/** The in-cluster database's Service host (dev's StatefulSet). */
export const IN_CLUSTER_DATABASE_HOST = serviceHost(POSTGRES.service);

/** The RDS CA bundle as a ConfigMap the backend mounts (the PEM comes from ./rds-ca.ts). */
export function caBundleConfigMap(pem: string): KubeObject {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: DB_FILES.caConfigMap, namespace: ns, labels: standardLabels(DB_FILES.caConfigMap) },
        data: { [DB_FILES.caKey]: pem },
    };
}

/** SecretStore name of the backend (assumes the backend's IRSA role). */
export const BACKEND_SECRET_STORE = "backend";

/**
 * The RDS-managed master secret copied into `postgres-credentials` (keys `username`, `password`)
 * by ESO, authenticating as backend-sa, which only the backend runs as.
 */
export function rdsCredentialObjects(input: { region: string; secretArn: string }): KubeObject[] {
    return [
        ...tokenRequestAccess({ namespace: ns, serviceAccounts: [BACKEND.serviceAccount] }),
        secretStore({ namespace: ns, name: BACKEND_SECRET_STORE, region: input.region, serviceAccount: BACKEND.serviceAccount }),
        externalSecret({
            namespace: ns,
            name: POSTGRES.secret,
            store: BACKEND_SECRET_STORE,
            target: POSTGRES.secret,
            labels: { app: POSTGRES.app },
            refreshInterval: `${CREDENTIAL_PROPAGATION.esoRefreshSeconds}s`,
            data: [
                { key: "username", remoteKey: input.secretArn, property: "username" },
                { key: POSTGRES.passwordKey, remoteKey: input.secretArn, property: "password" },
            ],
        }),
    ];
}

/** Security groups for pods: the backend's pods get their own security group (VPC CNI, branch ENIs). */
export function backendSecurityGroupPolicy(groupId: string): KubeObject {
    return {
        apiVersion: "vpcresources.k8s.aws/v1beta1",
        kind: "SecurityGroupPolicy",
        metadata: { name: "backend", namespace: ns, labels: standardLabels("backend") },
        spec: { podSelector: { matchLabels: { app: BACKEND.app } }, securityGroups: { groupIds: [groupId] } },
    };
}

/** How the backend connects: the non-secret settings (env) for either engine. */
export interface DatabaseConnection {
    host: string;
    /** `verify-full` against the CA bundle (RDS); `disable` for the in-cluster database, where the sidecars' mTLS protects the stream. */
    sslMode: "verify-full" | "disable";
    poolIdleSeconds: number;
}

/** The backend's database environment: where to connect, and the files holding the rest. */
export function databaseEnv(conn: DatabaseConnection): Record<string, unknown>[] {
    return [
        { name: "DB_HOST", value: conn.host },
        { name: "DB_PORT", value: String(POSTGRES.port) },
        { name: "DB_NAME", value: POSTGRES.database },
        // Read on every new connection: a rotated password is a new file content, not a restart.
        { name: "DB_USER_FILE", value: `${DB_FILES.credentialsDir}/username` },
        { name: "DB_PASSWORD_FILE", value: `${DB_FILES.credentialsDir}/${POSTGRES.passwordKey}` },
        { name: "DB_SSLMODE", value: conn.sslMode },
        ...(conn.sslMode === "verify-full" ? [{ name: "DB_SSLROOTCERT", value: `${DB_FILES.caDir}/${DB_FILES.caKey}` }] : []),
        { name: "DB_POOL_IDLE_TIMEOUT_SECONDS", value: String(conn.poolIdleSeconds) },
        // Retry a refused login (28P01) this long, re-reading the files: a rotation's worst case.
        { name: "DB_AUTH_RETRY_SECONDS", value: String(credentialRetryBudgetSeconds()) },
    ];
}

/**
 * Volumes and mounts of the backend's database files (a Secret volume, not subPath: kubelet
 * refreshes it). 0440: the kubelet makes the files group-owned by the pod's fsGroup
 * (pkg/volume/volume_linux.go, SetVolumeOwnership), which the backend's pod sets to its own GID
 * (./workloads.ts); without fsGroup they stay root:root and the app's UID cannot read them.
 */
export function databaseVolumes(withCa: boolean): { volumes: Record<string, unknown>[]; mounts: Record<string, unknown>[] } {
    return {
        volumes: [
            { name: "db-credentials", secret: { secretName: POSTGRES.secret, defaultMode: 0o440 } },
            ...(withCa ? [{ name: "db-ca", configMap: { name: DB_FILES.caConfigMap, defaultMode: 0o444 } }] : []),
        ],
        mounts: [
            { name: "db-credentials", mountPath: DB_FILES.credentialsDir, readOnly: true },
            ...(withCa ? [{ name: "db-ca", mountPath: DB_FILES.caDir, readOnly: true }] : []),
        ],
    };
}
