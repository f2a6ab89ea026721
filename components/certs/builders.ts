// Pure builders for cert-manager: the chart's values, the Route 53 policy its DNS-01 solver needs,
// and the ClusterIssuers for each kind of issuer the platform offers.
import { PolicyDocument } from "../iam";
import { KubeObject, standardLabels } from "../k8s";
import { Environment } from "../settings";

export type IssuerKind = "selfSigned" | "letsencrypt-staging" | "letsencrypt";

export const CERT_MANAGER_NAMESPACE = "cert-manager";
/** The controller's ServiceAccount (set explicitly in the values, so the IRSA trust names it). */
export const CERT_MANAGER_SERVICE_ACCOUNT = "cert-manager";

export const ACME_SERVERS = {
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    letsencrypt: "https://acme-v02.api.letsencrypt.org/directory",
} as const;

/** Public resolvers for the DNS-01 self-check: the VPC resolver may answer from a private zone of the same name. */
export const DNS01_NAMESERVERS = "1.1.1.1:53,8.8.8.8:53";

/**
 * cert-manager stays out of the mesh: the API server calls its webhook in plaintext TLS (no
 * sidecar certificate), which STRICT mTLS would refuse, and its ACME/Route 53 calls leave the cluster.
 */
export function certManagerNamespace(): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name: CERT_MANAGER_NAMESPACE,
            labels: { ...standardLabels(CERT_MANAGER_NAMESPACE, { "app.kubernetes.io/part-of": "dodo-platform" }), "istio-injection": "disabled" },
        },
    };
}

export interface CertManagerValuesInput {
    environment: Environment;
    /** IAM role for Route 53 DNS-01 (IRSA); undefined when no ACME issuer is used. */
    route53RoleArn?: string;
}

// CPU limits are generous (controllers idle most of the time) so a hot loop cannot starve a node.
const small = (cpu: string, memory: string, memoryLimit: string) => ({ requests: { cpu, memory }, limits: { cpu: "500m", memory: memoryLimit } });

/** Values for the jetstack cert-manager chart (keys as in the pinned chart's values.yaml). */
export function certManagerValues(input: CertManagerValuesInput): Record<string, unknown> {
    const ha = input.environment !== "dev";
    const replicas = ha ? 2 : 1;
    const pdb = { enabled: ha, maxUnavailable: 1 };
    const spread = ha
        ? (component: string) => [
              {
                  maxSkew: 1,
                  topologyKey: "topology.kubernetes.io/zone",
                  whenUnsatisfiable: "ScheduleAnyway",
                  labelSelector: { matchLabels: { "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": component } },
              },
          ]
        : () => [];
    return {
        crds: { enabled: true, keep: true },
        replicaCount: replicas,
        podDisruptionBudget: pdb,
        topologySpreadConstraints: spread("controller"),
        resources: small("20m", "96Mi", "256Mi"),
        serviceAccount: {
            create: true,
            name: CERT_MANAGER_SERVICE_ACCOUNT,
            ...(input.route53RoleArn ? { annotations: { "eks.amazonaws.com/role-arn": input.route53RoleArn } } : {}),
        },
        // The projected IRSA token must be readable by the controller's non-root user.
        ...(input.route53RoleArn ? { securityContext: { fsGroup: 1001 } } : {}),
        dns01RecursiveNameservers: DNS01_NAMESERVERS,
        dns01RecursiveNameserversOnly: true,
        webhook: {
            replicaCount: replicas,
            podDisruptionBudget: pdb,
            topologySpreadConstraints: spread("webhook"),
            resources: small("10m", "32Mi", "128Mi"),
        },
        cainjector: {
            replicaCount: replicas,
            podDisruptionBudget: pdb,
            topologySpreadConstraints: spread("cainjector"),
            resources: small("10m", "96Mi", "256Mi"),
        },
        startupapicheck: { resources: small("10m", "32Mi", "64Mi") },
    };
}

/** The one record name DNS-01 writes for a host, as Route 53 normalizes it (lowercase, no trailing dot). */
export function acmeChallengeName(host: string): string {
    return `_acme-challenge.${host.toLowerCase().replace(/\.$/, "")}`;
}

/**
 * What cert-manager's Route 53 solver does for one host: read the change status, write the
 * host's `_acme-challenge` TXT record (nothing else) and read the zone. The solver is given the
 * zone's ID (IssuerInput.hostedZoneId), so it never lists the account's zones.
 */
export function route53Policy(hostedZoneId: string, host: string, partition = "aws"): PolicyDocument {
    if (!/^Z[A-Z0-9]{1,31}$/.test(hostedZoneId)) throw new Error(`hostedZoneId must look like Z0123456789ABC (got "${hostedZoneId}")`);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(host)) throw new Error(`host must be one lowercase DNS name such as pay.dodopayments.com (got "${host}")`);
    const zone = `arn:${partition}:route53:::hostedzone/${hostedZoneId}`;
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ChangeStatus", Effect: "Allow", Action: "route53:GetChange", Resource: `arn:${partition}:route53:::change/*` },
            {
                // Exactly _acme-challenge.<host>, TXT only: another environment's host in a shared
                // zone (staging -> pay.dodopayments.com) and every other record are refused. Names
                // are compared as Route 53 normalizes them: lowercase, no trailing dot
                // (docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html).
                // ForAllValues holds for a request without the key, so Null makes it required.
                Sid: "ChallengeRecord",
                Effect: "Allow",
                Action: "route53:ChangeResourceRecordSets",
                Resource: zone,
                Condition: {
                    "ForAllValues:StringEquals": {
                        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [acmeChallengeName(host)],
                        "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
                    },
                    Null: { "route53:ChangeResourceRecordSetsNormalizedRecordNames": "false", "route53:ChangeResourceRecordSetsRecordTypes": "false" },
                },
            },
            { Sid: "ReadRecords", Effect: "Allow", Action: "route53:ListResourceRecordSets", Resource: zone },
        ],
    };
}

/** The CA's CAA identifier (RFC 8659 issuer-domain-name) per ACME issuer: Let's Encrypt's, for both its servers. */
export const CAA_IDENTIFIERS: Readonly<Record<Exclude<IssuerKind, "selfSigned">, string>> = {
    // letsencrypt.org/docs/caa: the identifier is letsencrypt.org, and the RFC 8657 parameters
    // (validationmethods, accounturi) are honoured; staging checks CAA the same way.
    "letsencrypt-staging": "letsencrypt.org",
    letsencrypt: "letsencrypt.org",
};

/**
 * CAA values for the host (Route 53 `CAA` record data): only the configured CA may issue, only
 * after DNS-01 (RFC 8657 validationmethods, which Let's Encrypt honours), optionally only to this
 * cluster's ACME account (accounturi), and nobody may issue a wildcard. The self-signed issuer is
 * no public CA, so no public CA may issue for the host at all.
 */
export function caaRecords(issuer: IssuerKind, accountUri?: string): string[] {
    const noWildcard = '0 issuewild ";"';
    if (issuer === "selfSigned") return ['0 issue ";"', noWildcard];
    if (accountUri !== undefined && !/^https:\/\/[^\s";]+$/.test(accountUri)) throw new Error(`accountUri must be the ACME account's https URL (got "${accountUri}")`);
    const params = [...(accountUri ? [`accounturi=${accountUri}`] : []), "validationmethods=dns-01"];
    return [`0 issue "${CAA_IDENTIFIERS[issuer]}; ${params.join("; ")}"`, noWildcard];
}

export interface IssuerInput {
    kind: IssuerKind;
    /** ACME only. */
    email?: string;
    /** ACME only: the one host the issuer answers DNS-01 challenges for (payments.host). */
    host?: string;
    /** ACME only: ID of the Route 53 zone holding the host (may be an Output typed as string). */
    hostedZoneId?: string;
    /** ACME only: AWS region for the Route 53 client. */
    region?: string;
}

export interface Issuers {
    /** ClusterIssuer (and for the self-signed kind, its CA certificate) objects, in apply order. */
    objects: KubeObject[];
    /** Name of the ClusterIssuer that signs host certificates. */
    issuerName: string;
}

const labels = (name: string) => standardLabels(name, { "app.kubernetes.io/part-of": "dodo-platform" });

function clusterIssuer(name: string, spec: Record<string, unknown>): KubeObject {
    return { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name, labels: labels(name) }, spec };
}

export const SELF_SIGNED = { bootstrap: "dodo-selfsigned", caCertificate: "dodo-root-ca", caIssuer: "dodo-ca" } as const;

/**
 * dev: a self-signed issuer bootstraps a CA certificate (kept in cert-manager's namespace, where a
 * ClusterIssuer reads its secret) and a CA issuer signs host certificates, so they can be
 * trusted by importing one root. Real environments: Let's Encrypt over DNS-01 through Route 53.
 */
export function issuers(input: IssuerInput): Issuers {
    if (input.kind === "selfSigned") {
        return {
            issuerName: SELF_SIGNED.caIssuer,
            objects: [
                clusterIssuer(SELF_SIGNED.bootstrap, { selfSigned: {} }),
                {
                    apiVersion: "cert-manager.io/v1",
                    kind: "Certificate",
                    metadata: {
                        name: SELF_SIGNED.caCertificate,
                        namespace: CERT_MANAGER_NAMESPACE,
                        labels: labels(SELF_SIGNED.caCertificate),
                        // The CA issuer after it needs this secret: wait until it is issued.
                        annotations: { "pulumi.com/waitFor": "condition=Ready", "pulumi.com/timeoutSeconds": "300" },
                    },
                    spec: {
                        isCA: true,
                        commonName: "Dodo Payments development CA",
                        secretName: SELF_SIGNED.caCertificate,
                        duration: "87600h",
                        privateKey: { algorithm: "ECDSA", size: 256 },
                        issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: SELF_SIGNED.bootstrap },
                    },
                },
                clusterIssuer(SELF_SIGNED.caIssuer, { ca: { secretName: SELF_SIGNED.caCertificate } }),
            ],
        };
    }
    const missing = (["email", "host", "hostedZoneId", "region"] as const).filter((k) => !input[k]);
    if (missing.length > 0) throw new Error(`issuer ${input.kind} needs ${missing.join(", ")}`);
    return {
        issuerName: input.kind,
        objects: [
            clusterIssuer(input.kind, {
                acme: {
                    server: ACME_SERVERS[input.kind],
                    email: input.email,
                    privateKeySecretRef: { name: `${input.kind}-account-key` },
                    // Ambient credentials: the controller's IRSA role, which may write the host's
                    // challenge record only. With hostedZoneID the solver skips its zone lookup
                    // (ListHostedZonesByName); the selector keeps other names off this issuer.
                    solvers: [{ selector: { dnsNames: [input.host] }, dns01: { route53: { region: input.region, hostedZoneID: input.hostedZoneId } } }],
                },
            }),
        ],
    };
}
