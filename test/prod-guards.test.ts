// The config refusals of issue 13 (prod guards): each names the key it refuses and why.
import { strict as assert } from "assert";
import { addressSpacePercent, isPrivateIpv4Cidr, parseCidr } from "../policy/rules/aws-values";
import { parse, problems } from "./config-fixtures";

const PUBLIC_ENDPOINT = { "dodo-platform:cluster.endpointPublicAccess": true };

/** The one problem naming `key`; fails listing all of them otherwise. */
function problemFor(stack: string, paths: Record<string, unknown>, key: string): string {
    const all = problems(stack, paths);
    const hits = all.filter((p) => p.startsWith(`dodo-platform:${key}`));
    assert.equal(hits.length, 1, `expected one problem for ${key}, got:\n${all.join("\n")}`);
    return hits[0];
}

describe("prod guards (issue 13)", () => {
    describe("cluster.publicAccessCidrs: no more than a configurable share of the address space in prod", () => {
        it("refuses the internet split in two halves, which is 0.0.0.0/0 by another name", () => {
            const p = problemFor("prod", { ...PUBLIC_ENDPOINT, "dodo-platform:cluster.publicAccessCidrs": ["0.0.0.0/1", "128.0.0.0/1"] }, "cluster.publicAccessCidrs");
            assert.match(p, /together cover 100% of the IPv4 address space; prod allows at most 0\.001% \(cluster\.publicAccessMaxPercent\)/);
        });

        it("refuses IPv6 halves the same way", () => {
            const p = problemFor("prod", { ...PUBLIC_ENDPOINT, "dodo-platform:cluster.publicAccessCidrs": ["::/1", "8000::/1"] }, "cluster.publicAccessCidrs");
            assert.match(p, /100% of the IPv6 address space/);
        });

        it("accepts office and VPN ranges, and a /16 once the share is raised", () => {
            const office = ["203.0.113.0/24", "198.51.100.0/28"];
            assert.deepEqual(parse("prod", { ...PUBLIC_ENDPOINT, "dodo-platform:cluster.publicAccessCidrs": office }).cluster.publicAccessCidrs, office);
            const wide = { ...PUBLIC_ENDPOINT, "dodo-platform:cluster.publicAccessCidrs": ["100.0.0.0/16"] };
            assert.match(problemFor("prod", wide, "cluster.publicAccessCidrs"), /0\.001525878% of the IPv4/);
            assert.ok(parse("prod", { ...wide, "dodo-platform:cluster.publicAccessMaxPercent": 0.002 }));
        });

        it("counts overlapping ranges once", () => {
            assert.deepEqual(addressSpacePercent(["10.0.0.0/8", "10.1.0.0/16", "0.0.0.0/1"]), { ipv4: 50, ipv6: 0 });
        });

        it("refuses host bits in every environment, naming the key and the network meant (they once slipped past the share)", () => {
            for (const [cidrs, meant] of [[["0.0.0.1/1", "128.0.0.1/1"], /\[0\] has host bits set; did you mean 0\.0\.0\.0\/1\?; \[1\] has host bits set; did you mean 128\.0\.0\.0\/1\?/], [["1.2.3.4/0"], /\[0\] has host bits set; did you mean 0\.0\.0\.0\/0\?/], [["::1/0"], /\[0\] has host bits set; did you mean ::\/0\?/]] as const) {
                for (const stack of ["prod", "dev"]) {
                    const all = problems(stack, { ...PUBLIC_ENDPOINT, "dodo-platform:cluster.publicAccessCidrs": [...cidrs] });
                    assert.ok(all.some((p) => p.startsWith("dodo-platform:cluster.publicAccessCidrs: ") && meant.test(p)), `${stack} ${cidrs.join(",")}:\n${all.join("\n")}`);
                }
            }
            assert.match(problemFor("dev", { "dodo-platform:mesh.gateway.loadBalancerSourceRanges": ["2001:db8::1/32"] }, "mesh.gateway.loadBalancerSourceRanges"), /\[0\] has host bits set; did you mean 2001:db8::\/32\?/);
        });

        it("counts an entry it cannot read as the whole address space (the pack's guard reads unparsed resources)", () => {
            assert.deepEqual(addressSpacePercent(["203.0.113.0/24", "0.0.0.1/1"]), { ipv4: 100, ipv6: 100 });
            assert.deepEqual(addressSpacePercent(["::1/0"]), { ipv4: 100, ipv6: 100 });
            assert.deepEqual(addressSpacePercent(["not-a-cidr"]), { ipv4: 100, ipv6: 100 });
        });

        it("leaves dev and staging to their own choice", () => {
            assert.ok(parse("dev", { ...PUBLIC_ENDPOINT, "dodo-platform:cluster.publicAccessCidrs": ["0.0.0.0/1", "128.0.0.0/1"] }));
        });
    });

    describe("cluster.apiAccessCidrs: private ranges only, in every environment", () => {
        for (const stack of ["dev", "prod"]) {
            it(`${stack}: refuses 0.0.0.0/0 and any public range, naming the key`, () => {
                const p = problemFor(stack, { "dodo-platform:cluster.apiAccessCidrs": ["10.20.0.0/16", "0.0.0.0/0"] }, "cluster.apiAccessCidrs");
                assert.match(p, /\[1\] must be a private range/);
                assert.match(problemFor(stack, { "dodo-platform:cluster.apiAccessCidrs": ["8.8.8.0/24"] }, "cluster.apiAccessCidrs"), /must be a private range/);
            });
        }

        it("accepts RFC 1918 and RFC 6598 ranges", () => {
            const cidrs = ["10.8.0.0/16", "172.16.4.0/24", "192.168.1.0/24", "100.64.0.0/16"];
            assert.deepEqual(parse("prod", { "dodo-platform:cluster.apiAccessCidrs": cidrs }).cluster.apiAccessCidrs, cidrs);
        });
    });

    describe("network.vpcCidr: a private range in every environment", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            it(`${stack}: refuses a public VPC range`, () => {
                assert.match(problemFor(stack, { "dodo-platform:network.vpcCidr": "52.0.0.0/16" }, "network.vpcCidr"), /must be a private range/);
            });
        }

        it("refuses a range that only starts inside a private block", () => {
            assert.equal(isPrivateIpv4Cidr("172.16.0.0/11"), false, "172.16.0.0/12 is private, /11 reaches 172.0.0.0-172.31.255.255");
            assert.equal(isPrivateIpv4Cidr("172.31.0.0/16"), true);
        });
    });

    describe("log retention: at least 365 days in prod (PCI DSS 10.5.1)", () => {
        it("refuses a day of control-plane logs", () => {
            assert.match(problemFor("prod", { "dodo-platform:cluster.logRetentionDays": 1 }, "cluster.logRetentionDays"), /prod keeps control-plane logs at least 365 days \(PCI DSS 10\.5\.1.*got 1/);
        });

        it("refuses a day of flow logs", () => {
            assert.match(problemFor("prod", { "dodo-platform:network.flowLogsRetentionDays": 1 }, "network.flowLogsRetentionDays"), /prod keeps flow logs at least 365 days.*got 1/);
        });

        it("keeps prod's defaults at a year, and lets dev keep a week", () => {
            const prod = parse("prod");
            assert.deepEqual([prod.cluster.logRetentionDays, prod.network.flowLogsRetentionDays], [365, 365]);
            assert.equal(parse("dev", { "dodo-platform:cluster.logRetentionDays": 7 }).cluster.logRetentionDays, 7);
        });
    });

    describe("tags: IAM's and EC2's rules, and no cluster tag", () => {
        const tag = (key: string, value = "x") => ({ "dodo-platform:tags": { [key]: value } });
        const cases: [string, Record<string, unknown>, RegExp][] = [
            ["a kubernetes.io/cluster/ key", tag("kubernetes.io/cluster/dodo-prod", "owned"), /\[kubernetes\.io\/cluster\/dodo-prod\] tag keys starting with "kubernetes\.io\/cluster\/" are reserved/],
            ["a character IAM refuses", tag("cost#center"), /\[cost#center\] tag key "cost#center" may hold only letters/],
            ["a value IAM refuses", tag("Team", "payments,platform"), /\[Team\] tag value of "Team" may hold only/],
            ["an aws: key", tag("AWS:team"), /reserved by AWS/],
            ["a key over 128 characters", tag("k".repeat(129)), /must be 1-128 characters/],
            ["a value over 256 characters", tag("Team", "v".repeat(257)), /at most 256 characters/],
            ["a key the platform sets", tag("environment", "dev"), /\[environment\] tag key "environment" is set by the platform/],
            ["keys that differ only in case", { "dodo-platform:tags": { CostCenter: "a", costcenter: "b" } }, /tag keys CostCenter and costcenter differ only in case/],
            ["more tags than fit beside the platform's", { "dodo-platform:tags": Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`T${i}`, "x"])) }, /at most 40 tags/],
        ];
        for (const [what, paths, message] of cases) {
            it(`refuses ${what}, naming tags`, () => assert.match(problemFor("prod", paths, "tags"), message));
        }

        it("accepts Unicode letters, spaces and the allowed symbols", () => {
            const tags = { "Cost Center": "platform-prod", "team/owner": "pay@dodo.dev", Région: "Île-de-France", "a:b=c+d_e.f": "" };
            assert.deepEqual(Object.fromEntries(Object.entries(parse("prod", { "dodo-platform:tags": tags }).tags).filter(([k]) => k in tags)), tags);
        });
    });

    it("parses CIDRs strictly (host bits, IPv6 compression)", () => {
        assert.equal(parseCidr("10.0.0.1/8"), undefined);
        assert.deepEqual(parseCidr("2001:db8::/32"), { family: 6, start: 0x20010db8n << 96n, size: 1n << 96n });
        assert.equal(parseCidr("2001:db8:::/32"), undefined);
    });
});
