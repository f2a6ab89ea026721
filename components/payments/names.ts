// The names of the payments stack, in one place: every builder, policy and test refers to these,
// so renaming a service account cannot leave an AuthorizationPolicy pointing at the old one.
import { principalOf } from "../mesh/topology";

export const PAYMENTS_NAMESPACE = "dodo-payments";
/** Value of `app.kubernetes.io/part-of` on everything here. */
export const PART_OF = "dodo-payments";

export type BackendVersion = "v1" | "v2";
export const BACKEND_VERSIONS: readonly BackendVersion[] = ["v1", "v2"];

export const FRONTEND = {
    app: "frontend",
    version: "v1",
    serviceAccount: "frontend-sa",
    service: "frontend-service",
    /** Service port (what callers and routes use). */
    port: 80,
    /** Container port: a non-root process cannot bind 80; AuthorizationPolicy ports match this one. */
    containerPort: 8080,
} as const;

export const BACKEND = {
    app: "backend",
    serviceAccount: "backend-sa",
    service: "backend-service",
    port: 3000,
    containerPort: 3000,
} as const;

export const POSTGRES = {
    app: "postgres",
    /** Label `version` of the database pods: the PostgreSQL major version. */
    version: "17",
    serviceAccount: "postgres-sa",
    service: "postgres",
    /** Headless Service that governs the StatefulSet (stable pod DNS names); clients use `service`. */
    headlessService: "postgres-headless",
    statefulSet: "postgres",
    port: 5432,
    database: "payments",
    user: "payments",
    secret: "postgres-credentials",
    /** Key of the password in the Secret. */
    passwordKey: "password",
    /** Official image's postgres user (Debian variant). */
    uid: 999,
} as const;

/** Application containers run as this UID/GID (not 0, not 1337: the sidecar's). */
export const APP_UID = 10001;

/** HTTP health endpoints the frontend and backend images serve (the application contract). */
export const HEALTH = { live: "/healthz", ready: "/readyz" } as const;

/** Prefix of the API the backend serves through the edge and inside the mesh. */
export const API_PREFIX = "/api";
/**
 * The operators' API (refunds, user administration): the backend serves it under this prefix to
 * in-mesh callers only (application contract, docs/payments.md); no public allow-list entry may reach it.
 */
export const ADMIN_PREFIX = "/api/admin";

/** Header that pins a request to the canary regardless of weight. */
export const CANARY_HEADER = "x-canary";
export const CANARY_HEADER_VALUE = "always";
/** Request header the edge sets on backend requests: the environment's name. */
export const ENVIRONMENT_HEADER = "x-dodo-environment";

export const GATEWAY_NAME = "dodo-gateway";
/** kubernetes.io/tls Secret the Certificate writes and the Gateway serves (in the gateway's namespace). */
export const TLS_SECRET_NAME = "dodo-payments-tls";

export const principals = {
    frontend: principalOf(PAYMENTS_NAMESPACE, FRONTEND.serviceAccount),
    backend: principalOf(PAYMENTS_NAMESPACE, BACKEND.serviceAccount),
    postgres: principalOf(PAYMENTS_NAMESPACE, POSTGRES.serviceAccount),
};

/** In-cluster DNS name of a Service in the payments namespace. */
export function serviceHost(service: string): string {
    return `${service}.${PAYMENTS_NAMESPACE}.svc.cluster.local`;
}

export function backendDeploymentName(version: BackendVersion): string {
    return `backend-${version}`;
}
