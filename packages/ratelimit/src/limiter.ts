import { isKvError, type KvError, memoryAdapter, toKvError } from '@raptorflow/core';
import {
  createDeadlines,
  describeValue,
  featureEvents,
  featureKeyspace,
  invalidArgument,
  isStoreFailure,
} from '@raptorflow/core/kit';
import { BlockCache } from './block-cache.js';
import {
  type Call,
  callOf,
  type LimitCallOptions,
  limitsOf,
  type PeekCallOptions,
  tenantOf,
} from './call.js';
import { createCombiner } from './combine.js';
import { emitRateLimitEvent, emitRepairEvent, type RateLimitOperation } from './events.js';
import { identifierKeyPart, MAX_ESCAPED } from './identifier.js';
import { checkPolicy, type RateLimiterOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { DONE, fromOutcome, type RateLimitReason, type RateLimitResult } from './result.js';
import { ALGORITHMS, argsEncoder, type LimitParams, type ScriptOutcome } from './scripts/index.js';

/** A rate limiter on a RaptorFlow KV store. */
export interface RateLimiter {
  /** Take `cost` units for `identifier` from every limit, or from none; one round trip. */
  limit(identifier: string, options?: LimitCallOptions): Promise<RateLimitResult>;
  /** Report the state of `identifier` without taking anything. */
  peek(identifier: string, options?: PeekCallOptions): Promise<RateLimitResult>;
  /** Forget everything about `identifier` (its counters, its penalty and its cached block). */
  reset(identifier: string): Promise<void>;
  /**
   * The keys this limiter uses for `identifier` (limits in order, then the block key), as
   * seen from the store it was given: `<prefix>{<identifier>}:<tag>:<limit name>`.
   */
  keys(identifier: string): string[];
  /** The validated options. */
  readonly options: Readonly<ResolvedOptions>;
}

/** Identifiers whose keys a limiter remembers. */
const RECENT_MAX = 4096;

/** `where` of per-call argument errors. */
const LIMIT = 'ratelimit.limit';
const PEEK = 'ratelimit.peek';
const RESET = 'ratelimit.reset';

/** Create a rate limiter. Options are validated once; see {@link RateLimiterOptions}. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const o = resolveOptions(options);
  const algorithm = ALGORITHMS[o.algorithm];
  const script = algorithm.script;
  const store = o.store;
  // The keys live in a view at the prefix (`rf:rl:` by default): `{<identifier>}:<tag>:<name>`.
  const keyspace = featureKeyspace(store, { feature: 'rl', prefix: o.prefix });
  const view = keyspace.root;
  const prefix = keyspace.prefix;
  const hub = featureEvents(store);
  const names = o.policies.map((p) => p.name);
  const windows = o.policies.map((p) => p.window);
  const suffixes = names.map((name) => `:${algorithm.tag}:${name}`);
  const n = o.policies.length;
  const explicitBurst = (options.limits ?? [{ burst: options.burst }]).map((p) => p.burst !== undefined);
  const blocking = o.block !== undefined;
  // The one owner of the ARGV layout; the common call (cost 1, no per-call limits) gets one
  // frozen array that the store checks once (see core's createStore).
  const encode = argsEncoder(o.block, o.policies);
  // A memory store answers synchronously in-process: a deadline there would only cost time.
  const deadlines = o.timeout > 0 && store.capabilities.shared ? createDeadlines('rate-limit') : undefined;
  // `limitFor` is the caller's code: it may hang on any store, so its wait is always timed.
  const limitForDeadlines = o.timeout > 0 && o.limitFor ? createDeadlines('rate-limit') : undefined;
  // Calls of one tick as one script invocation on a shared store (see combine.ts).
  const combiner =
    o.combine && store.capabilities.shared ? createCombiner(store, script, algorithm.many) : undefined;
  // A store that runs scripts in-process (memory, through namespace views) answers in the
  // call itself: the same twin through `evalSync`, one resolved promise instead of three hops.
  // With a layer in between that times, counts or routes calls, the store has no `evalSync`.
  const evalSync = combiner || deadlines ? undefined : store.evalSync;
  const cache = o.blockCacheMax > 0 ? new BlockCache(o.blockCacheMax) : undefined;
  let fallback: RateLimiter | undefined;
  /** The result of the call in progress when it was answered in the call itself; see `observedRun`. */
  let answered: RateLimitResult | undefined;

  const keyPart = (identifier: string, where: string): string =>
    identifierKeyPart(identifier, o.identifiers, where);

  // Keys of recent identifiers, prefixed once: escaping and concatenation cost more than a Map
  // lookup, and a store hashes a string it has seen before for free. The hot path sends them
  // through `store`, already prefixed, rather than through `view`: the view would build new key
  // strings on every call (measured: about a third of a memory call's time). Same bytes.
  // Bounded; cleared whole when full.
  const recent = new Map<string, { part: string; keys: string[] }>();

  /** Keys relative to the view: `{part}:<tag>:<name>`..., then `{part}:block` when blocking. */
  const keysOf = (part: string): string[] => {
    const out: string[] = new Array(blocking ? n + 1 : n);
    const tag = keyspace.tag(part);
    for (let i = 0; i < n; i++) out[i] = tag + suffixes[i];
    if (blocking) out[n] = `${tag}:block`;
    return out;
  };

  /** This call's limits in place of the configured ones, checked like the options. */
  const overrideOf = (limits: readonly number[], where: string): LimitParams[] => {
    const out: LimitParams[] = o.policies.map((p) => ({ limit: p.limit, window: p.window, burst: p.burst }));
    for (let i = 0; i < limits.length && i < n; i++) {
      const l = limits[i] as number;
      const p = o.policies[i] as ResolvedOptions['policies'][number];
      // A token bucket without an explicit burst holds one window's worth of its limit.
      const burst = o.algorithm === 'token-bucket' && !explicitBurst[i] ? l : p.burst;
      const problem = checkPolicy(o.algorithm, l, p.window, burst);
      if (problem) throw invalidArgument(where, `limit: ${p.name}: ${problem.message}`);
      out[i] = { limit: l, window: p.window, burst };
    }
    return out;
  };

  const checkCost = (cost: number, peek: boolean, where: string): void => {
    // 1 × the longest window (a year) is far below 2^52: the common call needs no checks.
    if (cost === 1) return;
    if (!Number.isSafeInteger(cost))
      throw invalidArgument(where, `cost: must be a whole number, got ${describeValue(cost)}`);
    if (peek && cost < 0) throw invalidArgument(where, `cost: must be >= 0, got ${cost}`);
    for (const p of o.policies) {
      if (Math.abs(cost) * p.window > 2 ** 52)
        throw invalidArgument(where, `cost: ${cost} is too large for window ${p.window} ms`);
    }
  };

  const failure = async (
    error: unknown,
    identifier: string,
    call: Call,
    take: boolean,
    limits: readonly number[] | undefined,
  ): Promise<RateLimitResult> => {
    const err: KvError = toKvError(error, store.name);
    // A store failure is the policy's; a bad argument, a wrong type or a script error is the caller's.
    if (!isStoreFailure(err)) throw err;
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

  const finish = (outcome: ScriptOutcome, part: string, call: Call): RateLimitResult => {
    const cost = call.cost;
    if (outcome.repaired > 0 && hub.has('operation'))
      emitRepairEvent(hub, tenantOf(call), outcome.repaired, o.algorithm, o.name);
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
    call: Call,
    take: boolean,
    limits: readonly number[] | undefined,
    override: LimitParams[] | undefined,
  ): Promise<RateLimitResult> => {
    const args = override ? encode(call.cost, take, override) : encode(call.cost, take);
    if (evalSync !== undefined) {
      let outcome: ScriptOutcome;
      try {
        outcome = evalSync(script, keys, args);
      } catch (error) {
        return failure(error, identifier, call, take, limits);
      }
      try {
        const result = finish(outcome, part, call);
        answered = result;
        return Promise.resolve(result);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const p = combiner ? combiner.send(keys, args) : store.eval(script, keys, args);
    // One hop from the store's reply to the result: no async function in between.
    return (deadlines ? deadlines.track(p, o.timeout, take ? 'limit' : 'peek') : p).then(
      (outcome) => finish(outcome, part, call),
      (error: unknown) => failure(error, identifier, call, take, limits),
    );
  };

  const run = (identifier: string, call: Call, take: boolean): Promise<RateLimitResult> => {
    let part: string;
    let keys: string[];
    let limits: readonly number[] | undefined;
    let override: LimitParams[] | undefined;
    const where = take ? LIMIT : PEEK;
    try {
      const known = recent.get(identifier);
      if (known !== undefined) {
        part = known.part;
        keys = known.keys;
      } else {
        part = keyPart(identifier, where);
        // Frozen: the same array goes to every call of this identifier.
        keys = Object.freeze(keysOf(part).map((k) => prefix + k)) as string[];
        // Long identifiers are hashed anyway, and keeping them would bound entries, not bytes.
        if (identifier.length <= MAX_ESCAPED) {
          if (recent.size >= RECENT_MAX) recent.clear();
          recent.set(identifier, { part, keys });
        }
      }
      checkCost(call.cost, !take, where);
      if (call.tenant !== undefined && typeof call.tenant !== 'string')
        throw invalidArgument(where, `tenant: must be a string, got ${describeValue(call.tenant)}`);
      // Checked before the block cache answers: a bad call fails whatever the cache holds.
      limits = limitsOf(call.limit, n, where, 'limit');
      override = limits && overrideOf(limits, where);
    } catch (error) {
      return Promise.reject(error);
    }
    if (take && cache) {
      const until = cache.get(part);
      if (until !== undefined) {
        const now = Date.now();
        if (until > now) {
          const result = cachedBlock(until - now, now);
          answered = result;
          return Promise.resolve(result);
        }
        cache.delete(part);
      }
    }
    try {
      if (limits === undefined && o.limitFor) return viaLimitFor(identifier, part, keys, call, take);
      return send(identifier, part, keys, call, take, limits, override);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  /** The call with `limitFor`'s limits; a `limitFor` that does not settle in `timeout` is a timeout. */
  const viaLimitFor = (
    identifier: string,
    part: string,
    keys: string[],
    call: Call,
    take: boolean,
  ): Promise<RateLimitResult> => {
    const where = take ? LIMIT : PEEK;
    const go = (answer: unknown): Promise<RateLimitResult> => {
      const limits = limitsOf(answer, n, where, 'limitFor() returned');
      return send(identifier, part, keys, call, take, limits, limits && overrideOf(limits, where));
    };
    const r: unknown = (o.limitFor as NonNullable<typeof o.limitFor>)(identifier);
    if (typeof (r as PromiseLike<unknown> | undefined)?.then !== 'function') return go(r);
    const p = Promise.resolve(r);
    return (limitForDeadlines ? limitForDeadlines.track(p, o.timeout, 'limitFor') : p).then(
      go,
      (error: unknown) =>
        isKvError(error, 'E_TIMEOUT')
          ? failure(error, identifier, call, take, undefined)
          : Promise.reject(error),
    );
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

  const reset = async (identifier: string): Promise<undefined> => {
    const part = keyPart(identifier, RESET);
    cache?.delete(part);
    // Calls made before this reset are sent before its DEL, on the same connection.
    combiner?.flush();
    const keys = keysOf(part);
    if (!blocking) keys.push(`${keyspace.tag(part)}:block`);
    await view.del(keys);
    return undefined;
  };

  /** Emit the call's event when it settles; only called when someone listens. */
  const observe = <T extends RateLimitResult | undefined>(
    p: Promise<T>,
    operation: RateLimitOperation,
    tenant: string | undefined,
    started: number,
  ): Promise<T> =>
    p.then(
      (result) => {
        emitRateLimitEvent(hub, o.name, operation, tenant, performance.now() - started, result);
        return result;
      },
      (error: unknown) => {
        const code = toKvError(error).code;
        emitRateLimitEvent(hub, o.name, operation, tenant, performance.now() - started, undefined, code);
        throw error;
      },
    );

  /**
   * `run` and its event, for `limit` and `peek` when someone listens. A call answered in the
   * call itself (the memory store's `evalSync`, a cached block) sets `answered`: its event goes
   * out at once with `durationMs` 0, with no clock read and no promise hop (the kit's
   * `FeatureEvent` rule for answers from process memory). On a store that answers
   * synchronously, anything else (a store failure's policy, an async `limitFor`) is timed from
   * when the call returns; on other stores, from its start.
   */
  const observedRun = (
    identifier: string,
    call: Call,
    take: boolean,
    operation: RateLimitOperation,
  ): Promise<RateLimitResult> => {
    const tenant = tenantOf(call);
    if (evalSync === undefined) {
      const started = performance.now();
      return observe(run(identifier, call, take), operation, tenant, started);
    }
    answered = undefined;
    const p = run(identifier, call, take);
    const result = answered;
    if (result === undefined) return observe(p, operation, tenant, performance.now());
    answered = undefined;
    emitRateLimitEvent(hub, o.name, operation, tenant, 0, result);
    return p;
  };

  return {
    options: o,
    limit(identifier, opts) {
      let call: Call;
      try {
        call = callOf(opts, 1, LIMIT);
      } catch (error) {
        return Promise.reject(error);
      }
      // No listener: no clock read, no allocation beyond the call itself.
      if (!hub.has('operation')) return run(identifier, call, true);
      return observedRun(identifier, call, true, 'limit');
    },
    peek(identifier, opts) {
      let call: Call;
      try {
        call = callOf(opts, 0, PEEK);
      } catch (error) {
        return Promise.reject(error);
      }
      if (!hub.has('operation')) return run(identifier, call, false);
      return observedRun(identifier, call, false, 'peek');
    },
    reset(identifier) {
      if (!hub.has('operation')) return reset(identifier);
      return observe(reset(identifier), 'reset', undefined, performance.now());
    },
    keys(identifier) {
      return keysOf(keyPart(identifier, 'ratelimit.keys')).map((k) => prefix + k);
    },
  };
}
