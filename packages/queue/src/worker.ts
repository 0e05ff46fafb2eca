import { isKvError, type KvError } from '@raptorflow/core';
import { describeValue, invalidArgument } from '@raptorflow/core/kit';
import { claim, claimArgs, type QueueContext, reportDead } from './context.js';
import { QUEUE_ERRORS } from './errors.js';
import { emitOperation, operationStart } from './events.js';
import { backoffDelay, decodeBody, type StoredJob } from './job.js';
import { type ProcessOptions, parseProcessOptions } from './options.js';
import { COMPLETE, encodeCompleteArgs } from './scripts/complete.js';
import { EXTEND, encodeExtendArgs } from './scripts/extend.js';
import { encodeFailArgs, FAIL, type FailMode } from './scripts/fail.js';
import { PROGRESS } from './scripts/progress.js';

/** The job a handler gets. */
export interface Job<T> {
  readonly id: string;
  /** The payload (checked against the queue's schema when it has one). */
  readonly data: T;
  readonly priority: number;
  /** Deliveries so far, this one included (1 on the first run). */
  readonly deliveries: number;
  /** The job's attempts: it retries after a failure while `deliveries < attempts`. */
  readonly attempts: number;
  /**
   * Aborts when the lease is lost (`E_QUEUE_LEASE_LOST`: another worker may run the job now),
   * on the per-job `timeout` (`E_QUEUE_JOB_TIMEOUT`) and when the worker's close times out
   * (`E_QUEUE_CLOSED`). `signal.reason` is a `KvError` with that code. Pass it to `fetch` & co.
   */
  readonly signal: AbortSignal;
  /** Store the job's progress (any JSON value), token-checked: one round trip. */
  progress(value: unknown): Promise<void>;
}

/** A job handler: its return value is the job's result; a throw fails the job (retry or dead letter). */
export type JobHandler<T, R> = (job: Job<T>) => R | Promise<R>;

/** A worker; see `queue.process`. */
export interface Worker {
  /** Resolves once the worker listens for wake-ups (at once on a store without pub/sub). */
  readonly ready: Promise<void>;
  /** Handlers running now. */
  readonly running: number;
  /** Claims sent so far (polls, first claims of slots; complete-and-claim calls not included). */
  readonly polls: number;
  /**
   * Stop claiming, let running jobs finish for up to `timeout` ms (default: the lease), then
   * abort the rest (`E_QUEUE_CLOSED`) and put their jobs back to waiting at once. Never rejects.
   */
  close(options?: { timeout?: number }): Promise<void>;
}

interface Active {
  readonly job: StoredJob;
  /** Abort the job's signal (created only if the handler reads it) and end its race. */
  readonly abort: (reason: KvError) => void;
  /** Client time the current lease (or its last renewal) was requested: it cannot have started earlier. */
  leaseFrom: number;
  hasProgress: boolean;
}

type Outcome =
  | { readonly kind: 'ok'; readonly value: unknown }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'aborted'; readonly error: unknown };

const messageOf = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).slice(0, 1_000).toWellFormed();

/** Start a worker; see `Queue.process`. */
export function createWorker(
  ctx: QueueContext,
  handler: (job: Job<unknown>) => unknown,
  input: ProcessOptions | undefined,
  onClosed: () => void,
): Worker {
  if (typeof handler !== 'function') {
    throw invalidArgument('queue.process', `handler: expected a function, got ${describeValue(handler)}`);
  }
  const p = parseProcessOptions(input);
  const q = ctx.options;
  const { root, keys, events } = ctx;
  const queue = q.name;
  const lease = p.lease ?? q.lease;
  const pubsub = root.capabilities.pubsub;
  const maxDelay = p.idle.maxDelay ?? (pubsub ? 30_000 : 5_000);
  const minDelay = Math.min(p.idle.minDelay, maxDelay);
  const active = new Map<string, Active>();
  let slots = 0;
  let polls = 0;
  let closing = false;
  let lastTimers = Number.NEGATIVE_INFINITY;
  let wakeSleep: (() => void) | undefined;
  let slotFreed: (() => void) | undefined;
  const drained: Array<() => void> = [];
  let subscription: { unsubscribe(): Promise<void> } | undefined;

  const reportError = (error: unknown, during: string): void => {
    if (events.has('error')) events.emit('error', { queue, error, during });
  };
  const timersDue = (): boolean => {
    const now = Date.now();
    if (now - lastTimers < q.timerInterval) return false;
    lastTimers = now;
    return true;
  };

  const ready = (async () => {
    if (!pubsub) return;
    try {
      subscription = await root.subscribe(ctx.channel, () => wakeSleep?.());
    } catch (error) {
      reportError(error, 'subscribe');
    }
  })();

  function sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        wakeSleep = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakeSleep = done;
    });
  }

  async function failJob(
    job: StoredJob,
    member: string,
    mode: FailMode,
    reason: string,
    error: unknown,
    hasProgress: boolean,
  ): Promise<void> {
    const delayMs = mode === 'retry' ? backoffDelay(job, q.backoff.jitter) : 0;
    const started = operationStart(ctx.hub);
    try {
      const r = await root.eval(
        FAIL,
        keys,
        encodeFailArgs({
          member,
          mode,
          delayMs,
          reason,
          message: encodeURIComponent(messageOf(error)),
          hasProgress,
          deadKeep: q.retention.dead.count,
          deadAgeMs: q.retention.dead.age,
        }),
      );
      emitOperation(ctx.hub, 'job', started, r.outcome, error, { queue });
      const base = { queue, id: job.id, deliveries: job.deliveries };
      if (mode !== 'release' && events.has('failed'))
        events.emit('failed', { ...base, error, outcome: r.outcome });
      if ((r.outcome === 'retried' || r.outcome === 'delayed') && events.has('retried'))
        events.emit('retried', { ...base, delayMs: r.outcome === 'delayed' ? delayMs : 0 });
      if (r.outcome === 'dead' && events.has('dead-lettered'))
        events.emit('dead-lettered', { queue, id: job.id, reason });
      if (r.outcome === 'stale' && events.has('lease-lost')) events.emit('lease-lost', base);
    } catch (storeError) {
      // The lease runs out and the job is delivered again: at-least-once, never lost.
      reportError(storeError, 'fail');
    }
  }

  async function completeJob(
    job: StoredJob,
    member: string,
    hasProgress: boolean,
    value: unknown,
  ): Promise<{ body: string; token: string; sentAt: number } | undefined> {
    const keep = q.retention.completed;
    let result = '';
    if (keep.count > 0) {
      try {
        result = JSON.stringify(value ?? null) ?? 'null';
      } catch {
        result = 'null';
      }
    }
    const wantNext = !closing;
    const next = claimArgs(ctx, wantNext ? 1 : 0, lease, wantNext && timersDue(), false);
    const started = operationStart(ctx.hub);
    const sentAt = Date.now();
    try {
      const reply = await root.eval(
        COMPLETE,
        keys,
        encodeCompleteArgs(
          { member, dedup: job.dedup, hasProgress, keep: keep.count, ageMs: keep.age, result },
          next.args,
        ),
      );
      const base = { queue, id: job.id, deliveries: job.deliveries };
      if (reply.completed) {
        emitOperation(ctx.hub, 'job', started, 'completed', undefined, { queue });
        if (events.has('completed')) events.emit('completed', base);
      } else {
        emitOperation(ctx.hub, 'job', started, 'stale', QUEUE_ERRORS.error('E_QUEUE_STALE_TOKEN', 'stale'), {
          queue,
        });
        if (events.has('lease-lost')) events.emit('lease-lost', base);
      }
      reportDead(ctx, reply.next);
      const body = reply.next.bodies[0];
      return body === undefined ? undefined : { body, token: next.token, sentAt };
    } catch (error) {
      reportError(error, 'complete');
      return undefined;
    }
  }

  async function runOne(
    body: string,
    token: string,
    sentAt: number,
  ): Promise<{ body: string; token: string; sentAt: number } | undefined> {
    let job: StoredJob;
    try {
      job = decodeBody(body);
    } catch (error) {
      reportError(error, 'decode');
      return undefined;
    }
    const member = `${job.id}:${token}`;
    let data: unknown;
    let invalid: unknown;
    try {
      data = JSON.parse(job.payload);
      if (q.schema) {
        const r = q.schema.safeParse(data);
        if (r.success) data = r.data;
        else
          invalid = QUEUE_ERRORS.error(
            'E_QUEUE_INVALID_PAYLOAD',
            `the stored payload fails the schema: ${String(r.error)}`,
          );
      }
    } catch (error) {
      invalid = QUEUE_ERRORS.error(
        'E_QUEUE_INVALID_PAYLOAD',
        `the stored payload is not JSON: ${messageOf(error)}`,
      );
    }
    if (invalid !== undefined) {
      await failJob(job, member, 'dead', 'invalid-payload', invalid, false);
      return undefined;
    }
    // The AbortController is made when the handler first reads `job.signal`: most no-op-sized
    // jobs never do, and it is a measurable share of a job's client CPU.
    let ac: AbortController | undefined;
    let reason: KvError | undefined;
    let endRace: ((outcome: Outcome) => void) | undefined;
    const abort = (why: KvError): void => {
      if (reason !== undefined) return;
      reason = why;
      ac?.abort(why);
      endRace?.({ kind: 'aborted', error: why });
    };
    const entry: Active = { job, abort, leaseFrom: sentAt, hasProgress: false };
    active.set(member, entry);
    const view: Job<unknown> = {
      id: job.id,
      data,
      priority: job.priority,
      deliveries: job.deliveries,
      attempts: job.attempts,
      get signal() {
        if (!ac) {
          ac = new AbortController();
          if (reason !== undefined) ac.abort(reason);
        }
        return ac.signal;
      },
      async progress(value) {
        let text: string | undefined;
        try {
          text = JSON.stringify(value ?? null);
        } catch (error) {
          throw QUEUE_ERRORS.error(
            'E_QUEUE_INVALID_PAYLOAD',
            `progress: cannot be serialised (${messageOf(error)})`,
          );
        }
        entry.hasProgress = true;
        if (!(await root.eval(PROGRESS, keys, [member, text ?? 'null']))) {
          throw QUEUE_ERRORS.error(
            'E_QUEUE_STALE_TOKEN',
            `progress: job ${job.id} is no longer leased by this worker`,
          );
        }
      },
    };
    if (events.has('started')) events.emit('started', { queue, id: job.id, deliveries: job.deliveries });
    const timer =
      p.timeout === undefined
        ? undefined
        : setTimeout(
            () =>
              abort(
                QUEUE_ERRORS.error(
                  'E_QUEUE_JOB_TIMEOUT',
                  `job ${job.id} ran past its timeout of ${p.timeout} ms`,
                ),
              ),
            p.timeout,
          );
    const settled: Promise<Outcome> = (async () => handler(view))().then(
      (value): Outcome => ({ kind: 'ok', value }),
      (error: unknown): Outcome => ({ kind: 'error', error }),
    );
    const aborted = new Promise<Outcome>((resolve) => {
      endRace = resolve;
    });
    const outcome = await Promise.race([settled, aborted]);
    if (timer !== undefined) clearTimeout(timer);
    active.delete(member);
    if (outcome.kind === 'aborted') {
      const code = isKvError(outcome.error) ? (outcome.error as KvError).code : '';
      if (code === 'E_QUEUE_JOB_TIMEOUT')
        await failJob(job, member, 'retry', 'timeout', outcome.error, entry.hasProgress);
      else if (code === 'E_QUEUE_CLOSED') {
        await failJob(job, member, 'release', 'closed', outcome.error, entry.hasProgress);
        return undefined;
      }
      // A handler that ignores its signal still holds its slot: concurrency stays honest.
      await settled;
      return undefined;
    }
    if (outcome.kind === 'error') {
      await failJob(job, member, 'retry', 'failed', outcome.error, entry.hasProgress);
      return undefined;
    }
    return completeJob(job, member, entry.hasProgress, outcome.value);
  }

  function startSlot(body: string, token: string, sentAt: number): void {
    slots += 1;
    (async () => {
      let next: { body: string; token: string; sentAt: number } | undefined = { body, token, sentAt };
      while (next) next = await runOne(next.body, next.token, next.sentAt);
    })()
      .catch((error: unknown) => reportError(error, 'slot'))
      .finally(() => {
        slots -= 1;
        slotFreed?.();
        if (slots === 0) for (const done of drained.splice(0)) done();
      });
  }

  async function renew(): Promise<void> {
    if (active.size === 0) return;
    const members = [...active.keys()];
    const sentAt = Date.now();
    try {
      const r = await root.eval(EXTEND, keys, encodeExtendArgs(lease, members));
      const lost = new Set(r.lost);
      members.forEach((member, i) => {
        const entry = active.get(member);
        if (!entry) return;
        if (lost.has(i)) loseLease(member, entry);
        else entry.leaseFrom = sentAt;
      });
    } catch (error) {
      reportError(error, 'renew');
      // Without a renewal, a lease that has surely run out is treated as lost: stop the handler.
      const now = Date.now();
      for (const [member, entry] of active) if (now - entry.leaseFrom >= lease) loseLease(member, entry);
    }
  }

  function loseLease(member: string, entry: Active): void {
    active.delete(member);
    entry.abort(
      QUEUE_ERRORS.error(
        'E_QUEUE_LEASE_LOST',
        `job ${entry.job.id}: its lease ran out and it may run elsewhere`,
      ),
    );
    emitOperation(ctx.hub, 'job', operationStart(ctx.hub), 'lease-lost', undefined, { queue });
    if (events.has('lease-lost'))
      events.emit('lease-lost', { queue, id: entry.job.id, deliveries: entry.job.deliveries });
  }

  let renewing: Promise<void> | undefined;
  const renewTimer = setInterval(
    () => {
      if (!renewing) renewing = renew().finally(() => (renewing = undefined));
    },
    Math.max(Math.floor(lease / 3), 5),
  );
  (renewTimer as { unref?: () => void }).unref?.();

  const loop = (async () => {
    await ready;
    let delay = minDelay;
    while (!closing) {
      const free = p.concurrency - slots;
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          slotFreed = resolve;
        });
        slotFreed = undefined;
        continue;
      }
      const sentAt = Date.now();
      let found = 0;
      try {
        polls += 1;
        const { token, reply } = await claim(ctx, free, lease, timersDue(), true);
        reportDead(ctx, reply);
        found = reply.bodies.length;
        for (const body of reply.bodies) {
          if (closing) {
            const job = decodeBody(body);
            await failJob(job, `${job.id}:${token}`, 'release', 'closed', 'closing', false);
          } else startSlot(body, token, sentAt);
        }
      } catch (error) {
        reportError(error, 'claim');
      }
      if (found > 0) {
        delay = minDelay;
        continue;
      }
      if (closing) break;
      await sleep(delay);
      delay = Math.min(delay * 2, maxDelay);
    }
  })().catch((error: unknown) => reportError(error, 'poll'));

  let closed: Promise<void> | undefined;
  return {
    ready,
    get running() {
      return active.size;
    },
    get polls() {
      return polls;
    },
    close(options) {
      if (closed) return closed;
      closing = true;
      wakeSleep?.();
      slotFreed?.();
      const timeout = options?.timeout ?? lease;
      closed = (async () => {
        await loop;
        if (slots > 0) {
          const idle = new Promise<void>((resolve) => drained.push(resolve));
          let timer: ReturnType<typeof setTimeout> | undefined;
          const late = new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), timeout);
          });
          const timedOut = await Promise.race([idle.then(() => false), late]);
          clearTimeout(timer);
          if (timedOut) {
            for (const entry of active.values()) {
              entry.abort(
                QUEUE_ERRORS.error(
                  'E_QUEUE_CLOSED',
                  `job ${entry.job.id}: the worker closed before it finished`,
                ),
              );
            }
            await idle;
          }
        }
        clearInterval(renewTimer);
        await renewing;
        await subscription?.unsubscribe().catch(() => undefined);
        onClosed();
      })().catch((error: unknown) => reportError(error, 'close'));
      return closed;
    },
  };
}
