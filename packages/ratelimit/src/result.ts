import type { KvError } from '@raptorflow/core';
import type { ScriptOutcome } from './scripts/index.js';

/**
 * Why a result is what it is:
 * - `allowed` / `limited`: the store answered.
 * - `blocked`: the identifier is serving a penalty (`block` option).
 * - `cache-block`: answered from the in-process block cache, without a round trip.
 * - `store-error` / `timeout`: the store failed or was too slow; `allowed` follows `onStoreError`.
 * - `fallback`: the store failed and the in-memory fallback limiter answered.
 */
export type RateLimitReason =
  | 'allowed'
  | 'limited'
  | 'blocked'
  | 'cache-block'
  | 'store-error'
  | 'timeout'
  | 'fallback';

/** The state of one limit after a call. */
export interface PolicyResult {
  /** The limit's name (keys and headers). */
  readonly name: string;
  /** Units per window in force for this call. */
  readonly limit: number;
  /** Window, ms. */
  readonly window: number;
  /** Units left (after this call's cost when it was allowed). */
  readonly remaining: number;
  /** ms until this limit is fully replenished. */
  readonly resetAfter: number;
  /** ms until this call's cost would fit; 0 when allowed, `Infinity` when it never can. */
  readonly retryAfter: number;
}

/** Result of `limit` and `peek`: a flat object suited to serverless handlers. */
export interface RateLimitResult {
  /** The call may proceed. */
  readonly allowed: boolean;
  /** Limit of the binding policy (the one that rejected, or the one with the least left). */
  readonly limit: number;
  /** Units left of the binding policy. */
  readonly remaining: number;
  /** ms until the binding policy is fully replenished. */
  readonly resetAfter: number;
  /** ms until the same call could succeed: 0 when allowed, `Infinity` when it never can. */
  readonly retryAfter: number;
  /** What happened; see {@link RateLimitReason}. */
  readonly reason: RateLimitReason;
  /** Every limit's state, in the configured order (the IETF headers list them all). */
  readonly policies: readonly PolicyResult[];
  /** The store's clock when the call ran (ms since the epoch); the local clock for cache hits and errors. */
  readonly now: number;
  /** The store error behind `store-error`, `timeout` and `fallback`. */
  readonly error?: KvError | undefined;
  /** Background work still running; hand it to `waitUntil` on serverless platforms. */
  readonly pending: Promise<void>;
}

/** A resolved promise shared by every result that has no background work. */
export const DONE: Promise<void> = Promise.resolve();

/** Build a result from the script's outcome. */
export function fromOutcome(
  outcome: ScriptOutcome,
  names: readonly string[],
  windows: readonly number[],
  reason?: RateLimitReason,
  error?: KvError,
): RateLimitResult {
  const allowed = outcome.status === 1;
  const status = reason ?? (allowed ? 'allowed' : outcome.status === 2 ? 'blocked' : 'limited');
  if (outcome.limits.length === 1) {
    // One limit, the common case: it binds; a packed literal, no search.
    const l = outcome.limits[0] as ScriptOutcome['limits'][number];
    const retryAfter = l.retryAfter < 0 ? Number.POSITIVE_INFINITY : l.retryAfter;
    const p: PolicyResult = {
      name: names[0] as string,
      limit: l.limit,
      window: windows[0] as number,
      remaining: l.remaining,
      resetAfter: l.resetAfter,
      retryAfter,
    };
    return {
      allowed,
      limit: p.limit,
      remaining: p.remaining,
      resetAfter: p.resetAfter,
      retryAfter: allowed ? 0 : retryAfter,
      reason: status,
      policies: [p],
      now: outcome.now,
      error,
      pending: DONE,
    };
  }
  // Sized up front: a list grown by push starts with room for 17.
  const policies: PolicyResult[] = new Array(outcome.limits.length);
  let binding = 0;
  for (let i = 0; i < outcome.limits.length; i++) {
    const l = outcome.limits[i] as ScriptOutcome['limits'][number];
    const retryAfter = l.retryAfter < 0 ? Number.POSITIVE_INFINITY : l.retryAfter;
    policies[i] = {
      name: names[i] as string,
      limit: l.limit,
      window: windows[i] as number,
      remaining: l.remaining,
      resetAfter: l.resetAfter,
      retryAfter,
    };
    const b = policies[binding] as PolicyResult;
    const p = policies[i] as PolicyResult;
    if (allowed ? p.remaining < b.remaining : p.retryAfter > b.retryAfter) binding = i;
  }
  const b = policies[binding] as PolicyResult;
  return {
    allowed,
    limit: b.limit,
    remaining: b.remaining,
    resetAfter: b.resetAfter,
    retryAfter: allowed ? 0 : b.retryAfter,
    reason: status,
    policies,
    now: outcome.now,
    error,
    pending: DONE,
  };
}
