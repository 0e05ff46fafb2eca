import { BucketHistogram } from './histogram.js';
import type { LabelSet } from './labels.js';
import { HIT, MISS, OTHER, RollingWindow } from './window.js';

/**
 * Outcomes counted as a hit or a miss in hit rates, whatever the feature: a cache's `l1-hit`,
 * `hit` and `stale` (a value was served), llm-cache's `exact-hit` and `semantic-hit`; `miss`, and
 * a cache `dedup` (the value had to be computed, by another caller).
 */
const HIT_OUTCOMES: ReadonlySet<string> = new Set([
  'hit',
  'l1-hit',
  'l2-hit',
  'stale',
  'exact-hit',
  'semantic-hit',
]);
const MISS_OUTCOMES: ReadonlySet<string> = new Set(['miss', 'dedup']);

/** Whether `outcome` is a hit, a miss or neither (see the README's hit-rate rule). */
export function outcomeClass(outcome: string): number {
  if (HIT_OUTCOMES.has(outcome)) return HIT;
  if (MISS_OUTCOMES.has(outcome)) return MISS;
  return OTHER;
}

/** Add 1 to `map[key]`. */
export function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Counts, durations and a rolling window of one (feature, operation) or one store command. */
export class OperationSeries {
  readonly outcomes: Map<string, number> = new Map<string, number>();
  readonly errors: Map<string, number> = new Map<string, number>();
  readonly histogram: BucketHistogram = new BucketHistogram();
  readonly window: RollingWindow = new RollingWindow();
  readonly #classes = new Map<string, number>();
  /** Bounds the outcomes of this series. */
  readonly outcomeLabels: LabelSet;

  constructor(outcomeLabels: LabelSet) {
    this.outcomeLabels = outcomeLabels;
  }

  /** `outcome` is already bounded; `error` is a KvError code (a closed set) or undefined. */
  observe(now: number, outcome: string, durationMs: number, error: string | undefined): void {
    bump(this.outcomes, outcome);
    if (error !== undefined) bump(this.errors, error);
    this.histogram.observe(durationMs / 1000);
    let klass = this.#classes.get(outcome);
    if (klass === undefined) {
      klass = outcomeClass(outcome);
      this.#classes.set(outcome, klass);
    }
    this.window.record(now, durationMs, outcome === 'error', klass);
  }

  get count(): number {
    return this.histogram.count;
  }
}
