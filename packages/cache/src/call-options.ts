import { type Duration, describeValue, durationMs, invalidArgument } from '@raptorflow/core/kit';
import type { CacheStatus } from './events.js';
import { checkTags } from './keys.js';
import type { NamespaceConfig } from './options.js';

/** Options of `get`, `has` and `getMany`. */
export interface GetOptions {
  /** Filled in with how the call was served. */
  status?: CacheStatus | undefined;
  /** Return a stale value (within grace) instead of `undefined`. @default false */
  allowStale?: boolean | undefined;
}

/** Options of `set` and `setMany`. */
export interface SetOptions {
  /** Fresh for this long instead of the namespace's `ttl`. */
  ttl?: Duration | undefined;
  /** Grace instead of the namespace's. */
  grace?: Duration | undefined;
  /** Tags of the entry, for `invalidateTags` and `deleteByTags`. */
  tags?: readonly string[] | undefined;
}

/** Options of `getOrSet`: a per-call override of any namespace option, plus `status` and `tags`. */
export interface GetOrSetOptions extends SetOptions {
  status?: CacheStatus | undefined;
  negativeTtl?: Duration | undefined;
  staleWhileRevalidate?: boolean | undefined;
  earlyRefresh?: number | undefined;
  softTimeout?: Duration | undefined;
  hardTimeout?: Duration | undefined;
  /** Use the namespace's lease (or its defaults when the namespace has none); `false` turns it off for this call. */
  lease?: boolean | undefined;
}

/** The effective settings of one call. */
export interface CallSettings {
  ttl: number;
  grace: number;
  jitter: number;
  negativeTtl: number;
  tags: readonly string[];
  staleWhileRevalidate: boolean;
  earlyRefresh: number;
  softTimeout: number | undefined;
  hardTimeout: number | undefined;
  lease: { readonly ttl: number; readonly wait: number } | undefined;
}

const NO_TAGS: readonly string[] = [];

/**
 * Whole milliseconds of a per-call duration `>= min`, else `E_INVALID_ARGUMENT`
 * (`<where>: <field>: <problem>`). Also checks a factory's `setTtl`.
 */
export function callMs(value: unknown, where: string, field: string, min: number): number {
  const out = durationMs(value);
  if (typeof out === 'string') throw invalidArgument(where, `${field}: ${out}`);
  if (out < min) throw invalidArgument(where, `${field}: expected a duration >= ${min} ms, got ${out}`);
  return out;
}

function fraction(value: unknown, where: string, field: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw invalidArgument(where, `${field}: expected a number from 0 to 1, got ${describeValue(value)}`);
  }
  return value;
}

function flag(value: unknown, where: string, field: string): boolean {
  if (typeof value !== 'boolean') {
    throw invalidArgument(where, `${field}: expected true or false, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Check the shape of a call's options: an object (or `undefined`) whose `status` is an object and
 * whose switches are booleans. A `status: 5` used to fail on first write with a raw TypeError.
 */
export function checkCallOptions(o: unknown, where: string): void {
  if (o === undefined) return;
  if (o === null || typeof o !== 'object') {
    throw invalidArgument(where, `options: expected an object, got ${describeValue(o)}`);
  }
  const { status, allowStale } = o as GetOptions;
  if (status !== undefined && (status === null || typeof status !== 'object')) {
    throw invalidArgument(where, `status: expected an object to fill in, got ${describeValue(status)}`);
  }
  if (allowStale !== undefined) flag(allowStale, where, 'allowStale');
}

/**
 * Merge per-call options over a namespace's configuration, checking each given field; `where`
 * (`set`, `getOrSet`) starts an error's message.
 */
export function callSettings(
  config: NamespaceConfig,
  o: GetOrSetOptions | undefined,
  where: string,
): CallSettings {
  const s: CallSettings = {
    ttl: config.ttl,
    grace: config.grace,
    jitter: config.jitter,
    negativeTtl: config.negativeTtl,
    tags: NO_TAGS,
    staleWhileRevalidate: config.staleWhileRevalidate,
    earlyRefresh: config.earlyRefresh,
    softTimeout: config.softTimeout,
    hardTimeout: config.hardTimeout,
    lease: config.lease,
  };
  checkCallOptions(o, where);
  if (!o) return s;
  if (o.ttl !== undefined) s.ttl = callMs(o.ttl, where, 'ttl', 1);
  if (o.grace !== undefined) s.grace = callMs(o.grace, where, 'grace', 0);
  if (o.negativeTtl !== undefined) s.negativeTtl = callMs(o.negativeTtl, where, 'negativeTtl', 0);
  if (o.tags !== undefined) {
    s.tags = checkTags(o.tags);
  }
  if (o.staleWhileRevalidate !== undefined)
    s.staleWhileRevalidate = flag(o.staleWhileRevalidate, where, 'staleWhileRevalidate');
  if (o.earlyRefresh !== undefined) s.earlyRefresh = fraction(o.earlyRefresh, where, 'earlyRefresh');
  if (o.softTimeout !== undefined) s.softTimeout = callMs(o.softTimeout, where, 'softTimeout', 0);
  if (o.hardTimeout !== undefined) s.hardTimeout = callMs(o.hardTimeout, where, 'hardTimeout', 1);
  if (o.lease !== undefined) flag(o.lease, where, 'lease');
  if (o.lease === false) s.lease = undefined;
  else if (o.lease === true && !s.lease) s.lease = { ttl: s.hardTimeout ?? 10_000, wait: 5_000 };
  return s;
}
