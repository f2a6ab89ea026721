// The cluster's IAM documents: the LB controller's policy against upstream's, and the service
// trust policies' confused-deputy conditions.
import { strict as assert } from "assert";
import { clusterRoleTrustPolicy } from "../../components/cluster/builders";
import upstream from "../../components/cluster/aws-load-balancer-controller-policy.json";
import { lbControllerPolicy } from "../../components/cluster/lb-controller-policy";
import { assumeRolePolicy, PolicyDocument, serviceTrustPolicy } from "../../components/iam";
import { flowLogsTrustPolicy } from "../../components/network";

const VPC = "arn:aws:ec2:ap-south-1:111122223333:vpc/vpc-0abc123";

describe("cluster IAM documents", () => {
    describe("AWS Load Balancer Controller policy", () => {
        it("is upstream's document with security-group ingress changes limited to the cluster's VPC", () => {
            const doc = lbControllerPolicy(VPC);
            const original = upstream as PolicyDocument;
            assert.equal(doc.Statement.length, original.Statement.length);
            const changed = doc.Statement.map((s, i) => [i, s] as const).filter(([i, s]) => JSON.stringify(s) !== JSON.stringify(original.Statement[i]));
            assert.equal(changed.length, 1, "exactly one statement differs from upstream");
            const [[, statement]] = changed;
            assert.deepEqual([statement.Action, statement.Resource, statement.Condition], [
                ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
                "*",
                { ArnEquals: { "ec2:Vpc": VPC } },
            ]);
        });

        it("leaves no unconditioned grant of security-group ingress changes", () => {
            const open = lbControllerPolicy(VPC).Statement.filter((s) => [s.Action].flat().some((a) => /SecurityGroupIngress$/.test(a)) && s.Condition === undefined);
            assert.deepEqual(open, []);
        });

        it("refuses something that is not a VPC ARN", () => {
            assert.throws(() => lbControllerPolicy("vpc-0abc123"), /vpcArn must be a VPC ARN/);
        });
    });

    describe("service trust policies", () => {
        it("EKS may assume the cluster role for this account's cluster only", () => {
            const [s] = clusterRoleTrustPolicy("111122223333", "ap-south-1", "dodo-prod").Statement;
            assert.deepEqual(s.Principal, { Service: "eks.amazonaws.com" });
            assert.deepEqual(s.Condition, { StringEquals: { "aws:SourceAccount": "111122223333" }, ArnLike: { "aws:SourceArn": "arn:aws:eks:ap-south-1:111122223333:cluster/dodo-prod" } });
        });

        it("VPC Flow Logs may assume the delivery role for this account's flow logs only", () => {
            const [s] = flowLogsTrustPolicy("111122223333", "ap-south-1").Statement;
            assert.deepEqual(s.Principal, { Service: "vpc-flow-logs.amazonaws.com" });
            assert.deepEqual(s.Condition, { StringEquals: { "aws:SourceAccount": "111122223333" }, ArnLike: { "aws:SourceArn": "arn:aws:ec2:ap-south-1:111122223333:vpc-flow-log/*" } });
        });

        it("refuses a source ARN of another account, and a service that has source context without it", () => {
            assert.throws(() => serviceTrustPolicy("eks.amazonaws.com", { accountId: "111122223333", sourceArn: "arn:aws:eks:ap-south-1:444455556666:cluster/x" }), /sourceArn must be an ARN in account 111122223333/);
            assert.throws(() => assumeRolePolicy("eks.amazonaws.com" as "ec2.amazonaws.com"), /use serviceTrustPolicy/);
        });
    });
});
