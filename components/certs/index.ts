import { ImageSource, UPSTREAM_IMAGES } from "../registry/images";
import { withChartImages } from "../registry/chart-images";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { applyObject } from "../apply";
import { irsaRole, OidcIdentity } from "../cluster/irsa";
import { Environment } from "../settings";
import { ChartSources, releaseChart, UPSTREAM } from "../charts";
import { CERT_MANAGER_NAMESPACE, CERT_MANAGER_SERVICE_ACCOUNT, certManagerNamespace, certManagerValues, IssuerKind, issuers, route53Policy } from "./builders";

export interface CertManagerArgs {
    /** Prefix of AWS names, e.g. `dodo-dev`. */
    name: string;
    environment: Environment;
    region: string;
    /** Which ClusterIssuer signs host certificates (payments.tls.issuer). */
    issuer: IssuerKind;
    /** ACME issuers only: the Route 53 zone DNS-01 writes to (the IAM role is limited to it). */
    hostedZone?: { name: string; zoneId: pulumi.Input<string> };
    /** ACME issuers only: the one host certificates are issued for; the role may write its challenge record only. */
    host?: string;
    /** ACME issuers only. */
    acmeEmail?: string;
    /** The cluster's OIDC identity, for the IRSA role of the controller (ACME issuers; eks mode). */
    oidc?: OidcIdentity;
    provider: k8s.Provider;
    /** Install cert-manager (default); false where the cluster runs one already (its CRDs must exist). */
    install?: boolean;
    /** Where the chart comes from (default: upstream). */
    charts?: ChartSources;
    /** Where the chart's images come from (default: upstream). */
    images?: ImageSource;
    /** What must exist first (nodes, CoreDNS). */
    dependsOn?: pulumi.Resource[];
}

/**
 * cert-manager (Helm, pinned, CRDs included) and the ClusterIssuer chosen by config. For ACME the
 * controller gets an IRSA role that can only write the host's `_acme-challenge` TXT record.
 */
export class CertManager extends pulumi.ComponentResource {
    /** ClusterIssuer that signs host certificates. */
    readonly issuerName: string;
    /** The ClusterIssuer objects: a Certificate depends on them. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dodo:platform:CertManager", name, {}, opts);
        const acme = args.issuer !== "selfSigned";
        const k8sOpts = { parent: this, provider: args.provider };

        let roleArn: pulumi.Output<string> | undefined;
        const roleDeps: pulumi.Resource[] = [];
        if (acme) {
            if (!args.hostedZone || !args.host) throw new Error(`CertManager ${name}: hostedZone and host are required for issuer ${args.issuer}`);
            const host = args.host;
            if (!args.oidc) throw new Error(`CertManager ${name}: issuer ${args.issuer} needs the cluster's OIDC identity (eks mode)`);
            const role = irsaRole(`${name}-route53`, args.oidc, CERT_MANAGER_NAMESPACE, CERT_MANAGER_SERVICE_ACCOUNT, { parent: this });
            const policy = new aws.iam.RolePolicy(`${name}-route53`, {
                role: role.name,
                policy: pulumi.output(args.hostedZone.zoneId).apply((zoneId) => JSON.stringify(route53Policy(zoneId, host))),
            }, { parent: this });
            roleArn = role.arn;
            roleDeps.push(policy);
        }

        // Without the install, the issuers go onto the cluster's own cert-manager (its CRDs).
        const installed: pulumi.Resource[] = args.install === false ? [...(args.dependsOn ?? [])] : [];
        if (args.install !== false) {
            const namespace = applyObject(certManagerNamespace(), { ...k8sOpts, dependsOn: args.dependsOn ?? [] });
            installed.push(new k8s.helm.v3.Release(`${name}-release`, {
                name: "cert-manager",
                ...releaseChart("certManager", args.charts ?? UPSTREAM),
                namespace: CERT_MANAGER_NAMESPACE,
                atomic: true,
                timeout: 600,
                values: roleArn
                    ? roleArn.apply((arn) => withChartImages("certManager", certManagerValues({ environment: args.environment, route53RoleArn: arn }), args.images ?? UPSTREAM_IMAGES))
                    : withChartImages("certManager", certManagerValues({ environment: args.environment }), args.images ?? UPSTREAM_IMAGES),
            }, { ...k8sOpts, dependsOn: [namespace, ...roleDeps] }));
        }

        // The zone ID is an Output; Pulumi resolves it inside the ClusterIssuer's inputs.
        const hostedZoneId = args.hostedZone ? (args.hostedZone.zoneId as unknown as string) : undefined;
        const built = issuers({ kind: args.issuer, email: args.acmeEmail, host: args.host, hostedZoneId, region: args.region });
        // In order: the self-signed CA certificate needs its bootstrap issuer, the CA issuer its secret.
        const applied: pulumi.Resource[] = [];
        for (const obj of built.objects) {
            applied.push(applyObject(obj, { ...k8sOpts, dependsOn: [...installed, ...applied] }));
        }

        this.issuerName = built.issuerName;
        this.ready = applied;
        this.registerOutputs({ issuerName: this.issuerName });
    }
}
