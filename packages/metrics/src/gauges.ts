import { isKvError } from '@raptorflow/core';

/** Jobs per state of one queue, as `queue.counts()` of `@raptorflow/queue` answers. */
export interface QueueCounts {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly dead: number;
  /** Kept completions (the queue's `retention`); absent from sources that do not keep them. */
  readonly completed?: number | undefined;
}

/**
 * A queue metrics reads per-state counts from at scrape time: a `@raptorflow/queue` queue fits
 * (its `counts()` is one script, one round trip). Typed structurally: metrics does not depend
 * on the queue package.
 */
export interface QueueSource {
  /** The queue's name: the `queue` label (a fixed name, never an id). */
  readonly name: string;
  counts(): Promise<QueueCounts>;
}

/** The states exposed, in order. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'dead', 'completed'] as const;

/** One queue's last reading. */
export interface QueueReading {
  /** The last counts read, `undefined` until one read succeeded. */
  counts: QueueCounts | undefined;
  /** When they were read (metrics clock, ms). */
  at: number;
  /** Reads that failed or timed out. */
  errors: number;
}

/**
 * Gauges no event can give (other processes enqueue and claim too), read from the store when a
 * scrape asks: {@link refresh} calls every source once, concurrent scrapes share the read, and a
 * read within `minIntervalMs` of the last is reused. A failed or slow read keeps the last counts
 * and is counted.
 */
export class ScrapeGauges {
  readonly queues: ReadonlyMap<string, QueueReading>;
  readonly #sources: readonly QueueSource[];
  readonly #clock: () => number;
  readonly #timeoutMs: number;
  readonly #minIntervalMs: number;
  readonly #onError: (queue: string, code: string) => void;
  #inFlight: Promise<void> | undefined;
  #last = Number.NEGATIVE_INFINITY;

  constructor(
    sources: readonly QueueSource[],
    clock: () => number,
    timeoutMs: number,
    minIntervalMs: number,
    onError: (queue: string, code: string) => void,
  ) {
    this.#sources = sources;
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    this.#minIntervalMs = minIntervalMs;
    this.#onError = onError;
    this.queues = new Map(sources.map((s) => [s.name, { counts: undefined, at: 0, errors: 0 }]));
  }

  /** Read every source (one round trip each, in parallel), unless a read is running or fresh. */
  refresh(): Promise<void> {
    if (this.#sources.length === 0) return Promise.resolve();
    if (this.#inFlight) return this.#inFlight;
    if (this.#clock() - this.#last < this.#minIntervalMs) return Promise.resolve();
    const run = Promise.all(this.#sources.map((s) => this.#read(s))).then(() => {
      this.#last = this.#clock();
      this.#inFlight = undefined;
    });
    this.#inFlight = run;
    return run;
  }

  async #read(source: QueueSource): Promise<void> {
    const reading = this.queues.get(source.name) as QueueReading;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const counts = await Promise.race([
        Promise.resolve().then(() => source.counts()),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TimeoutSignal()), this.#timeoutMs);
        }),
      ]);
      reading.counts = counts;
      reading.at = this.#clock();
    } catch (error) {
      reading.errors++;
      this.#onError(
        source.name,
        error instanceof TimeoutSignal ? 'E_TIMEOUT' : isKvError(error) ? error.code : 'unknown',
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The rejection of a read that did not settle in time. */
class TimeoutSignal extends Error {}
