// promtool's input-series notation (`a+bxn`: n+1 samples from a, step b; `_` no sample; `stale` a
// staleness marker), written the way Prometheus really stores the mesh's counters: Envoy creates
// an istio_stats counter on its first increment, so Prometheus first scrapes it already holding
// that first count and never sees it rise from 0. A lone 500 on a new series moves no rate().
// Label sets live in labels.ts, the traffic that drives them in traffic.ts.

/** Minutes between input samples (the PodMonitor scrapes every 15 s; a minute keeps files short). */
export const SAMPLE_MINUTES = 1;

/**
 * A stretch of time with a constant per-minute increase; `stale` ends the series. `reset`: the
 * proxy restarted as the stretch began, so the counter starts again from 0 (Prometheus sees it
 * drop, and rate() and increase() take the drop as a reset).
 */
export type Phase = { minutes: number; perMinute: number; reset?: boolean } | "stale";

export interface InputSeries {
    series: string;
    values: string;
}

function num(n: number): string {
    return String(Math.round(n * 1e6) / 1e6);
}

/** `value` then `minutes - 1` more samples, `step` apart (nothing for 0 minutes). */
function run(value: number, step: number, minutes: number): string[] {
    if (minutes <= 0) return [];
    return [minutes === 1 ? num(value) : `${num(value)}+${num(step)}x${minutes - 1}`];
}

/**
 * promtool values of a counter whose flow starts `startMinute` into the scenario.
 * - `existing` (the flow ran before the scenario): Prometheus has seen it, so it is sampled from
 *   `startMinute` on, from 0 (only differences matter).
 * - new: the counter appears with its first requests. The first sample is one minute in and
 *   already holds that minute's count: the minute's increase is invisible to rate() and
 *   increase(), as the first increment of a real Envoy counter is.
 */
export function counterValues(phases: readonly Phase[], startMinute = 0, existing = true): string {
    const out: string[] = [];
    const gap = startMinute + (existing ? 0 : 1);
    if (gap > 0) out.push(`_x${gap}`);
    let value = 0;
    let first = true;
    for (const phase of phases) {
        if (phase === "stale") {
            out.push("stale");
            break;
        }
        if (phase.reset) value = 0;
        if (first && existing) {
            out.push(`${num(value)}+${num(phase.perMinute)}x${phase.minutes}`);
        } else {
            // The next sample follows the previous one (or, new, the first minute) by one step.
            out.push(...run(value + phase.perMinute, phase.perMinute, phase.minutes));
        }
        first = false;
        value += phase.perMinute * phase.minutes;
    }
    return out.join(" ");
}

/** promtool values of a gauge holding `value` for `minutes`, then going stale if asked. */
export function gaugeValues(value: number, minutes: number, thenStale = false, startMinute = 0): string {
    return [startMinute > 0 ? `_x${startMinute}` : "", `${num(value)}+0x${minutes}`, thenStale ? "stale" : ""].filter(Boolean).join(" ");
}

export function seriesName(metric: string, labels: Readonly<Record<string, string>>): string {
    const body = Object.entries(labels)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(", ");
    return `${metric}{${body}}`;
}

/** A series split over several periods becomes one line: promtool wants each series once. */
export function mergeSameSeries(series: InputSeries[]): InputSeries[] {
    const merged = new Map<string, string[]>();
    for (const s of series) merged.set(s.series, [...(merged.get(s.series) ?? []), s.values]);
    return [...merged.entries()].map(([name, parts]) => ({ series: name, values: parts.length === 1 ? parts[0] : joinGaps(parts) }));
}

/** Joins `_xN value+0xM stale` pieces written against absolute minutes into one sequence. */
function joinGaps(parts: string[]): string {
    const samples: string[] = [];
    for (const part of parts) {
        const tokens = expand(part);
        tokens.forEach((t, i) => {
            if (t !== "_") samples[i] = t;
            else if (samples[i] === undefined) samples[i] = "_";
        });
    }
    return compress(samples.map((s) => s ?? "_"));
}

/** Runs of gaps back into `_xN`, runs of numbers with one step into `a+bxN` (N+1 samples). */
export function compress(tokens: string[]): string {
    const out: string[] = [];
    const numeric = (t: string | undefined) => t !== undefined && t !== "_" && t !== "stale";
    for (let i = 0; i < tokens.length; ) {
        let j = i;
        if (tokens[i] === "_") {
            while (j + 1 < tokens.length && tokens[j + 1] === "_") j++;
            out.push(`_x${j - i + 1}`);
        } else if (!numeric(tokens[i]) || !numeric(tokens[i + 1])) {
            out.push(tokens[i]);
        } else {
            const step = Number(tokens[i + 1]) - Number(tokens[i]);
            while (numeric(tokens[j + 1]) && Math.abs(Number(tokens[j + 1]) - Number(tokens[j]) - step) < 1e-6) j++;
            out.push(j === i ? tokens[i] : `${tokens[i]}${step < 0 ? "-" : "+"}${num(Math.abs(step))}x${j - i}`);
        }
        i = j + 1;
    }
    return out.join(" ");
}

/** Expands promtool's notation (`_xN`, `a+bxN`, `a-bxN`, `stale`, plain values) into one token per sample. */
export function expand(values: string): string[] {
    const out: string[] = [];
    for (const token of values.split(" ").filter(Boolean)) {
        const gap = /^_x(\d+)$/.exec(token);
        const run = /^(-?[\d.]+)([+-])([\d.]+)x(\d+)$/.exec(token);
        if (gap) out.push(...Array<string>(Number(gap[1])).fill("_"));
        else if (run) {
            const [a, sign, b, n] = [Number(run[1]), run[2] === "-" ? -1 : 1, Number(run[3]), Number(run[4])];
            for (let i = 0; i <= n; i++) out.push(num(a + sign * b * i));
        } else out.push(token);
    }
    return out;
}

/**
 * The series as Prometheus holds it after missing `minutes` of scrapes from `fromMinute` on (its
 * own pod restarting, say): no samples and no staleness markers, the counters counting on unseen.
 */
export function withoutSamples(values: string, fromMinute: number, minutes: number): string {
    const tokens = expand(values);
    for (let i = fromMinute; i < Math.min(tokens.length, fromMinute + minutes); i++) tokens[i] = "_";
    return compress(tokens);
}
