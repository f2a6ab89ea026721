// Who deploys and who previews each shipped stack: the stack files name the roles `npm run
// bootstrap` creates (the workflows' require-preview-role.sh needs cluster.previewRoleArn, and the
// program refuses an unlisted caller), and the offline render runs as the CI deploy role.
import { strict as assert } from "assert";
import { bootstrapOutput } from "../../scripts/bootstrap";
import { MOCK_DEPLOYER_ROLE, mockCaller } from "../../scripts/lib/mock-engine";
import { readStackConfig, STACKS } from "../../scripts/lib/render";
import { renderCached } from "../harness";

interface ClusterIdentities {
    adminPrincipals?: string[];
    previewRoleArn?: string;
}

const cluster = (stack: string): ClusterIdentities => JSON.parse(readStackConfig(stack).values["dodo-platform:cluster"] ?? "{}") as ClusterIdentities;

describe("delivery: the identities each stack file names", () => {
    for (const stack of STACKS) {
        it(`${stack}: the deploy role first, the admins' role, and the preview role, as bootstrap prints them`, () => {
            const { adminPrincipals = [], previewRoleArn } = cluster(stack);
            const account = /^arn:aws:iam::(\d{12}):/.exec(adminPrincipals[0] ?? "")?.[1];
            assert.ok(account, JSON.stringify(adminPrincipals));
            // bootstrap takes the pinned account (staging, prod) or --account (dev pins none).
            const { commands } = bootstrapOutput({ stack, repo: "o/r", account: stack === "dev" ? account : undefined, dir: "d" });
            const printed = /cluster\.adminPrincipals \[(\S+), \.\.\.\] and cluster\.previewRoleArn (\S+)$/.exec(commands[commands.length - 1]);
            assert.ok(printed, commands[commands.length - 1]);
            assert.deepEqual([adminPrincipals[0], previewRoleArn], [printed[1], printed[2]]);
            assert.deepEqual(adminPrincipals.slice(1), [`arn:aws:iam::${account}:role/platform-admins`]);
        });

        it(`${stack}: the render runs as the deploy role and grants cluster access to exactly these roles`, async () => {
            const { adminPrincipals = [], previewRoleArn } = cluster(stack);
            const entries = (await renderCached(stack)).resources.filter((r) => r.type === "aws:eks/accessEntry:AccessEntry" && r.name.startsWith("cluster-access-"));
            assert.deepEqual(entries.map((e) => e.props.principalArn).sort(), [...adminPrincipals, previewRoleArn].sort());
            assert.equal(mockCaller(readStackConfig(stack).values).role, adminPrincipals[0]);
        });
    }

    it("mocked caller: the first listed role's session (path dropped, as STS does), else the default deployer", () => {
        const config = (cluster: unknown) => ({ "dodo-platform:cluster": JSON.stringify(cluster) });
        assert.deepEqual(mockCaller(config({ adminPrincipals: ["arn:aws:iam::444455556666:role/ci/deploy", "arn:aws:iam::444455556666:role/x"] })), {
            role: "arn:aws:iam::444455556666:role/ci/deploy",
            session: "arn:aws:sts::444455556666:assumed-role/deploy/ci",
        });
        for (const other of [{}, { "dodo-platform:cluster": "not json" }, config({ adminPrincipals: [] }), config({ adminPrincipals: ["arn:aws:iam::444455556666:user/alice"] })]) {
            assert.equal(mockCaller(other).role, MOCK_DEPLOYER_ROLE, JSON.stringify(other));
        }
    });
});
