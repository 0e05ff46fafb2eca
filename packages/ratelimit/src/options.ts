import type { KvStore } from '@raptorflow/core';
import {
  type Duration,
  describeValue,
  durationSchema,
  optionError,
  parseOptions,
  resolvePolicy,
  STORE_FAILURE_POLICIES,
  type StoreFailurePolicy,
} from '@raptorflow/core/kit';
import * as z from 'zod';
import { ALGORITHM_NAMES, type AlgorithmName } from './scripts/index.js';

/** Largest limit × window (and cost × window) the scripts accept: keeps every product exact in a double. */
export const MAX_PRODUCT: number = 2 ** 52;
/** Largest limit of the sliding-log algorithm, which stores one entry per admitted unit. */
export const MAX_LOG_LIMIT = 1000;
/** Longest window: one year. */
export const MAX_WINDOW_MS: number = 366 * 86_400_000;
/** Most limits in one limiter. */
export const MAX_LIMITS = 8;

/** One limit of a limiter, e.g. `{ limit: 10, window: '1s' }`. */
export interface LimitPolicy {
  /** Name in keys and in the `RateLimit` headers: letters, digits, `_` and `-`. @default `w<window ms>` */
  name?: string | undefined;
  /** Units allowed per window (for the token bucket: units refilled per window). A whole number > 0. */
  limit: number;
  /** Window length: ms, or a string like `'250ms'`, `'10s'`, `'1m'`, `'1d'`. */
  window: Duration;
  /** Token bucket only: most units the bucket holds. @default limit */
  burst?: number | undefined;
}

/**
 * What to do when the store fails or does not answer in time.
 * @deprecated Use `StoreFailurePolicy` from `@raptorflow/core/kit` (the same three names).
 */
export type StoreErrorPolicy = StoreFailurePolicy;

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** The store: any RaptorFlow KV store (memory, ioredis, ioredis Cluster, Upstash). */
  store: KvStore;
  /** The algorithm. @default 'gcra' */
  algorithm?: AlgorithmName | undefined;
  /**
   * The limiter's name in its events (`detail.limiter`), so metrics count allowed and blocked
   * per limiter (`login`, `api`). A fixed name you choose, never a key or a user id: it becomes
   * a metric label. 1-64 of `A-Z a-z 0-9 _ . : -`. @default the algorithm (`'gcra'`)
   */
  name?: string | undefined;
  /** Units per window, for a single limit. Use `limits` for several. */
  limit?: number | undefined;
  /** Window of the single limit (ms or `'10s'`). */
  window?: Duration | undefined;
  /** Token bucket only: capacity of the single limit. @default limit */
  burst?: number | undefined;
  /** Several limits checked and taken atomically in one round trip ("10 per second and 1000 per day"). */
  limits?: readonly LimitPolicy[] | undefined;
  /** Key prefix; must not contain `{` or `}`. @default 'rf:rl:' */
  prefix?: string | undefined;
  /**
   * Per-identifier limits: return the limit (or one per policy, in order) for this identifier,
   * or `undefined` for the configured ones. Called on every `limit`/`peek`. Its answer is checked
   * like a per-call limit (`E_INVALID_ARGUMENT`); one that does not settle within `timeout` is a
   * timeout, answered by `onStoreError`, on every store.
   */
  limitFor?:
    | ((
        identifier: string,
      ) => number | readonly number[] | undefined | Promise<number | readonly number[] | undefined>)
    | undefined;
  /**
   * Block an identifier after repeated rejections: after `after` rejected calls within
   * `within`, every call is rejected for `duration` (reason `blocked`).
   */
  block?: { after?: number | undefined; duration: Duration; within?: Duration | undefined } | undefined;
  /**
   * In-process cache of identifiers known to be blocked until a time, so a blocked caller costs
   * no round trip. `false` disables it. @default { max: 10000 }
   */
  blockCache?: false | { max?: number | undefined } | undefined;
  /**
   * Policy when the store fails or times out (a store failure: `isStoreFailure` from the kit;
   * a bad argument or a script error always throws). The result's `reason` says which
   * happened. @default 'fail-closed'
   */
  onStoreError?: StoreFailurePolicy | undefined;
  /** Store used by `onStoreError: 'fallback'`. @default a new memoryAdapter() */
  fallbackStore?: KvStore | undefined;
  /** Per-call time limit (ms or `'500ms'`); 0 disables it. @default 1000 */
  timeout?: Duration | 0 | undefined;
  /**
   * How identifiers enter keys: `escape` percent-encodes them (readable keys; identifiers over
   * 200 characters are hashed anyway), `hash` stores their SHA-256. @default 'escape'
   */
  identifiers?: 'escape' | 'hash' | undefined;
  /**
   * On a shared store (Redis, Upstash), send the calls made in one tick as one script invocation
   * that checks each in order (one round trip and one `EVALSHA` for all of them, grouped by hash
   * tag on a Cluster); each call keeps its own result, error and timeout. `false` sends one
   * script per call. Memory answers in process and never combines. @default true
   */
  combine?: boolean | undefined;
}

const window = durationSchema({ max: MAX_WINDOW_MS });

const storeSchema = z.custom<KvStore>(
  (v) => typeof v === 'object' && v !== null && typeof (v as KvStore).eval === 'function',
  'must be a KvStore',
);

const policySchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, _ or -')
    .optional(),
  limit: z.number().int().positive(),
  window,
  burst: z.number().int().positive().optional(),
});

const schema = z.strictObject({
  store: storeSchema,
  algorithm: z.enum(ALGORITHM_NAMES as [AlgorithmName, ...AlgorithmName[]]).default('gcra'),
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, _ . : or -')
    .optional(),
  limit: z.number().int().positive().optional(),
  window: window.optional(),
  burst: z.number().int().positive().optional(),
  limits: z.array(policySchema).min(1).max(MAX_LIMITS).optional(),
  prefix: z
    .string()
    .regex(/^[^{}]*$/, 'must not contain { or }')
    .default('rf:rl:'),
  limitFor: z.custom<NonNullable<RateLimiterOptions['limitFor']>>((v) => typeof v === 'function').optional(),
  block: z
    .strictObject({
      after: z.number().int().positive().default(1),
      duration: window,
      within: window.optional(),
    })
    .optional(),
  blockCache: z
    .union([z.literal(false), z.strictObject({ max: z.number().int().positive().default(10_000) })])
    .default({ max: 10_000 }),
  onStoreError: z.enum(STORE_FAILURE_POLICIES as [StoreFailurePolicy, ...StoreFailurePolicy[]]).optional(),
  fallbackStore: storeSchema.optional(),
  // 0 disables the time limit.
  timeout: durationSchema({ min: 0, max: MAX_WINDOW_MS }).default(1000),
  identifiers: z.enum(['escape', 'hash']).default('escape'),
  combine: z.boolean().default(true),
});

/** A limit after validation. */
export interface ResolvedPolicy {
  name: string;
  limit: number;
  window: number;
  burst: number;
}

/** Options after validation and defaults. */
export interface ResolvedOptions {
  store: KvStore;
  algorithm: AlgorithmName;
  /** `detail.limiter` of its events: the `name` option, else the algorithm. */
  name: string;
  policies: ResolvedPolicy[];
  prefix: string;
  limitFor: RateLimiterOptions['limitFor'];
  block: { after: number; duration: number; within: number } | undefined;
  blockCacheMax: number;
  onStoreError: StoreFailurePolicy;
  fallbackStore: KvStore | undefined;
  timeout: number;
  identifiers: 'escape' | 'hash';
  combine: boolean;
}

const WHERE = 'createRateLimiter';

/**
 * Validate the options once; a bad option is `E_INVALID_OPTIONS`,
 * `createRateLimiter: <field>: <problem>`.
 */
export function resolveOptions(options: RateLimiterOptions): ResolvedOptions {
  const o = parseOptions(WHERE, schema, options);
  const bad = (field: string, problem: string) => optionError(WHERE, field, problem);
  let raw: Array<{ name?: string | undefined; limit: number; window: number; burst?: number | undefined }>;
  if (o.limits) {
    if (o.limit !== undefined || o.window !== undefined)
      throw bad('limits', 'cannot be combined with limit/window');
    raw = o.limits;
  } else {
    if (o.limit === undefined) throw bad('limit', 'is required (or give limits)');
    if (o.window === undefined) throw bad('window', 'is required (or give limits)');
    raw = [{ limit: o.limit, window: o.window, burst: o.burst }];
  }
  const granularity = o.store.capabilities?.ttlGranularityMs ?? 1;
  const names = new Set<string>();
  const policies = raw.map((p, i): ResolvedPolicy => {
    const at = (field: string) => (o.limits ? `limits.${i}.${field}` : field);
    const name = p.name ?? `w${p.window}`;
    if (names.has(name)) throw bad(at('name'), `"${name}" is used twice; name the limits`);
    names.add(name);
    if (p.window % granularity !== 0) {
      throw bad(
        at('window'),
        `${p.window} ms cannot be represented by ${o.store.name} (TTL granularity ${granularity} ms)`,
      );
    }
    const burst = o.algorithm === 'token-bucket' ? (p.burst ?? p.limit) : 0;
    if (p.burst !== undefined && o.algorithm !== 'token-bucket')
      throw bad(at('burst'), 'is for the token bucket only');
    const problem = checkPolicy(o.algorithm, p.limit, p.window, burst);
    if (problem) throw bad(at(problem.field), problem.message);
    return { name, limit: p.limit, window: p.window, burst };
  });
  const block = o.block
    ? {
        after: o.block.after,
        duration: o.block.duration,
        within: o.block.within ?? (policies[0] as ResolvedPolicy).window,
      }
    : undefined;
  return {
    store: o.store,
    algorithm: o.algorithm,
    name: o.name ?? o.algorithm,
    policies,
    prefix: o.prefix,
    limitFor: o.limitFor,
    block,
    blockCacheMax: o.blockCache === false ? 0 : o.blockCache.max,
    // The option, else a `withFailover` layer's policy, else refuse (a limit that admits all is no limit).
    onStoreError: resolvePolicy(o.store, o.onStoreError, 'fail-closed'),
    fallbackStore: o.fallbackStore,
    timeout: o.timeout,
    identifiers: o.identifiers,
    combine: o.combine,
  };
}

/** What is wrong with a limit, and which of its fields says so. */
export interface PolicyProblem {
  field: 'limit' | 'window';
  message: string;
}

/** Check a limit the scripts can compute exactly; undefined when it is fine. */
export function checkPolicy(
  algorithm: AlgorithmName,
  limit: number,
  window: number,
  burst: number,
): PolicyProblem | undefined {
  if (!Number.isSafeInteger(limit) || limit <= 0)
    return { field: 'limit', message: `must be a whole number > 0, got ${describeValue(limit)}` };
  if (limit * window > MAX_PRODUCT || burst * window > MAX_PRODUCT) {
    return { field: 'window', message: `limit × window must be at most 2^52, got ${limit} × ${window} ms` };
  }
  if (algorithm === 'sliding-log' && limit > MAX_LOG_LIMIT) {
    return {
      field: 'limit',
      message: `must be at most ${MAX_LOG_LIMIT} for sliding-log (it stores every unit); use sliding-window`,
    };
  }
  return undefined;
}
