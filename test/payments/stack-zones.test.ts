// The shipped stack files follow docs/payments.md's advice: one delegated public zone per
// environment. Each stack looks its zone up by name in its own AWS account (aws:allowedAccountIds),
// so two accounts naming the same zone would each find their own copy, and only the one the parent
// delegates to is visible on the internet: the other's alias, CAA and ACME challenge records vanish.
import { strict as assert } from "assert";
import { stackFileValue } from "../../scripts/lib/stack-config";

const STACKS = ["dev", "staging", "prod"] as const;

interface Published {
    stack: string;
    host: string;
    zone: string;
    accounts: string[];
}

const inZone = (name: string, zone: string): boolean => name === zone || name.endsWith(`.${zone}`);

function published(): Published[] {
    return STACKS.flatMap((stack) => {
        const zone = stackFileValue(stack, "payments.tls.hostedZone") as string | undefined;
        if (zone === undefined) return [];
        return [{ stack, zone, host: stackFileValue(stack, "payments.host") as string, accounts: (stackFileValue(stack, "aws:allowedAccountIds") as string[] | undefined) ?? [] }];
    });
}

describe("payments: each environment's host in its own delegated zone (shipped stack files)", () => {
    it("staging and prod publish their hosts, each in a zone of its own account", () => {
        assert.deepEqual(published().map((p) => [p.stack, p.zone]), [["staging", "staging.dodopayments.com"], ["prod", "pay.dodopayments.com"]]);
        for (const p of published()) assert.ok(inZone(p.host, p.zone), `${p.stack}: ${p.host} is not in ${p.zone}`);
    });

    it("never names one zone from two accounts, and resolves every host from its own stack's zone", () => {
        const all = published();
        for (const a of all) {
            for (const b of all.filter((x) => x !== a && x.accounts.join() !== a.accounts.join())) {
                assert.notEqual(a.zone, b.zone, `${a.stack} and ${b.stack} both look up ${a.zone}, each in its own account`);
            }
            // The most specific zone holding the host answers for it once delegated: it must be the stack's own.
            const answering = all.filter((z) => inZone(a.host, z.zone)).sort((x, y) => y.zone.length - x.zone.length)[0];
            assert.equal(answering.stack, a.stack, `${a.host} (${a.stack}) would be answered by ${answering.stack}'s zone ${answering.zone}`);
        }
    });
});
