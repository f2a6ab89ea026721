// How long a stopping ingress gateway pod keeps serving, from the NLB's timings. Pure; the
// gateway's Service annotations and chart values both read gatewayDrain(), so the numbers cannot
// drift apart. The sequence and the reasoning: docs/mesh.md, "A gateway pod that stops".

/** The NLB target group's timings the drain has to outlast (set explicitly on the Service). */
export interface NlbTargetTimings {
    /**
     * `deregistration_delay.timeout_seconds`: how long a deregistering target stays `draining`
     * (ELB TargetGroupAttribute, 0-3600, default 300).
     */
    deregistrationDelaySeconds: number;
    /** The target group's health-check interval (NLB: 5-300 s). */
    healthCheckIntervalSeconds: number;
}

export interface GatewayDrain extends NlbTargetTimings {
    /** How long the NLB may still open new flows to a deregistering IP target, whatever the delay. */
    deregistrationPropagationSeconds: number;
    /** The istio-proxy container's preStop sleep: SIGTERM reaches pilot-agent only after it. */
    preStopSleepSeconds: number;
    /** ProxyConfig.terminationDrainDuration: Envoy drains (GOAWAY, Connection: close) this long after SIGTERM. */
    terminationDrainDurationSeconds: number;
    /** The pod's terminationGracePeriodSeconds: preStop and drain both fit inside it. */
    terminationGracePeriodSeconds: number;
}

/**
 * The platform's NLB timings: a 30 s deregistration delay (the default 300 s would hold every
 * gateway roll and node drain for five minutes per pod) and a 10 s health check.
 */
export const GATEWAY_NLB_TIMINGS: NlbTargetTimings = { deregistrationDelaySeconds: 30, healthCheckIntervalSeconds: 10 };

/** Envoy's drain after SIGTERM: long enough for in-flight payments requests, which are short. */
export const GATEWAY_TERMINATION_DRAIN_SECONDS = 20;

/**
 * The floor under the preStop: with IP targets an NLB keeps opening new flows to a deregistering
 * target for about two minutes, however short the deregistration delay (measured with raw TCP
 * clients in kubernetes-sigs/aws-load-balancer-controller#2366: "deregistration takes at least 2
 * minutes regardless of the deregistration delay setting", so "the preStop hook therefore has to
 * sleep for at least 2 minutes"; #3270: a 5 s delay, still about 2 minutes of new requests). AWS
 * documents no bound (EKS best practices, load balancing: deregistration "can also take time"
 * depending on the Kubernetes and ELB APIs), so this is the observed figure, not a guarantee.
 * The readiness gate on istio-ingress only holds a roll for new targets; it does not delay this.
 */
export const NLB_DEREGISTRATION_PROPAGATION_SECONDS = 120;

/** Headroom on each step: the LB controller's reconcile and the kubelet's signal delivery take seconds. */
export const DRAIN_MARGIN_SECONDS = 5;

/**
 * A terminating gateway pod stays a fully serving Envoy until the NLB has stopped opening flows to
 * it: the LB controller deregisters the target when the pod starts terminating; the change takes
 * up to NLB_DEREGISTRATION_PROPAGATION_SECONDS to reach the NLB's nodes; the target then stays
 * `draining` for the deregistration delay, and a target it still health-checks may take one more
 * interval to be seen as gone. The steps are added, not overlapped: nothing documents that they
 * run in parallel. Then Envoy drains the connections it still holds; the grace period covers both.
 */
export function gatewayDrain(nlb: NlbTargetTimings = GATEWAY_NLB_TIMINGS, drainSeconds: number = GATEWAY_TERMINATION_DRAIN_SECONDS): GatewayDrain {
    const { deregistrationDelaySeconds: delay, healthCheckIntervalSeconds: interval } = nlb;
    if (!Number.isInteger(delay) || delay < 0 || delay > 3600) throw new Error(`deregistration delay must be an integer 0-3600 s (ELB), got ${delay}`);
    if (!Number.isInteger(interval) || interval < 5 || interval > 300) throw new Error(`NLB health-check interval must be an integer 5-300 s, got ${interval}`);
    if (!Number.isInteger(drainSeconds) || drainSeconds < 1) throw new Error(`Envoy's drain must be a whole number of seconds >= 1, got ${drainSeconds}`);
    const propagation = NLB_DEREGISTRATION_PROPAGATION_SECONDS;
    const preStopSleepSeconds = propagation + delay + interval + DRAIN_MARGIN_SECONDS;
    return {
        ...nlb,
        deregistrationPropagationSeconds: propagation,
        preStopSleepSeconds,
        terminationDrainDurationSeconds: drainSeconds,
        terminationGracePeriodSeconds: preStopSleepSeconds + drainSeconds + DRAIN_MARGIN_SECONDS,
    };
}
