import { hashKeyPart, isKvError, type KvError, memoryAdapter, toKvError } from '@raptorflow/core';
import { LRUCache } from 'lru-cache';
import { invalidArgument } from './errors.js';
import { checkPolicy, type RateLimiterOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { DONE, fromOutcome, type RateLimitReason, type RateLimitResult } from './result.js';
import { RATE_LIMIT_SCRIPTS, type ScriptOutcome } from './scripts.js';
import { createDeadlines } from './timeout.js';

/** Options of one `limit` call. */
export interface LimitCallOptions {
  /** Units this call takes; a whole number. Negative refunds (not for a penalty). @default 1 */
  cost?: number | undefined;
  /** Override the limit of this call (one number for the first policy, or one per policy). */
  limit?: number | readonly number[] | undefined;
}

/** Options of one `peek` call. */
export interface PeekCallOptions {
  /** Would a call of this cost be allowed? 0 reports the current state. @default 0 */
  cost?: number | undefined;
  /** Override the limit, as for `limit`. */
  limit?: number | readonly number[] | undefined;
}

/** A rate limiter on a RaptorFlow KV store. */
export interface RateLimiter {
  /** Take `cost` units for `identifier` from every limit, or from none; one round trip. */
  limit(identifier: string, options?: LimitCallOptions): Promise<RateLimitResult>;
  /** Report the state of `identifier` without taking anything. */
  peek(identifier: string, options?: PeekCallOptions): Promise<RateLimitResult>;
  /** Forget everything about `identifier` (its counters, its penalty and its cached block). */
  reset(identifier: string): Promise<void>;
  /** The keys this limiter uses for `identifier` (limits in order, then the block key). */
  keys(identifier: string): string[];
  /** The validated options. */
  readonly options: Readonly<ResolvedOptions>;
}

/** Identifiers whose keys a limiter remembers. */
const RECENT_MAX = 4096;
/** Longest identifier put in keys as is (escaped); longer ones are hashed. */
const MAX_ESCAPED = 200;

const TAGS = {
  gcra: 'gcra',
  'fixed-window': 'fw',
  'sliding-window': 'sw',
  'sliding-log': 'sl',
  'token-bucket': 'tb',
} as const;

/** Create a rate limiter. Options are validated once; see {@link RateLimiterOptions}. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const o = resolveOptions(options);
  const script = RATE_LIMIT_SCRIPTS[o.algorithm];
  const store = o.store;
  const names = o.policies.map((p) => p.name);
  const windows = o.policies.map((p) => p.window);
  const suffixes = names.map((n) => `}:${TAGS[o.algorithm]}:${n}`);
  const n = o.policies.length;
  const explicitBurst = (options.limits ?? [{ burst: options.burst }]).map((p) => p.burst !== undefined);
  const blocking = o.block !== undefined;
  // ARGV without the cost and take flag; reused by every call that has no per-call limits.
  const tail: string[] = [String(n)];
  tail.push(
    blocking ? String(o.block?.after) : '0',
    String(o.block?.duration ?? 0),
    String(o.block?.within ?? 0),
  );
  for (const p of o.policies) tail.push(String(p.limit), String(p.window), String(p.burst));
  // The common call (cost 1, no per-call limits) reuses one ARGV array: the store copies it.
  // Frozen, so the store checks it once (see core's createStore).
  const takeOne: readonly string[] = Object.freeze(['1', '1', ...tail]);
  // A memory store answers synchronously in-process: a deadline there would only cost time.
  const deadline =
    o.timeout > 0 && store.capabilities.shared ? createDeadlines(o.timeout, store.name) : undefined;
  const cache = o.blockCacheMax > 0 ? new LRUCache<string, number>({ max: o.blockCacheMax }) : undefined;
  let fallback: RateLimiter | undefined;

  const keyPart = (identifier: string): string => {
    if (typeof identifier !== 'string' || identifier.length === 0) {
      throw invalidArgument('identifier must be a non-empty string');
    }
    if (o.identifiers === 'hash' || identifier.length > MAX_ESCAPED)
      return `#${hashKeyPart(identifier.toWellFormed())}`;
    try {
      return encodeURIComponent(identifier);
    } catch {
      return `#${hashKeyPart(identifier.toWellFormed())}`;
    }
  };

  // Keys of recent identifiers: escaping and concatenation cost more than a Map lookup, and a
  // store hashes a string it has seen before for free. Bounded; cleared whole when full.
  const recent = new Map<string, { part: string; keys: string[] }>();

  const keysOf = (part: string): string[] => {
    const out: string[] = new Array(blocking ? n + 1 : n);
    const head = `${o.prefix}{${part}`;
    for (let i = 0; i < n; i++) out[i] = head + suffixes[i];
    if (blocking) out[n] = `${head}}:block`;
    return out;
  };

  const argsOf = (cost: number, take: boolean, limits: readonly number[] | undefined): readonly string[] => {
    if (cost === 1 && take && !limits) return takeOne;
    const args = [String(cost), take ? '1' : '0', ...tail];
    if (limits) {
      for (let i = 0; i < limits.length && i < n; i++) {
        const l = limits[i] as number;
        const p = o.policies[i] as ResolvedOptions['policies'][number];
        checkPolicy(
          o.algorithm,
          l,
          p.window,
          o.algorithm === 'token-bucket' && explicitBurst[i] ? p.burst : l,
          (m) => invalidArgument(`limit of ${p.name}: ${m}`),
        );
        args[6 + 3 * i] = String(l);
        // A token bucket without an explicit burst holds one window's worth of its limit.
        if (o.algorithm === 'token-bucket' && !explicitBurst[i]) args[8 + 3 * i] = String(l);
      }
    }
    return args;
  };

  const checkCost = (cost: number, peek: boolean): void => {
    // 1 × the longest window (a year) is far below 2^52: the common call needs no checks.
    if (cost === 1) return;
    if (!Number.isSafeInteger(cost)) throw invalidArgument(`cost must be a whole number (got ${cost})`);
    if (peek && cost < 0) throw invalidArgument('peek cost must be >= 0');
    for (const p of o.policies) {
      if (Math.abs(cost) * p.window > 2 ** 52)
        throw invalidArgument(`cost ${cost} is too large for window ${p.window}`);
    }
  };

  const asList = (v: number | readonly number[] | undefined): readonly number[] | undefined =>
    v === undefined ? undefined : typeof v === 'number' ? [v] : v;

  const failure = async (
    error: unknown,
    identifier: string,
    call: { cost: number; limit?: number | readonly number[] | undefined },
    take: boolean,
    limits: readonly number[] | undefined,
  ): Promise<RateLimitResult> => {
    const err: KvError = toKvError(error, store.name);
    if (o.onStoreError === 'fallback') {
      fallback ??= createRateLimiter({
        ...options,
        store: o.fallbackStore ?? memoryAdapter(),
        onStoreError: 'fail-closed',
        timeout: 0,
        blockCache: false,
        limitFor: undefined,
      });
      const r = await (take
        ? fallback.limit(identifier, { cost: call.cost, limit: limits })
        : fallback.peek(identifier, { cost: call.cost, limit: limits }));
      return { ...r, reason: r.reason === 'store-error' ? 'store-error' : 'fallback', error: err };
    }
    const reason: RateLimitReason = isKvError(err, 'E_TIMEOUT') ? 'timeout' : 'store-error';
    const allowed = o.onStoreError === 'fail-open';
    const policies = o.policies.map((p, i) => ({
      name: p.name,
      limit: limits?.[i] ?? p.limit,
      window: p.window,
      remaining: 0,
      resetAfter: 0,
      retryAfter: 0,
    }));
    const first = policies[0] as (typeof policies)[number];
    return {
      allowed,
      limit: first.limit,
      remaining: 0,
      resetAfter: 0,
      retryAfter: 0,
      reason,
      policies,
      now: Date.now(),
      error: err,
      pending: DONE,
    };
  };

  const finish = (outcome: ScriptOutcome, part: string, cost: number): RateLimitResult => {
    const result = fromOutcome(outcome, names, windows);
    if (cache && !result.allowed && (result.reason === 'blocked' || cost === 1)) {
      if (Number.isFinite(result.retryAfter) && result.retryAfter > 0)
        cache.set(part, Date.now() + result.retryAfter);
    }
    return result;
  };

  const send = (
    identifier: string,
    part: string,
    keys: string[],
    call: { cost: number; limit?: number | readonly number[] | undefined },
    take: boolean,
    limits: readonly number[] | undefined,
  ): Promise<RateLimitResult> => {
    const args = argsOf(call.cost, take, limits);
    const p = store.eval(script, keys, args);
    // One hop from the store's reply to the result: no async function in between.
    return (deadline ? deadline(p) : p).then(
      (outcome) => finish(outcome, part, call.cost),
      (error: unknown) => {
        if (isKvError(error, 'E_INVALID_ARGUMENT')) throw error;
        return failure(error, identifier, call, take, limits);
      },
    );
  };

  const run = (
    identifier: string,
    call: { cost: number; limit?: number | readonly number[] | undefined },
    take: boolean,
  ): Promise<RateLimitResult> => {
    let part: string;
    let keys: string[];
    try {
      const known = recent.get(identifier);
      if (known !== undefined) {
        part = known.part;
        keys = known.keys;
      } else {
        part = keyPart(identifier);
        // Frozen: the same array goes to every call of this identifier.
        keys = Object.freeze(keysOf(part)) as string[];
        // Long identifiers are hashed anyway, and keeping them would bound entries, not bytes.
        if (identifier.length <= MAX_ESCAPED) {
          if (recent.size >= RECENT_MAX) recent.clear();
          recent.set(identifier, { part, keys });
        }
      }
      checkCost(call.cost, !take);
    } catch (error) {
      return Promise.reject(error);
    }
    if (take && cache) {
      const until = cache.get(part);
      if (until !== undefined) {
        const now = Date.now();
        if (until > now) return Promise.resolve(cachedBlock(until - now, now));
        cache.delete(part);
      }
    }
    const limits = asList(call.limit);
    if (limits === undefined && o.limitFor) {
      return (async () => {
        const r = (o.limitFor as NonNullable<typeof o.limitFor>)(identifier);
        return send(identifier, part, keys, call, take, asList(r instanceof Promise ? await r : r));
      })();
    }
    try {
      return send(identifier, part, keys, call, take, limits);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const cachedBlock = (wait: number, now: number): RateLimitResult => {
    const policies = o.policies.map((p) => ({
      name: p.name,
      limit: p.limit,
      window: p.window,
      remaining: 0,
      resetAfter: wait,
      retryAfter: wait,
    }));
    const first = policies[0] as (typeof policies)[number];
    return {
      allowed: false,
      limit: first.limit,
      remaining: 0,
      resetAfter: wait,
      retryAfter: wait,
      reason: 'cache-block',
      policies,
      now,
      pending: DONE,
    };
  };

  return {
    options: o,
    limit(identifier, opts) {
      return run(identifier, { cost: opts?.cost ?? 1, limit: opts?.limit }, true);
    },
    peek(identifier, opts) {
      return run(identifier, { cost: opts?.cost ?? 0, limit: opts?.limit }, false);
    },
    async reset(identifier) {
      const part = keyPart(identifier);
      cache?.delete(part);
      const keys = keysOf(part);
      if (!blocking) keys.push(`${o.prefix}{${part}}:block`);
      await store.del(keys);
    },
    keys(identifier) {
      return keysOf(keyPart(identifier));
    },
  };
}
