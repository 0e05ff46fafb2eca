import type { KvStore } from '@raptorflow/core';
import type { StoreFailurePolicy } from '@raptorflow/core/kit';
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

/**
 * The old `checkRateLimit({ user_id, endpoint, limit, window_seconds })` call shape on the new
 * limiter (fixed window, as the old system counted). One limiter per (limit, window) pair is
 * kept, at most 256.
 */
export function createCheckRateLimit(
  options: CheckRateLimitOptions,
): (params: CheckRateLimitParams) => Promise<CheckRateLimitResult> {
  const limiters = new Map<string, RateLimiter>();
  return async ({ user_id, endpoint, limit, window_seconds }) => {
    const id = `${limit}/${window_seconds}`;
    let limiter = limiters.get(id);
    if (!limiter) {
      limiter = createRateLimiter({
        store: options.store,
        algorithm: 'fixed-window',
        limit,
        window: window_seconds * 1000,
        prefix: options.prefix ?? 'rf:rl:legacy:',
        onStoreError: options.onStoreError,
      });
      if (limiters.size >= 256) limiters.delete(limiters.keys().next().value as string);
      limiters.set(id, limiter);
    }
    // The endpoint is part of the identifier (escaped into the key), so endpoints never share counters.
    const r = await limiter.limit(`${endpoint}\u0000${user_id}`);
    const wait = r.allowed ? r.resetAfter : r.retryAfter;
    return { allowed: r.allowed, reset_time: Math.ceil((r.now + (Number.isFinite(wait) ? wait : 0)) / 1000) };
  };
}
