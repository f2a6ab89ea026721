// Every role an AWS service assumes, in every stack's render, carries the confused-deputy
// conditions (aws:SourceAccount and aws:SourceArn), or its service is a documented exception.
import { strict as assert } from "assert";
import { PolicyDocument, SERVICES_WITHOUT_SOURCE_CONTEXT } from "../components/iam";
import { ofType, props, renderCached } from "./harness";

/** Each (role, service) pair of a render's trust policies whose statement lacks either condition. */
function unguarded(roles: { name: string; policy: PolicyDocument }[]): string[] {
    const out: string[] = [];
    for (const { name, policy } of roles) {
        for (const s of policy.Statement) {
            const services = [s.Principal?.Service ?? []].flat();
            for (const service of services) {
                if (service in SERVICES_WITHOUT_SOURCE_CONTEXT) continue;
                const c = s.Condition ?? {};
                const account = c.StringEquals?.["aws:SourceAccount"];
                const arn = c.ArnLike?.["aws:SourceArn"] ?? c.ArnEquals?.["aws:SourceArn"];
                if (s.Effect === "Allow" && (!account || !arn)) out.push(`${name}: ${service}`);
            }
        }
    }
    return out;
}

describe("service trust policies (confused deputy)", () => {
    for (const stack of ["dev", "staging", "prod"] as const) {
        it(`${stack}: every service principal is limited to this account's resource`, async () => {
            const roles = ofType((await renderCached(stack)).resources, "aws:iam/role:Role").map((r) => ({ name: r.name, policy: JSON.parse(props<{ assumeRolePolicy: string }>(r).assumeRolePolicy) as PolicyDocument }));
            const services = roles.flatMap((r) => r.policy.Statement.flatMap((s) => [s.Principal?.Service ?? []].flat()));
            assert.ok(services.includes("eks.amazonaws.com"), "the render has service roles to judge");
            assert.deepEqual(unguarded(roles), []);
        });
    }

    it("would catch a role trusting a service without the conditions", () => {
        const bare: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "vpc-flow-logs.amazonaws.com" }, Action: "sts:AssumeRole" }] };
        assert.deepEqual(unguarded([{ name: "flow-logs", policy: bare }]), ["flow-logs: vpc-flow-logs.amazonaws.com"]);
    });
});
