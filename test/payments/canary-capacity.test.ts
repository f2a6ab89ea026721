import { strict as assert } from "assert";
import { canaryMinReplicas, capacityGate } from "../../components/payments/canary-capacity";
import { RegisteredResource } from "../../scripts/lib/mock-engine";
import { renderStack } from "../../scripts/lib/render";
import { manifestsFor } from "./fixtures";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every resource `ref` waits for, directly or through what it waits for. */
function waitsFor(resources: RegisteredResource[], ref: string): Set<string> {
    const byRef = new Map(resources.map((r) => [r.ref, r]));
    const seen = new Set<string>();
    const stack = [...(byRef.get(ref)?.dependsOn ?? [])];
    while (stack.length > 0) {
        const next = stack.pop()!;
        if (seen.has(next)) continue;
        seen.add(next);
        stack.push(...(byRef.get(next)?.dependsOn ?? []));
    }
    return seen;
}

const object = (resources: RegisteredResource[], kind: string, name: string): RegisteredResource => {
    const found = resources.find((r) => (r.props as Obj).kind === kind && (r.props as Obj).metadata?.name === name && (r.props as Obj).metadata?.namespace === "dodo-payments");
    assert.ok(found, `no ${kind} ${name}`);
    return found;
};

describe("canary capacity first", () => {
    describe("v2's minimum follows the weight", () => {
        it("is one idle pod at weight 0, the weight's share of the minimum (at least two while serving) above it", () => {
            const table: [number, number, number][] = [
                // [configured min, weight, v2 min]
                [3, 0, 1], [3, 1, 2], [3, 10, 2], [3, 50, 2], [3, 67, 3], [3, 100, 3],
                [10, 10, 2], [10, 25, 3], [10, 50, 5], [10, 100, 10],
                [1, 0, 1], [1, 50, 1], [1, 100, 1],
            ];
            for (const [min, weight, want] of table) assert.equal(canaryMinReplicas({ min, max: 20 }, weight), want, `min ${min}, weight ${weight}`);
        });

        it("never lowers v2's minimum when the weight rises", () => {
            for (const min of [1, 2, 3, 7, 10]) {
                for (let w = 1; w <= 100; w++) assert.ok(canaryMinReplicas({ min, max: 20 }, w) >= canaryMinReplicas({ min, max: 20 }, w - 1), `min ${min}, weight ${w}`);
            }
        });

        it("refuses a weight outside 0-100", () => {
            assert.throws(() => canaryMinReplicas({ min: 3, max: 10 }, 101), /0-100/);
            assert.throws(() => canaryMinReplicas({ min: 3, max: 10 }, 12.5), /0-100/);
        });

        it("sets v2's HPA minimum and initial replicas, leaving v1's bounds alone", () => {
            const m = manifestsFor("prod", { canary: { weight: 40, edgeHeader: true }, backendReplicas: { min: 10, max: 20 } });
            const find = (kind: string, name: string) => [...m.workloads, ...m.scaling].find((o) => o.kind === kind && o.metadata.name === name) as Obj;
            assert.deepEqual([find("HorizontalPodAutoscaler", "backend-v2").spec.minReplicas, find("HorizontalPodAutoscaler", "backend-v2").spec.maxReplicas], [4, 20]);
            assert.equal(find("Deployment", "backend-v2").spec.replicas, 4);
            assert.equal(find("HorizontalPodAutoscaler", "backend-v1").spec.minReplicas, 10);
        });
    });

    describe("the capacity gate", () => {
        it("waits until more than n-1 pods, that is n, are healthy (an `=` would be read as a value)", () => {
            assert.deepEqual(capacityGate(3), { "pulumi.com/waitFor": "jsonpath={$[?@.currentHealthy > 2]}" });
            assert.doesNotMatch(capacityGate(1)["pulumi.com/waitFor"].slice("jsonpath=".length), /=/);
            assert.throws(() => capacityGate(0), />= 1/);
        });

        it("sits on v2's PodDisruptionBudget, for v2's minimum, and on no other object", () => {
            const m = manifestsFor("prod", { canary: { weight: 40, edgeHeader: true }, backendReplicas: { min: 10, max: 20 } });
            const gated = [m.namespace, ...m.security, ...m.base, ...m.egress, ...m.workloads, ...m.scaling, ...m.routing, ...m.ingress].filter((o) => o.metadata.annotations?.["pulumi.com/waitFor"]);
            assert.deepEqual(gated.map((o) => `${o.kind}/${o.metadata.name}`), ["PodDisruptionBudget/backend-v2"]);
            assert.deepEqual(gated[0].metadata.annotations, capacityGate(4));
            assert.deepEqual((gated[0] as Obj).spec.selector.matchLabels, { app: "backend", version: "v2" });
        });
    });

    describe("in the resource graph, when the weight rises", () => {
        // dev with a minimum that leaves v2 room to grow: weight 10 -> 60 takes v2 from 2 to 3 pods.
        const config = (weight: number) => ({
            "dodo-platform:payments.canary.weight": weight,
            "dodo-platform:payments.backend.minReplicas": 4,
            "dodo-platform:payments.backend.maxReplicas": 8,
        });
        let lower: RegisteredResource[];
        let higher: RegisteredResource[];

        before(async () => {
            lower = (await renderStack("dev", { config: config(10) })).resources;
            higher = (await renderStack("dev", { config: config(60) })).resources;
        });

        it("raises v2's HPA minimum and its capacity gate", () => {
            const min = (rs: RegisteredResource[]) => (object(rs, "HorizontalPodAutoscaler", "backend-v2").props as Obj).spec.minReplicas;
            assert.deepEqual([min(lower), min(higher)], [2, 3]);
            const gate = (rs: RegisteredResource[]) => (object(rs, "PodDisruptionBudget", "backend-v2").props as Obj).metadata.annotations;
            assert.deepEqual([gate(lower), gate(higher)], [capacityGate(2), capacityGate(3)]);
        });

        it("orders every route after v2's HPA and its gate, and no scaling object after a route", () => {
            const hpa = object(higher, "HorizontalPodAutoscaler", "backend-v2").ref;
            const gate = object(higher, "PodDisruptionBudget", "backend-v2").ref;
            assert.ok(waitsFor(higher, gate).has(hpa), "the gate is awaited only once the HPA has the new minimum");
            const routes = [object(higher, "VirtualService", "backend-canary"), object(higher, "DestinationRule", "backend")];
            const edge = higher.find((r) => (r.props as Obj).kind === "VirtualService" && (r.props as Obj).metadata?.name === "payments-edge")!;
            for (const route of [...routes, edge]) {
                const deps = waitsFor(higher, route.ref);
                assert.ok(deps.has(hpa) && deps.has(gate), `${route.ref} does not wait for ${hpa} and ${gate}`);
                assert.ok(!waitsFor(higher, hpa).has(route.ref) && !waitsFor(higher, gate).has(route.ref), `${route.ref} is ordered before scaling`);
            }
        });

        it("changes the split only in objects that wait for the scaling", () => {
            const changed = higher.filter((r) => {
                const old = lower.find((b) => b.ref === r.ref);
                return old !== undefined && JSON.stringify(old.props) !== JSON.stringify(r.props) && /VirtualService|DestinationRule/.test(r.type);
            });
            assert.deepEqual(changed.map((r) => (r.props as Obj).metadata.name).sort(), ["backend-canary", "payments-edge"]);
            const hpa = object(higher, "HorizontalPodAutoscaler", "backend-v2").ref;
            for (const r of changed) assert.ok(waitsFor(higher, r.ref).has(hpa), r.ref);
        });
    });
});
