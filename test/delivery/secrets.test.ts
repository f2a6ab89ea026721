// Runtime secrets of staging and prod must not be readable by any preview. A preview decrypts
// everything Pulumi holds for the stack (config secrets, and secret values in state: the preview
// role has kms:Decrypt on the state key, a Pulumi Cloud reader decrypts through the service), so
// the only way is to keep them out of Pulumi: in AWS Secrets Manager, read in the cluster by
// External Secrets Operator (components/secrets/, docs/architecture.md "Identities").
//
// What this cannot prove (its limits):
// - An output the provider stores as a secret. Pulumi marks those through the resource option
//   additionalSecretOutputs, which the generated SDK adds (e.g. an RDS instance's `password`),
//   or the provider returns a secret value itself; the mocks see only type, name and inputs, never
//   options or real outputs. SECRET_STATE_TYPES, kept by hand, stands in for them: a new resource
//   type whose state holds a secret passes unseen until it is listed there or a reviewer sees it.
// - What a workload reads at runtime: a Secret created by External Secrets is in the cluster, not
//   in Pulumi's state, and this test does not look at who may read it there.
// - A secret written in plain text into a non-secret input (a password pasted into an env value):
//   only values marked secret, secure: config and the listed types are found.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { REPO_ROOT } from "../../scripts/lib/render";
import { SECRET } from "../../scripts/lib/mock-engine";
import { RegisteredResource, renderCached } from "../harness";

/** Where each remaining secret key is meant to go; the test names it until it has gone. */
const MOVES_TO: Readonly<Record<string, string>> = {
    "dodo-platform:observability.grafana.adminPassword": "moves to a Secrets Manager secret read by External Secrets (observability)",
};
const moves = (key: string) => MOVES_TO[key] ?? "a Pulumi config secret, which every preview decrypts: move it to Secrets Manager";

/** Secret inputs that are not runtime secrets. */
const NOT_RUNTIME: Readonly<Record<string, string>> = {
    // The kubeconfig is marked secret but holds no credential: `aws eks get-token` mints one per call.
    "pulumi:providers:kubernetes": "kubeconfig without credentials",
};

/** Resources whose state holds a secret the program made or stored, whatever their inputs say. */
const SECRET_STATE_TYPES = [
    "random:index/randomPassword:RandomPassword",
    "tls:index/privateKey:PrivateKey",
    "aws:iam/accessKey:AccessKey",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "kubernetes:core/v1:Secret",
];

/** Dotted paths of every `secure:` value in a stack file. */
function secureValues(doc: unknown, at = ""): string[] {
    if (Array.isArray(doc)) return doc.flatMap((v, i) => secureValues(v, `${at}[${i}]`));
    if (doc === null || typeof doc !== "object") return [];
    if ("secure" in doc) return [at];
    return Object.entries(doc).flatMap(([k, v]) => secureValues(v, at ? `${at}.${k}` : k));
}

/** Resources of a render that put a runtime secret into Pulumi's state, with why. */
function secretsInState(resources: RegisteredResource[]): string[] {
    const found: string[] = [];
    for (const r of resources) {
        if (NOT_RUNTIME[r.type]) continue;
        if (SECRET_STATE_TYPES.includes(r.type)) found.push(`${r.ref} (its state is a secret)`);
        else if (JSON.stringify(r.props).includes(JSON.stringify(SECRET))) found.push(`${r.ref} (a secret input)`);
    }
    return found;
}

describe("delivery: no runtime secret of staging or prod is readable by a preview", () => {
    it("finds secure values in a stack file and secrets in a render (the checks below can fail)", () => {
        assert.deepEqual(secureValues({ config: { "aws:region": "x", "dodo-platform:payments": { postgres: { password: { secure: "v1:abc" } } } } }), [
            "config.dodo-platform:payments.postgres.password",
        ]);
        const r = (type: string, props: Record<string, unknown>) => ({ type, name: "n", ref: `${type}::n`, parent: null, dependsOn: [], provider: null, custom: true, props });
        assert.deepEqual(secretsInState([r("kubernetes:core/v1:ConfigMap", { data: { a: SECRET } }), r("pulumi:providers:kubernetes", { kubeconfig: SECRET }), r("random:index/randomPassword:RandomPassword", {})]), [
            "kubernetes:core/v1:ConfigMap::n (a secret input)",
            "random:index/randomPassword:RandomPassword::n (its state is a secret)",
        ]);
    });

    for (const stack of ["staging", "prod"] as const) {
        it(`${stack}: the stack file holds no secret config value`, () => {
            const doc = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as unknown;
            assert.deepEqual(secureValues(doc), [], `Pulumi.${stack}.yaml holds encrypted values, which any preview of ${stack} decrypts`);
        });

        it(`${stack}: the program needs no secret config key and puts no runtime secret into Pulumi's state`, async () => {
            const render = await renderCached(stack);
            const problems = [
                ...render.missingSecrets.map((k) => `config key ${k}: ${moves(k)}`),
                ...secretsInState(render.resources).map((s) => `state: ${s}`),
            ];
            assert.deepEqual(problems, [], `${stack} still keeps runtime secrets where its preview role can decrypt them:\n  ${problems.join("\n  ")}`);
        });
    }
});
