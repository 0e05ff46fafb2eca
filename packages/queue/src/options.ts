import type { KvStore } from '@raptorflow/core';
import { type Duration, durationSchema, parseOptions, requireStore } from '@raptorflow/core/kit';
import { z } from 'zod';

/** How long to wait before a failed job's next attempt. */
export interface BackoffOptions {
  /** `fixed`: `delay` every time; `exponential`: `delay · 2^(attempt-1)`. @default 'exponential' */
  type?: 'fixed' | 'exponential' | undefined;
  /** The base delay (ms or a string such as `'1s'`); `0` retries at once. @default '1s' */
  delay?: Duration | undefined;
  /** Random share taken off each delay, 0 to 1 (spreads retries of jobs that failed together). @default 0.2 */
  jitter?: number | undefined;
}

/** How many finished jobs are kept, and for how long. */
export interface KeepOptions {
  /** At most this many (the newest); `0` keeps none. */
  count?: number | undefined;
  /** None older than this (ms or a string); `0` no age limit. */
  age?: Duration | undefined;
}

/** A payload schema: a zod schema, or anything with zod's `safeParse`. */
export interface PayloadSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: unknown };
}

/** Options of {@link createQueue}. */
export interface QueueOptions<T = unknown> {
  /**
   * The store: any RaptorFlow KV store. Use one without L1; a `withFailover` layer must be
   * `fail-closed` (a queue that falls back to per-process memory would lose jobs), so one with
   * another policy is refused.
   */
  store: KvStore;
  /** The queue's name: a non-empty string without `{` or `}` (it is the keys' hash tag). */
  name: string;
  /** Where the keys live, under the store's own namespace; no `{` or `}`. @default 'rf:queue:' */
  prefix?: string | undefined;
  /** How long a claimed job is leased before another worker may take it (renewed while it runs). @default '30s' */
  lease?: Duration | undefined;
  /** A job whose lease runs out this many times (its worker died or stalled) goes to dead letters. @default 5 */
  maxDeliveries?: number | undefined;
  /** Default attempts of a job: a failing handler retries while deliveries < attempts. @default 3 */
  attempts?: number | undefined;
  /** Default backoff between attempts. */
  backoff?: BackoffOptions | undefined;
  /** Retention of completed jobs (and their results) and of dead letters. */
  retention?:
    | {
        /** @default { count: 0 } (none kept: no result stored) */
        completed?: KeepOptions | undefined;
        /** @default { count: 10000, age: '7d' } */
        dead?: KeepOptions | undefined;
      }
    | undefined;
  /** Checked on enqueue (`E_QUEUE_INVALID_PAYLOAD`) and on claim (the job is dead-lettered). */
  schema?: PayloadSchema<T> | undefined;
  /**
   * How often a worker's claim also looks at due delayed jobs and expired leases (it always
   * does when the ready set is empty). @default '250ms'
   */
  timerInterval?: Duration | undefined;
  /** At most this many delayed jobs promoted, and expired leases reclaimed, per look. @default 100 */
  timerBatch?: number | undefined;
}

/** {@link QueueOptions} once validated: durations in whole ms, defaults filled in. */
export interface ResolvedQueueOptions {
  readonly store: KvStore;
  readonly name: string;
  readonly prefix?: string | undefined;
  readonly lease: number;
  readonly maxDeliveries: number;
  readonly attempts: number;
  readonly backoff: {
    readonly type: 'fixed' | 'exponential';
    readonly delay: number;
    readonly jitter: number;
  };
  readonly retention: {
    readonly completed: { readonly count: number; readonly age: number };
    readonly dead: { readonly count: number; readonly age: number };
  };
  readonly schema?: PayloadSchema<unknown> | undefined;
  readonly timerInterval: number;
  readonly timerBatch: number;
}

const count = (max: number) => z.number().int().min(0).max(max);
const BACKOFF = z.strictObject({
  type: z.enum(['fixed', 'exponential']).default('exponential'),
  delay: durationSchema({ min: 0 }).default(1_000),
  jitter: z.number().min(0).max(1).default(0.2),
});
const keep = (c: number, age: number) =>
  z
    .strictObject({ count: count(1_000_000_000).default(c), age: durationSchema({ min: 0 }).default(age) })
    .default({ count: c, age });

// The annotation ties the schema to the documented interface (tsc fails when they drift).
const SCHEMA: z.ZodType<ResolvedQueueOptions, QueueOptions> = z.strictObject({
  store: z.custom<KvStore>(() => true),
  name: z.string(),
  prefix: z.string().optional(),
  lease: durationSchema({ min: 10 }).default(30_000),
  maxDeliveries: z.number().int().min(1).max(1_000_000).default(5),
  attempts: z.number().int().min(1).max(1_000_000).default(3),
  backoff: BACKOFF.default({ type: 'exponential', delay: 1_000, jitter: 0.2 }),
  retention: z
    .strictObject({ completed: keep(0, 0), dead: keep(10_000, 7 * 86_400_000) })
    .default({ completed: { count: 0, age: 0 }, dead: { count: 10_000, age: 7 * 86_400_000 } }),
  schema: z
    .custom<PayloadSchema<unknown>>(
      (v) =>
        typeof v === 'object' && v !== null && typeof (v as { safeParse?: unknown }).safeParse === 'function',
      'expected a zod schema (an object with safeParse)',
    )
    .optional(),
  timerInterval: durationSchema({ min: 1 }).default(250),
  timerBatch: z.number().int().min(1).max(10_000).default(100),
});

/** Validate {@link QueueOptions} once; a bad one is `E_INVALID_OPTIONS` naming the field. */
export function parseQueueOptions(input: QueueOptions): ResolvedQueueOptions {
  if (typeof input !== 'object' || input === null) return parseOptions('createQueue', SCHEMA, input);
  requireStore('createQueue', input.store);
  return parseOptions('createQueue', SCHEMA, input);
}

/** Options of `queue.process`. */
export interface ProcessOptions {
  /** Jobs run at once by this worker. @default 1 */
  concurrency?: number | undefined;
  /** The lease of this worker's jobs (renewed every third of it while they run). @default the queue's `lease` */
  lease?: Duration | undefined;
  /** A handler running longer than this is aborted (`E_QUEUE_JOB_TIMEOUT`) and its job fails. @default none */
  timeout?: Duration | undefined;
  /** Polling of an empty queue: the delay doubles from `minDelay` to `maxDelay`. */
  idle?:
    | {
        /** @default '25ms' */
        minDelay?: Duration | undefined;
        /** @default '30s' when the store has pub/sub (an enqueue wakes the worker), else '5s' */
        maxDelay?: Duration | undefined;
      }
    | undefined;
}

/** {@link ProcessOptions} once validated. */
export interface ResolvedProcessOptions {
  readonly concurrency: number;
  readonly lease?: number | undefined;
  readonly timeout?: number | undefined;
  readonly idle: { readonly minDelay: number; readonly maxDelay?: number | undefined };
}

const PROCESS: z.ZodType<ResolvedProcessOptions, ProcessOptions> = z.strictObject({
  concurrency: z.number().int().min(1).max(10_000).default(1),
  lease: durationSchema({ min: 10 }).optional(),
  timeout: durationSchema({ min: 1 }).optional(),
  idle: z
    .strictObject({
      minDelay: durationSchema({ min: 1 }).default(25),
      maxDelay: durationSchema({ min: 1 }).optional(),
    })
    .default({ minDelay: 25 }),
});

/** Validate {@link ProcessOptions}. */
export function parseProcessOptions(input: ProcessOptions | undefined): ResolvedProcessOptions {
  return parseOptions('queue.process', PROCESS, input ?? {});
}

/** Options of one job, for `enqueue` and `enqueueMany`. */
export interface JobOptions {
  /** 0 to 1,000,000; higher runs first, FIFO within a priority. @default 0 */
  priority?: number | undefined;
  /** Run no sooner than this from now (on the store's clock). @default 0 */
  delay?: Duration | undefined;
  /** A job still waiting this long after its enqueue goes to dead letters (reason `expired`) instead of running. */
  ttl?: Duration | undefined;
  /** @default the queue's `attempts` */
  attempts?: number | undefined;
  /** @default the queue's `backoff` (type and delay; the jitter is the queue's) */
  backoff?: Pick<BackoffOptions, 'type' | 'delay'> | undefined;
  /**
   * While a job with this key is waiting, delayed or running, enqueueing another with the same
   * key returns the first one's id (`duplicate: true`) and adds nothing.
   */
  dedupKey?: string | undefined;
}
