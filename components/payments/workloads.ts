// Pure builders for the payments workloads: namespace, service accounts, Deployments, the
// PostgreSQL StatefulSet, Services, HPAs and PDBs. Plain objects in, Kubernetes objects out.
import { KubeObject, standardLabels } from "../k8s";
import { Environment } from "../settings";
import { otelSdkEnv } from "../tracing";
import {
    APP_UID,
    BACKEND,
    backendDeploymentName,
    BackendVersion,
    FRONTEND,
    HEALTH,
    PAYMENTS_NAMESPACE,
    POSTGRES,
    serviceHost,
} from "./names";
import { ReplicaBounds } from "./settings";
import { BACKEND_PROXY_CONFIG, DatabaseConnection, databaseEnv, databaseVolumes } from "./database";

export interface ContainerSize {
    cpu: string;
    memory: string;
    /** Memory limit; CPU is not limited (throttling hurts latency more than sharing spare CPU). */
    memoryLimit: string;
}

export interface WorkloadSizes {
    frontend: ContainerSize;
    backend: ContainerSize;
    postgres: ContainerSize;
}

/** Requests and memory limits per environment (the sidecar's come from the mesh's proxy settings). */
export const SIZES: Readonly<Record<Environment, WorkloadSizes>> = {
    dev: {
        frontend: { cpu: "50m", memory: "64Mi", memoryLimit: "128Mi" },
        backend: { cpu: "100m", memory: "128Mi", memoryLimit: "256Mi" },
        postgres: { cpu: "250m", memory: "256Mi", memoryLimit: "512Mi" },
    },
    staging: {
        frontend: { cpu: "100m", memory: "128Mi", memoryLimit: "256Mi" },
        backend: { cpu: "250m", memory: "256Mi", memoryLimit: "512Mi" },
        postgres: { cpu: "500m", memory: "1Gi", memoryLimit: "2Gi" },
    },
    prod: {
        frontend: { cpu: "200m", memory: "256Mi", memoryLimit: "512Mi" },
        backend: { cpu: "500m", memory: "512Mi", memoryLimit: "1Gi" },
        postgres: { cpu: "1", memory: "2Gi", memoryLimit: "4Gi" },
    },
};

/** HPA target: average CPU utilisation of the requests. */
export const HPA_CPU_UTILIZATION = 70;

const ns = PAYMENTS_NAMESPACE;

function labels(app: string, version: string, component: string): Record<string, string> {
    return standardLabels(app, { "app.kubernetes.io/component": component, "app.kubernetes.io/version": version, app, version });
}

/** `meshLabels`: the mesh's injection label for the namespace (Mesh.membership). */
export function paymentsNamespace(meshLabels: Record<string, string>): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns, labels: { ...standardLabels(ns), ...meshLabels } },
    };
}

export function serviceAccount(name: string, app: string): KubeObject {
    return {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name, namespace: ns, labels: standardLabels(app) },
        // None of the payments workloads calls the Kubernetes API.
        automountServiceAccountToken: false,
    };
}

function resources(size: ContainerSize): Record<string, unknown> {
    return { requests: { cpu: size.cpu, memory: size.memory }, limits: { memory: size.memoryLimit } };
}

const CONTAINER_SECURITY = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

function podSecurity(uid: number, fsGroup?: number): Record<string, unknown> {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        ...(fsGroup !== undefined ? { fsGroup, fsGroupChangePolicy: "OnRootMismatch" } : {}),
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/**
 * Spread over zones (hard outside dev, where SPOT capacity may sit in one zone) and nodes (soft).
 * `pod-template-hash` makes a rolling update spread the new ReplicaSet on its own.
 */
function topologySpread(environment: Environment, selector: Record<string, string>, rolling: boolean): Record<string, unknown>[] {
    const extra = rolling ? { matchLabelKeys: ["pod-template-hash"] } : {};
    return [
        {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: environment === "dev" ? "ScheduleAnyway" : "DoNotSchedule",
            labelSelector: { matchLabels: selector },
            ...extra,
        },
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector }, ...extra },
    ];
}

function httpProbes(port: string): Record<string, unknown> {
    const get = (path: string) => ({ httpGet: { path, port } });
    return {
        // Istio rewrites HTTP probes to the sidecar's agent, so they need no AuthorizationPolicy.
        startupProbe: { ...get(HEALTH.live), periodSeconds: 2, failureThreshold: 60, timeoutSeconds: 2 },
        readinessProbe: { ...get(HEALTH.ready), periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 2 },
        livenessProbe: { ...get(HEALTH.live), periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
    };
}

interface AppDeploymentInput {
    name: string;
    app: string;
    version: string;
    component: string;
    serviceAccount: string;
    image: string;
    replicas: number;
    containerPort: number;
    env: Record<string, unknown>[];
    size: ContainerSize;
    environment: Environment;
    /** The mesh's rollout annotations: a move to another revision changes the template, so pods move to the new sidecar. */
    meshAnnotations: Record<string, string>;
    /** Extra volumes and their mounts in the app container. */
    volumes?: { volumes: Record<string, unknown>[]; mounts: Record<string, unknown>[] };
    /** Extra pod template annotations. */
    podAnnotations?: Record<string, string>;
    /** The proxy config annotation. Default: hold the app until its sidecar is ready. */
    proxyConfig?: Record<string, unknown>;
    /** The pod's fsGroup: set where the app reads a 0440 Secret volume (the kubelet gives the files to this group). */
    fsGroup?: number;
}

function appDeployment(input: AppDeploymentInput): KubeObject {
    const selector = { app: input.app, version: input.version };
    const podLabels = labels(input.app, input.version, input.component);
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: input.name, namespace: ns, labels: podLabels },
        spec: {
            // The HPA owns the count after creation (the component ignores later changes here).
            replicas: input.replicas,
            revisionHistoryLimit: 5,
            selector: { matchLabels: selector },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
            template: {
                metadata: {
                    labels: podLabels,
                    annotations: {
                        // The app may call its dependencies at start-up: only once its sidecar is ready.
                        "proxy.istio.io/config": JSON.stringify(input.proxyConfig ?? { holdApplicationUntilProxyStarts: true }),
                        ...input.meshAnnotations,
                        ...(input.podAnnotations ?? {}),
                    },
                },
                spec: {
                    serviceAccountName: input.serviceAccount,
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    securityContext: podSecurity(APP_UID, input.fsGroup),
                    topologySpreadConstraints: topologySpread(input.environment, selector, true),
                    containers: [
                        {
                            name: input.app,
                            image: input.image,
                            imagePullPolicy: "IfNotPresent",
                            ports: [{ name: "http", containerPort: input.containerPort, protocol: "TCP" }],
                            env: input.env,
                            resources: resources(input.size),
                            securityContext: CONTAINER_SECURITY,
                            ...httpProbes("http"),
                            // Read-only root: the only writable path is a small scratch /tmp.
                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...(input.volumes?.mounts ?? [])],
                        },
                    ],
                    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }, ...(input.volumes?.volumes ?? [])],
                },
            },
        },
    };
}

export interface FrontendInput {
    environment: Environment;
    /** Mesh.membership().podAnnotations: rolls the pods when the namespace moves to another revision. */
    meshAnnotations: Record<string, string>;
    image: string;
    replicas: ReplicaBounds;
}

export function frontendDeployment(input: FrontendInput): KubeObject {
    return appDeployment({
        name: FRONTEND.app,
        app: FRONTEND.app,
        version: FRONTEND.version,
        component: "frontend",
        serviceAccount: FRONTEND.serviceAccount,
        image: input.image,
        replicas: input.replicas.min,
        containerPort: FRONTEND.containerPort,
        size: SIZES[input.environment].frontend,
        environment: input.environment,
        meshAnnotations: input.meshAnnotations,
        env: [
            { name: "PORT", value: String(FRONTEND.containerPort) },
            // Server-side calls go through the sidecar, so the mesh routes (and the canary) apply.
            { name: "API_BASE_URL", value: `http://${serviceHost(BACKEND.service)}:${BACKEND.port}` },
            { name: "DODO_ENVIRONMENT", value: input.environment },
            ...otelSdkEnv({ service: FRONTEND.app, version: FRONTEND.version, environment: input.environment, namespace: PAYMENTS_NAMESPACE }),
        ],
    });
}

export interface BackendInput {
    environment: Environment;
    meshAnnotations: Record<string, string>;
    version: BackendVersion;
    image: string;
    replicas: ReplicaBounds;
    /** Where the database is and how to verify it (docs/payments.md, the application contract). */
    database: DatabaseConnection;
    /**
     * The backend's ServiceAccount carries an IRSA role (RDS: the role ESO assumes to read the
     * database secret). The backend itself calls no AWS API, so the EKS pod identity webhook must not
     * hand its containers that role's credentials.
     */
    irsa?: boolean;
}

export function backendDeployment(input: BackendInput): KubeObject {
    return appDeployment({
        name: backendDeploymentName(input.version),
        app: BACKEND.app,
        version: input.version,
        component: "backend",
        serviceAccount: BACKEND.serviceAccount,
        image: input.image,
        replicas: input.replicas.min,
        containerPort: BACKEND.containerPort,
        size: SIZES[input.environment].backend,
        environment: input.environment,
        meshAnnotations: input.meshAnnotations,
        env: [
            { name: "PORT", value: String(BACKEND.containerPort) },
            { name: "APP_VERSION", value: input.version },
            { name: "DODO_ENVIRONMENT", value: input.environment },
            ...databaseEnv(input.database),
            ...otelSdkEnv({ service: BACKEND.app, version: input.version, environment: input.environment, namespace: PAYMENTS_NAMESPACE }),
        ],
        volumes: databaseVolumes(input.database.sslMode === "verify-full"),
        // The credential files are 0440 root:<fsGroup>; the app's UID reads them through its group.
        fsGroup: APP_UID,
        // DNS capture: the RDS host resolves through the sidecar to its ServiceEntry's address.
        proxyConfig: BACKEND_PROXY_CONFIG,
        podAnnotations: input.irsa ? { "eks.amazonaws.com/skip-containers": `${BACKEND.app},istio-proxy` } : undefined,
    });
}

interface ServiceInput {
    name: string;
    app: string;
    port: number;
    /** Port name: Istio selects the protocol from its prefix. */
    portName: string;
    targetPort: string | number;
    appProtocol: string;
}

function service(input: ServiceInput, headless = false): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: input.name, namespace: ns, labels: standardLabels(input.app, { app: input.app }) },
        spec: {
            type: "ClusterIP",
            ...(headless ? { clusterIP: "None" } : {}),
            selector: { app: input.app },
            ports: [{ name: input.portName, port: input.port, targetPort: input.targetPort, protocol: "TCP", appProtocol: input.appProtocol }],
        },
    };
}

export function frontendService(): KubeObject {
    return service({ name: FRONTEND.service, app: FRONTEND.app, port: FRONTEND.port, portName: "http-web", targetPort: "http", appProtocol: "http" });
}

/** Selects both backend versions; the DestinationRule's subsets split them by `version`. */
export function backendService(): KubeObject {
    return service({ name: BACKEND.service, app: BACKEND.app, port: BACKEND.port, portName: "http-api", targetPort: "http", appProtocol: "http" });
}

export function postgresService(): KubeObject {
    return service({ name: POSTGRES.service, app: POSTGRES.app, port: POSTGRES.port, portName: "tcp-postgres", targetPort: "postgres", appProtocol: "tcp" });
}

/**
 * The StatefulSet's governing Service: headless, so `postgres-0.postgres-headless` resolves to the
 * pod. Clients keep using the ClusterIP Service `postgres` (one stable address, mesh routing).
 */
export function postgresHeadlessService(): KubeObject {
    return service({ name: POSTGRES.headlessService, app: POSTGRES.app, port: POSTGRES.port, portName: "tcp-postgres", targetPort: "postgres", appProtocol: "tcp" }, true);
}

export function horizontalPodAutoscaler(deployment: string, app: string, replicas: ReplicaBounds): KubeObject {
    return {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: { name: deployment, namespace: ns, labels: standardLabels(app) },
        spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment },
            minReplicas: replicas.min,
            maxReplicas: replicas.max,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: HPA_CPU_UTILIZATION } } }],
            behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
        },
    };
}

export function podDisruptionBudget(name: string, app: string, selector: Record<string, string>, maxUnavailable: number): KubeObject {
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name, namespace: ns, labels: standardLabels(app) },
        spec: {
            maxUnavailable,
            selector: { matchLabels: selector },
            // A crash-looping pod must not block a node drain.
            unhealthyPodEvictionPolicy: "AlwaysAllow",
        },
    };
}

/** The password is passed through untouched (a Pulumi secret Output in the component). */
export function postgresSecret<P>(password: P): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: POSTGRES.secret, namespace: ns, labels: standardLabels(POSTGRES.app) },
        type: "Opaque",
        stringData: { username: POSTGRES.user, [POSTGRES.passwordKey]: password },
    };
}

export interface PostgresInput {
    environment: Environment;
    /** Its entry in mesh.statefulSets: a StatefulSet never follows its namespace's move. */
    meshAnnotations: Record<string, string>;
    image: string;
    storageGiB: number;
    /** StorageClass of the data volume (the cluster's encrypted gp3 class). */
    storageClass: string;
}

const PG_MOUNT = "/var/lib/postgresql/data";

export function postgresStatefulSet(input: PostgresInput): KubeObject {
    const selector = { app: POSTGRES.app };
    const podLabels = labels(POSTGRES.app, POSTGRES.version, "database");
    const isReady = { exec: { command: ["pg_isready", "-h", "/var/run/postgresql", "-p", String(POSTGRES.port), "-U", POSTGRES.user, "-d", POSTGRES.database] } };
    return {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: POSTGRES.statefulSet, namespace: ns, labels: podLabels },
        spec: {
            serviceName: POSTGRES.headlessService,
            // One primary: PostgreSQL replicas are not interchangeable pods, so no HPA either.
            replicas: 1,
            selector: { matchLabels: selector },
            updateStrategy: { type: "RollingUpdate" },
            // dev volumes go with the stack; staging and prod keep the data if the StatefulSet is deleted.
            persistentVolumeClaimRetentionPolicy: { whenDeleted: input.environment === "dev" ? "Delete" : "Retain", whenScaled: "Retain" },
            template: {
                metadata: { labels: podLabels, annotations: input.meshAnnotations },
                spec: {
                    serviceAccountName: POSTGRES.serviceAccount,
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    // fsGroup makes the fresh EBS volume writable by the postgres user.
                    securityContext: podSecurity(POSTGRES.uid, POSTGRES.uid),
                    topologySpreadConstraints: topologySpread(input.environment, selector, false),
                    terminationGracePeriodSeconds: 60,
                    containers: [
                        {
                            name: POSTGRES.app,
                            image: input.image,
                            imagePullPolicy: "IfNotPresent",
                            ports: [{ name: "postgres", containerPort: POSTGRES.port, protocol: "TCP" }],
                            env: [
                                { name: "POSTGRES_USER", value: POSTGRES.user },
                                { name: "POSTGRES_DB", value: POSTGRES.database },
                                { name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: POSTGRES.secret, key: POSTGRES.passwordKey } } },
                                // A subdirectory: the volume's root holds lost+found, which initdb refuses.
                                { name: "PGDATA", value: `${PG_MOUNT}/pgdata` },
                            ],
                            resources: resources(SIZES[input.environment].postgres),
                            securityContext: CONTAINER_SECURITY,
                            startupProbe: { ...isReady, periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 5 },
                            readinessProbe: { ...isReady, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 5 },
                            livenessProbe: { ...isReady, periodSeconds: 20, failureThreshold: 6, timeoutSeconds: 5 },
                            volumeMounts: [
                                { name: "data", mountPath: PG_MOUNT },
                                // Read-only root: the socket directory and /tmp are the only other writable paths.
                                { name: "run", mountPath: "/var/run/postgresql" },
                                { name: "tmp", mountPath: "/tmp" },
                            ],
                        },
                    ],
                    volumes: [
                        { name: "run", emptyDir: { sizeLimit: "16Mi" } },
                        { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                    ],
                },
            },
            volumeClaimTemplates: [
                {
                    metadata: { name: "data", labels: standardLabels(POSTGRES.app) },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: input.storageClass,
                        resources: { requests: { storage: `${input.storageGiB}Gi` } },
                    },
                },
            ],
        },
    };
}
