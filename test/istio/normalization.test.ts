import { strict as assert } from "node:assert";
import { normalizePath, PathNormalization } from "../../components/istio/authz";

// Istio's integration test table for meshConfig.pathNormalization
// (istio/istio tests/integration/security/normalization_test.go): input path -> what the server sees.
const TABLE: Record<Exclude<PathNormalization, "NONE">, Array<[string, string]>> = {
    BASE: [
        ["/", "/"],
        ["/app#foo", "/app"],
        ["/app/", "/app/"],
        ["/app/../admin", "/admin"],
        ["/app", "/app"],
        ["/app//", "/app//"],
        ["/app/%2f", "/app/%2f"],
        ["/app%2f/", "/app%2f/"],
        ["/xyz%30..//abc", "/xyz0..//abc"],
        ["/app/%2E./admin", "/admin"],
        ["/app\\admin", "/app/admin"],
        ["/app/\\/\\/\\admin", "/app//////admin"],
        ["/%2Fapp%5cadmin%5Cabc", "/%2Fapp%5cadmin%5Cabc"],
        ["/%5Capp%2f%5c%2F%2e%2e%2fadmin%5c\\abc", "/%5Capp%2f%5c%2F..%2fadmin%5c/abc"],
        ["/app//../admin", "/app/admin"],
        ["/app//../../admin", "/admin"],
    ],
    MERGE_SLASHES: [
        ["/", "/"],
        ["/app#foo", "/app"],
        ["/app/", "/app/"],
        ["/app/../admin", "/admin"],
        ["/app", "/app"],
        ["/app//", "/app/"],
        ["/app/%2f", "/app/%2f"],
        ["/app%2f/", "/app%2f/"],
        ["/xyz%30..//abc", "/xyz0../abc"],
        ["/app/%2E./admin", "/admin"],
        ["/app\\admin", "/app/admin"],
        ["/app/\\/\\/\\admin", "/app/admin"],
        ["/%2Fapp%5cadmin%5Cabc", "/%2Fapp%5cadmin%5Cabc"],
        ["/%5Capp%2f%5c%2F%2e%2e%2fadmin%5c\\abc", "/%5Capp%2f%5c%2F..%2fadmin%5c/abc"],
        ["/app//../admin", "/app/admin"],
        ["/app//../../admin", "/admin"],
    ],
    DECODE_AND_MERGE_SLASHES: [
        ["/", "/"],
        ["/app#foo", "/app"],
        ["/app//", "/app/"],
        ["/app/%2f", "/app/"],
        ["/app%2f/", "/app/"],
        ["/xyz%30..//abc", "/xyz0../abc"],
        ["/app/%2E./admin", "/admin"],
        ["/app/\\/\\/\\admin", "/app/admin"],
        ["/%2Fapp%5cadmin%5Cabc", "/app/admin/abc"],
        ["/%5Capp%2f%5c%2F%2e%2e%2fadmin%5c\\abc", "/app/admin/abc"],
        ["/app//../../admin", "/admin"],
        ["/%c0%2e%c0%2e/admin", "/%c0.%c0./admin"],
        ["/%c0%2fadmin", "/%c0/admin"],
        ["/%252e%252e/admin", "/%252e%252e/admin"],
        ["/..;/admin", "/..;/admin"],
        ["/.../admin", "/.../admin"],
        ["/Admin", "/Admin"],
    ],
};

describe("istio path normalization (Istio's integration table)", () => {
    for (const [mode, cases] of Object.entries(TABLE) as Array<[PathNormalization, Array<[string, string]>]>) {
        it(`${mode}: ${cases.length} cases`, () => {
            for (const [input, expected] of cases) assert.equal(normalizePath(input, mode), expected, `${mode} ${input}`);
        });
    }

    it("NONE leaves the path alone except for the query and fragment", () => {
        assert.equal(normalizePath("/app//../admin?x=1", "NONE"), "/app//../admin");
        assert.equal(normalizePath("/app/%2E./admin", "NONE"), "/app/%2E./admin");
    });

    it("decodes exactly the unreserved characters, %01-%ff (DECODE_AND_MERGE_SLASHES)", () => {
        for (let i = 1; i <= 0xff; i++) {
            const input = `/admin%${i.toString(16).padStart(2, "0")}`;
            const ch = String.fromCharCode(i);
            let expected = input;
            if (/[A-Za-z0-9\-._~]/.test(ch)) expected = `/admin${ch}`;
            if (ch === "/" || ch === "\\") expected = "/admin/";
            if (ch === ".") expected = "/admin.";
            assert.equal(normalizePath(input, "DECODE_AND_MERGE_SLASHES"), expected, input);
        }
    });

    it("strips the query before decoding, so an encoded ? stays part of the path", () => {
        assert.equal(normalizePath("/api/payments%3Fx?y=1", "MERGE_SLASHES"), "/api/payments%3Fx");
    });
});
