import { strict as assert } from "assert";
import { imageProblem, PaymentsConfig, paymentsSection } from "../../components/payments/settings";
import { ConfigReader, Environment, fullKey } from "../../components/settings";
import { cliConfigFromPaths } from "../../scripts/lib/stack-config";

/** The keys every stack sets (host, images, password); tests add or override the rest. */
export const REQUIRED: Record<string, string> = {
    "payments.host": "pay.dev.dodopayments.com",
    "payments.frontend.image": "ghcr.io/dodopayments/payments-frontend:1.4.0",
    "payments.backend.v1.image": "ghcr.io/dodopayments/payments-backend:2.7.0",
    "payments.postgres.password": "correct-horse-battery-staple",
};
// With prod's JWT validation (payments.edge.jwt.enabled) on by default, an issuer is required there.
const ACME = { "payments.tls.hostedZone": "dodopayments.com", "payments.tls.acmeEmail": "platform@dodopayments.com", "payments.edge.jwt.issuer": "https://auth.dodopayments.com" };

function read(environment: Environment, values: Record<string, string | undefined>): { config: PaymentsConfig; problems: string[] } {
    // The StatefulSet's password is dev's only: staging and prod refuse it (RDS keeps its own).
    const base = environment === "dev" ? REQUIRED : { ...REQUIRED, "payments.postgres.password": undefined };
    const merged = { ...base, ...(environment === "dev" ? {} : ACME), ...values };
    const reader = new ConfigReader(environment, cliConfigFromPaths(merged));
    const config = paymentsSection.read(reader);
    return { config, problems: reader.problems };
}

function accepted(environment: Environment, values: Record<string, string | undefined> = {}): PaymentsConfig {
    const { config, problems } = read(environment, values);
    assert.deepEqual(problems, []);
    return config;
}

function rejected(environment: Environment, values: Record<string, string | undefined>, key: string, pattern: RegExp): void {
    const { problems } = read(environment, values);
    const mine = problems.filter((p) => p.startsWith(`${fullKey(key)}:`));
    assert.ok(mine.some((p) => pattern.test(p)), `expected a problem on ${key} matching ${pattern}, got ${JSON.stringify(problems)}`);
}

describe("payments config", () => {
    describe("environment defaults", () => {
        it("dev: self-signed TLS, no canary, one replica of each, small rate limit", () => {
            const c = accepted("dev");
            assert.equal(c.tls.issuer, "selfSigned");
            assert.equal(c.canary.weight, 0);
            assert.deepEqual(c.frontendReplicas, { min: 1, max: 2 });
            assert.deepEqual(c.backendReplicas, { min: 1, max: 2 });
            assert.deepEqual(c.rateLimit, { maxTokens: 100, tokensPerFill: 50, fillIntervalSeconds: 1 });
            assert.equal(c.images.backendV2, undefined);
        });

        it("staging: Let's Encrypt staging over DNS-01, two replicas", () => {
            const c = accepted("staging");
            assert.equal(c.tls.issuer, "letsencrypt-staging");
            assert.equal(c.tls.hostedZone, "dodopayments.com");
            assert.deepEqual(c.backendReplicas, { min: 2, max: 4 });
        });

        it("prod: Let's Encrypt production, three replicas up to ten, stricter circuit breaking thresholds", () => {
            const c = accepted("prod");
            assert.equal(c.tls.issuer, "letsencrypt");
            assert.deepEqual(c.frontendReplicas, { min: 3, max: 10 });
            assert.equal(c.circuitBreaker.maxEjectionPercent, 50);
            assert.equal(c.rateLimit.maxTokens, 2000);
        });

        it("takes unset keys as the environment default", () => {
            const c = accepted("staging", {});
            assert.equal(c.tls.issuer, "letsencrypt-staging");
            assert.equal(c.backendReplicas.min, 2);
            assert.equal(c.images.backendV2, undefined);
        });
    });

    describe("canary", () => {
        it("accepts a weight with a v2 image", () => {
            const c = accepted("dev", { "payments.canary.weight": "25", "payments.backend.v2.image": "ghcr.io/dodopayments/payments-backend:2.8.0" });
            assert.equal(c.canary.weight, 25);
            assert.equal(c.images.backendV2, "ghcr.io/dodopayments/payments-backend:2.8.0");
        });

        it("rejects a weight above 100 or below 0", () => {
            rejected("dev", { "payments.canary.weight": "120" }, "payments.canary.weight", /must be between 0 and 100 \(got 120\)/);
            rejected("dev", { "payments.canary.weight": "-1" }, "payments.canary.weight", /must be between 0 and 100/);
            rejected("dev", { "payments.canary.weight": "12.5" }, "payments.canary.weight", /expected an integer/);
        });

        it("rejects a weight above 0 without a v2 image, naming the key to set", () => {
            rejected("dev", { "payments.canary.weight": "10" }, "payments.backend.v2.image", /required when payments.canary.weight > 0 \(got weight 10\)/);
        });

        it("accepts weight 0 without a v2 image (v2 then runs the v1 image)", () => {
            accepted("prod", { "payments.canary.weight": "0" });
        });
    });

    describe("images", () => {
        it("accepts version tags, registries with ports and digests", () => {
            assert.equal(imageProblem("ghcr.io/dodopayments/payments-backend:2.7.0"), undefined);
            assert.equal(imageProblem("registry.local:5000/payments/backend:v2.7.0-rc.1"), undefined);
            assert.equal(imageProblem(`123456789012.dkr.ecr.ap-south-1.amazonaws.com/backend@sha256:${"a".repeat(64)}`), undefined);
        });

        it("rejects :latest, a missing tag and a malformed digest", () => {
            rejected("dev", { "payments.backend.v1.image": "ghcr.io/dodopayments/payments-backend:latest" }, "payments.backend.v1.image", /:latest/);
            rejected("dev", { "payments.frontend.image": "registry.local:5000/payments/frontend" }, "payments.frontend.image", /has no tag/);
            rejected("dev", { "payments.backend.v2.image": "ghcr.io/x/backend@sha256:abc" }, "payments.backend.v2.image", /@sha256:<64 hex digits>/);
        });

        it("requires the frontend and v1 images and the host", () => {
            rejected("dev", { "payments.frontend.image": undefined }, "payments.frontend.image", /required \(set it with `pulumi config set --path dodo-platform:payments.frontend.image /);
            rejected("dev", { "payments.backend.v1.image": undefined }, "payments.backend.v1.image", /required/);
            rejected("dev", { "payments.host": undefined }, "payments.host", /required/);
        });
    });

    describe("host and TLS", () => {
        it("rejects a wildcard or malformed host", () => {
            rejected("dev", { "payments.host": "*.dodopayments.com" }, "payments.host", /not a wildcard/);
            rejected("dev", { "payments.host": "Pay_Dev" }, "payments.host", /expected a lowercase DNS name/);
        });

        it("requires a hosted zone and an ACME e-mail with Let's Encrypt", () => {
            rejected("staging", { "payments.tls.hostedZone": undefined }, "payments.tls.hostedZone", /required with payments.tls.issuer letsencrypt-staging/);
            rejected("staging", { "payments.tls.acmeEmail": undefined }, "payments.tls.acmeEmail", /required/);
            rejected("dev", { "payments.tls.issuer": "letsencrypt" }, "payments.tls.hostedZone", /required/);
        });

        it("accepts the zone delegated to the environment: the host's parent, or the host itself at the apex", () => {
            assert.equal(accepted("prod", { "payments.host": "pay.dodopayments.com", "payments.tls.hostedZone": "pay.dodopayments.com" }).tls.hostedZone, "pay.dodopayments.com");
            assert.equal(accepted("staging", { "payments.host": "pay.staging.dodopayments.com", "payments.tls.hostedZone": "staging.dodopayments.com" }).tls.hostedZone, "staging.dodopayments.com");
            rejected("staging", { "payments.host": "pay.staging.dodopayments.com", "payments.tls.hostedZone": "pay.dodopayments.com" }, "payments.tls.hostedZone", /"pay\.staging\.dodopayments\.com" is not in "pay\.dodopayments\.com"/);
        });

        it("validates the hosted zone ID format", () => {
            rejected("staging", { "payments.tls.hostedZone": "example.com" }, "payments.tls.hostedZone", /is not in "example\.com"/);
        });

        it("keeps prod on the production Let's Encrypt issuer", () => {
            rejected("prod", { "payments.tls.issuer": "selfSigned" }, "payments.tls.issuer", /prod serves a publicly trusted certificate/);
        });
    });

    describe("sizes and limits", () => {
        it("rejects min replicas above max, and fewer than 2 in prod", () => {
            rejected("dev", { "payments.frontend.minReplicas": "3", "payments.frontend.maxReplicas": "2" }, "payments.frontend.minReplicas", /must not exceed payments.frontend.maxReplicas \(2\)/);
            rejected("prod", { "payments.backend.minReplicas": "1" }, "payments.backend.minReplicas", /prod runs at least 2 backend replicas/);
        });

        it("rejects a fill larger than the bucket", () => {
            rejected("dev", { "payments.rateLimit.tokensPerFill": "500", "payments.rateLimit.maxTokens": "100" }, "payments.rateLimit.tokensPerFill", /must not exceed payments.rateLimit.maxTokens \(100\)/);
        });
    });

    describe("database password", () => {
        it("is required, with the command that sets it as a secret", () => {
            rejected("dev", { "payments.postgres.password": undefined }, "payments.postgres.password", /pulumi config set --secret --path dodo-platform:payments.postgres.password </);
        });

        it("must be at least 16 characters", () => {
            rejected("dev", { "payments.postgres.password": "short" }, "payments.postgres.password", /at least 16 characters \(got 5\)/);
        });

        it("treats the string [secret] as the 8-character password it is (too short)", () => {
            rejected("dev", { "payments.postgres.password": "[secret]" }, "payments.postgres.password", /at least 16 characters/);
        });

        it("is handed on as a secret Output", () => {
            const c = accepted("dev");
            assert.equal((c.postgres.password as unknown as { isSecret: Promise<boolean> }).isSecret instanceof Promise, true);
        });
    });
});
