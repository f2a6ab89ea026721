import { strict as assert } from "assert";
import { KubeObject } from "../../components/k8s";
import { kmsKeyArn } from "../../components/observability/credential-resources";
import { credentialObjects, remoteSecretNames, SECRETS_READER, secretsReaderServiceAccount } from "../../components/observability/credentials";

const ALL = {
    grafanaAdminPassword: "dodo-prod/grafana/admin-password",
    slackWebhook: "dodo-prod/alertmanager/slack",
    pagerdutyRoutingKey: "dodo-prod/alertmanager/pagerduty",
    heartbeatUrl: "dodo-prod/alertmanager/heartbeat",
    kialiGrafanaToken: "dodo-prod/kiali/grafana-token",
    kialiOidcClientSecret: "dodo-prod/kiali/oidc",
};

function byName(objs: KubeObject[], kind: string, name: string): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const found = objs.find((o) => o.kind === kind && o.metadata.name === name);
    assert.ok(found, `${kind} ${name}`);
    return found;
}

describe("observability credentials from Secrets Manager", () => {
    const objs = credentialObjects(ALL, "ap-south-1");

    it("read every configured secret through one SecretStore that assumes a ServiceAccount no pod runs as", () => {
        assert.deepEqual(remoteSecretNames(ALL), Object.values(ALL).sort());
        const store = byName(objs, "SecretStore", SECRETS_READER.store);
        assert.deepEqual(store.spec.provider.aws.auth, { jwt: { serviceAccountRef: { name: SECRETS_READER.serviceAccount } } });
        assert.equal(store.spec.provider.aws.region, "ap-south-1");
        const sa = secretsReaderServiceAccount("arn:aws:iam::123456789012:role/r");
        assert.equal(sa.automountServiceAccountToken, false);
        assert.equal(sa.metadata.annotations!["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/r");
        const role = byName(objs, "Role", "external-secrets-token-request");
        assert.deepEqual(role.rules[0].resourceNames, [SECRETS_READER.serviceAccount]);
    });

    it("write each Secret under the name and keys its consumer reads", () => {
        const target = (name: string) => byName(objs, "ExternalSecret", name).spec;
        assert.deepEqual(target("alertmanager-receivers").data, [
            { secretKey: "slack-webhook-url", remoteRef: { key: ALL.slackWebhook } },
            { secretKey: "pagerduty-routing-key", remoteRef: { key: ALL.pagerdutyRoutingKey } },
            { secretKey: "heartbeat-url", remoteRef: { key: ALL.heartbeatUrl } },
        ]);
        // Grafana's chart reads both keys; the user name is a literal, the password comes from AWS.
        const grafana = target("grafana-admin");
        assert.equal(grafana.target.name, "grafana-admin");
        assert.deepEqual(grafana.target.template.data, { "admin-user": "admin", "admin-password": "{{ .password }}" });
        assert.equal(grafana.target.template.engineVersion, "v2");
        assert.deepEqual(grafana.data, [{ secretKey: "password", remoteRef: { key: ALL.grafanaAdminPassword } }]);
        assert.deepEqual(target("kiali-grafana").data, [{ secretKey: "token", remoteRef: { key: ALL.kialiGrafanaToken } }]);
        // Kiali reads the OIDC client secret from its `kiali` Secret, key oidc-secret.
        assert.equal(target("kiali-oidc").target.name, "kiali");
        assert.deepEqual(target("kiali-oidc").data, [{ secretKey: "oidc-secret", remoteRef: { key: ALL.kialiOidcClientSecret } }]);
    });

    it("sync only what the config names (dev with a PagerDuty key alone)", () => {
        const some = credentialObjects({ pagerdutyRoutingKey: "k" }, "ap-south-1").filter((o) => o.kind === "ExternalSecret");
        assert.deepEqual(some.map((o) => o.metadata.name), ["alertmanager-receivers"]);
        assert.deepEqual(remoteSecretNames({}), []);
        // A heartbeat alone still needs the receivers' Secret (Alertmanager mounts it).
        const heartbeatOnly = credentialObjects({ heartbeatUrl: "h" }, "ap-south-1").filter((o) => o.kind === "ExternalSecret");
        assert.deepEqual(heartbeatOnly.map((o) => o.metadata.name), ["alertmanager-receivers"]);
    });

    it("let the reader role decrypt a customer-managed key, none for the AWS managed one", () => {
        const secret = "arn:aws:secretsmanager:ap-south-1:123456789012:secret:dodo-prod/x-AbCdEf";
        assert.equal(kmsKeyArn("", secret), undefined);
        assert.equal(kmsKeyArn("alias/aws/secretsmanager", secret), undefined);
        assert.equal(kmsKeyArn("arn:aws:kms:ap-south-1:123456789012:key/1234", secret), "arn:aws:kms:ap-south-1:123456789012:key/1234");
        assert.equal(kmsKeyArn("1234abcd", secret), "arn:aws:kms:ap-south-1:123456789012:key/1234abcd");
    });
});
