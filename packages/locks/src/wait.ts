import type { KvError } from '@raptorflow/core';
import { describeValue } from '@raptorflow/core/kit';
import type { ResolvedAcquire } from './call-options.js';
import type { LocksContext } from './context.js';
import { LOCK_ERRORS } from './errors.js';
import { emitOperation, operationStart } from './events.js';

/** One acquisition to retry; see {@link acquireWithRetry}. */
export interface Attempt<T> {
  /** The public name of the call, first in error messages. */
  readonly where: string;
  /**
   * What is being acquired, for messages (`'3 permits of pool'`), or a mutex's resources (their
   * names are joined only when a message needs them).
   */
  readonly what: string | { readonly resources: readonly string[] };
  /** The group whose releases wake this caller. */
  readonly group: string;
  readonly call: ResolvedAcquire;
  /** One round trip: the result when acquired, `undefined` when refused. */
  readonly attempt: (sentAt: number, attempts: number) => Promise<T | undefined>;
}

/** Where a caller that made the first attempt itself, and was refused, resumes the loop. */
export interface RetryFrom {
  /** From `operationStart`. */
  readonly started: number;
  /** `Date.now()` ms when the wait runs out. */
  readonly deadline: number;
  /** Attempts made (refused). */
  readonly attempts: number;
}

/** The text of {@link Attempt.what}. */
function whatOf(a: Attempt<unknown>): string {
  return typeof a.what === 'string' ? a.what : a.what.resources.join(', ');
}

/**
 * Try, and while refused wait with exponential backoff and full jitter (AWS's "Exponential
 * Backoff and Jitter": the delay is uniform in [0, min(maxDelay, minDelay·2^n)]), up to `wait`,
 * woken early by a release of the group. No 10 ms spin (redis-semaphore's default): over HTTP
 * each attempt is a billed request. A store failure rejects at once (fail-closed).
 */
export async function acquireWithRetry<T>(ctx: LocksContext, a: Attempt<T>, from?: RetryFrom): Promise<T> {
  const { signal, wait, retry } = a.call;
  const started = from ? from.started : operationStart(ctx.hub);
  const deadline = from ? from.deadline : Date.now() + wait;
  let attempts = from ? from.attempts : 0;
  // Resumed after a refused first attempt: go straight to the wait.
  let refused = from !== undefined;
  try {
    for (;;) {
      if (refused) refused = false;
      else {
        if (signal?.aborted) {
          throw LOCK_ERRORS.error(
            'E_LOCK_ABORTED',
            `${a.where}: the signal aborted the wait for ${describeValue(whatOf(a))}`,
            { cause: signal.reason },
          );
        }
        const sentAt = Date.now();
        const got = await a.attempt(sentAt, ++attempts);
        if (got !== undefined) {
          emitOperation(ctx.hub, 'acquire', started, 'acquired', undefined, { attempts });
          return got;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw LOCK_ERRORS.error(
          'E_LOCK_HELD',
          `${a.where}: ${describeValue(whatOf(a))} is held by another owner${wait > 0 ? ` (waited ${wait} ms)` : ''}`,
        );
      }
      // Just subscribed: a release may have been announced before, so look again at once.
      if (await ctx.waker.ready()) continue;
      const cap = Math.min(retry.maxDelay, retry.minDelay * 2 ** Math.min(attempts - 1, 30));
      const delay = Math.max(1, Math.floor(Math.random() * cap));
      await ctx.waker.sleep(a.group, Math.min(delay, left), signal);
    }
  } catch (error) {
    const outcome = (error as KvError | undefined)?.code === 'E_LOCK_HELD' ? 'held' : 'error';
    emitOperation(ctx.hub, 'acquire', started, outcome, error, { attempts });
    throw error;
  }
}
