import { KvError } from '@raptorflow/core';
import { type Duration, invalidArgument } from '@raptorflow/core/kit';
import { type StoredEntry, usableVersions } from './backend.js';
import { type CallSettings, callMs, callSettings, type GetOrSetOptions } from './call-options.js';
import { guard, type NamespaceScope, storeFailed, storeLikelyDown } from './context.js';
import type { CacheResult, CacheStatus } from './events.js';
import { dueForRefresh, freshness } from './freshness.js';
import { checkTags, userKey } from './keys.js';
import { acquireOrWait, type Lease, releaseLease } from './lease.js';
import { writeEntries } from './write.js';

/** What a factory receives. */
export interface FactoryContext<T> {
  /** The stale value, when one exists (within grace). */
  readonly stale: T | undefined;
  /** Aborted when `hardTimeout` passes: pass it to fetch or your database driver. */
  readonly signal: AbortSignal;
  /** Do not cache this result. */
  skip(): void;
  /** Cache this result for `ttl` instead (adaptive caching). */
  setTtl(ttl: Duration): void;
  /** Tag this result with `tags` instead of the call's tags. */
  setTags(tags: readonly string[]): void;
}

/** Computes a value on a miss. */
export type Factory<T> = (context: FactoryContext<T>) => T | Promise<T>;

interface Outcome<T> {
  readonly value: T;
  readonly result: CacheResult;
  readonly pending?: Promise<void> | undefined;
}

const noop = (): void => {};

function emitStale(ns: NamespaceScope, reason: 'expired' | 'error' | 'timeout' | 'lease' | 'store'): void {
  if (ns.ctx.events.has('stale')) ns.ctx.events.emit('stale', { ...ns.scope, reason });
}

function finish<T>(status: CacheStatus | undefined, outcome: Outcome<T>): T {
  if (status) {
    status.result = outcome.result;
    if (outcome.pending) status.pending = outcome.pending;
  }
  return outcome.value;
}

/**
 * Return the cached value of `key`, or compute it with `factory` once: concurrent callers in
 * this process share one run, and with `lease` so do other processes. Stale values (within
 * grace) are served when the factory fails or passes its soft timeout, and at once with
 * stale-while-revalidate.
 */
export async function getOrSet<T>(
  ns: NamespaceScope,
  key: string,
  factory: Factory<T>,
  options: GetOrSetOptions | undefined,
): Promise<T> {
  if (typeof factory !== 'function') throw invalidArgument('getOrSet', 'factory must be a function');
  const k = userKey(key, ns.config.hashKeys);
  const s = callSettings(ns.config, options, 'getOrSet');
  const status = options?.status;
  const now = Date.now();
  const peeked = ns.backend.peek(ns.ref, k);
  if (peeked && freshness(peeked, now) === 'fresh')
    return served(ns, k, factory, s, peeked, status, now, undefined);
  let entry: StoredEntry | undefined;
  let wanted: readonly string[] | undefined;
  try {
    const read = await guard(ns.ctx, ns.backend.read(ns.ref, [k], s.tags), 'read');
    entry = read.entries[0];
    wanted = read.wanted;
  } catch (error) {
    if (!storeFailed(ns, error, 'read')) throw error;
    if (ns.ctx.options.onStoreError === 'fallback' && peeked && freshness(peeked, now) !== 'dead') {
      emitStale(ns, 'store');
      return finish(status, { value: peeked.envelope.value as T, result: 'stale' });
    }
    // fail-open (or nothing stale at hand): the factory still runs once per key in this process, and nothing is written.
    return finish(status, await flight(ns, k, () => run(ns, k, factory, s, undefined, undefined, false)));
  }
  const state = entry ? freshness(entry, now) : 'dead';
  if (entry && state === 'fresh') return served(ns, k, factory, s, entry, status, now, wanted);
  const stale = state === 'stale' ? entry : undefined;
  if (stale && storeLikelyDown(ns.ctx)) {
    emitStale(ns, 'store');
    return finish(status, { value: stale.envelope.value as T, result: 'stale' });
  }
  if (stale && s.staleWhileRevalidate) {
    emitStale(ns, 'expired');
    const pending = refresh(ns, k, factory, s, stale, wanted);
    return finish(status, { value: stale.envelope.value as T, result: 'stale', pending });
  }
  if (ns.ctx.events.has('miss')) ns.ctx.events.emit('miss', ns.scope);
  return finish(status, await flight(ns, k, () => run(ns, k, factory, s, stale, wanted, true)));
}

function served<T>(
  ns: NamespaceScope,
  k: string,
  factory: Factory<T>,
  s: CallSettings,
  entry: StoredEntry,
  status: CacheStatus | undefined,
  now: number,
  wanted: readonly string[] | undefined,
): T {
  const tier = entry.tier;
  if (ns.ctx.events.has('hit')) ns.ctx.events.emit('hit', { ...ns.scope, tier });
  const pending = dueForRefresh(entry, now, s.earlyRefresh)
    ? refresh(ns, k, factory, s, entry, wanted)
    : undefined;
  return finish(status, {
    value: entry.envelope.value as T,
    result: tier === 'l1' ? 'l1-hit' : 'l2-hit',
    pending,
  });
}

/** Join the run of `k` in progress in this process, or start one. */
async function flight<T>(
  ns: NamespaceScope,
  k: string,
  start: () => Promise<Outcome<T>>,
): Promise<Outcome<T>> {
  const id = ns.flightPrefix + k;
  const running = ns.ctx.flights.get(id) as Promise<Outcome<T>> | undefined;
  if (running) {
    if (ns.ctx.events.has('dedup')) ns.ctx.events.emit('dedup', { ...ns.scope, across: false });
    const outcome = await running;
    return { value: outcome.value, result: 'dedup' };
  }
  const started = start();
  ns.ctx.flights.set(id, started);
  // The flight stays registered until background work (a factory past its soft timeout) ends,
  // so a caller arriving meanwhile joins it instead of starting a second run.
  started
    .then((o) => o.pending)
    .catch(noop)
    .finally(() => {
      if (ns.ctx.flights.get(id) === started) ns.ctx.flights.delete(id);
    });
  return started;
}

/** Refresh in the background; resolves (never rejects) when done. */
function refresh<T>(
  ns: NamespaceScope,
  k: string,
  factory: Factory<T>,
  s: CallSettings,
  current: StoredEntry,
  wanted: readonly string[] | undefined,
): Promise<void> {
  const background: CallSettings = { ...s, softTimeout: undefined };
  return flight(ns, k, () => run(ns, k, factory, background, current, wanted, true, true)).then(noop, noop);
}

async function run<T>(
  ns: NamespaceScope,
  k: string,
  factory: Factory<T>,
  s: CallSettings,
  stale: StoredEntry | undefined,
  wanted: readonly string[] | undefined,
  write: boolean,
  background = false,
): Promise<Outcome<T>> {
  let lease: Lease | undefined;
  if (s.lease && write) {
    const got = await acquireOrWait(ns, k, s.lease, stale !== undefined);
    if (got.kind === 'value') {
      if (ns.ctx.events.has('dedup')) ns.ctx.events.emit('dedup', { ...ns.scope, across: true });
      return { value: got.entry.envelope.value as T, result: 'dedup' };
    }
    if (got.kind === 'stale') {
      emitStale(ns, 'lease');
      return { value: stale?.envelope.value as T, result: 'stale' };
    }
    lease = got.lease;
  }
  const produced = produce(ns, k, factory, s, stale, wanted, write, lease, background);
  if (stale && s.softTimeout !== undefined) {
    let timedOut = false;
    try {
      const value = await ns.ctx.factories.track(produced, s.softTimeout, 'factory', () => {
        timedOut = true;
      });
      return { value, result: 'miss' };
    } catch {
      if (timedOut) {
        emitStale(ns, 'timeout');
        return { value: stale.envelope.value as T, result: 'stale', pending: produced.then(noop, noop) };
      }
      emitStale(ns, 'error');
      return { value: stale.envelope.value as T, result: 'stale' };
    }
  }
  try {
    return { value: await produced, result: 'miss' };
  } catch (error) {
    if (!stale) throw error;
    emitStale(ns, 'error');
    return { value: stale.envelope.value as T, result: 'stale' };
  }
}

async function produce<T>(
  ns: NamespaceScope,
  k: string,
  factory: Factory<T>,
  s: CallSettings,
  stale: StoredEntry | undefined,
  wanted: readonly string[] | undefined,
  write: boolean,
  lease: Lease | undefined,
  background: boolean,
): Promise<T> {
  // Created only when the factory reads `signal`: most factories never do, and it costs ~2 µs.
  let controller: AbortController | undefined;
  let abortedBy: KvError | undefined;
  let ttl = s.ttl;
  let tags = s.tags;
  let skipped = false;
  const context: FactoryContext<T> = {
    stale: stale?.envelope.value as T | undefined,
    get signal(): AbortSignal {
      if (!controller) {
        controller = new AbortController();
        if (abortedBy) controller.abort(abortedBy);
      }
      return controller.signal;
    },
    skip: () => {
      skipped = true;
    },
    setTtl: (value) => {
      ttl = callMs(value, 'setTtl', 'ttl', 1);
    },
    setTags: (value) => {
      tags = checkTags(value);
    },
  };
  try {
    let running = Promise.resolve().then(() => factory(context));
    if (s.hardTimeout !== undefined) {
      running = ns.ctx.factories.track(
        running,
        s.hardTimeout,
        `factory of namespace ${ns.config.name}`,
        () => {
          abortedBy = new KvError('E_TIMEOUT', 'hardTimeout');
          controller?.abort(abortedBy);
        },
      );
    }
    let value: T;
    try {
      value = await running;
    } catch (error) {
      if (ns.ctx.events.has('factory-error'))
        ns.ctx.events.emit('factory-error', { ...ns.scope, error, background });
      throw error;
    }
    const negative = value === null || value === undefined;
    if (write && !skipped && (!negative || s.negativeTtl > 0)) {
      try {
        await guard(
          ns.ctx,
          writeEntries(ns, [
            {
              key: k,
              value,
              ttl: negative ? s.negativeTtl : ttl,
              grace: s.grace,
              jitter: s.jitter,
              tags,
              // Versions read before the factory ran: a tag bumped meanwhile leaves this entry invalid.
              // A corrupt one is left out, so the write reads the versions again and repairs it.
              versions: tags === s.tags ? usableVersions(wanted) : undefined,
              negative,
            },
          ]),
          'write',
        );
      } catch (error) {
        if (!storeFailed(ns, error, 'write')) throw error;
      }
    }
    return value;
  } finally {
    if (lease) await releaseLease(ns, lease);
  }
}
