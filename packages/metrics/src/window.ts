import { LOG_BUCKETS, logBucket, quantileMs } from './histogram.js';

/** Width of one slot of a rolling window, ms. */
export const SLOT_MS = 5000;
/** Slots kept: 5 minutes. */
const SLOTS = 60;

/** The rolling windows of a snapshot, by name, in ms. */
export const WINDOWS: Readonly<Record<'1m' | '5m', number>> = Object.freeze({ '1m': 60_000, '5m': 300_000 });

/** What a rolling window says about one series. */
export interface WindowSummary {
  /** Operations in the window. */
  readonly count: number;
  /** Operations per second over the time the window covers (less than its width right after start). */
  readonly opsPerSec: number;
  /** Operations that ended in `error`. */
  readonly errors: number;
  /** Median duration, ms (log buckets: within ±10 %); `null` without operations. */
  readonly p50Ms: number | null;
  /** 99th percentile duration, ms; `null` without operations. */
  readonly p99Ms: number | null;
  /** hits ÷ (hits + misses) for operations whose outcome is a hit or a miss; `null` when none was. */
  readonly hitRate: number | null;
}

class Slot {
  epoch = -1;
  count = 0;
  errors = 0;
  hits = 0;
  misses = 0;
  logs: Uint32Array | undefined;

  reset(epoch: number): void {
    this.epoch = epoch;
    this.count = 0;
    this.errors = 0;
    this.hits = 0;
    this.misses = 0;
    this.logs?.fill(0);
  }
}

/** Outcome classes for hit rates. */
export const OTHER = 0;
export const HIT = 1;
export const MISS = 2;

/**
 * Counts and durations of one series in 5-second slots over the last 5 minutes. Recording is a
 * few array writes; summaries are computed when a snapshot asks.
 */
export class RollingWindow {
  readonly #slots: Slot[] = Array.from({ length: SLOTS }, () => new Slot());

  /** The slot of the last `now`: the default clock is coarse, so most events reuse it. */
  #now = Number.NaN;
  #slot: Slot | undefined;

  record(now: number, durationMs: number, error: boolean, klass: number): void {
    let slot = this.#slot;
    if (now !== this.#now || slot === undefined) {
      const epoch = Math.floor(now / SLOT_MS);
      slot = this.#slots[epoch % SLOTS] as Slot;
      if (slot.epoch !== epoch) slot.reset(epoch);
      this.#now = now;
      this.#slot = slot;
    }
    slot.count++;
    if (error) slot.errors++;
    if (klass === HIT) slot.hits++;
    else if (klass === MISS) slot.misses++;
    let logs = slot.logs;
    if (logs === undefined) {
      logs = new Uint32Array(LOG_BUCKETS);
      slot.logs = logs;
    }
    const b = logBucket(durationMs);
    logs[b] = (logs[b] as number) + 1;
  }

  /** The last `widthMs` (a multiple of 5 s, at most 5 min) as of `now`; `since` is when counting began. */
  summary(now: number, widthMs: number, since: number): WindowSummary {
    const epoch = Math.floor(now / SLOT_MS);
    const n = Math.min(SLOTS, Math.round(widthMs / SLOT_MS));
    const oldest = epoch - n + 1;
    let count = 0;
    let errors = 0;
    let hits = 0;
    let misses = 0;
    const logs = new Uint32Array(LOG_BUCKETS);
    for (const slot of this.#slots) {
      if (slot.epoch < oldest || slot.epoch > epoch) continue;
      count += slot.count;
      errors += slot.errors;
      hits += slot.hits;
      misses += slot.misses;
      if (slot.logs)
        for (let i = 0; i < LOG_BUCKETS; i++) logs[i] = (logs[i] as number) + (slot.logs[i] as number);
    }
    // At least one second, so a window that just started does not report a burst as a rate.
    const covered = Math.max(1000, now - Math.max(oldest * SLOT_MS, since));
    return {
      count,
      opsPerSec: (count * 1000) / covered,
      errors,
      p50Ms: quantileMs(logs, count, 0.5),
      p99Ms: quantileMs(logs, count, 0.99),
      hitRate: hits + misses === 0 ? null : hits / (hits + misses),
    };
  }
}

/** Samples of cumulative counters (L1 stats), for deltas over a window. */
export class CounterSamples<T extends Record<string, number>> {
  readonly #samples: Array<{ at: number; value: T }> = [];

  /** Keep `value` as of `now`: the first reading of each slot, 5 minutes of them. */
  add(now: number, value: T): void {
    const last = this.#samples[this.#samples.length - 1];
    if (last && Math.floor(last.at / SLOT_MS) === Math.floor(now / SLOT_MS)) return;
    this.#samples.push({ at: now, value });
    while (this.#samples.length > SLOTS + 2) this.#samples.shift();
  }

  /** The oldest sample at or after `now - widthMs` (the first kept, when none is that old). */
  base(now: number, widthMs: number): { at: number; value: T } | undefined {
    const from = now - widthMs;
    let found: { at: number; value: T } | undefined;
    for (let i = this.#samples.length - 1; i >= 0; i--) {
      const s = this.#samples[i] as { at: number; value: T };
      if (s.at < from) break;
      found = s;
    }
    return found ?? this.#samples[this.#samples.length - 1];
  }
}
