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

/** One outcome of a series: its count and its hit-rate class, looked up once per event. */
interface OutcomeCell {
  n: number;
  readonly klass: number;
  readonly error: boolean;
}

/** Counts, durations and a rolling window of one (feature, operation) or one store command. */
export class OperationSeries {
  readonly cells: Map<string, OutcomeCell> = new Map<string, OutcomeCell>();
  readonly errorCodes: Map<string, { n: number }> = new Map<string, { n: number }>();
  readonly histogram: BucketHistogram = new BucketHistogram();
  readonly window: RollingWindow = new RollingWindow();
  /** Bounds the outcomes of this series. */
  readonly outcomeLabels: LabelSet;
  #lastOutcome: string | undefined;
  #lastCell: OutcomeCell | undefined;

  constructor(outcomeLabels: LabelSet) {
    this.outcomeLabels = outcomeLabels;
  }

  /** Count one event; `outcome` is bounded here, `error` is a KvError code (a closed set) or undefined. */
  observe(now: number, outcome: string, durationMs: number, error: string | undefined): void {
    // A series mostly sees one outcome in a row (every get an `l1-hit`): the last cell is
    // reused without a map lookup.
    const cell = outcome === this.#lastOutcome ? (this.#lastCell as OutcomeCell) : this.#cell(outcome);
    cell.n++;
    if (error !== undefined) {
      let e = this.errorCodes.get(error);
      if (e === undefined) {
        e = { n: 0 };
        this.errorCodes.set(error, e);
      }
      e.n++;
    }
    this.histogram.observe(durationMs / 1000);
    this.window.record(now, durationMs, cell.error, cell.klass);
  }

  #cell(outcome: string): OutcomeCell {
    let cell = this.cells.get(outcome);
    if (cell === undefined) {
      const label = this.outcomeLabels.bound(outcome);
      cell = label === outcome ? undefined : this.cells.get(label);
      if (cell === undefined) {
        cell = { n: 0, klass: outcomeClass(label), error: label === 'error' };
        this.cells.set(label, cell);
      }
      // Later events with this (overflowed) outcome find the shared cell directly.
      this.cells.set(outcome, cell);
    }
    this.#lastOutcome = outcome;
    this.#lastCell = cell;
    return cell;
  }

  /** Calls by (bounded) outcome. */
  outcomes(): Map<string, number> {
    const out = new Map<string, number>();
    const seen = new Set<OutcomeCell>();
    for (const [label, cell] of this.cells) {
      if (seen.has(cell)) continue;
      seen.add(cell);
      out.set(label, cell.n);
    }
    return out;
  }

  /** Calls by error code. */
  errors(): Map<string, number> {
    return new Map([...this.errorCodes].map(([code, e]) => [code, e.n]));
  }

  get count(): number {
    return this.histogram.count;
  }
}
