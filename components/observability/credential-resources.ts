// Wires credentials.ts: looks up the Secrets Manager secrets the config names (they must exist
// before `pulumi up`; docs/observability.md, "Credentials"), creates the IRSA role that reads
// exactly those, the ServiceAccount ESO assumes it through, and the ESO objects.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { applyObject } from "../apply";
import { irsaRole, OidcIdentity } from "../cluster/irsa";
import { Secrets, secretReaderPolicy } from "../secrets";
import { CredentialSources, credentialObjects, remoteSecretNames, SECRETS_READER, secretsReaderServiceAccount } from "./credentials";
import { OBSERVABILITY_NAMESPACE } from "./names";

export interface CredentialResourcesInput {
    name: string;
    region: string;
    sources: CredentialSources;
    secrets: Secrets;
    /** The cluster's OIDC identity: the reader role trusts it. */
    oidc: OidcIdentity;
    provider: k8s.Provider;
    /** The namespace object. */
    namespace: pulumi.Resource;
}

/** A secret's CMK as an ARN; none for the AWS managed key (Secrets Manager omits KmsKeyId then). */
export function kmsKeyArn(kmsKeyId: string, secretArn: string): string | undefined {
    if (!kmsKeyId || kmsKeyId.startsWith("alias/aws/")) return undefined;
    if (kmsKeyId.startsWith("arn:")) return kmsKeyId;
    // A bare key id: same partition, region and account as the secret.
    const [, partition, , region, account] = secretArn.split(":");
    return `arn:${partition}:kms:${region}:${account}:key/${kmsKeyId}`;
}

/** Returns the ExternalSecret resources by their Kubernetes Secret's name, for dependsOn. */
export function credentialResources(parent: pulumi.Resource, input: CredentialResourcesInput): Map<string, pulumi.Resource> {
    const names = remoteSecretNames(input.sources);
    const secrets = names.map((n) => aws.secretsmanager.getSecretOutput({ name: n }, { parent }));
    const role = irsaRole(`${input.name}-secrets`, input.oidc, OBSERVABILITY_NAMESPACE, SECRETS_READER.serviceAccount, { parent });
    new aws.iam.RolePolicy(`${input.name}-secrets`, {
        role: role.name,
        policy: pulumi.all(secrets.map((s) => pulumi.all([s.arn, s.kmsKeyId]))).apply((found) =>
            JSON.stringify(
                secretReaderPolicy({
                    secretArns: found.map(([arn]) => arn),
                    kmsKeyArns: [...new Set(found.map(([arn, key]) => kmsKeyArn(key, arn)).filter((k): k is string => k !== undefined))],
                    region: input.region,
                }),
            ),
        ),
    }, { parent });
    const opts = (dependsOn: pulumi.Input<pulumi.Resource>[]) => ({ parent, provider: input.provider, dependsOn });
    const account = applyObject(secretsReaderServiceAccount(role.arn), opts([input.namespace]));
    const byTarget = new Map<string, pulumi.Resource>();
    for (const obj of credentialObjects(input.sources, input.region)) {
        const r = applyObject(obj, opts([input.namespace, account, ...input.secrets.ready]));
        const target = (obj.spec as { target?: { name?: string } } | undefined)?.target?.name;
        if (obj.kind === "ExternalSecret" && target) byTarget.set(target, r);
    }
    return byTarget;
}
