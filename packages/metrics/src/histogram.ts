/**
 * Prometheus buckets of every duration histogram, in seconds: OpenTelemetry's advisory buckets
 * for `db.client.operation.duration` (0.001 … 10 s) with three finer ones below 1 ms, where an L1
 * hit or a memory-store call lands.
 */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10,
]);

/** A cumulative histogram with fixed bounds (seconds), as Prometheus exposes it. */
export class BucketHistogram {
  readonly bounds: readonly number[];
  readonly #bounds: Float64Array;
  /** Per bucket (not cumulative), the last one is `+Inf`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[] = DURATION_BUCKETS) {
    this.bounds = bounds;
    this.#bounds = Float64Array.from(bounds);
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    const bounds = this.#bounds;
    const n = bounds.length;
    let i = 0;
    while (i < n && seconds > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += seconds;
    this.count++;
  }

  /** Cumulative counts per bound, then `+Inf` (= count). */
  cumulative(): number[] {
    const out: number[] = [];
    let acc = 0;
    for (const c of this.counts) {
      acc += c;
      out.push(acc);
    }
    return out;
  }
}

/**
 * Log buckets for percentiles of the rolling windows: bucket `i` holds durations up to
 * `2^(i/4)` µs (about 19 % wide, so a percentile is within ±10 %), from 1 µs to ~100 s.
 */
export const LOG_BUCKETS = 108;

/** The log bucket of a duration in ms. */
export function logBucket(durationMs: number): number {
  const us = durationMs * 1000;
  if (!(us > 1)) return 0;
  const i = Math.ceil(Math.log2(us) * 4);
  return i < LOG_BUCKETS ? i : LOG_BUCKETS - 1;
}

/** The representative duration (ms) of log bucket `i`: the geometric middle of its bounds. */
export function logBucketMs(i: number): number {
  return i === 0 ? 0.001 : 2 ** ((i - 0.5) / 4) / 1000;
}

/** The `q` quantile (0..1) of summed log-bucket counts, in ms; `null` when empty. */
export function quantileMs(counts: ArrayLike<number>, total: number, q: number): number | null {
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let acc = 0;
  for (let i = 0; i < counts.length; i++) {
    acc += counts[i] as number;
    if (acc >= rank) return logBucketMs(i);
  }
  return logBucketMs(counts.length - 1);
}
