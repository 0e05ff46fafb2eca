import type { KvErrorCode } from '@raptorflow/core';
import type { Emitter, FeatureEvents } from '@raptorflow/core/kit';
import type { RateLimitReason, RateLimitResult } from './result.js';

/**
 * `operation` of a rate-limit event. `repair` is emitted (besides the call's own event) when a
 * call found unreadable state at a key, a value or type no limiter writes, and deleted it.
 */
export type RateLimitOperation = 'limit' | 'peek' | 'reset' | 'repair';

/**
 * `outcome` of a rate-limit event: `allowed` / `denied` for `limit` and `peek` (whatever the
 * reason: a penalty, a cached block, a failure policy that refused), `done` for `reset`,
 * `error` when the call threw.
 */
export type RateLimitOutcome = 'allowed' | 'denied' | 'done' | 'error' | 'repaired';

/** `detail` of a rate-limit event. */
// A type alias, not an interface: an event's detail is a plain record.
export type RateLimitEventDetail = {
  /** Units left of the binding limit. */
  readonly remaining: number;
  /** Why the result is what it is; `store-error`, `timeout` and `fallback` carry `error` too. */
  readonly reason: RateLimitReason;
  /** The limiter's `name` option (default: its algorithm); also on `reset`, `error` and `repair` events. */
  readonly limiter: string;
};

/**
 * Emit one rate-limit event on `hub`, for a call that took `durationMs` (0 for an answer given
 * in the call itself, on the memory store or from the block cache: see the kit's
 * `FeatureEvent`). Called only after `hub.has('operation')`, so a store with no listener never
 * builds an event or reads a clock.
 *
 * Privacy: the identifier (a user id, an API key, an IP address) is never in the event. A
 * caller who wants per-tenant figures passes `tenant` on the call; it goes to the event's
 * `tenant` field, which the metrics package does not use as a label by default.
 */
export function emitRateLimitEvent(
  hub: Emitter<FeatureEvents>,
  limiter: string,
  operation: RateLimitOperation,
  tenant: string | undefined,
  durationMs: number,
  result: RateLimitResult | undefined,
  error?: KvErrorCode,
): void {
  if (result === undefined) {
    hub.emit('operation', {
      feature: 'ratelimit',
      operation,
      tenant,
      outcome: error === undefined ? 'done' : 'error',
      durationMs,
      error,
      detail: { limiter },
    });
    return;
  }
  const detail: RateLimitEventDetail = { remaining: result.remaining, reason: result.reason, limiter };
  hub.emit('operation', {
    feature: 'ratelimit',
    operation,
    tenant,
    outcome: result.allowed ? 'allowed' : 'denied',
    durationMs,
    error: result.error?.code,
    detail,
  });
}

/**
 * Emit a `repair` event: a `limit` or `peek` found `keys` keys of unreadable state (a foreign
 * value, or a key of another Redis type), read them as missing and deleted them. The call's own
 * result is computed as if the keys were missing. Called only after `hub.has('operation')`.
 */
export function emitRepairEvent(
  hub: Emitter<FeatureEvents>,
  tenant: string | undefined,
  keys: number,
  algorithm: string,
  limiter: string,
): void {
  hub.emit('operation', {
    feature: 'ratelimit',
    operation: 'repair',
    tenant,
    outcome: 'repaired',
    durationMs: 0,
    detail: { keys, algorithm, limiter },
  });
}
