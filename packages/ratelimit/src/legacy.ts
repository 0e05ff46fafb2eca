import type { KvStore } from '@raptorflow/core';
import {
  describeValue,
  invalidArgument,
  parseOptions,
  STORE_FAILURE_POLICIES,
  type StoreFailurePolicy,
} from '@raptorflow/core/kit';
import * as z from 'zod';
import { createRateLimiter, type RateLimiter } from './limiter.js';

/** The old system's arguments. */
export interface CheckRateLimitParams {
  user_id: string;
  endpoint: string;
  /** Requests per window. */
  limit: number;
  /** Window in seconds (whole seconds, as before). */
  window_seconds: number;
}

/** The old system's result. */
export interface CheckRateLimitResult {
  allowed: boolean;
  /** When the window resets, Unix epoch seconds. */
  reset_time: number;
}

/** Options of {@link createCheckRateLimit}. */
export interface CheckRateLimitOptions {
  store: KvStore;
  /** Key prefix. @default 'rf:rl:legacy:' */
  prefix?: string | undefined;
  /** @default 'fail-closed' */
  onStoreError?: StoreFailurePolicy | undefined;
}

const optionsSchema = z.strictObject({
  store: z.custom<KvStore>(
    (v) => typeof v === 'object' && v !== null && typeof (v as KvStore).eval === 'function',
    'must be a KvStore',
  ),
  prefix: z.string().optional(),
  onStoreError: z.enum(STORE_FAILURE_POLICIES as [StoreFailurePolicy, ...StoreFailurePolicy[]]).optional(),
});

const WHERE = 'checkRateLimit';

/** A whole number > 0, or the call's `E_INVALID_ARGUMENT`. */
function positive(name: string, v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  throw invalidArgument(WHERE, `${name}: must be a whole number > 0, got ${describeValue(v)}`);
}

/** A non-empty string, or the call's `E_INVALID_ARGUMENT` (`user_id: undefined` once charged the user "undefined"). */
function text(name: string, v: unknown): string {
  if (typeof v === 'string' && v.length > 0) return v;
  throw invalidArgument(WHERE, `${name}: must be a non-empty string, got ${describeValue(v)}`);
}

/**
 * The identifier of (endpoint, user): the endpoint with `%` and NUL escaped, NUL, the user. The
 * first NUL is always the separator, so the encoding is injective: `('/a', 'b\0c')` and
 * `('/a\0b', 'c')` once both made `/a\0b\0c`. Endpoints without `%` or NUL keep their old keys.
 */
export function legacyIdentifier(endpoint: string, userId: string): string {
  const escaped = /[%\0]/.test(endpoint)
    ? endpoint.replace(/[%\0]/g, (c) => (c === '%' ? '%25' : '%00'))
    : endpoint;
  return `${escaped}\u0000${userId}`;
}

/**
 * The old `checkRateLimit({ user_id, endpoint, limit, window_seconds })` call shape on the new
 * limiter (fixed window, as the old system counted). One limiter per (limit, window) pair is
 * kept, at most 256. Bad options are `E_INVALID_OPTIONS` here; a bad call rejects with
 * `E_INVALID_ARGUMENT`.
 */
export function createCheckRateLimit(
  options: CheckRateLimitOptions,
): (params: CheckRateLimitParams) => Promise<CheckRateLimitResult> {
  const o = parseOptions('createCheckRateLimit', optionsSchema, options);
  const limiters = new Map<string, RateLimiter>();
  return async (params) => {
    if (typeof params !== 'object' || params === null)
      throw invalidArgument(WHERE, `params: must be an object, got ${describeValue(params)}`);
    const user_id = text('user_id', params.user_id);
    const endpoint = text('endpoint', params.endpoint);
    const limit = positive('limit', params.limit);
    const window_seconds = positive('window_seconds', params.window_seconds);
    const id = `${limit}/${window_seconds}`;
    let limiter = limiters.get(id);
    if (!limiter) {
      limiter = createRateLimiter({
        store: o.store,
        algorithm: 'fixed-window',
        limit,
        window: window_seconds * 1000,
        prefix: o.prefix ?? 'rf:rl:legacy:',
        onStoreError: o.onStoreError,
      });
      if (limiters.size >= 256) limiters.delete(limiters.keys().next().value as string);
      limiters.set(id, limiter);
    }
    // The endpoint is part of the identifier (escaped into the key), so endpoints never share counters.
    const r = await limiter.limit(legacyIdentifier(endpoint, user_id));
    const wait = r.allowed ? r.resetAfter : r.retryAfter;
    return { allowed: r.allowed, reset_time: Math.ceil((r.now + (Number.isFinite(wait) ? wait : 0)) / 1000) };
  };
}
