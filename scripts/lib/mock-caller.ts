// Who "runs Pulumi" under mocks: what the mocked getCallerIdentity and getSessionContext answer.
export const MOCK_ACCOUNT = "123456789012";
/** The caller when the stack lists no admins: a role, as a CI deploy job would be. */
export const MOCK_DEPLOYER_ROLE = `arn:aws:iam::${MOCK_ACCOUNT}:role/dodo-platform-deployer`;

/** A caller under mocks: the role (with its path) and the STS session ARN that assumed it. */
export interface MockCaller {
    role: string;
    session: string;
}

/**
 * Who a render runs as: the first of cluster.adminPrincipals (the CI deploy role in the shipped
 * stack files), as the `up` job assumes it, since the program refuses an unlisted caller once the
 * list is set; MOCK_DEPLOYER_ROLE without a list or with no role first. Malformed config is left
 * to the program, which names the key.
 */
export function mockCaller(config: Readonly<Record<string, string>>): MockCaller {
    let admins: unknown;
    try {
        admins = (JSON.parse(config["dodo-platform:cluster"] ?? "{}") as { adminPrincipals?: unknown } | null)?.adminPrincipals;
    } catch {
        admins = undefined;
    }
    const roleArn = /^arn:aws:iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/;
    const first = Array.isArray(admins) && roleArn.test(String(admins[0])) ? String(admins[0]) : MOCK_DEPLOYER_ROLE;
    const [, account, name] = roleArn.exec(first)!;
    // STS drops the role's path from the session ARN; iam:GetRole (getSessionContext) restores it
    // (hashicorp/terraform-provider-aws#19957, where aws_iam_session_context was designed).
    return { role: first, session: `arn:aws:sts::${account}:assumed-role/${name}/ci` };
}
