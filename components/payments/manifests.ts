// Every object of the payments stack from its configuration, grouped by when it can be applied.
// Pure: the component only hands these groups to Kubernetes in order.
import { KubeObject } from "../k8s";
import { MeshMembership } from "../mesh/topology";
import { Environment } from "../settings";
import { backendReplicaBounds, capacityGate } from "./canary-capacity";
import { BACKEND, BACKEND_VERSIONS, backendDeploymentName, FRONTEND, POSTGRES } from "./names";
import {
    backendSecurityGroupPolicy,
    backendSidecar,
    caBundleConfigMap,
    databaseDestinationRule,
    databaseEgressHost,
    IN_CLUSTER_DATABASE_HOST,
    rdsCredentialObjects,
    rdsServiceEntry,
} from "./database";
import { backendJwtAuthentication, edgeJwtAuthentication } from "./edge";
import { authorizationPolicies, namespaceSidecar, strictMtls } from "./security";
import { PaymentsConfig } from "./settings";
import { backendDestinationRule, backendMeshVirtualService, edgeGateway, edgeVirtualService, hostCertificate, ingressRateLimit } from "./traffic";
import {
    backendDeployment,
    backendService,
    frontendDeployment,
    frontendService,
    horizontalPodAutoscaler,
    paymentsNamespace,
    podDisruptionBudget,
    postgresHeadlessService,
    postgresSecret,
    postgresService,
    postgresStatefulSet,
    serviceAccount,
} from "./workloads";

export interface PaymentsManifestsInput<P> {
    environment: Environment;
    config: Omit<PaymentsConfig, "postgres"> & { postgres: { storageGiB: number; password: P } };
    /** How the namespace joins the mesh (Mesh.membership): its label and the pods' rollout annotations. */
    mesh: MeshMembership;
    /** ClusterIssuer that signs the host certificate. */
    issuerName: string;
    postgresImage: string;
    storageClass: string;
    /**
     * Amazon RDS instead of the in-cluster StatefulSet (config.database.engine rds). Values may be
     * Pulumi Outputs typed as strings: Pulumi resolves them anywhere in a resource's inputs.
     */
    rds?: RdsConnection;
}

export interface RdsConnection {
    /** The instance's DNS name (endpoint address). */
    host: string;
    /** `./<host>` as the backend's Sidecar names it (the component builds it from the Output). Default: from host. */
    egressHost?: string;
    region: string;
    /** ARN of the RDS-managed master user secret in Secrets Manager. */
    secretArn: string;
    /** The IRSA role ESO assumes as backend-sa (reads that secret only). */
    backendRoleArn: string;
    /** The region's RDS root CAs, PEM. */
    caPem: string;
    /** Security groups for pods: the backend pods' own group (unset: the node security group mode). */
    backendSecurityGroupId?: string;
}

export interface PaymentsManifests {
    namespace: KubeObject;
    /** mTLS, authorization and the Sidecar: applied before any workload can serve. */
    security: KubeObject[];
    /** ServiceAccounts, the database Secret and Services. */
    base: KubeObject[];
    /** The database's ServiceEntry (RDS) and DestinationRule: the backend needs them to start. */
    egress: KubeObject[];
    workloads: KubeObject[];
    /** HPAs, then PDBs; backend-v2's PDB carries the capacity gate the routes wait for. */
    scaling: KubeObject[];
    /** The backend's DestinationRule and the VirtualServices (the canary split): after scaling. */
    routing: KubeObject[];
    /** Objects in the ingress gateway's namespace: Gateway, EnvoyFilter, the edge's RequestAuthentication. */
    ingress: KubeObject[];
    /** The host certificate (needs cert-manager and its issuer). */
    certificate: KubeObject;
    /** RDS only: ExternalSecret, SecretStore and ESO's token Role (need the operator's CRDs). */
    externalSecrets: KubeObject[];
}

export { backendReplicaBounds, canaryMinReplicas } from "./canary-capacity";

/** backend-v2 runs the canary image, or v1's when none is set (an idle canary slot, weight 0). */
export function backendImages(images: PaymentsConfig["images"]): Record<"v1" | "v2", string> {
    return { v1: images.backendV1, v2: images.backendV2 ?? images.backendV1 };
}

/**
 * A PDB per workload, each tolerating one pod down at a time. For the single PostgreSQL pod that
 * means a node drain (EKS node group upgrades, `kubectl drain`) evicts it: the database is down
 * until the pod restarts on another node in its volume's zone (about a minute). A budget of 0
 * would instead make every drain hang and every managed node group upgrade fail with
 * PodEvictionFailure. The short outage is the accepted cost of one primary (docs/payments.md).
 */
function disruptionBudgets(inClusterDatabase: boolean, canaryPods: number): KubeObject[] {
    const canary = podDisruptionBudget(backendDeploymentName("v2"), BACKEND.app, { app: BACKEND.app, version: "v2" }, 1);
    canary.metadata.annotations = capacityGate(canaryPods);
    return [
        podDisruptionBudget(FRONTEND.app, FRONTEND.app, { app: FRONTEND.app }, 1),
        podDisruptionBudget(backendDeploymentName("v1"), BACKEND.app, { app: BACKEND.app, version: "v1" }, 1),
        canary,
        ...(inClusterDatabase ? [podDisruptionBudget(POSTGRES.statefulSet, POSTGRES.app, { app: POSTGRES.app }, 1)] : []),
    ];
}

export function paymentsManifests<P>(input: PaymentsManifestsInput<P>): PaymentsManifests {
    const { environment, config, rds } = input;
    const images = backendImages(config.images);
    const backendReplicas = backendReplicaBounds(config.backendReplicas, config.canary.weight);
    const poolIdle = config.database.poolIdleSeconds;
    const inCluster = rds === undefined;
    const dbHost = rds ? rds.host : IN_CLUSTER_DATABASE_HOST;
    const database = { host: dbHost, sslMode: rds ? ("verify-full" as const) : ("disable" as const), poolIdleSeconds: poolIdle };
    const backendAccount = serviceAccount(BACKEND.serviceAccount, BACKEND.app);
    if (rds) backendAccount.metadata.annotations = { "eks.amazonaws.com/role-arn": rds.backendRoleArn };
    return {
        namespace: paymentsNamespace(input.mesh.namespaceLabels),
        security: [
            strictMtls(),
            ...authorizationPolicies(inCluster, config.edge),
            ...(config.edge.jwt ? [backendJwtAuthentication(config.edge.jwt)] : []),
            namespaceSidecar(),
            backendSidecar(rds?.egressHost ?? databaseEgressHost(dbHost)),
            ...(rds?.backendSecurityGroupId ? [backendSecurityGroupPolicy(rds.backendSecurityGroupId)] : []),
        ],
        base: [
            serviceAccount(FRONTEND.serviceAccount, FRONTEND.app),
            backendAccount,
            frontendService(),
            backendService(),
            ...(inCluster
                ? [serviceAccount(POSTGRES.serviceAccount, POSTGRES.app), postgresSecret(config.postgres.password), postgresService(), postgresHeadlessService()]
                : [caBundleConfigMap(rds.caPem)]),
        ],
        workloads: [
            ...(inCluster ? [postgresStatefulSet({ environment, meshAnnotations: input.mesh.statefulSetAnnotations[POSTGRES.statefulSet] ?? {}, image: input.postgresImage, storageGiB: config.postgres.storageGiB, storageClass: input.storageClass })] : []),
            ...BACKEND_VERSIONS.map((version) =>
                backendDeployment({ environment, meshAnnotations: input.mesh.podAnnotations, version, image: images[version], replicas: backendReplicas[version], database, irsa: !inCluster }),
            ),
            frontendDeployment({ environment, meshAnnotations: input.mesh.podAnnotations, image: config.images.frontend, replicas: config.frontendReplicas }),
        ],
        scaling: [
            horizontalPodAutoscaler(FRONTEND.app, FRONTEND.app, config.frontendReplicas),
            ...BACKEND_VERSIONS.map((v) => horizontalPodAutoscaler(backendDeploymentName(v), BACKEND.app, backendReplicas[v])),
            ...disruptionBudgets(inCluster, backendReplicas.v2.min),
        ],
        egress: [...(rds ? [rdsServiceEntry(rds.host)] : []), databaseDestinationRule(dbHost, poolIdle)],
        routing: [
            backendDestinationRule(config.circuitBreaker),
            backendMeshVirtualService(config.canary.weight),
            edgeVirtualService({ host: config.host, environment, canaryWeight: config.canary.weight, canaryHeader: config.canary.edgeHeader }),
        ],
        ingress: [edgeGateway({ host: config.host }), ingressRateLimit(config.rateLimit), ...(config.edge.jwt ? [edgeJwtAuthentication(config.edge.jwt)] : [])],
        certificate: hostCertificate({ host: config.host, issuerName: input.issuerName }),
        externalSecrets: rds ? rdsCredentialObjects({ region: rds.region, secretArn: rds.secretArn }) : [],
    };
}
