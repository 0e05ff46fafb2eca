import type { KvStore, Script } from '@raptorflow/core';
import {
  type Duration,
  describeValue,
  Emitter,
  featureKeyspace,
  invalidArgument,
  requireFailClosed,
} from '@raptorflow/core/kit';
import { type QueueContext, tokenSource } from './context.js';
import { enqueueBatcher } from './enqueue-batch.js';
import { emitOperation, FEATURE, featureHub, operationStart, type QueueEvents } from './events.js';
import { decodeBody, jobInput } from './job.js';
import { queueKeys } from './keys.js';
import { type JobOptions, type ProcessOptions, parseQueueOptions, type QueueOptions } from './options.js';
import { CLEAR } from './scripts/clear.js';
import { COUNTS, type CountsReply } from './scripts/counts.js';
import { DEAD_LIST } from './scripts/dead-list.js';
import { DEAD_PURGE } from './scripts/dead-purge.js';
import { DEAD_RETRY } from './scripts/dead-retry.js';
import { ENQUEUE, type EnqueueInput, encodeEnqueueArgs } from './scripts/enqueue.js';
import { PAUSE } from './scripts/pause.js';
import { PEEK } from './scripts/peek.js';
import {
  type ClaimedJob,
  claimOne,
  completeByToken,
  extendByToken,
  type FailOutcome,
  failByToken,
  leaseOption,
} from './serverless.js';
import { createWorker, type JobHandler, type Worker } from './worker.js';

/** What `enqueue` returns. */
export interface EnqueueResult {
  /** The job's id (a decimal string, growing per queue). */
  readonly id: string;
  /** The dedup key was taken: `id` is the existing job's and nothing was added. */
  readonly duplicate: boolean;
}

/** One waiting job, as `peek` shows it. */
export interface WaitingJob<T> {
  readonly id: string;
  readonly data: T;
  readonly priority: number;
  /** Deliveries so far (a job put back after its lease ran out has some). */
  readonly deliveries: number;
}

/** One dead letter. */
export interface DeadLetter<T> {
  readonly id: string;
  readonly data: T | undefined;
  /** `failed` (attempts used up), `max-deliveries`, `expired`, `invalid-payload`, `timeout`... */
  readonly reason: string;
  /** The last error's message, when a handler failed. */
  readonly message: string;
  /** When it was dead-lettered, ms on the store's clock. */
  readonly diedAt: number;
  readonly deliveries: number;
}

/** Which dead letters `retry` / `purge` act on. */
export type DeadLetterSelection =
  | readonly string[]
  | { readonly all: true; readonly limit?: number | undefined };

/** A job queue; see {@link createQueue}. */
export interface Queue<T = unknown> {
  /** The queue's name. */
  readonly name: string;
  /** Job events (enqueued, started, completed, failed, retried, dead-lettered, lease-lost, error). */
  readonly events: Emitter<QueueEvents>;
  /**
   * Add a job: one round trip (`EVALSHA`), two server commands without delay, TTL or dedup key.
   * Enqueues made in the same tick share one script call (up to 32 jobs; see README).
   */
  enqueue(data: T, options?: JobOptions): Promise<EnqueueResult>;
  /** Add many jobs in one round trip (one script call), in order. */
  enqueueMany(
    jobs: ReadonlyArray<{ readonly data: T; readonly options?: JobOptions | undefined }>,
  ): Promise<EnqueueResult[]>;
  /**
   * Claim the best waiting job with a lease, for a caller without a worker loop (serverless):
   * one round trip; `undefined` when none is waiting. Finish it with `complete` or `fail` by its
   * token before the lease runs out (`lease`, default the queue's), or it is delivered again.
   */
  claim(options?: { lease?: Duration | undefined }): Promise<ClaimedJob<T> | undefined>;
  /** Complete a claimed job by its token (one round trip); `false` when the lease was lost (counted as `stale`). */
  complete(token: string, result?: unknown): Promise<boolean>;
  /**
   * Fail a claimed job by its token (one round trip): it retries after its backoff while
   * deliveries < attempts, else (or with `dead: true`) it goes to dead letters as `failed`.
   */
  fail(token: string, error?: unknown, options?: { dead?: boolean | undefined }): Promise<FailOutcome>;
  /** Renew a claimed job's lease from now (default: the queue's lease); `false` when it was lost. */
  extend(token: string, lease?: Duration): Promise<boolean>;
  /** Start a worker on this queue; see {@link Worker}. */
  process<R = unknown>(handler: JobHandler<T, R>, options?: ProcessOptions): Worker;
  /** Stop handing out jobs (running ones finish); workers poll at their idle backoff meanwhile. */
  pause(): Promise<void>;
  /** Hand out jobs again, and wake idle workers. */
  resume(): Promise<void>;
  /** Jobs per state, read at one instant. `completed` counts the kept ones (see `retention`). */
  counts(): Promise<CountsReply>;
  /** The next `count` waiting jobs, best first, without claiming them. */
  peek(count?: number): Promise<WaitingJob<T>[]>;
  /** A running job's last reported progress, or `undefined`. */
  progress(id: string): Promise<unknown>;
  /** A completed job's result, while it is kept (`retention.completed`), or `undefined`. */
  result(id: string): Promise<unknown>;
  /** Dead letters: inspect, retry (back to waiting, deliveries reset), purge. */
  readonly deadLetters: {
    list(options?: { offset?: number; limit?: number }): Promise<DeadLetter<T>[]>;
    retry(which: DeadLetterSelection): Promise<string[]>;
    purge(which: DeadLetterSelection): Promise<number>;
  };
  /** Delete every waiting and delayed job; returns how many. Running jobs and dead letters stay. */
  clear(): Promise<number>;
  /** Close every worker of this queue (see `Worker.close`). */
  close(options?: { timeout?: number }): Promise<void>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function selection(where: string, which: DeadLetterSelection): string[] {
  if (Array.isArray(which)) {
    for (const id of which) {
      if (typeof id !== 'string' || !/^\d+$/.test(id))
        throw invalidArgument(where, `ids: expected job ids, got ${describeValue(id)}`);
    }
    return ['ids', ...(which as string[])];
  }
  if (typeof which === 'object' && which !== null && (which as { all?: unknown }).all === true) {
    const limit = (which as { limit?: unknown }).limit;
    if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
      throw invalidArgument(where, `limit: expected a whole number >= 1, got ${describeValue(limit)}`);
    }
    return ['all', String(limit ?? (where.endsWith('purge') ? -1 : 1_000))];
  }
  throw invalidArgument(where, `expected an array of ids or { all: true }, got ${describeValue(which)}`);
}

/**
 * A job queue on any RaptorFlow KV store: at-least-once delivery by leases (no timer process),
 * priorities, delays, retries with backoff, dead letters, dedup keys, TTLs, pause / resume,
 * progress and results, and workers whose handlers get an `AbortSignal`.
 *
 * ```ts
 * const queue = createQueue<{ url: string }>({ store, name: 'crawl' });
 * await queue.enqueue({ url: 'https://example.com' }, { priority: 5 });
 * const worker = queue.process(async (job) => fetch(job.data.url, { signal: job.signal }).then((r) => r.status), { concurrency: 16 });
 * ```
 */
export function createQueue<T = unknown>(options: QueueOptions<T>): Queue<T> {
  const o = parseQueueOptions(options as QueueOptions);
  requireFailClosed(o.store, 'createQueue', 'a queue that falls back to per-process memory loses jobs');
  const space = featureKeyspace(o.store, { feature: FEATURE, prefix: o.prefix });
  const keys = queueKeys(space, o.name);
  const root: KvStore = space.root;
  const ctx: QueueContext = {
    options: o,
    root,
    keys,
    channel: `${space.tag(o.name)}:wake`,
    hub: featureHub(o.store),
    events: new Emitter<QueueEvents>(),
    nextToken: tokenSource(),
    flushEnqueues: () => batcher.flush(),
  };
  const workers = new Set<Worker>();
  const wake = (): void => {
    root.publish(ctx.channel, '1').catch(() => undefined);
  };

  async function send(inputs: readonly EnqueueInput[]): Promise<EnqueueResult[]> {
    const started = operationStart(ctx.hub);
    try {
      const reply = await root.eval(ENQUEUE, keys, encodeEnqueueArgs(inputs));
      if (reply.wake && root.capabilities.pubsub) wake();
      const out = reply.jobs.map((j) => ({ id: j.id, duplicate: j.existed }));
      if (started >= 0) {
        for (const r of out)
          emitOperation(ctx.hub, 'enqueue', started, r.duplicate ? 'duplicate' : 'enqueued');
      }
      if (ctx.events.has('enqueued')) {
        for (const r of out)
          ctx.events.emit('enqueued', { queue: o.name, id: r.id, deliveries: 0, duplicate: r.duplicate });
      }
      return out;
    } catch (error) {
      emitOperation(ctx.hub, 'enqueue', started, 'error', error);
      throw error;
    }
  }
  const batcher = enqueueBatcher(send);
  /** A call of its own, sent after the enqueues made before it (they wait for a tick in the batcher). */
  const call = <R>(script: Script<R>, args: readonly string[]): Promise<R> => {
    batcher.flush();
    return root.eval(script, keys, args);
  };

  const readJson = async (hashIndex: number, id: string): Promise<unknown> => {
    if (typeof id !== 'string' || !/^\d+$/.test(id))
      throw invalidArgument('queue', `id: expected a job id, got ${describeValue(id)}`);
    batcher.flush();
    const raw = await root.hget(keys[hashIndex] as string, id);
    return raw === null ? undefined : parseJson(raw);
  };

  const queue: Queue<T> = {
    name: o.name,
    events: ctx.events,
    enqueue(data, jobOptions) {
      let input: EnqueueInput;
      try {
        input = jobInput('enqueue', data, jobOptions, o);
      } catch (error) {
        return Promise.reject(error);
      }
      return batcher.add(input);
    },
    async enqueueMany(jobs) {
      if (!Array.isArray(jobs))
        throw invalidArgument('enqueueMany', `jobs: expected an array, got ${describeValue(jobs)}`);
      if (jobs.length === 0) return [];
      const inputs = jobs.map((j) => jobInput('enqueueMany', j.data, j.options, o));
      batcher.flush();
      return send(inputs);
    },
    claim(claimOptions) {
      let leaseMs: number;
      try {
        leaseMs = leaseOption('queue.claim', claimOptions?.lease, o.lease);
      } catch (error) {
        return Promise.reject(error);
      }
      return claimOne<T>(ctx, leaseMs);
    },
    complete: (token, result) => completeByToken(ctx, token, result),
    fail: (token, error, failOptions) => failByToken(ctx, token, error, failOptions),
    extend(token, lease) {
      let leaseMs: number;
      try {
        leaseMs = leaseOption('queue.extend', lease, o.lease);
      } catch (error) {
        return Promise.reject(error);
      }
      return extendByToken(ctx, token, leaseMs);
    },
    process(handler, processOptions) {
      const worker = createWorker(ctx, handler as JobHandler<unknown, unknown>, processOptions, () =>
        workers.delete(worker),
      );
      workers.add(worker);
      return worker;
    },
    async pause() {
      await call(PAUSE, ['1']);
    },
    async resume() {
      await call(PAUSE, ['0']);
      if (root.capabilities.pubsub) wake();
    },
    counts: () => call(COUNTS, []),
    async peek(count = 1) {
      if (!Number.isInteger(count) || count < 1 || count > 10_000) {
        throw invalidArgument(
          'peek',
          `count: expected a whole number from 1 to 10000, got ${describeValue(count)}`,
        );
      }
      const bodies = await call(PEEK, [String(count)]);
      return bodies.map((b) => {
        const j = decodeBody(b);
        return { id: j.id, data: parseJson(j.payload) as T, priority: j.priority, deliveries: j.deliveries };
      });
    },
    progress: (id) => readJson(10, id),
    result: (id) => readJson(9, id),
    deadLetters: {
      async list({ offset = 0, limit = 100 } = {}) {
        if (!Number.isInteger(offset) || offset < 0)
          throw invalidArgument(
            'deadLetters.list',
            `offset: expected a whole number >= 0, got ${describeValue(offset)}`,
          );
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
          throw invalidArgument(
            'deadLetters.list',
            `limit: expected a whole number from 1 to 10000, got ${describeValue(limit)}`,
          );
        const rows = await call(DEAD_LIST, [String(offset), String(limit)]);
        return rows.map((row) => {
          const m = /^([^|]*)\|([^|]*)\|([\s\S]*)$/.exec(row.data);
          let job: ReturnType<typeof decodeBody> | undefined;
          try {
            job = m ? decodeBody(m[3] as string) : undefined;
          } catch {
            job = undefined;
          }
          return {
            id: row.id,
            data: job ? (parseJson(job.payload) as T) : undefined,
            reason: m?.[1] ?? 'unknown',
            message: m ? decodeURIComponent(m[2] as string) : '',
            diedAt: row.diedAt,
            deliveries: job?.deliveries ?? 0,
          };
        });
      },
      async retry(which) {
        const ids = await call(DEAD_RETRY, selection('deadLetters.retry', which));
        if (ids.length > 0 && root.capabilities.pubsub) wake();
        return ids;
      },
      purge: (which) => call(DEAD_PURGE, selection('deadLetters.purge', which)),
    },
    clear: () => call(CLEAR, []),
    async close(closeOptions) {
      await Promise.all([...workers].map((w) => w.close(closeOptions)));
    },
  };
  CONTEXTS.set(queue as Queue<unknown>, ctx);
  return queue;
}

const CONTEXTS = new WeakMap<Queue<unknown>, QueueContext>();

/** The context of a queue this package made (for the legacy wrapper); not part of the public surface. */
export function contextOf(queue: Queue<unknown>): QueueContext {
  const ctx = CONTEXTS.get(queue);
  if (!ctx) throw new Error('not a queue of @raptorflow/queue');
  return ctx;
}
