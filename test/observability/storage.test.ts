import { strict as assert } from "assert";
import { lokiBucketAccessPolicy, lokiBucketLifecycle, lokiLifecycleRules, tlsOnlyBucketPolicy } from "../../components/observability/storage";

const BUCKET = "arn:aws:s3:::dodo-prod-loki-123";
const KEY = "arn:aws:kms:ap-south-1:123456789012:key/abc";

describe("Loki's S3 bucket policies", () => {
    it("expires objects a day after Loki's own retention, so the compactor deletes first", () => {
        const lc = lokiBucketLifecycle(90);
        assert.equal(lc.expirationDays, 91);
        const [expire, markers] = lokiLifecycleRules(lc);
        assert.deepEqual(expire.expiration, { days: 91 });
        assert.deepEqual(expire.noncurrentVersionExpiration, { noncurrentDays: 7 });
        assert.deepEqual(expire.abortIncompleteMultipartUpload, { daysAfterInitiation: 1 });
        assert.deepEqual(markers.expiration, { expiredObjectDeleteMarker: true });
        assert.ok(lokiLifecycleRules(lc).every((r) => r.status === "Enabled"));
    });

    it("denies every request not made over TLS", () => {
        const doc = tlsOnlyBucketPolicy(BUCKET);
        assert.deepEqual(doc.Statement, [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: { AWS: "*" },
                Action: "s3:*",
                Resource: [BUCKET, `${BUCKET}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ]);
    });

    it("lets Loki's role list this bucket and read, write and delete only its objects", () => {
        const doc = lokiBucketAccessPolicy(BUCKET, KEY);
        const byAction = Object.fromEntries(doc.Statement.map((s) => [JSON.stringify(s.Action), s.Resource]));
        assert.equal(byAction['"s3:ListBucket"'], BUCKET);
        assert.equal(byAction['["s3:GetObject","s3:PutObject","s3:DeleteObject"]'], `${BUCKET}/*`);
        assert.equal(byAction['["kms:Decrypt","kms:GenerateDataKey"]'], KEY);
        assert.ok(doc.Statement.every((s) => s.Effect === "Allow" && s.Resource !== "*"), "every grant names this bucket or its key");
        assert.ok(doc.Statement.every((s) => !String(s.Action).includes("*")), "no wildcard actions");
    });
});
