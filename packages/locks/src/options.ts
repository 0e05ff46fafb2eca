import type { KvStore } from '@raptorflow/core';
import { type Duration, durationMs, durationSchema, parseOptions, requireStore } from '@raptorflow/core/kit';
import { z } from 'zod';

/** Backoff between attempts while waiting for a lock: exponential, full jitter. */
export interface RetryOptions {
  /** The first attempt's delay cap: ms or a {@link Duration} string. @default '25ms' */
  minDelay?: Duration | undefined;
  /** The largest delay cap (the cap doubles per attempt up to it). @default '1s' */
  maxDelay?: Duration | undefined;
}

/** Options of {@link createLocks}. */
export interface LocksOptions {
  /**
   * The store: any RaptorFlow KV store. Use one without L1 and with the `fail-closed` policy: a
   * lock that falls back to per-process memory protects nothing, so a `withFailover` layer whose
   * policy is `fallback` or `fail-open` is refused (pass `store.failover.withPolicy('fail-closed')`).
   */
  store: KvStore;
  /** How long a lock lives unless extended (ms or a string such as `'10s'`). @default '10s' */
  ttl?: Duration | undefined;
  /** How long `acquire` waits for a held lock before `E_LOCK_HELD`; `0` tries once. @default '10s' */
  wait?: Duration | undefined;
  /** Backoff between attempts while waiting. */
  retry?: RetryOptions | undefined;
  /** Where the keys live, under the store's own namespace; no `{` or `}`. @default 'rf:locks:' */
  prefix?: string | undefined;
  /**
   * The Cluster hash tag of a resource (the group its keys live in). Resources locked together
   * by one `acquire([...])` must share a group; by default each resource is its own group.
   * Must return a non-empty string without `{` or `}`. @default (resource) => resource
   */
  group?: ((resource: string) => string) | undefined;
}

/** Backoff in whole ms. */
export interface ResolvedRetry {
  readonly minDelay: number;
  readonly maxDelay: number;
}

/** {@link LocksOptions} once validated: durations in whole ms, defaults filled in. */
export interface ResolvedLocksOptions {
  readonly store: KvStore;
  readonly ttl: number;
  readonly wait: number;
  readonly retry: ResolvedRetry;
  readonly prefix?: string | undefined;
  readonly group?: ((resource: string) => string) | undefined;
}

const RETRY = z.strictObject({
  minDelay: durationSchema().default(25),
  maxDelay: durationSchema().default(1_000),
});

// The annotation ties the schema to the documented interface (tsc fails when they drift).
const SCHEMA: z.ZodType<ResolvedLocksOptions, LocksOptions> = z.strictObject({
  store: z.custom<KvStore>(() => true),
  ttl: durationSchema().default(10_000),
  wait: durationSchema({ min: 0 }).default(10_000),
  retry: RETRY.default({ minDelay: 25, maxDelay: 1_000 }),
  prefix: z.string().optional(),
  group: z
    .custom<(resource: string) => string>((v) => typeof v === 'function', 'expected a function')
    .optional(),
});

/** Validate {@link LocksOptions} once; a bad one is `E_INVALID_OPTIONS` naming the field. */
export function parseLocksOptions(input: LocksOptions): ResolvedLocksOptions {
  if (typeof input !== 'object' || input === null) return parseOptions('createLocks', SCHEMA, input);
  requireStore('createLocks', input.store);
  return parseOptions('createLocks', SCHEMA, input);
}

/** Whole ms of a per-call duration, or the reason it is not one (`min` inclusive). */
export function callDuration(value: unknown, min: number): number | string {
  const ms = durationMs(value);
  if (typeof ms === 'string') return ms;
  return ms < min ? `must be >= ${min} ms, got ${ms}` : ms;
}
