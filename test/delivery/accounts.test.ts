import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parsePlatformConfig } from "../../components/config";
import { readStackConfig, renderStack, REPO_ROOT } from "../../scripts/lib/render";
import { registeredBeforeFailure } from "../../scripts/lib/mock-engine";

const stackFile = (stack: string) => YAML.parse(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };

describe("delivery: one AWS account per environment", () => {
    for (const stack of ["staging", "prod"]) {
        it(`${stack}: the synth fails, naming aws:allowedAccountIds, when the stack does not pin its account`, async () => {
            // `npm run synth -- --stack <stack> --set aws:allowedAccountIds=null` renders exactly this.
            for (const missing of [null, []]) {
                const err = await renderStack(stack, { config: { "aws:allowedAccountIds": missing } }).then(() => undefined, (e: unknown) => e);
                assert.ok(err instanceof Error, `${stack} rendered without aws:allowedAccountIds = ${JSON.stringify(missing)}`);
                assert.match(err.message, new RegExp(`aws:allowedAccountIds: required for ${stack}`));
                assert.equal(registeredBeforeFailure(err), 0, "nothing is registered before the config is valid");
            }
        });

        it(`${stack}: its stack file pins exactly one account, as a quoted 12-digit ID`, () => {
            const ids = stackFile(stack).config["aws:allowedAccountIds"];
            assert.ok(Array.isArray(ids) && ids.length === 1 && typeof ids[0] === "string" && /^\d{12}$/.test(ids[0]), JSON.stringify(ids));
        });
    }

    it("staging and prod pin different accounts", () => {
        assert.notDeepEqual(stackFile("staging").config["aws:allowedAccountIds"], stackFile("prod").config["aws:allowedAccountIds"]);
    });

    it("dev may leave it unset (a developer's own account)", () => {
        const raw = readStackConfig("dev", REPO_ROOT, { "aws:allowedAccountIds": null });
        assert.deepEqual(parsePlatformConfig({ stack: "dev", values: raw.values, secretKeys: raw.secretKeys }).aws.allowedAccountIds, []);
    });

    it("rejects account IDs given as numbers, which lose leading zeros", async () => {
        await assert.rejects(renderStack("prod", { config: { "aws:allowedAccountIds": [111122223333] } }), /aws:allowedAccountIds: expected a list of 12-digit AWS account IDs/);
    });
});
