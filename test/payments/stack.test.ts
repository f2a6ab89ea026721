// The payments objects in each stack's full render (index.ts with Pulumi.<stack>.yaml), so the
// stack files, the config section and the composition root are tested together.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { AuthorizationPolicyObject } from "../../components/istio/types";
import { Render, renderCached } from "../harness";
import { accessMatrixSpecs } from "./access";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Stack = "dev" | "staging" | "prod";

function stackValue(stack: Stack, key: string): unknown {
    const doc = YAML.parse(fs.readFileSync(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return doc.config[`dodo-platform:${key}`];
}

function one(render: Render, kind: string, name: string, namespace?: string): Obj {
    const found = render.manifests.filter((m) => m.kind === kind && m.metadata.name === name && (namespace === undefined || m.metadata.namespace === namespace));
    assert.equal(found.length, 1, `expected one ${kind} ${name} in ${render.stack}, found ${found.length}`);
    return found[0] as Obj;
}

const EXPECTED = [
    ["Namespace", "dodo-payments"], ["ServiceAccount", "frontend-sa"], ["ServiceAccount", "backend-sa"], ["ServiceAccount", "postgres-sa"],
    ["Deployment", "frontend"], ["Deployment", "backend-v1"], ["Deployment", "backend-v2"], ["StatefulSet", "postgres"],
    ["Service", "frontend-service"], ["Service", "backend-service"], ["Service", "postgres"], ["Secret", "postgres-credentials"],
    ["HorizontalPodAutoscaler", "frontend"], ["HorizontalPodAutoscaler", "backend-v1"], ["HorizontalPodAutoscaler", "backend-v2"],
    ["PodDisruptionBudget", "frontend"], ["PodDisruptionBudget", "backend-v1"], ["PodDisruptionBudget", "backend-v2"], ["PodDisruptionBudget", "postgres"],
    ["Gateway", "dodo-gateway"], ["VirtualService", "payments-edge"], ["VirtualService", "backend-canary"], ["DestinationRule", "backend"],
    ["EnvoyFilter", "ingress-local-rate-limit"], ["Certificate", "dodo-payments-tls"],
    ["PeerAuthentication", "default"], ["AuthorizationPolicy", "default-deny"], ["Sidecar", "default"],
] as const;

for (const stack of ["dev", "staging", "prod"] as const) {
    describe(`payments in the ${stack} stack`, () => {
        let render: Render;
        before(async () => {
            render = await renderCached(stack);
        });

        it("renders every payments object", () => {
            for (const [kind, name] of EXPECTED) {
                const ns = kind === "Namespace" ? undefined : ["Gateway", "EnvoyFilter", "Certificate"].includes(kind) ? "istio-ingress" : "dodo-payments";
                one(render, kind, name, ns);
            }
        });

        it("serves the stack's host, with the canary weight from its config", () => {
            const host = stackValue(stack, "payments.host") as string;
            const weight = Number(stackValue(stack, "payments.canary.weight") ?? 0);
            assert.deepEqual(one(render, "VirtualService", "payments-edge").spec.hosts, [host]);
            assert.deepEqual(one(render, "Certificate", "dodo-payments-tls").spec.dnsNames, [host]);
            for (const name of ["payments-edge", "backend-canary"]) {
                const split = one(render, "VirtualService", name).spec.http.find((r: Obj) => r.name === "api-write");
                assert.deepEqual(split.route.map((d: Obj) => d.weight), [100 - weight, weight], `${name} in ${stack}`);
            }
            const env = one(render, "VirtualService", "payments-edge").spec.http[0].headers.request.set["x-dodo-environment"];
            assert.equal(env, stack);
        });

        it("rate-limits the gateway with the environment's bucket", () => {
            const expected = { dev: [100, 50], staging: [500, 250], prod: [2000, 1000] }[stack];
            const bucket = one(render, "EnvoyFilter", "ingress-local-rate-limit").spec.configPatches[0].patch.value.typed_config.token_bucket;
            assert.deepEqual([bucket.max_tokens, bucket.tokens_per_fill, bucket.fill_interval], [...expected, "1s"]);
        });

        it("takes the certificate from the environment's issuer", () => {
            const issuer = { dev: "dodo-ca", staging: "letsencrypt-staging", prod: "letsencrypt" }[stack];
            assert.equal(one(render, "Certificate", "dodo-payments-tls").spec.issuerRef.name, issuer);
            one(render, "ClusterIssuer", issuer);
        });

        it("labels the namespace for injection by the mesh's control plane", () => {
            const labels = one(render, "Namespace", "dodo-payments").metadata.labels;
            assert.ok(labels["istio-injection"] === "enabled" || typeof labels["istio.io/rev"] === "string");
        });

        describe("access matrix over the rendered policies", () => {
            accessMatrixSpecs(() => render.manifests.filter((m) => m.kind === "AuthorizationPolicy") as AuthorizationPolicyObject[]);
        });
    });
}
