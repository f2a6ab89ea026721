// Configuration of the two UIs: Grafana's admin password and how Kiali users log in and reach
// Grafana. Staging and prod keep no runtime secret in Pulumi config or state: their credentials are
// AWS Secrets Manager secrets, named here and copied into the cluster by External Secrets Operator.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigReader, defineKey, oneOf, setCommand } from "../settings";
import { secretName } from "./alert-settings";

export type KialiAuthStrategy = "anonymous" | "token" | "openid";

export interface KialiOpenId {
    /** The identity provider's issuer URL (its /.well-known/openid-configuration is read by Kiali). */
    issuerUri: string;
    clientId: string;
    /** Secrets Manager secret holding the OIDC client secret. */
    clientSecretSecret: string;
    /** The ID-token claim shown as the user name. */
    usernameClaim: string;
    /**
     * The cluster's API server trusts this issuer (an EKS OIDC identity provider config), so Kiali
     * acts with each user's own RBAC. False: Kiali acts with its own service account, view-only.
     */
    kubernetesRbac: boolean;
}

export interface KialiConfig {
    authStrategy: KialiAuthStrategy;
    /** openid only. */
    openid?: KialiOpenId;
    /** Secrets Manager secret holding a Grafana service-account token with the Viewer role (unset: no Grafana links). */
    grafanaTokenSecret?: string;
}

export interface GrafanaConfig {
    /** dev only: the admin password from the stack's config (a Pulumi secret). */
    adminPassword?: pulumi.Output<string>;
    /** Secrets Manager secret holding the admin password (required in staging and prod). */
    adminPasswordSecret?: string;
}

export const MIN_GRAFANA_PASSWORD_LENGTH = 16;

export const uiKeys = {
    kialiAuthStrategy: defineKey<KialiAuthStrategy>({
        key: "observability.kiali.authStrategy",
        type: "string",
        description: "How Kiali users log in: anonymous (dev only, view-only), token (a Kubernetes bearer token; the session ends when the token expires, about 15 minutes for `aws eks get-token`) or openid (observability.kiali.openid.*). Default: dev anonymous, staging token, prod token.",
        schema: oneOf(["anonymous", "token", "openid"] as const),
        default: { dev: "anonymous", staging: "token", prod: "token" },
    }),
    kialiOpenIdIssuer: defineKey<string>({
        key: "observability.kiali.openid.issuerUri",
        type: "string",
        description: "openid: the identity provider's issuer URL (https://, as in its discovery document).",
        schema: z.string().url({ message: "expected the issuer's https:// URL" }).refine((u) => u.startsWith("https://"), { message: "must be an https:// URL" }),
        optional: true,
    }),
    kialiOpenIdClientId: defineKey<string>({
        key: "observability.kiali.openid.clientId",
        type: "string",
        description: "openid: the client id registered for Kiali at the identity provider (redirect URI http://localhost:20001/kiali with the README's port-forward).",
        schema: z.string().min(1, { message: "must not be empty" }),
        optional: true,
    }),
    kialiOpenIdClientSecret: defineKey<string>({
        key: "observability.kiali.openid.clientSecretSecret",
        type: "string",
        description: "openid: name of the Secrets Manager secret holding the client's secret (plain string).",
        schema: secretName,
        optional: true,
    }),
    kialiOpenIdUsernameClaim: defineKey<string>({
        key: "observability.kiali.openid.usernameClaim",
        type: "string",
        description: "openid: the ID-token claim Kiali shows as the user name. Default: email.",
        schema: z.string().min(1, { message: "must not be empty" }),
        default: "email",
    }),
    kialiOpenIdRbac: defineKey<boolean>({
        key: "observability.kiali.openid.kubernetesRbac",
        type: "boolean",
        description: "openid: true when the cluster's API server trusts the issuer (an EKS OIDC identity provider config), so each user acts with their own RBAC; false: Kiali uses its own service account and is view-only. Default: false.",
        schema: z.boolean(),
        default: false,
    }),
    kialiGrafanaTokenSecret: defineKey<string>({
        key: "observability.kiali.grafanaTokenSecret",
        type: "string",
        description: "Name of the Secrets Manager secret holding a Grafana service-account token with the Viewer role, which Kiali uses to find dashboards. Unset: Kiali shows no Grafana links (create the token after the first deploy; docs/observability.md).",
        schema: secretName,
        optional: true,
    }),
    grafanaAdminPassword: defineKey<string>({
        key: "observability.grafana.adminPassword",
        type: "string",
        description: `dev only: password of Grafana's admin user (at least ${MIN_GRAFANA_PASSWORD_LENGTH} characters), set with \`pulumi config set --secret --path dodo-platform:observability.grafana.adminPassword <value>\`. Staging and prod use observability.grafana.adminPasswordSecret.`,
        schema: z.string(),
        secret: true,
        optional: true,
        requiredIn: ["dev"],
    }),
    grafanaAdminPasswordSecret: defineKey<string>({
        key: "observability.grafana.adminPasswordSecret",
        type: "string",
        description: "Name of the Secrets Manager secret holding Grafana's admin password (plain string, at least 16 characters). Required in staging and prod, where no runtime secret is kept in Pulumi config; dev may use it instead of observability.grafana.adminPassword.",
        schema: secretName,
        optional: true,
    }),
} as const;

export function readKiali(reader: ConfigReader): KialiConfig {
    const k = uiKeys;
    const authStrategy = reader.get(k.kialiAuthStrategy);
    const grafanaTokenSecret = reader.get(k.kialiGrafanaTokenSecret, "optional");
    if (reader.environment !== "dev" && authStrategy === "anonymous") {
        reader.fail(k.kialiAuthStrategy.key, `${reader.environment} requires Kiali users to authenticate (token or openid), got "anonymous"`);
    }
    const openIdKeys = [k.kialiOpenIdIssuer, k.kialiOpenIdClientId, k.kialiOpenIdClientSecret];
    if (authStrategy !== "openid") {
        for (const spec of openIdKeys) if (reader.isSet(spec)) reader.fail(spec.key, `only read with observability.kiali.authStrategy openid (got "${authStrategy}"); remove it`);
        return { authStrategy, grafanaTokenSecret };
    }
    const [issuerUri, clientId, clientSecretSecret] = openIdKeys.map((spec) => {
        const value = reader.get(spec, "optional");
        if (value === undefined) reader.fail(spec.key, `required with observability.kiali.authStrategy openid: run \`${setCommand(spec)}\``);
        return value ?? "";
    });
    const openid: KialiOpenId = {
        issuerUri,
        clientId,
        clientSecretSecret,
        usernameClaim: reader.get(k.kialiOpenIdUsernameClaim),
        kubernetesRbac: reader.get(k.kialiOpenIdRbac),
    };
    return { authStrategy, openid, grafanaTokenSecret };
}

export function readGrafana(reader: ConfigReader, enabled: boolean): GrafanaConfig {
    const k = uiKeys;
    const password = reader.get(k.grafanaAdminPassword, "optional");
    const adminPasswordSecret = reader.get(k.grafanaAdminPasswordSecret, "optional");
    if (reader.environment !== "dev") {
        if (password !== undefined) {
            reader.fail(k.grafanaAdminPassword.key, `${reader.environment} keeps no runtime secret in Pulumi config: store the password in Secrets Manager, set observability.grafana.adminPasswordSecret to its name and run \`pulumi config rm --path dodo-platform:${k.grafanaAdminPassword.key}\``);
        }
        if (enabled && adminPasswordSecret === undefined) {
            reader.fail(k.grafanaAdminPasswordSecret.key, `required in ${reader.environment}: the name of the Secrets Manager secret with Grafana's admin password (\`${setCommand(k.grafanaAdminPasswordSecret, `dodo-${reader.environment}/grafana/admin-password`)}\`)`);
        }
        return { adminPasswordSecret };
    }
    // The Secrets Manager secret wins when both are set (dev moving to it keeps working).
    if (adminPasswordSecret !== undefined) return { adminPasswordSecret };
    if (password === undefined && enabled) {
        reader.fail(k.grafanaAdminPassword.key, `required: run \`${setCommand(k.grafanaAdminPassword, "<password>")}\` (at least ${MIN_GRAFANA_PASSWORD_LENGTH} characters), or name a Secrets Manager secret in observability.grafana.adminPasswordSecret`);
    } else if (password !== undefined && password.length < MIN_GRAFANA_PASSWORD_LENGTH) {
        reader.fail(k.grafanaAdminPassword.key, `must be at least ${MIN_GRAFANA_PASSWORD_LENGTH} characters (got ${password.length})`);
    }
    return { adminPassword: pulumi.secret(password ?? "") };
}
