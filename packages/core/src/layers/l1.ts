import { closable, closedError, closeStateOf } from '../closable.js';
import type { Codec } from '../codecs.js';
import { checkString } from '../commands.js';
import type { BatchEntry, Command, KvDriver, Reply, ScriptCall } from '../driver.js';
import { isKvError, KvError } from '../errors.js';
import type { Emitter } from '../events.js';
import { parseOptions } from '../kit/options.js';
import { requireStore } from '../kit/store-arg.js';
import { namespaceDriver } from '../namespace.js';
import type { Script } from '../script.js';
import { createStore } from '../store.js';
import type { KvStore } from '../types.js';

export type { L1Key } from './l1-key.js';
export type { L1Options } from './l1-options.js';

import { findLayer } from './find.js';
import { deepFreeze } from './freeze.js';
import { L1Bus } from './l1-bus.js';
import { type L1Entry, type L1Events, L1State, type L1Stats } from './l1-cache.js';
import { type L1Key, l1Key, l1KeyString } from './l1-key.js';
import { L1_OPTIONS, type L1Options } from './l1-options.js';
import { L1_READ, L1_READ_MAX_KEYS } from './l1-read.js';
import { l1Scope, servedKeys } from './l1-scope.js';

/** The L1 of a store built by {@link withL1}. */
export interface L1Cache {
  /** A snapshot of the counters. */
  readonly stats: L1Stats;
  /** Hit, miss, evict, invalidate and bus error events. */
  readonly events: Emitter<L1Events>;
  /** Resolves once the invalidation bus is subscribed; until then nothing is cached. */
  readonly ready: Promise<void>;
  /**
   * Read `key` and decode it with `codec`, keeping the decoded form in L1 so later hits cost no
   * parsing. The value is deep-frozen (or cloned per hit, see `protect`). The codec is matched by
   * identity: create it once. `null` when the key is missing. Decoding errors are thrown (`E_CODEC`).
   */
  getDecoded<T>(key: string, codec: Codec<T>): Promise<T | null>;
  /**
   * `key` (relative to this view) resolved once to the L1's own key. Pass the result instead of
   * the string to {@link peekDecoded} or {@link peekDecodedUntil} when the same key is read again
   * and again: the L1 key (the view's prefix + `key`) is then built and hashed once, not on every
   * hit. It names a key, not an entry: it stays valid across writes, and reads the same key
   * whichever view of this L1 it is passed to.
   */
  key(key: string): L1Key;
  /**
   * The decoded value when `key` is in L1 (no round trip, no await), else `undefined`. With
   * `notAfter` (a `performance.now()` reading, such as the `until` of {@link peekDecodedUntil}),
   * `null` once the clock has reached it, nothing counted: the key the caller built is out of
   * date (one clock reading serves both checks).
   */
  peekDecoded<T>(key: string | L1Key, codec: Codec<T>): T | undefined;
  peekDecoded<T>(key: string | L1Key, codec: Codec<T>, notAfter: number): T | undefined | null;
  /**
   * {@link peekDecoded}, with the `performance.now()` reading at which L1 stops serving this
   * copy (`until`). With {@link epoch}, a caller can keep something it derived from the value
   * (the cache keeps its generation counters so) and skip the lookup while both hold.
   */
  peekDecodedUntil<T>(
    key: string | L1Key,
    codec: Codec<T>,
  ): { readonly value: T; readonly until: number } | undefined;
  /**
   * A counter that moves whenever an entry leaves this process's L1 or is replaced: a write or
   * script naming it, an invalidation from another process, a clear, an expiry or an eviction.
   * While it stands still (and before their `until`), values peeked earlier are still the ones L1
   * holds: a change here or from another process always moves it. Shared by every view.
   */
  readonly epoch: number;
  /** Empty this process's L1 (other processes are not told). */
  clear(): void;
  /** Publish queued invalidations now; resolves when the store has them. Never rejects. */
  flush(): Promise<void>;
}

/** A store with an L1 tier; namespace views share the same L1. */
export interface L1Store extends KvStore {
  readonly l1: L1Cache;
  namespace(prefix: string): L1Store;
}

const PTTL = (key: string): Command => ({ argv: ['PTTL', key], keys: [1], readonly: true });

function readCommand(keys: readonly string[], single: boolean): Command {
  return single
    ? { argv: ['GET', keys[0] as string], keys: [1], readonly: true }
    : { argv: ['MGET', ...keys], keys: keys.map((_, i) => i + 1), readonly: true };
}

function keysOfCommand(command: Command): string[] {
  const keys: string[] = new Array(command.keys.length);
  for (let i = 0; i < command.keys.length; i++) keys[i] = command.argv[command.keys[i] as number] as string;
  return keys;
}

/** Errors after which the write may have reached the store, so other processes must hear of it. */
function mayHaveApplied(error: unknown): boolean {
  return !isKvError(error) || error.code === 'E_TIMEOUT' || error.code === 'E_CONNECTION';
}

/**
 * An lru-cache tier in front of string reads (`get`, `mget`): a hit costs zero round trips; an
 * `mget` serves its hits from L1 and fetches only the misses, in one round trip.
 *
 * Writes go through to the store. Every command or writing script that names a key evicts it
 * before it is sent and again when it completes (scripts declared `readonly: true` pass
 * through, and so do keys outside `only`), and a read in flight during that write never
 * re-inserts the old value, so a caller never reads its own stale write. Batches go to the store as they
 * are (their reads are not served from L1) and evict the keys of their writes.
 *
 * Between processes: with pub/sub, invalidations (keys only, batched per tick, after the store
 * acknowledged the write) go out on a channel, and the whole L1 is emptied when the subscriber
 * reconnects, since messages sent meanwhile are lost. Between the drop and the reconnect, and
 * on stores without pub/sub (Upstash over HTTP, memory), another process's write can stay
 * unseen for up to `ttl` ms: choose `ttl` as the staleness you accept.
 *
 * Misses read the PTTL in the same round trip (`storeTtl: 'read'`), so an L1 copy never
 * outlives the value in the store. Missing keys are not cached.
 */
export function withL1(store: KvStore, options?: L1Options): L1Store {
  requireStore('withL1', store);
  const o = parseOptions('withL1', L1_OPTIONS, options);
  const inner = store.driver;
  const state = new L1State(o);
  const channel = o.channel ?? (store.capabilities.pubsub ? 'rf:l1:invalidate' : false);
  if (channel !== false && !(inner.publish && inner.subscribe)) {
    throw new KvError('E_INVALID_OPTIONS', `withL1: channel: ${inner.name} has no pub/sub`);
  }
  const bus = channel === false ? undefined : new L1Bus(inner, state, channel);
  const readTtl = o.storeTtl === 'read';
  const clustered = inner.capabilities.cluster;
  const name = `l1(${inner.name})`;
  const protect = o.protect === 'clone' ? <T>(v: T): T => structuredClone(v) : <T>(v: T): T => v;
  const scope = l1Scope(o.only);

  /**
   * Read keys from the store (with their PTTLs) and cache what is still fresh. `single` gives
   * GET semantics (WRONGTYPE for another type) to a `get`; `mget` reads nil for other types.
   */
  async function load(keys: readonly string[], single: boolean): Promise<Array<string | null>> {
    const starts = keys.map((k) => state.beginRead(k));
    const sentAt = performance.now();
    let values: Array<string | null>;
    let ttls: Array<number | undefined> | undefined;
    try {
      if (readTtl && (keys.length === 1 || (!clustered && keys.length <= L1_READ_MAX_KEYS))) {
        const reply = (await inner.script({
          script: L1_READ as Script<unknown>,
          keys,
          args: [single ? 'get' : 'mget'],
        })) as Reply[];
        values = new Array(keys.length);
        ttls = new Array(keys.length);
        for (let i = 0; i < keys.length; i++) {
          const v = reply[2 * i];
          const t = reply[2 * i + 1];
          values[i] = typeof v === 'string' ? v : null;
          ttls[i] = typeof t === 'number' ? t : undefined;
        }
      } else if (readTtl) {
        // Cluster (keys in several slots) or very many keys: a pipeline of MGET + PTTLs.
        const entries: BatchEntry[] = [{ command: readCommand(keys, single) }];
        for (const k of keys) entries.push({ command: PTTL(k) });
        const replies = await inner.batch(entries);
        const first = replies[0];
        if (first instanceof Error) throw first;
        values = single ? [first as string | null] : (first as Array<string | null>);
        ttls = replies.slice(1).map((r) => (typeof r === 'number' ? r : undefined));
      } else {
        const reply = await inner.command(readCommand(keys, single));
        values = single ? [reply as string | null] : (reply as Array<string | null>);
      }
    } catch (error) {
      for (let i = 0; i < keys.length; i++) state.endRead(keys[i] as string, starts[i] as number);
      throw error;
    }
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const fresh = state.endRead(key, starts[i] as number);
      const value = values[i];
      if (!fresh || typeof value !== 'string' || (scope !== undefined && !scope(key))) continue;
      // With storeTtl 'read', a PTTL that failed to arrive means we do not know the expiry: skip.
      const pttl = ttls ? ttls[i] : undefined;
      if (ttls && pttl === undefined) continue;
      state.insert(key, value, pttl, sentAt);
    }
    return values;
  }

  function get(key: string): Promise<Reply> {
    const entry = state.lookup(key);
    if (entry !== undefined) return Promise.resolve(entry.value);
    return load([key], true).then((v) => v[0] ?? null);
  }

  function mget(keys: readonly string[], command: Command): Promise<Reply> {
    if (scope !== undefined && !keys.some(scope)) return inner.command(command);
    const out: Array<string | null> = new Array(keys.length);
    const missing: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      // Out-of-scope keys of a mixed MGET ride along with the misses, uncounted and uncached.
      if (scope !== undefined && !scope(key)) {
        missing.push(key);
        continue;
      }
      const entry = state.lookup(key);
      if (entry !== undefined) out[i] = entry.value;
      else missing.push(key);
    }
    if (missing.length === 0) return Promise.resolve(out);
    const unique = [...new Set(missing)];
    return load(unique, false).then((values) => {
      const byKey = new Map<string, string | null>();
      for (let i = 0; i < unique.length; i++) byKey.set(unique[i] as string, values[i] ?? null);
      for (let i = 0; i < keys.length; i++) {
        if (out[i] === undefined) out[i] = byKey.get(keys[i] as string) ?? null;
      }
      return out;
    });
  }

  /** Run a write that names `keys`: evict before, evict again after, then tell other processes. */
  function write<T>(keys: readonly string[], send: () => Promise<T>): Promise<T> {
    for (const k of keys) state.beginWrite(k);
    const done = (applied: boolean): void => {
      for (const k of keys) {
        state.endWrite(k);
        if (applied) bus?.written(k);
      }
      if (keys.length > 0) state.report(keys, 'local');
    };
    let sent: Promise<T>;
    try {
      sent = send();
    } catch (error) {
      done(false);
      return Promise.reject(error);
    }
    return sent.then(
      (reply) => {
        done(true);
        return reply;
      },
      (error: unknown) => {
        done(mayHaveApplied(error));
        throw error;
      },
    );
  }

  /** A write that names no key (FLUSHDB and the like) may touch anything: empty every L1. */
  function writeAll<T>(send: () => Promise<T>): Promise<T> {
    state.clear('clear');
    const after = (): void => {
      state.clear('clear');
      bus?.cleared();
    };
    return send().then(
      (reply) => {
        after();
        return reply;
      },
      (error: unknown) => {
        after();
        throw error;
      },
    );
  }

  const driver: KvDriver = {
    name,
    capabilities: inner.capabilities,
    inner,
    layer: { kind: 'l1', control: cacheFor(''), view: cacheFor },
    command(command: Command): Promise<Reply> {
      const argv = command.argv;
      if (command.readonly) {
        if (argv[0] === 'GET' && argv.length === 2) {
          const key = argv[1] as string;
          return scope === undefined || scope(key) ? get(key) : inner.command(command);
        }
        if (argv[0] === 'MGET' && argv.length > 1) return mget(argv.slice(1), command);
        return inner.command(command);
      }
      // A keyless write (FLUSHDB) may touch any key, in scope or not.
      if (command.keys.length === 0) return writeAll(() => inner.command(command));
      const keys = servedKeys(keysOfCommand(command), scope);
      if (keys.length === 0) return inner.command(command);
      return write(keys, () => inner.command(command));
    },
    script(call: ScriptCall): Promise<Reply> {
      // A read-only script changes nothing L1 holds: no eviction, nothing to publish.
      if (call.script.readonly) return inner.script(call);
      const keys = servedKeys(call.keys, scope);
      if (keys.length === 0) return inner.script(call);
      return write(keys, () => inner.script(call));
    },
    batch(entries: readonly BatchEntry[]): Promise<Array<Reply | Error>> {
      const keys: string[] = [];
      for (const e of entries) {
        if ('call' in e) {
          if (!e.call.script.readonly) keys.push(...servedKeys(e.call.keys, scope));
        } else if (!e.command.readonly) {
          if (e.command.keys.length === 0) return writeAll(() => inner.batch(entries));
          keys.push(...servedKeys(keysOfCommand(e.command), scope));
        }
      }
      if (keys.length === 0) return inner.batch(entries);
      return write(keys, () => inner.batch(entries));
    },
    scan: (request) => inner.scan(request),
    async close(): Promise<void> {
      await bus?.close();
      state.lru.clear();
      await inner.close();
    },
  };
  if (inner.publish) driver.publish = inner.publish.bind(inner);
  if (inner.subscribe) driver.subscribe = inner.subscribe.bind(inner);

  function decodeEntry<T>(entry: L1Entry, codec: Codec<T>): T {
    const cached = entry.decoded;
    if (cached !== undefined && cached.codec === codec) return cached.value as T;
    const value = codec.decode(entry.value);
    if (o.protect === 'freeze') deepFreeze(value);
    entry.decoded = { codec: codec as Codec<unknown>, value };
    return value;
  }

  function cacheFor(prefix: string): L1Cache {
    return {
      get stats() {
        return state.stats();
      },
      events: state.events,
      ready: bus?.ready ?? Promise.resolve(),
      async getDecoded<T>(key: string, codec: Codec<T>): Promise<T | null> {
        if (closeState.closed) throw closedError(name);
        const full = prefix + key;
        const entry = state.lookup(full);
        if (entry !== undefined) return protect(decodeEntry(entry, codec));
        const [value] = await load([full], true);
        if (typeof value !== 'string') return null;
        const fresh = state.peek(full);
        if (fresh !== undefined && fresh.value === value) return protect(decodeEntry(fresh, codec));
        return codec.decode(value);
      },
      key: (key: string): L1Key => l1Key(prefix + key),
      peekDecoded: (<T>(key: string | L1Key, codec: Codec<T>, notAfter?: number): T | undefined | null => {
        if (closeState.closed) return undefined;
        const full = typeof key === 'string' ? prefix + key : l1KeyString(key);
        const entry = notAfter === undefined ? state.lookup(full) : state.lookupBefore(full, notAfter);
        return entry == null ? entry : protect(decodeEntry(entry, codec));
      }) as L1Cache['peekDecoded'],
      peekDecodedUntil<T>(key: string | L1Key, codec: Codec<T>): { value: T; until: number } | undefined {
        if (closeState.closed) return undefined;
        const entry = state.lookup(typeof key === 'string' ? prefix + key : l1KeyString(key));
        return entry === undefined
          ? undefined
          : { value: protect(decodeEntry(entry, codec)), until: entry.expiresAt };
      },
      get epoch() {
        return state.epoch;
      },
      clear: () => state.clear('clear'),
      flush: () => bus?.flush() ?? Promise.resolve(),
    };
  }

  // Views are built on the guarded driver, so closing the L1 store refuses their calls too.
  const guarded = closable(driver);
  const closeState = closeStateOf(guarded);

  function build(prefix: string): L1Store {
    const view = createStore(prefix ? namespaceDriver(guarded, prefix) : guarded, store.prefix + prefix);
    const slowGet = view.get;
    return Object.assign(view, {
      // The hit path without encoding a command: a key found in L1 was checked when it went in.
      get(key: string): Promise<string | null> {
        if (typeof key === 'string') {
          const full = prefix === '' ? key : prefix + key;
          const entry = state.peek(full);
          // A closing store answers nothing from its copy: the slow path refuses with E_CLOSED.
          if (entry !== undefined && !closeState.closed) {
            state.hit(full);
            return Promise.resolve(entry.value);
          }
        }
        return slowGet(key);
      },
      l1: cacheFor(prefix),
      namespace(sub: string): L1Store {
        checkString(sub, 'prefix');
        if (sub.length === 0) throw new KvError('E_INVALID_ARGUMENT', 'a namespace prefix must not be empty');
        return build(prefix + sub);
      },
    });
  }
  return build('');
}

/**
 * The L1 under a store or view, else `undefined`.
 * @deprecated Use `findLayer(store, 'l1')`, which this calls.
 */
export function l1Of(store: KvStore): L1Cache | undefined {
  return findLayer(store, 'l1');
}
