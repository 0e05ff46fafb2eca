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

/**
 * A session store metrics counts live sessions of at scrape time: a `@raptorflow/session`
 * `createSessions(...)` fits (`countActive()`: 4,096 `ZCOUNT`s in a few batches, so it is read
 * at most every `sessionsRefreshMs`). Typed structurally: metrics does not depend on session.
 */
export interface SessionsSource {
  /** The `sessions` label (a fixed name, never an id). @default 'default' */
  readonly name?: string | undefined;
  countActive(): Promise<number>;
}

/** One source's last reading. */
export interface Reading<T> {
  /** The last value read, `undefined` until one read succeeded. */
  value: T | undefined;
  /** When it was read (metrics clock, ms). */
  at: number;
  /** Reads that failed or timed out. */
  errors: number;
}

/** One queue's last reading. */
export type QueueReading = Reading<QueueCounts>;

/** One named thing read at scrape time. */
interface Source<T> {
  readonly name: string;
  read(): Promise<T>;
}

/**
 * Values no event can give (other processes enqueue, claim and log in too), read from the store
 * when a scrape asks: {@link refresh} calls every source once, concurrent scrapes share the read,
 * and a read within `minIntervalMs` of the last is reused. A failed or slow read keeps the last
 * value and is counted.
 */
class ScrapeRound<T> {
  readonly readings: ReadonlyMap<string, Reading<T>>;
  readonly #sources: readonly Source<T>[];
  readonly #clock: () => number;
  readonly #timeoutMs: number;
  readonly #minIntervalMs: number;
  readonly #onError: (name: string, code: string) => void;
  #inFlight: Promise<void> | undefined;
  #last = Number.NEGATIVE_INFINITY;

  constructor(
    sources: readonly Source<T>[],
    clock: () => number,
    timeoutMs: number,
    minIntervalMs: number,
    onError: (name: string, code: string) => void,
  ) {
    this.#sources = sources;
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    this.#minIntervalMs = minIntervalMs;
    this.#onError = onError;
    this.readings = new Map(sources.map((s) => [s.name, { value: undefined, at: 0, errors: 0 }]));
  }

  /** Read every source (in parallel), unless a read is running or fresh. */
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

  async #read(source: Source<T>): Promise<void> {
    const reading = this.readings.get(source.name) as Reading<T>;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const value = await Promise.race([
        Promise.resolve().then(() => source.read()),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TimeoutSignal()), this.#timeoutMs);
        }),
      ]);
      reading.value = value;
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

/** What {@link ScrapeGauges} reads, and how often. */
export interface ScrapeGaugesOptions {
  readonly queues: readonly QueueSource[];
  readonly sessions: readonly SessionsSource[];
  readonly clock: () => number;
  /** Time limit of one read, ms. */
  readonly timeoutMs: number;
  /** Queue counts closer together than this reuse the last read, ms. */
  readonly queueIntervalMs: number;
  /** Session counts closer together than this reuse the last read, ms (each costs 4,096 commands). */
  readonly sessionsIntervalMs: number;
  readonly onError: (kind: 'queue' | 'sessions', name: string, code: string) => void;
}

/**
 * The scrape-time gauges: queue jobs per state (one round trip per queue, reused for a second)
 * and live sessions (`countActive()`, reused for `sessionsRefreshMs`).
 */
export class ScrapeGauges {
  readonly #queues: ScrapeRound<QueueCounts>;
  readonly #sessions: ScrapeRound<number>;

  constructor(o: ScrapeGaugesOptions) {
    this.#queues = new ScrapeRound(
      o.queues.map((q) => ({ name: q.name, read: () => q.counts() })),
      o.clock,
      o.timeoutMs,
      o.queueIntervalMs,
      (name, code) => o.onError('queue', name, code),
    );
    this.#sessions = new ScrapeRound(
      o.sessions.map((s) => ({ name: s.name ?? 'default', read: () => s.countActive() })),
      o.clock,
      o.timeoutMs,
      o.sessionsIntervalMs,
      (name, code) => o.onError('sessions', name, code),
    );
  }

  /** Each queue's last counts, by name. */
  get queues(): ReadonlyMap<string, QueueReading> {
    return this.#queues.readings;
  }

  /** Each session source's last count of live sessions, by name. */
  get sessions(): ReadonlyMap<string, Reading<number>> {
    return this.#sessions.readings;
  }

  /** Read what is due; never rejects. */
  async refresh(): Promise<void> {
    await Promise.all([this.#queues.refresh(), this.#sessions.refresh()]);
  }
}

/** The rejection of a read that did not settle in time. */
class TimeoutSignal extends Error {}
