// A payments configuration as a stack would parse it, for builder tests.
import { defaultEdge } from "../../components/payments/edge-settings";
import { MeshRevisions } from "../../components/mesh/revisions";
import { MeshMembership, meshMembership } from "../../components/mesh/topology";
import { onRevision } from "../mesh/fixtures";
import { PaymentsManifests, paymentsManifests, RdsConnection } from "../../components/payments/manifests";
import { PAYMENTS_NAMESPACE } from "../../components/payments/names";
import { PaymentsConfig } from "../../components/payments/settings";
import { Environment } from "../../components/settings";

export type PlainPaymentsConfig = Omit<PaymentsConfig, "postgres"> & { postgres: { storageGiB: number; password: string } };

export function paymentsConfig(overrides: Partial<PlainPaymentsConfig> = {}): PlainPaymentsConfig {
    return {
        host: "pay.dev.dodopayments.com",
        tls: { issuer: "selfSigned", installCertManager: true },
        images: {
            frontend: "ghcr.io/dodopayments/payments-frontend:1.4.0",
            backendV1: "ghcr.io/dodopayments/payments-backend:2.7.0",
            backendV2: "ghcr.io/dodopayments/payments-backend:2.8.0",
        },
        canary: { weight: 20, edgeHeader: true },
        edge: defaultEdge(),
        frontendReplicas: { min: 2, max: 4 },
        backendReplicas: { min: 2, max: 6 },
        rateLimit: { maxTokens: 100, tokensPerFill: 50, fillIntervalSeconds: 1 },
        circuitBreaker: { maxConnections: 100, maxPendingRequests: 50, consecutive5xxErrors: 3, baseEjectionSeconds: 15, maxEjectionPercent: 100 },
        postgres: { storageGiB: 10, password: "correct-horse-battery-staple" },
        database: {
            engine: "in-cluster",
            rds: {
                instanceClass: "db.t4g.medium",
                allocatedStorageGiB: 20,
                maxAllocatedStorageGiB: 50,
                backupRetentionDays: 1,
                multiAz: false,
                deletionProtection: false,
                monitoringIntervalSeconds: 60,
                performanceInsightsRetentionDays: 7,
                passwordRotationDays: 7,
            },
            network: "pod-security-group",
            networkReason: "test",
            poolIdleSeconds: 600,
        },
        ...overrides,
    };
}

/** An RDS connection as the component hands it over (plain strings here). */
export const RDS: RdsConnection = {
    host: "dodo-prod-payments.c1a2b3c4d5e6.ap-south-1.rds.amazonaws.com",
    region: "ap-south-1",
    secretArn: "arn:aws:secretsmanager:ap-south-1:123456789012:secret:rds!db-0123-AbCdEf",
    backendRoleArn: "arn:aws:iam::123456789012:role/dodo-prod-dodo-payments-backend-sa-1",
    caPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    backendSecurityGroupId: "sg-0backend",
};

/** dodo-payments' membership in a mesh on one revision (all tags, the gateway and PostgreSQL on it). */
export function membershipOn(revision: string, over: Partial<MeshRevisions> = {}): MeshMembership {
    return meshMembership(onRevision(revision, over), PAYMENTS_NAMESPACE);
}

export function manifestsFor(environment: Environment = "dev", overrides: Partial<PlainPaymentsConfig> = {}, mesh: MeshMembership = membershipOn("default"), rds?: RdsConnection): PaymentsManifests {
    return paymentsManifests({
        rds,
        environment,
        config: paymentsConfig(overrides),
        mesh,
        issuerName: "dodo-ca",
        postgresImage: "docker.io/library/postgres:17.9-bookworm",
        storageClass: "gp3",
    });
}
