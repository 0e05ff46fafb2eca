import { isKvError } from '@raptorflow/core';
import { describeValue, invalidArgument } from '@raptorflow/core/kit';
import type { StoredEntry } from './backend.js';
import {
  callSettings,
  checkCallOptions,
  type GetOptions,
  type GetOrSetOptions,
  type SetOptions,
} from './call-options.js';
import { guard, type NamespaceScope, storeFailed } from './context.js';
import { type CacheStatus, emitOperation, observed, readOutcome } from './events.js';
import { type Freshness, freshness } from './freshness.js';
import { type Factory, getOrSet } from './get-or-set.js';
import { userKey } from './keys.js';
import type { PurgeHandle } from './purge.js';
import { type PendingWrite, writeEntries } from './write.js';

const ok = (): string => 'ok';

/** Plain reads want no tag versions; shared, never mutated. */
const NO_TAGS: readonly string[] = Object.freeze([]);

/** One entry of {@link NamespaceCache.setMany}. */
export interface SetManyEntry<T> extends SetOptions {
  readonly key: string;
  readonly value: T;
}

/** What a workspace gives its namespaces: tag and clear operations live at workspace level. */
export interface WorkspaceOps {
  invalidateTags(tags: readonly string[]): Promise<void>;
  deleteByTags(tags: readonly string[]): Promise<void>;
  clearNamespace(name: string): Promise<PurgeHandle | undefined>;
}

/**
 * One namespace of one workspace: every key it reads or writes lives under that workspace and
 * namespace, and its TTLs, grace, lease and codec come from the namespace's options.
 */
export class NamespaceCache<T = unknown> {
  readonly #ns: NamespaceScope;
  readonly #workspace: WorkspaceOps;

  /** @internal Created by `WorkspaceCache.namespace`. */
  constructor(scope: NamespaceScope, workspace: WorkspaceOps) {
    this.#ns = scope;
    this.#workspace = workspace;
  }

  /** The namespace name. */
  get name(): string {
    return this.#ns.config.name;
  }

  /** The workspace id. */
  get workspace(): string {
    return this.#ns.scope.workspace;
  }

  #classify(entry: StoredEntry | undefined, now: number, options: GetOptions | undefined): T | undefined {
    return this.#classified(entry, entry ? freshness(entry, now) : 'dead', options);
  }

  /** {@link #classify} with the entry's freshness already judged (the L1-hit path judges it once). */
  #classified(
    entry: StoredEntry | undefined,
    state: Freshness,
    options: GetOptions | undefined,
  ): T | undefined {
    const events = this.#ns.ctx.events;
    if (entry && state === 'fresh') {
      if (events.has('hit')) events.emit('hit', { ...this.#ns.scope, tier: entry.tier });
      if (options?.status) options.status.result = entry.tier === 'l1' ? 'l1-hit' : 'l2-hit';
      return entry.envelope.value as T;
    }
    if (entry && state === 'stale' && options?.allowStale) {
      if (events.has('stale')) events.emit('stale', { ...this.#ns.scope, reason: 'expired' });
      if (options.status) options.status.result = 'stale';
      return entry.envelope.value as T;
    }
    if (events.has('miss')) events.emit('miss', this.#ns.scope);
    if (options?.status) options.status.result = 'miss';
    return undefined;
  }

  /**
   * The fresh value of `key` (a cached negative result reads as `null`), or `undefined`.
   * Store failures follow `onStoreError` (`undefined` unless `fail-closed`).
   */
  get(key: string, options?: GetOptions): Promise<T | undefined> {
    // Not `async`: a chained `then` saves the promise hops of an async frame on every L2 hit,
    // while a synchronous throw still becomes a rejection.
    try {
      checkCallOptions(options, 'get');
      const ns = this.#ns;
      if (!ns.ctx.features.has('operation')) return this.#get(key, options);
      let k: string;
      let now: number;
      let peeked: StoredEntry | undefined;
      try {
        k = userKey(key, ns.config.hashKeys);
        now = Date.now();
        peeked = ns.backend.peek(ns.ref, k);
        // An answer from process memory is observed at once: no promise chain, no status
        // object, no clock read (durationMs 0). A read that goes on is timed from here.
        if (peeked && freshness(peeked, now) === 'fresh') {
          const value = this.#classified(peeked, 'fresh', options);
          emitOperation(ns.ctx, ns.scope, 'get', peeked.tier === 'l1' ? 'l1-hit' : 'hit', 0);
          return Promise.resolve(value);
        }
      } catch (error) {
        emitOperation(ns.ctx, ns.scope, 'get', 'error', 0, isKvError(error) ? error.code : undefined);
        throw error;
      }
      const status: CacheStatus = options?.status ?? {};
      const withStatus = options?.status ? options : { ...options, status };
      return observed(
        ns.ctx,
        ns.scope,
        'get',
        () => this.#read(k, now, peeked, withStatus),
        () => readOutcome(status),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #get(key: string, options: GetOptions | undefined): Promise<T | undefined> {
    const ns = this.#ns;
    const k = userKey(key, ns.config.hashKeys);
    const now = Date.now();
    const peeked = ns.backend.peek(ns.ref, k);
    // An L1 hit: judged once, answered without a store call.
    if (peeked && freshness(peeked, now) === 'fresh')
      return Promise.resolve(this.#classified(peeked, 'fresh', options));
    return this.#read(k, now, peeked, options);
  }

  /** The L2 read of `get`, after L1 had no fresh entry (`peeked`: its stale one, if any). */
  #read(
    k: string,
    now: number,
    peeked: StoredEntry | undefined,
    options: GetOptions | undefined,
  ): Promise<T | undefined> {
    const ns = this.#ns;
    return guard(ns.ctx, ns.backend.read(ns.ref, [k], NO_TAGS), 'read').then(
      (read) => this.#classify(read.entries[0], now, options),
      (error: unknown) => {
        if (!storeFailed(ns, error, 'read')) throw error;
        if (ns.ctx.options.onStoreError === 'fallback' && peeked) {
          return this.#classify(peeked, now, { ...options, allowStale: true });
        }
        return this.#classify(undefined, now, options);
      },
    );
  }

  /** True when `get` would return a value (tags and generations honoured). */
  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /** Values of many keys in one round trip (none for keys L1 holds), in order. */
  getMany(keys: readonly string[], options?: GetOptions): Promise<Array<T | undefined>> {
    const ns = this.#ns;
    if (!ns.ctx.features.has('operation')) return this.#getMany(keys, options);
    // `hit` when every key was found, `miss` when none was, else `partial`.
    return observed(
      ns.ctx,
      ns.scope,
      'getMany',
      () => this.#getMany(keys, options),
      (values) => {
        const found = values.filter((v) => v !== undefined).length;
        return found === values.length ? 'hit' : found === 0 ? 'miss' : 'partial';
      },
    );
  }

  async #getMany(keys: readonly string[], options: GetOptions | undefined): Promise<Array<T | undefined>> {
    const ns = this.#ns;
    if (!Array.isArray(keys))
      throw invalidArgument('getMany', `keys: expected an array, got ${describeValue(keys)}`);
    checkCallOptions(options, 'getMany');
    const ks = keys.map((k) => userKey(k, ns.config.hashKeys));
    const now = Date.now();
    const out: Array<T | undefined> = new Array(ks.length);
    const rest: number[] = [];
    for (let i = 0; i < ks.length; i++) {
      const peeked = ns.backend.peek(ns.ref, ks[i] as string);
      if (peeked && freshness(peeked, now) === 'fresh') out[i] = this.#classify(peeked, now, undefined);
      else rest.push(i);
    }
    if (rest.length === 0) return out;
    let entries: Array<StoredEntry | undefined>;
    try {
      const read = await guard(
        ns.ctx,
        ns.backend.read(
          ns.ref,
          rest.map((i) => ks[i] as string),
          NO_TAGS,
        ),
        'read',
      );
      entries = read.entries;
    } catch (error) {
      if (!storeFailed(ns, error, 'read')) throw error;
      entries = [];
    }
    const allowStale = options?.allowStale ? { allowStale: true } : undefined;
    for (let j = 0; j < rest.length; j++)
      out[rest[j] as number] = this.#classify(entries[j], now, allowStale);
    return out;
  }

  #pending(key: string, value: unknown, options: SetOptions | undefined, where: string): PendingWrite {
    const s = callSettings(this.#ns.config, options, where);
    return {
      key: userKey(key, this.#ns.config.hashKeys),
      value,
      ttl: s.ttl,
      grace: s.grace,
      jitter: s.jitter,
      tags: s.tags,
      negative: false,
    };
  }

  #write(writes: PendingWrite[]): Promise<void> {
    const ns = this.#ns;
    return guard(ns.ctx, writeEntries(ns, writes), 'write').then(undefined, (error: unknown) => {
      if (!storeFailed(ns, error, 'write')) throw error;
    });
  }

  /** `run`, observed as a kit feature event with outcome `ok` when someone listens. */
  #plain<R>(operation: string, run: () => Promise<R>, outcome: (value: R) => string = ok): Promise<R> {
    const ns = this.#ns;
    if (!ns.ctx.features.has('operation')) return run();
    return observed(ns.ctx, ns.scope, operation, run, outcome);
  }

  /** Store `value` (tag versions are read in the same round trip). Store failures follow `onStoreError`. */
  set(key: string, value: T, options?: SetOptions): Promise<void> {
    // Not `async` (see `get`): a bad key or option still arrives as a rejection.
    try {
      return this.#plain('set', () => this.#write([this.#pending(key, value, options, 'set')]));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Store many values in one round trip. */
  async setMany(entries: readonly SetManyEntry<T>[], options?: SetOptions): Promise<void> {
    if (!Array.isArray(entries)) {
      throw invalidArgument('setMany', `entries: expected an array, got ${describeValue(entries)}`);
    }
    for (const e of entries as unknown[]) {
      if (e === null || typeof e !== 'object') {
        throw invalidArgument('setMany', `entries: expected { key, value } objects, got ${describeValue(e)}`);
      }
    }
    checkCallOptions(options, 'setMany');
    if (entries.length === 0) return;
    await this.#plain('setMany', () =>
      this.#write(entries.map((e) => this.#pending(e.key, e.value, { ...options, ...e }, 'setMany'))),
    );
  }

  /** Delete `key`; resolves `true` when it existed. Store failures always throw: an invalidation is never dropped silently. */
  delete(key: string): Promise<boolean> {
    return this.#plain(
      'delete',
      () => this.#delete(key),
      (existed) => (existed ? 'deleted' : 'absent'),
    );
  }

  async #delete(key: string): Promise<boolean> {
    const ns = this.#ns;
    const n = await guard(ns.ctx, ns.backend.remove(ns.ref, [userKey(key, ns.config.hashKeys)]), 'delete');
    if (ns.ctx.events.has('delete')) ns.ctx.events.emit('delete', { ...ns.scope, count: n });
    return n > 0;
  }

  /** See {@link getOrSet}. */
  getOrSet(key: string, factory: Factory<T>, options?: GetOrSetOptions): Promise<T> {
    const ns = this.#ns;
    if (!ns.ctx.features.has('operation')) return getOrSet(ns, key, factory, options);
    const status: CacheStatus = options?.status ?? {};
    const withStatus = options?.status ? options : { ...options, status };
    return observed(
      ns.ctx,
      ns.scope,
      'getOrSet',
      () => getOrSet(ns, key, factory, withStatus),
      () => readOutcome(status),
    );
  }

  /** Soft-invalidate the workspace's entries with any of `tags`: stale within grace, then gone. */
  invalidateTags(tags: readonly string[]): Promise<void> {
    return this.#workspace.invalidateTags(tags);
  }

  /** Hard-invalidate the workspace's entries with any of `tags`: never served again. */
  deleteByTags(tags: readonly string[]): Promise<void> {
    return this.#workspace.deleteByTags(tags);
  }

  /** Empty this namespace of this workspace in O(1) (a generation bump); see `WorkspaceCache.clearNamespace`. */
  clear(): Promise<PurgeHandle | undefined> {
    return this.#workspace.clearNamespace(this.#ns.config.name);
  }
}
