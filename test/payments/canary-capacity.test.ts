import { strict as assert } from "assert";
import { canaryMinReplicas, capacityGate } from "../../components/payments/canary-capacity";
import { peakFootprint, peakMarkdown } from "../../scripts/lib/footprint-peak";
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
        it("is one idle pod at weight 0, the weight's share of the peak (the HPA maximum; at least two while serving) above it", () => {
            const table: [number, number, number, number][] = [
                // [configured min, configured max, weight, v2 min]
                [3, 10, 0, 1], [3, 10, 1, 2], [3, 10, 10, 2], [3, 10, 25, 3], [3, 10, 50, 5], [3, 10, 67, 7], [3, 10, 100, 10],
                [10, 20, 10, 2], [10, 20, 25, 5], [10, 20, 50, 10], [10, 20, 100, 20],
                [1, 1, 0, 1], [1, 1, 50, 1], [1, 1, 100, 1], [1, 2, 1, 2],
            ];
            for (const [min, max, weight, want] of table) assert.equal(canaryMinReplicas({ min, max }, weight), want, `min ${min}, max ${max}, weight ${weight}`);
        });

        it("gives v2, at every weight, the pods its share of the peak needs, and never more than its maximum", () => {
            for (const bounds of [{ min: 3, max: 10 }, { min: 2, max: 4 }, { min: 10, max: 20 }, { min: 1, max: 1 }]) {
                for (let w = 1; w <= 100; w++) {
                    const v2 = canaryMinReplicas(bounds, w);
                    // At the peak v1 alone would run bounds.max pods; v2 must serve w % of that at once.
                    assert.ok(v2 >= (bounds.max * w) / 100, `${JSON.stringify(bounds)} at ${w} %: ${v2} pods`);
                    assert.ok(v2 <= bounds.max, `${JSON.stringify(bounds)} at ${w} %: over the maximum`);
                }
            }
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
            // 40 % of the peak of 20 pods.
            assert.deepEqual([find("HorizontalPodAutoscaler", "backend-v2").spec.minReplicas, find("HorizontalPodAutoscaler", "backend-v2").spec.maxReplicas], [8, 20]);
            assert.equal(find("Deployment", "backend-v2").spec.replicas, 8);
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
            assert.deepEqual(gated[0].metadata.annotations, capacityGate(8));
            assert.deepEqual((gated[0] as Obj).spec.selector.matchLabels, { app: "backend", version: "v2" });
        });
    });

    describe("in the resource graph, when the weight rises", () => {
        // dev with a maximum of 8: weight 10 -> 60 takes v2 from 2 to 5 pods (60 % of the peak).
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
            assert.deepEqual([min(lower), min(higher)], [2, 5]);
            const gate = (rs: RegisteredResource[]) => (object(rs, "PodDisruptionBudget", "backend-v2").props as Obj).metadata.annotations;
            assert.deepEqual([gate(lower), gate(higher)], [capacityGate(2), capacityGate(5)]);
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

    describe("at the peak, in prod's nodes", () => {
        for (const weight of [50, 100]) {
            it(`weight ${weight}: v2's minimum is its share of the peak, and v1 and v2 both at their maximum still fit nodes.maxSize and the NodePool`, async () => {
                const render = await renderStack("prod", { config: { "dodo-platform:payments.canary.weight": weight, "dodo-platform:payments.backend.v2.image": "ghcr.io/dodopayments/payments-backend:2.8.0" } });
                const hpa = (name: string) => (object(render.resources, "HorizontalPodAutoscaler", name).props as Obj).spec;
                const max = hpa("backend-v1").maxReplicas;
                assert.equal(hpa("backend-v2").minReplicas, Math.ceil((max * weight) / 100));
                const peak = peakFootprint(render);
                const pods = (name: string) => peak.items.find((i) => i.component === name)!;
                assert.deepEqual([pods("backend-v1").podsAtMax, pods("backend-v2").podsAtMax], [max, max], "both versions at the maximum");
                assert.equal(pods("backend-v2").podsAtMin, hpa("backend-v2").minReplicas);
                assert.ok(peak.fits && peak.totalNodes <= peak.maxNodes, peakMarkdown(peak));
            });
        }
    });
});
