// Pure builders for IAM policy documents shared by the components.

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Action: string | string[];
    Resource?: string | string[];
    Principal?: Record<string, string | string[]>;
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

/**
 * Service principals whose role assumption carries no aws:SourceArn/aws:SourceAccount, so a
 * confused-deputy condition would only lock the service out. Each entry says why it is safe.
 */
export const SERVICES_WITHOUT_SOURCE_CONTEXT = {
    // EC2 assumes an instance profile's role for the instance it launches; AWS documents no source
    // keys for it (prowler-cloud/prowler#2810), and iam:PassRole cannot pass a role to another
    // account's instances, which is the cross-account case these conditions exist for.
    "ec2.amazonaws.com": "instance profiles: no source context; PassRole keeps the role in this account",
    // ECR assumes a repository creation template's customRoleArn to create a pull-through cache
    // repository; its user guide gives the trust without conditions ("Create an IAM role for
    // repository creation templates") and documents no source keys for it. The role can only
    // create the cache's repositories with the cache's key (registry/iam.ts templateRolePolicy).
    "ecr.amazonaws.com": "repository creation templates: no documented source context; the role only creates cache repositories",
} as const;

/**
 * Trust policy letting an AWS service assume a role, for services whose role assumption has no
 * source context (SERVICES_WITHOUT_SOURCE_CONTEXT). Every other service: serviceTrustPolicy.
 */
export function assumeRolePolicy(service: keyof typeof SERVICES_WITHOUT_SOURCE_CONTEXT, actions: string[] = ["sts:AssumeRole"]): PolicyDocument {
    if (!(service in SERVICES_WITHOUT_SOURCE_CONTEXT)) throw new Error(`${service} passes aws:SourceArn when it assumes a role: use serviceTrustPolicy`);
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: actions }],
    };
}

export interface SourceContext {
    /** The account the service acts for (aws:SourceAccount). */
    accountId: string;
    /** The resource it acts for (aws:SourceArn), `*` where its ID is not known yet. */
    sourceArn: string;
}

/**
 * Trust policy letting an AWS service assume a role only on behalf of this account's resource
 * (IAM User Guide, "The confused deputy problem": aws:SourceAccount and aws:SourceArn), so no
 * other customer can point the service at this role.
 */
export function serviceTrustPolicy(service: string, source: SourceContext, actions: string[] = ["sts:AssumeRole"]): PolicyDocument {
    if (!/^\d{12}$/.test(source.accountId)) throw new Error(`accountId must be 12 digits (got "${source.accountId}")`);
    const arnAccount = source.sourceArn.split(":")[4];
    if (!source.sourceArn.startsWith("arn:") || arnAccount !== source.accountId) {
        throw new Error(`sourceArn must be an ARN in account ${source.accountId} (got "${source.sourceArn}")`);
    }
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: service },
                Action: actions,
                Condition: { StringEquals: { "aws:SourceAccount": source.accountId }, ArnLike: { "aws:SourceArn": source.sourceArn } },
            },
        ],
    };
}

/**
 * Trust policy for IAM roles for service accounts: only the named ServiceAccount of the cluster's
 * OIDC issuer may assume the role, and only for the STS audience.
 */
export function irsaAssumeRolePolicy(oidcProviderArn: string, issuerUrl: string, namespace: string, serviceAccount: string): PolicyDocument {
    const issuer = issuerUrl.replace(/^https:\/\//, "");
    if (!namespace || !serviceAccount) throw new Error("irsaAssumeRolePolicy needs a namespace and a service account");
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

/** ARN of an AWS managed policy (e.g. `AmazonEKSClusterPolicy`, `service-role/AmazonEBSCSIDriverPolicy`). */
export function managedPolicyArn(name: string, partition = "aws"): string {
    return `arn:${partition}:iam::aws:policy/${name}`;
}

/** IAM `namePrefix` (at most 38 characters) that says which stack and workload a role serves. */
export function roleNamePrefix(...parts: string[]): string {
    return `${parts.join("-").slice(0, 37)}-`;
}
