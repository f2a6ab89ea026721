// Every object of the payments stack from its configuration, grouped by when it can be applied.
// Pure: the component only hands these groups to Kubernetes in order.
import { KubeObject } from "../k8s";
import { Environment } from "../settings";
import { BACKEND, BACKEND_VERSIONS, backendDeploymentName, FRONTEND, POSTGRES } from "./names";
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
    postgresSecret,
    postgresService,
    postgresStatefulSet,
    serviceAccount,
} from "./workloads";

export interface PaymentsManifestsInput<P> {
    environment: Environment;
    config: Omit<PaymentsConfig, "postgres"> & { postgres: { storageGiB: number; password: P } };
    /** Istio revision of the control plane that injects the namespace; undefined = default. */
    revision?: string;
    /** ClusterIssuer that signs the host certificate. */
    issuerName: string;
    postgresImage: string;
    storageClass: string;
}

export interface PaymentsManifests {
    namespace: KubeObject;
    /** mTLS, authorization and the Sidecar: applied before any workload can serve. */
    security: KubeObject[];
    /** ServiceAccounts, the database Secret and Services. */
    base: KubeObject[];
    workloads: KubeObject[];
    /** HPAs and PDBs. */
    scaling: KubeObject[];
    /** DestinationRule and VirtualServices inside the mesh and at the edge. */
    routing: KubeObject[];
    /** Objects in the ingress gateway's namespace: Gateway, EnvoyFilter. */
    ingress: KubeObject[];
    /** The host certificate (needs cert-manager and its issuer). */
    certificate: KubeObject;
}

/** backend-v2 runs the canary image, or v1's when none is set (an idle canary slot, weight 0). */
export function backendImages(images: PaymentsConfig["images"]): Record<"v1" | "v2", string> {
    return { v1: images.backendV1, v2: images.backendV2 ?? images.backendV1 };
}

/**
 * A PDB per workload. Stateless ones tolerate one pod down at a time. The single PostgreSQL pod
 * may be evicted in dev; elsewhere a drain waits until an operator moves the database on purpose.
 */
function disruptionBudgets(environment: Environment): KubeObject[] {
    return [
        podDisruptionBudget(FRONTEND.app, FRONTEND.app, { app: FRONTEND.app }, 1),
        ...BACKEND_VERSIONS.map((v) => podDisruptionBudget(backendDeploymentName(v), BACKEND.app, { app: BACKEND.app, version: v }, 1)),
        podDisruptionBudget(POSTGRES.statefulSet, POSTGRES.app, { app: POSTGRES.app }, environment === "dev" ? 1 : 0),
    ];
}

export function paymentsManifests<P>(input: PaymentsManifestsInput<P>): PaymentsManifests {
    const { environment, config } = input;
    const images = backendImages(config.images);
    return {
        namespace: paymentsNamespace(input.revision),
        security: [strictMtls(), ...authorizationPolicies(), namespaceSidecar()],
        base: [
            serviceAccount(FRONTEND.serviceAccount, FRONTEND.app),
            serviceAccount(BACKEND.serviceAccount, BACKEND.app),
            serviceAccount(POSTGRES.serviceAccount, POSTGRES.app),
            postgresSecret(config.postgres.password),
            frontendService(),
            backendService(),
            postgresService(),
        ],
        workloads: [
            postgresStatefulSet({ environment, revision: input.revision, image: input.postgresImage, storageGiB: config.postgres.storageGiB, storageClass: input.storageClass }),
            ...BACKEND_VERSIONS.map((version) => backendDeployment({ environment, revision: input.revision, version, image: images[version], replicas: config.backendReplicas })),
            frontendDeployment({ environment, revision: input.revision, image: config.images.frontend, replicas: config.frontendReplicas }),
        ],
        scaling: [
            horizontalPodAutoscaler(FRONTEND.app, FRONTEND.app, config.frontendReplicas),
            ...BACKEND_VERSIONS.map((v) => horizontalPodAutoscaler(backendDeploymentName(v), BACKEND.app, config.backendReplicas)),
            ...disruptionBudgets(environment),
        ],
        routing: [
            backendDestinationRule(config.circuitBreaker),
            backendMeshVirtualService(config.canary.weight),
            edgeVirtualService({ host: config.host, environment, canaryWeight: config.canary.weight }),
        ],
        ingress: [edgeGateway({ host: config.host }), ingressRateLimit(config.rateLimit)],
        certificate: hostCertificate({ host: config.host, issuerName: input.issuerName }),
    };
}
