import { strict as assert } from "assert";
import { gatewayDrainValues, gatewayService, gatewayValues, nlbAnnotations } from "../../components/mesh/builders";
import { DRAIN_MARGIN_SECONDS, GATEWAY_NLB_TIMINGS, gatewayDrain, NLB_DEREGISTRATION_PROPAGATION_SECONDS } from "../../components/mesh/drain";

const TG_ATTRIBUTES = "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes";

/** `a=b,c=d` -> { a: "b", c: "d" }, as the LB controller parses the attributes annotation. */
function attributes(value: string): Record<string, string> {
    return Object.fromEntries(value.split(",").map((kv) => kv.split("=") as [string, string]));
}

describe("gateway drain", () => {
    describe("the arithmetic", () => {
        it("sleeps longer than the deregistration propagation, the delay and one health-check interval together", () => {
            for (const nlb of [GATEWAY_NLB_TIMINGS, { deregistrationDelaySeconds: 0, healthCheckIntervalSeconds: 5 }, { deregistrationDelaySeconds: 300, healthCheckIntervalSeconds: 30 }]) {
                const d = gatewayDrain(nlb);
                assert.ok(d.preStopSleepSeconds > NLB_DEREGISTRATION_PROPAGATION_SECONDS + nlb.deregistrationDelaySeconds + nlb.healthCheckIntervalSeconds, JSON.stringify(d));
            }
        });

        it("never sleeps less than the NLB's two minutes of new flows, however short the delay", () => {
            assert.equal(NLB_DEREGISTRATION_PROPAGATION_SECONDS, 120, "aws-load-balancer-controller#2366, #3270");
            const shortest = gatewayDrain({ deregistrationDelaySeconds: 0, healthCheckIntervalSeconds: 5 });
            assert.ok(shortest.preStopSleepSeconds >= 120, JSON.stringify(shortest));
            assert.ok(shortest.terminationGracePeriodSeconds > shortest.preStopSleepSeconds + shortest.terminationDrainDurationSeconds);
        });

        it("gives the pod a grace period that holds the sleep, Envoy's drain and a margin", () => {
            const d = gatewayDrain(GATEWAY_NLB_TIMINGS, 20);
            assert.equal(d.terminationDrainDurationSeconds, 20);
            assert.equal(d.terminationGracePeriodSeconds, d.preStopSleepSeconds + 20 + DRAIN_MARGIN_SECONDS);
        });

        it("is 120 s propagation + 30 s delay + 10 s interval + 5 s = a 165 s preStop, 20 s drain, 190 s grace for the platform's NLB", () => {
            assert.deepEqual(gatewayDrain(), {
                deregistrationDelaySeconds: 30,
                healthCheckIntervalSeconds: 10,
                deregistrationPropagationSeconds: 120,
                preStopSleepSeconds: 165,
                terminationDrainDurationSeconds: 20,
                terminationGracePeriodSeconds: 190,
            });
        });

        it("refuses timings the NLB or Envoy would not accept", () => {
            assert.throws(() => gatewayDrain({ deregistrationDelaySeconds: 3601, healthCheckIntervalSeconds: 10 }), /0-3600/);
            assert.throws(() => gatewayDrain({ deregistrationDelaySeconds: 30, healthCheckIntervalSeconds: 2 }), /5-300/);
            assert.throws(() => gatewayDrain(GATEWAY_NLB_TIMINGS, 0), /drain/);
        });
    });

    describe("what the gateway renders", () => {
        const d = gatewayDrain();

        it("sets the deregistration delay and the health-check interval on the NLB's target group explicitly", () => {
            const a = nlbAnnotations();
            const attrs = attributes(a[TG_ATTRIBUTES]);
            assert.equal(attrs["deregistration_delay.timeout_seconds"], String(d.deregistrationDelaySeconds));
            assert.equal(attrs["preserve_client_ip.enabled"], "true", "client IP preservation stays on");
            assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval"], String(d.healthCheckIntervalSeconds));
            // The Service the program creates carries exactly these annotations.
            assert.deepEqual((gatewayService({ sourceRanges: [] }).metadata as { annotations: unknown }).annotations, a);
        });

        it("gives the gateway Deployment's istio-proxy the preStop sleep, and the pod the grace period and drain duration", () => {
            for (const environment of ["dev", "staging", "prod"] as const) {
                const v = gatewayValues({ environment, replicas: { min: 2, max: 4 } }) as Record<string, any>;
                assert.deepEqual(v.lifecycle, { preStop: { sleep: { seconds: d.preStopSleepSeconds } } }, environment);
                assert.equal(v.terminationGracePeriodSeconds, d.terminationGracePeriodSeconds, environment);
                assert.deepEqual(JSON.parse(v.podAnnotations["proxy.istio.io/config"]), { terminationDrainDuration: `${d.terminationDrainDurationSeconds}s` }, environment);
            }
            assert.deepEqual(Object.keys(gatewayDrainValues()).sort(), ["lifecycle", "podAnnotations", "terminationGracePeriodSeconds"]);
        });

        it("the pod outlasts what its own Service tells the NLB: propagation + delay + interval, then Envoy's drain", () => {
            const attrs = attributes(nlbAnnotations()[TG_ATTRIBUTES]);
            const interval = Number(nlbAnnotations()["service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval"]);
            const v = gatewayDrainValues() as { lifecycle: { preStop: { sleep: { seconds: number } } }; terminationGracePeriodSeconds: number; podAnnotations: Record<string, string> };
            const envoyDrain = Number.parseInt(JSON.parse(v.podAnnotations["proxy.istio.io/config"]).terminationDrainDuration, 10);
            const sleep = v.lifecycle.preStop.sleep.seconds;
            assert.ok(sleep > NLB_DEREGISTRATION_PROPAGATION_SECONDS + Number(attrs["deregistration_delay.timeout_seconds"]) + interval, String(sleep));
            assert.ok(v.terminationGracePeriodSeconds > sleep + envoyDrain, String(v.terminationGracePeriodSeconds));
        });
    });
});
