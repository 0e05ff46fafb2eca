/**
 * Latency histogram with log buckets (1/64 octave, ~1.1 % wide): constant memory and O(1)
 * per sample, so a memory-adapter run of millions of operations records every one of them.
 */
const SUB = 64;
const BUCKETS = 40 * SUB; // up to 2^40 ns, ~18 minutes

/** A latency histogram in nanoseconds. */
export interface Histogram {
  /** Record one latency, in milliseconds (as `performance.now()` differences are). */
  record(ms: number): void;
  /** Number of samples. */
  readonly count: number;
  /** The latency at quantile `q` (0..1), in microseconds; 0 when empty. */
  quantileUs(q: number): number;
  /** Largest sample, in microseconds. */
  readonly maxUs: number;
  /** Forget every sample. */
  reset(): void;
}

/** Create an empty {@link Histogram}. */
export function createHistogram(): Histogram {
  const counts = new Float64Array(BUCKETS);
  let count = 0;
  let maxNs = 0;
  return {
    record(ms: number): void {
      const ns = ms * 1e6;
      if (ns > maxNs) maxNs = ns;
      const idx = ns < 1 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log2(ns) * SUB));
      counts[idx] = (counts[idx] as number) + 1;
      count++;
    },
    get count() {
      return count;
    },
    get maxUs() {
      return maxNs / 1000;
    },
    quantileUs(q: number): number {
      if (count === 0) return 0;
      const rank = Math.max(1, Math.ceil(q * count));
      let seen = 0;
      for (let i = 0; i < BUCKETS; i++) {
        seen += counts[i] as number;
        // Geometric middle of the bucket, capped by the largest sample actually seen.
        if (seen >= rank) return Math.min(2 ** ((i + 0.5) / SUB), maxNs) / 1000;
      }
      return maxNs / 1000;
    },
    reset(): void {
      counts.fill(0);
      count = 0;
      maxNs = 0;
    },
  };
}
