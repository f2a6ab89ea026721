// The observability stack's credentials from AWS Secrets Manager (components/secrets): one
// SecretStore authenticating as a ServiceAccount no pod runs as, whose IRSA role reads exactly
// the secrets the stack's config names, and one ExternalSecret per consumer. Each Kubernetes
// Secret has the name and keys its consumer already reads, so the charts need no change:
//   grafana-admin           admin-user, admin-password   (grafana chart admin.existingSecret)
//   alertmanager-receivers  slack-webhook-url, pagerduty-routing-key, heartbeat-url (Alertmanager spec.secrets)
//   kiali-grafana           token                        (Kiali external_services.grafana.auth.token)
//   kiali                   oidc-secret                  (Kiali's deployment.secret_name, openid)
import * as pulumi from "@pulumi/pulumi";
import { KubeObject, standardLabels } from "../k8s";
import { externalSecret, secretStore, tokenRequestAccess } from "../secrets/builders";
import { ALERTMANAGER_RECEIVERS_SECRET } from "./alertmanager";
import { GRAFANA_ADMIN_SECRET, OBSERVABILITY_NAMESPACE } from "./names";

/** The identity ESO assumes for this namespace's SecretStore; no workload mounts it. */
export const SECRETS_READER = { serviceAccount: "observability-secrets", store: "aws-secrets-manager" } as const;

/** Kiali's Secrets: the Grafana Viewer token, and the OIDC client secret where Kiali's docs put it. */
export const KIALI_GRAFANA_SECRET = { name: "kiali-grafana", tokenKey: "token" } as const;
export const KIALI_OIDC_SECRET = { name: "kiali", key: "oidc-secret" } as const;

/** Secrets Manager secret names (from config) per consumer; unset ones are not synced. */
export interface CredentialSources {
    grafanaAdminPassword?: string;
    slackWebhook?: string;
    pagerdutyRoutingKey?: string;
    heartbeatUrl?: string;
    kialiGrafanaToken?: string;
    kialiOidcClientSecret?: string;
}

/** Every Secrets Manager secret the stack reads: the IRSA role may read exactly these. */
export function remoteSecretNames(sources: CredentialSources): string[] {
    return [...new Set(Object.values(sources).filter((s): s is string => s !== undefined))].sort();
}

export function secretsReaderServiceAccount(roleArn: pulumi.Input<string>): KubeObject {
    return {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: {
            name: SECRETS_READER.serviceAccount,
            namespace: OBSERVABILITY_NAMESPACE,
            labels: standardLabels(SECRETS_READER.serviceAccount),
            annotations: { "eks.amazonaws.com/role-arn": roleArn as string },
        },
        // Only ESO's TokenRequest uses it; no pod gets its token mounted.
        automountServiceAccountToken: false,
    };
}

/** ESO's template rendering (engine v2): keys not fetched from AWS are literals. */
function withTemplate(obj: KubeObject, data: Record<string, string>): KubeObject {
    const spec = obj.spec as { target: { template: Record<string, unknown> } };
    return { ...obj, spec: { ...spec, target: { ...spec.target, template: { ...spec.target.template, engineVersion: "v2", data } } } };
}

/** SecretStore, token grant and one ExternalSecret per configured consumer. */
export function credentialObjects(sources: CredentialSources, region: string): KubeObject[] {
    const ns = OBSERVABILITY_NAMESPACE;
    const store = SECRETS_READER.store;
    const out: KubeObject[] = [
        secretStore({ namespace: ns, name: store, region, serviceAccount: SECRETS_READER.serviceAccount }),
        ...tokenRequestAccess({ namespace: ns, serviceAccounts: [SECRETS_READER.serviceAccount] }),
    ];
    if (sources.grafanaAdminPassword) {
        const es = externalSecret({ namespace: ns, name: GRAFANA_ADMIN_SECRET.name, store, target: GRAFANA_ADMIN_SECRET.name, data: [{ key: "password", remoteKey: sources.grafanaAdminPassword }] });
        // Both keys the chart reads (its sidecars log in with them too); the user is not a secret.
        out.push(withTemplate(es, { [GRAFANA_ADMIN_SECRET.userKey]: GRAFANA_ADMIN_SECRET.user, [GRAFANA_ADMIN_SECRET.passwordKey]: "{{ .password }}" }));
    }
    const receivers = [
        ...(sources.slackWebhook ? [{ key: ALERTMANAGER_RECEIVERS_SECRET.slackKey, remoteKey: sources.slackWebhook }] : []),
        ...(sources.pagerdutyRoutingKey ? [{ key: ALERTMANAGER_RECEIVERS_SECRET.pagerdutyKey, remoteKey: sources.pagerdutyRoutingKey }] : []),
        ...(sources.heartbeatUrl ? [{ key: ALERTMANAGER_RECEIVERS_SECRET.heartbeatKey, remoteKey: sources.heartbeatUrl }] : []),
    ];
    if (receivers.length > 0) out.push(externalSecret({ namespace: ns, name: ALERTMANAGER_RECEIVERS_SECRET.name, store, target: ALERTMANAGER_RECEIVERS_SECRET.name, data: receivers }));
    if (sources.kialiGrafanaToken) {
        out.push(externalSecret({ namespace: ns, name: KIALI_GRAFANA_SECRET.name, store, target: KIALI_GRAFANA_SECRET.name, data: [{ key: KIALI_GRAFANA_SECRET.tokenKey, remoteKey: sources.kialiGrafanaToken }] }));
    }
    if (sources.kialiOidcClientSecret) {
        out.push(externalSecret({ namespace: ns, name: "kiali-oidc", store, target: KIALI_OIDC_SECRET.name, data: [{ key: KIALI_OIDC_SECRET.key, remoteKey: sources.kialiOidcClientSecret }] }));
    }
    return out;
}
