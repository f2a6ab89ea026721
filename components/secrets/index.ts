// The secrets foundation: External Secrets Operator from its pinned chart (eks mode only), and
// IRSA roles that read exactly the listed Secrets Manager secrets. The builders and the API are
// described in ./builders.ts.
import { ImageSource, UPSTREAM_IMAGES } from "../registry/images";
import { withChartImages } from "../registry/chart-images";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { applyObject } from "../apply";
import { ChartSources, releaseChart, UPSTREAM } from "../charts";
import { irsaRole, OidcIdentity } from "../cluster/irsa";
import { Environment } from "../settings";
import { ESO_NAMESPACE, esoNamespace, esoValues, secretReaderPolicy } from "./builders";

export * from "./builders";

export interface SecretsArgs {
    environment: Environment;
    region: string;
    /** The cluster's OIDC identity: reader roles trust it. */
    oidc: OidcIdentity;
    provider: k8s.Provider;
    charts?: ChartSources;
    /** Where the chart's image comes from (default: upstream). */
    images?: ImageSource;
    /** Nodes, CoreDNS: what the operator needs to run. */
    dependsOn?: pulumi.Resource[];
}

export interface ReaderRoleInput {
    /** The workload's namespace and ServiceAccount: the only identity that may assume the role. */
    namespace: string;
    serviceAccount: string;
    secretArns: pulumi.Input<string>[];
    kmsKeyArns: pulumi.Input<string>[];
}

/**
 * External Secrets Operator in `external-secrets`. SecretStores, ExternalSecrets and their token
 * Roles are created by the components that own the workloads, after `ready`.
 */
export class Secrets extends pulumi.ComponentResource {
    /** The Helm release (CRDs, controller, webhook): ExternalSecrets and SecretStores depend on it. */
    readonly ready: pulumi.Resource[];
    readonly namespace = ESO_NAMESPACE;
    private readonly oidc: OidcIdentity;
    private readonly region: string;

    constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dodo:platform:Secrets", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.provider };
        const namespace = applyObject(esoNamespace(), { ...k8sOpts, dependsOn: args.dependsOn ?? [] });
        const release = new k8s.helm.v3.Release(`${name}-eso`, {
            name: "external-secrets",
            ...releaseChart("externalSecrets", args.charts ?? UPSTREAM),
            namespace: ESO_NAMESPACE,
            atomic: true,
            timeout: 600,
            values: withChartImages("externalSecrets", esoValues(args.environment), args.images ?? UPSTREAM_IMAGES),
        }, { ...k8sOpts, dependsOn: [namespace] });
        this.ready = [release];
        this.oidc = args.oidc;
        this.region = args.region;
        this.registerOutputs({ namespace: this.namespace });
    }

    /**
     * An IRSA role only `namespace/serviceAccount` can assume, allowed to read exactly `secretArns`
     * (and decrypt their CMKs through Secrets Manager). Annotate the ServiceAccount with its ARN
     * (`eks.amazonaws.com/role-arn`); the SecretStore then authenticates as that ServiceAccount.
     */
    readerRole(name: string, input: ReaderRoleInput, parent: pulumi.Resource = this): aws.iam.Role {
        const role = irsaRole(`${name}-secrets`, this.oidc, input.namespace, input.serviceAccount, { parent });
        new aws.iam.RolePolicy(`${name}-secrets`, {
            role: role.name,
            policy: pulumi
                .all([pulumi.all(input.secretArns), pulumi.all(input.kmsKeyArns)])
                .apply(([secretArns, kmsKeyArns]) => JSON.stringify(secretReaderPolicy({ secretArns, kmsKeyArns, region: this.region }))),
        }, { parent });
        return role;
    }
}
