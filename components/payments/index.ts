import { ImageSource, imageOf, UPSTREAM_IMAGES } from "../registry/images";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { applyObject } from "../apply";
import { caaRecords } from "../certs/builders";
import { KubeObject } from "../k8s";
import { MeshMembership } from "../mesh/topology";
import { Environment } from "../settings";
import { POSTGRES_IMAGE } from "../versions";
import { paymentsManifests, RdsConnection } from "./manifests";
import { loadRegionalCaBundle } from "./rds-ca";
import { PaymentsDatabaseOutputs } from "./rds";
import { PAYMENTS_NAMESPACE } from "./names";
import { PaymentsConfig } from "./settings";
import { GATEWAY_REF } from "./traffic";

/** The configured app images, each as `source` serves it. */
function cachedImages(images: PaymentsConfig["images"], source: ImageSource = UPSTREAM_IMAGES): PaymentsConfig["images"] {
    return { frontend: imageOf(source, images.frontend), backendV1: imageOf(source, images.backendV1), backendV2: images.backendV2 === undefined ? undefined : imageOf(source, images.backendV2) };
}

export interface PaymentsArgs {
    environment: Environment;
    config: PaymentsConfig;
    /** Where images come from (default: as configured, upstream). */
    images?: ImageSource;
    provider: k8s.Provider;
    /** How dodo-payments joins the mesh: Mesh.membership(PAYMENTS_NAMESPACE). */
    mesh: MeshMembership;
    /** ClusterIssuer that signs the host certificate (CertManager.issuerName). */
    issuerName: string;
    /** StorageClass of PostgreSQL's volume. Default: `gp3` (the cluster's encrypted default class). */
    storageClass?: string;
    /** The cluster's readiness and the mesh: Istio's CRDs, injector and the ingress namespace. */
    dependsOn?: pulumi.Resource[];
    /** cert-manager and its ClusterIssuer(s): the host Certificate waits for them. */
    certificateDependsOn?: pulumi.Resource[];
    /**
     * Publish the host in Route 53 (an alias to the ingress gateway's NLB) with a CAA record naming
     * the configured CA. Default: no records (dev with its private CA: resolve the host yourself,
     * see docs/payments.md).
     */
    dns?: { hostedZoneId: pulumi.Input<string>; target: pulumi.Input<string> };
    /**
     * Amazon RDS (config.database.engine rds; eks mode): the instance and the backend's role. Unset:
     * the in-cluster StatefulSet.
     */
    rds?: { database: PaymentsDatabaseOutputs; region: string; externalSecretsReady: pulumi.Resource[] };
}

/**
 * Dodo Payments on the mesh: frontend, backend v1/v2 and PostgreSQL in `dodo-payments`, the
 * edge Gateway with TLS from cert-manager, canary routing, circuit breaking, rate limiting and
 * zero-trust policies. Every object comes from paymentsManifests (pure, tested directly).
 */
export class Payments extends pulumi.ComponentResource {
    readonly namespace: string = PAYMENTS_NAMESPACE;
    readonly host: string;
    readonly gateway: string = GATEWAY_REF;
    readonly canaryWeight: number;

    constructor(name: string, args: PaymentsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dodo:platform:Payments", name, {}, opts);
        // Pulumi resolves Outputs anywhere in a resource's inputs; the builders see them as strings.
        const asString = (v: pulumi.Output<string>) => v as unknown as string;
        const rds: RdsConnection | undefined = args.rds
            ? {
                host: asString(args.rds.database.address),
                egressHost: asString(pulumi.interpolate`./${args.rds.database.address}`),
                region: args.rds.region,
                secretArn: asString(args.rds.database.secretArn),
                backendRoleArn: asString(args.rds.database.backendRoleArn),
                // Built at deploy time from the pinned, verified bundle file (rds-ca.ts).
                caPem: loadRegionalCaBundle(args.rds.region).pem,
                backendSecurityGroupId: args.rds.database.backendSecurityGroupId ? asString(args.rds.database.backendSecurityGroupId) : undefined,
            }
            : undefined;
        const m = paymentsManifests({
            rds,
            environment: args.environment,
            // The apps' images and PostgreSQL's as the registry serves them (registry.pullThroughCache).
            config: { ...args.config, images: cachedImages(args.config.images, args.images) },
            mesh: args.mesh,
            issuerName: args.issuerName,
            postgresImage: imageOf(args.images ?? UPSTREAM_IMAGES, POSTGRES_IMAGE),
            storageClass: args.storageClass ?? "gp3",
        });
        const upstream = args.dependsOn ?? [];
        const apply = (objs: KubeObject[], dependsOn: pulumi.Resource[], extra: pulumi.CustomResourceOptions = {}) =>
            objs.map((obj) => applyObject(obj, { parent: this, provider: args.provider, dependsOn, ...extra }));

        const [namespace] = apply([m.namespace], upstream);
        const inNamespace = [namespace, ...upstream];
        const security = apply(m.security, inNamespace);
        const base = apply(m.base, inNamespace);
        const egress = apply(m.egress, inNamespace);
        // RDS: the credentials Secret comes from ESO (its CRDs first; the ServiceAccount carries the role).
        const credentials = apply(m.externalSecrets, [...inNamespace, ...base, ...(args.rds?.externalSecretsReady ?? [])]);
        // Workloads start only once mTLS, authorization, the database's egress and their Secret and accounts exist.
        const workloads = m.workloads.map((obj) =>
            applyObject(obj, {
                parent: this,
                provider: args.provider,
                dependsOn: [...inNamespace, ...security, ...base, ...egress, ...credentials],
                // The HPA owns the replica count after creation; `pulumi up` must not reset it.
                ignoreChanges: obj.kind === "Deployment" ? ["spec.replicas"] : [],
            }),
        );
        // Canary capacity first: HPAs (v2's minimum follows the weight), then the PDBs, whose v2
        // budget waits until v2 has that many ready pods; only then do the routes move.
        const autoscalers = apply(m.scaling.filter((o) => o.kind === "HorizontalPodAutoscaler"), [...inNamespace, ...workloads]);
        const budgets = apply(m.scaling.filter((o) => o.kind !== "HorizontalPodAutoscaler"), [...inNamespace, ...workloads, ...autoscalers]);
        apply(m.routing, [...inNamespace, ...autoscalers, ...budgets]);
        const certificate = apply([m.certificate], [...upstream, ...(args.certificateDependsOn ?? [])]);
        // The Gateway serves the certificate's Secret; the edge VirtualService binds to it.
        apply(m.ingress, [...upstream, ...certificate]);

        if (args.dns) {
            // An alias A record, not a CNAME: a CNAME cannot share its name with the CAA record
            // below (RFC 1034 3.6.2), nor sit at the apex of a delegated per-environment zone.
            // Moving off an older CNAME is an update in place: `type` is not ForceNew in the AWS
            // provider, whose update sends DELETE of the old set and CREATE of the new in one change
            // batch (terraform-provider-aws internal/service/route53/record.go, resourceRecordUpdate),
            // and Route 53 applies a batch atomically: the name always resolves.
            const nlbZone = aws.lb.getHostedZoneIdOutput({ loadBalancerType: "network" }, { parent: this });
            const hostRecord = new aws.route53.Record(`${name}-host`, {
                zoneId: args.dns.hostedZoneId,
                name: args.config.host,
                type: "A",
                aliases: [{ name: args.dns.target, zoneId: nlbZone.id, evaluateTargetHealth: true }],
            }, { parent: this });
            // After the host record: Route 53 refuses a CAA set beside a CNAME, which that update removes.
            new aws.route53.Record(`${name}-host-caa`, {
                zoneId: args.dns.hostedZoneId,
                name: args.config.host,
                type: "CAA",
                ttl: 3600,
                records: caaRecords(args.config.tls.issuer, args.config.tls.acmeAccountUri),
            }, { parent: this, dependsOn: [hostRecord] });
        }

        this.host = args.config.host;
        this.canaryWeight = args.config.canary.weight;
        this.registerOutputs({ namespace: this.namespace, host: this.host, gateway: this.gateway, canaryWeight: this.canaryWeight });
    }
}
