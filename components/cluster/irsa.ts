import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { irsaAssumeRolePolicy, roleNamePrefix } from "../iam";

/** The cluster's OIDC identity, which IAM roles for service accounts trust. */
export interface OidcIdentity {
    providerArn: pulumi.Input<string>;
    issuerUrl: pulumi.Input<string>;
    /** The cluster's name: IRSA roles are named `<cluster>-<namespace>-<serviceAccount>-…`. */
    clusterName?: string;
}


/** An IAM role only `namespace/serviceAccount` of this cluster can assume. */
export function irsaRole(
    name: string,
    oidc: OidcIdentity,
    namespace: string,
    serviceAccount: string,
    opts: pulumi.CustomResourceOptions,
): aws.iam.Role {
    return new aws.iam.Role(name, {
        namePrefix: oidc.clusterName ? roleNamePrefix(oidc.clusterName, namespace, serviceAccount) : undefined,
        assumeRolePolicy: pulumi
            .all([oidc.providerArn, oidc.issuerUrl])
            .apply(([arn, url]) => JSON.stringify(irsaAssumeRolePolicy(arn, url, namespace, serviceAccount))),
    }, opts);
}
