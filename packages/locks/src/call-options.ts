import { describeValue, invalidArgument } from '@raptorflow/core/kit';
import { callDuration, type ResolvedLocksOptions, type ResolvedRetry, type RetryOptions } from './options.js';

/** Options of one `acquire` (and of `withLock`); each falls back to `createLocks`' option. */
export interface AcquireOptions {
  /** How long the lock lives unless extended: ms or a Duration string. */
  ttl?: number | string | undefined;
  /** How long to wait for a held lock before `E_LOCK_HELD`; `0` tries once. */
  wait?: number | string | undefined;
  /** Backoff between attempts while waiting. */
  retry?: RetryOptions | undefined;
  /** Stop waiting when it aborts (`E_LOCK_ABORTED`). Does not release a lock already held. */
  signal?: AbortSignal | undefined;
  /**
   * Extend the lock at each third of its TTL until it is released, by the process's one
   * watchdog timer. @default false for `acquire`, true for `withLock`
   */
  autoExtend?: boolean | undefined;
}

/** {@link AcquireOptions} checked, in whole ms. */
export interface ResolvedAcquire {
  readonly ttl: number;
  readonly wait: number;
  readonly retry: ResolvedRetry;
  readonly signal: AbortSignal | undefined;
  readonly autoExtend: boolean;
}

const KNOWN = new Set(['ttl', 'wait', 'retry', 'signal', 'autoExtend']);

// A call without options gets the instance's defaults: one frozen object per instance and
// autoExtend default, made once instead of per acquire.
const PLAIN = new WeakMap<ResolvedLocksOptions, readonly [ResolvedAcquire, ResolvedAcquire]>();

function plainCall(defaults: ResolvedLocksOptions, autoExtend: boolean): ResolvedAcquire {
  let pair = PLAIN.get(defaults);
  if (!pair) {
    const of = (autoExtend: boolean): ResolvedAcquire =>
      Object.freeze({
        ttl: defaults.ttl,
        wait: defaults.wait,
        retry: defaults.retry,
        signal: undefined,
        autoExtend,
      });
    pair = [of(false), of(true)];
    PLAIN.set(defaults, pair);
  }
  return pair[autoExtend ? 1 : 0];
}

/** Check per-call options without zod (a hot path); a bad one is `E_INVALID_ARGUMENT` naming it. */
export function resolveAcquire(
  where: string,
  input: unknown,
  defaults: ResolvedLocksOptions,
  autoExtendDefault: boolean,
): ResolvedAcquire {
  if (input === undefined) return plainCall(defaults, autoExtendDefault);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidArgument(where, `options: expected an object, got ${describeValue(input)}`);
  }
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) throw invalidArgument(where, `options.${key}: is not an option`);
  }
  const duration = (field: string, value: unknown, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    const ms = callDuration(value, min);
    if (typeof ms === 'string') throw invalidArgument(where, `options.${field}: ${ms}`);
    return ms;
  };
  let retry = defaults.retry;
  if (o.retry !== undefined) {
    if (typeof o.retry !== 'object' || o.retry === null) {
      throw invalidArgument(where, `options.retry: expected an object, got ${describeValue(o.retry)}`);
    }
    const r = o.retry as Record<string, unknown>;
    for (const key of Object.keys(r)) {
      if (key !== 'minDelay' && key !== 'maxDelay')
        throw invalidArgument(where, `options.retry.${key}: is not an option`);
    }
    retry = {
      minDelay: duration('retry.minDelay', r.minDelay, retry.minDelay, 1),
      maxDelay: duration('retry.maxDelay', r.maxDelay, retry.maxDelay, 1),
    };
  }
  const signal = o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidArgument(where, `options.signal: expected an AbortSignal, got ${describeValue(signal)}`);
  }
  if (o.autoExtend !== undefined && typeof o.autoExtend !== 'boolean') {
    throw invalidArgument(
      where,
      `options.autoExtend: expected a boolean, got ${describeValue(o.autoExtend)}`,
    );
  }
  return {
    ttl: duration('ttl', o.ttl, defaults.ttl, 1),
    wait: duration('wait', o.wait, defaults.wait, 0),
    retry,
    signal,
    autoExtend: (o.autoExtend as boolean | undefined) ?? autoExtendDefault,
  };
}
