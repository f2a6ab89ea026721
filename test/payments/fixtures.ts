// A payments configuration as a stack would parse it, for builder tests.
import { PaymentsManifests, paymentsManifests } from "../../components/payments/manifests";
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
        frontendReplicas: { min: 2, max: 4 },
        backendReplicas: { min: 2, max: 6 },
        rateLimit: { maxTokens: 100, tokensPerFill: 50, fillIntervalSeconds: 1 },
        circuitBreaker: { maxConnections: 100, maxPendingRequests: 50, consecutive5xxErrors: 3, baseEjectionSeconds: 15, maxEjectionPercent: 100 },
        postgres: { storageGiB: 10, password: "correct-horse-battery-staple" },
        ...overrides,
    };
}

export function manifestsFor(environment: Environment = "dev", overrides: Partial<PlainPaymentsConfig> = {}, revision?: string): PaymentsManifests {
    return paymentsManifests({
        environment,
        config: paymentsConfig(overrides),
        revision,
        issuerName: "dodo-ca",
        postgresImage: "docker.io/library/postgres:17.9-bookworm",
        storageClass: "gp3",
    });
}
