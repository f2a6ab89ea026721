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

/** Trust policy letting an AWS service assume a role. */
export function assumeRolePolicy(service: string, actions: string[] = ["sts:AssumeRole"]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: actions }],
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
