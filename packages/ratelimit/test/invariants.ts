import type { AlgorithmName } from '../src/scripts/index.js';

/** One call as seen by its caller: the store time the script ran at, the cost, the decision. */
export interface Admission {
  now: number;
  cost: number;
  allowed: boolean;
}

/** One limit's parameters. */
export interface Policy {
  limit: number;
  window: number;
  /** Token bucket capacity. */
  burst: number;
}

/**
 * Check that the admitted calls respect `policy` under the guarantee each algorithm gives,
 * using only the store-clock timestamps the replies carry. Returns a description of the first
 * violation, or undefined.
 *
 * - fixed-window: windows start at an admitted call and last `window`; each holds <= limit.
 * - sliding-window: at every instant, prev × (window − elapsed)/window + cur <= limit, with
 *   epoch-aligned windows (so each aligned window holds <= limit too).
 * - sliding-log: every interval (t − window, t] holds <= limit.
 * - gcra: every interval [a, b] holds <= limit + (b − a) × limit / window.
 * - token-bucket: every interval [a, b] holds <= burst + (b − a) × limit / window.
 */
export function violation(
  algorithm: AlgorithmName,
  policy: Policy,
  calls: readonly Admission[],
): string | undefined {
  const { limit: L, window: W } = policy;
  const ok = calls.filter((c) => c.allowed).sort((a, b) => a.now - b.now);
  if (algorithm === 'fixed-window') {
    let start = Number.NEGATIVE_INFINITY;
    let sum = 0;
    for (const c of ok) {
      if (c.now >= start + W) {
        start = c.now;
        sum = 0;
      }
      sum += c.cost;
      if (sum > L) return `window starting ${start} admitted ${sum} > ${L}`;
    }
    return undefined;
  }
  if (algorithm === 'sliding-window') {
    const perWindow = new Map<number, number>();
    for (const c of ok) {
      const cs = c.now - (c.now % W);
      perWindow.set(cs, (perWindow.get(cs) ?? 0) + c.cost);
    }
    const times = [...new Set(ok.map((c) => c.now))];
    for (const t of times) {
      const cs = t - (t % W);
      const prev = perWindow.get(cs - W) ?? 0;
      const cur = ok.filter((c) => c.now >= cs && c.now <= t).reduce((s, c) => s + c.cost, 0);
      if (prev * (W - (t - cs)) + cur * W > L * W) return `at ${t}: prev ${prev}, cur ${cur} exceed ${L}`;
    }
    return undefined;
  }
  if (algorithm === 'sliding-log') {
    for (const c of ok) {
      const sum = ok.filter((d) => d.now > c.now - W && d.now <= c.now).reduce((s, d) => s + d.cost, 0);
      if (sum > L) return `(${c.now - W}, ${c.now}] admitted ${sum} > ${L}`;
    }
    return undefined;
  }
  const capacity = algorithm === 'token-bucket' ? policy.burst : L;
  for (let i = 0; i < ok.length; i++) {
    let sum = 0;
    for (let j = i; j < ok.length; j++) {
      sum += (ok[j] as Admission).cost;
      const a = (ok[i] as Admission).now;
      const b = (ok[j] as Admission).now;
      // Same-ms calls beyond j are in the interval too; they are added as j advances.
      if (j + 1 < ok.length && (ok[j + 1] as Admission).now === b) continue;
      if (sum * W > capacity * W + (b - a) * L)
        return `[${a}, ${b}] admitted ${sum} > ${capacity} + ${b - a}×${L}/${W}`;
    }
  }
  return undefined;
}
