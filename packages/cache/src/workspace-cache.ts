import { isKvError, type KvStore } from '@raptorflow/core';
import { orderedView, type WorkspaceGens } from './backend.js';
import type { CacheContext } from './context.js';
import { guard } from './context.js';
import { encryptedBackend } from './encryption.js';
import { observed } from './events.js';
import { checkNamespaceName, checkTags, nsGenKey, tagKey, WS_GEN_KEY } from './keys.js';
import { NamespaceCache } from './namespace-cache.js';
import { generationsOf, type PurgeHandle, startPurge } from './purge.js';
import { repairVersion } from './tag-versions.js';

function notANumber(error: unknown): boolean {
  return isKvError(error) && error.code === 'E_NOT_A_NUMBER';
}

/**
 * INCRBY a generation counter. One that holds no number (planted by hand, a foreign writer) made
 * every clear fail with `E_NOT_A_NUMBER`, for good; it is reset to a fresh value instead (any
 * new value is a clear: see `repairVersion`).
 */
async function bumpCounter(view: KvStore, key: string): Promise<number> {
  try {
    return await view.incrBy(key, 1);
  } catch (error) {
    if (!notANumber(error)) throw error;
    const fresh = repairVersion(Date.now());
    await view.set(key, fresh);
    return Number(fresh);
  }
}

/**
 * The cache of one workspace (tenant). It is built on a store view confined to the
 * workspace's prefix, so nothing it offers (keys, tags, clears, scans) can name another
 * workspace's data.
 */
export class WorkspaceCache {
  /** The workspace id. */
  readonly id: string;
  readonly #ctx: CacheContext;
  readonly #view: KvStore;
  readonly #gens: WorkspaceGens = { ws: '0', ns: new Map() };
  readonly #namespaces = new Map<string, NamespaceCache<unknown>>();

  /** @internal Created by `CacheClient.workspace`. */
  constructor(ctx: CacheContext, id: string, view: KvStore) {
    this.#ctx = ctx;
    this.id = id;
    // A backend that holds reads back to combine them sends them before any other command.
    const flush = ctx.backend.flush;
    this.#view = flush ? orderedView(view, flush) : view;
  }

  /** Namespace `name` of this workspace, with that namespace's options (or the defaults). */
  namespace<T = unknown>(name: string): NamespaceCache<T> {
    const known = this.#namespaces.get(name);
    if (known) return known as NamespaceCache<T>;
    checkNamespaceName(name);
    const config = this.#ctx.namespaceConfig(name);
    const scope = { workspace: this.id, namespace: name };
    const ns = new NamespaceCache<T>(
      {
        ctx: this.#ctx,
        backend: config.encryption
          ? encryptedBackend(this.#ctx.backend, config.encryption, this.id)
          : this.#ctx.backend,
        config,
        scope,
        flightPrefix: `${this.id}\0${name}\0`,
        ref: {
          view: this.#view,
          ns: name,
          nsGenKey: nsGenKey(name),
          l1: undefined,
          hot: undefined,
          tagKeys: new Map(),
          gens: this.#gens,
          codec: config.entryCodec,
          tags: { seen: false },
          onDecodeError: (error) => {
            if (this.#ctx.events.has('decode-error'))
              this.#ctx.events.emit('decode-error', { ...scope, error });
          },
        },
      },
      this,
    );
    this.#namespaces.set(name, ns as NamespaceCache<unknown>);
    return ns;
  }

  async #bump(tags: readonly string[], hard: boolean): Promise<void> {
    const list = checkTags(tags);
    if (list.length === 0) return;
    const keys = list.map((tag) => tagKey(hard ? 'h' : 's', tag));
    const batch = this.#view.batch();
    for (const key of keys) batch.incrBy(key, 1);
    const settled = (await guard(this.#ctx, batch.execSettled(), 'invalidate')) as ReadonlyArray<
      { ok: true } | { ok: false; error: unknown }
    >;
    // A corrupt counter is reset to a fresh version (an invalidation too); any other failure throws.
    const repair = this.#view.batch();
    let repairs = 0;
    for (let i = 0; i < settled.length; i++) {
      const r = settled[i];
      if (!r || r.ok) continue;
      if (!notANumber(r.error)) throw r.error;
      repair.set(keys[i] as string, repairVersion(Date.now()));
      repairs++;
    }
    if (repairs > 0) await guard(this.#ctx, repair.exec(), 'invalidate');
    if (this.#ctx.events.has('invalidate')) {
      this.#ctx.events.emit('invalidate', { workspace: this.id, tags: list, hard });
    }
  }

  /**
   * Soft invalidation: entries tagged with any of `tags` become stale. They are served only
   * where stale values are (grace: factory errors, soft timeouts, stale-while-revalidate, lease
   * waits) and only if written with a grace; otherwise they are misses. One round trip.
   */
  invalidateTags(tags: readonly string[]): Promise<void> {
    return this.#observe('invalidateTags', undefined, () => this.#bump(tags, false));
  }

  /** Hard invalidation: entries tagged with any of `tags` are never served again. One round trip. */
  deleteByTags(tags: readonly string[]): Promise<void> {
    return this.#observe('deleteByTags', undefined, () => this.#bump(tags, true));
  }

  /** `run`, observed as a kit feature event (outcome `ok`) when someone listens. */
  #observe<R>(operation: string, namespace: string | undefined, run: () => Promise<R>): Promise<R> {
    if (!this.#ctx.features.has('operation')) return run();
    return observed(this.#ctx, { workspace: this.id, namespace }, operation, run, () => 'ok');
  }

  #purge(
    namespace: string | undefined,
    patterns: readonly string[],
    stale: (key: string) => boolean,
  ): PurgeHandle | undefined {
    const maxKeys = this.#ctx.options.purgeMaxKeys;
    if (maxKeys === undefined) return undefined;
    const handle = startPurge(this.#view, patterns, stale, maxKeys);
    this.#ctx.purges.add(handle);
    void handle.done.then((report) => {
      this.#ctx.purges.delete(handle);
      if (this.#ctx.events.has('purge')) {
        this.#ctx.events.emit('purge', { workspace: this.id, namespace, ...report });
      }
    });
    return handle;
  }

  /**
   * Empty namespace `name` of this workspace in O(1): its generation is bumped, so every entry
   * written before is unreachable at once (other processes see it on their next read, or
   * through L1's invalidation). A background purge then deletes the old keys, unless `purge`
   * is off. Resolves to the purge's handle.
   */
  clearNamespace(name: string): Promise<PurgeHandle | undefined> {
    return this.#observe('clearNamespace', name, () => this.#clearNamespace(name));
  }

  async #clearNamespace(name: string): Promise<PurgeHandle | undefined> {
    checkNamespaceName(name);
    const generation = await guard(this.#ctx, bumpCounter(this.#view, nsGenKey(name)), 'clear');
    this.#gens.ns.set(name, String(generation));
    if (this.#ctx.events.has('clear')) {
      this.#ctx.events.emit('clear', { workspace: this.id, namespace: name, generation });
    }
    return this.#purge(name, [`e:${name}:*`, `l:${name}:*`], (key) => {
      const g = generationsOf(key);
      return g !== undefined && g.ns < generation;
    });
  }

  /** Empty every namespace of this workspace in O(1) (a generation bump), then purge in the background. */
  clear(): Promise<PurgeHandle | undefined> {
    return this.#observe('clear', undefined, () => this.#clear());
  }

  async #clear(): Promise<PurgeHandle | undefined> {
    const generation = await guard(this.#ctx, bumpCounter(this.#view, WS_GEN_KEY), 'clear');
    this.#gens.ws = String(generation);
    if (this.#ctx.events.has('clear')) this.#ctx.events.emit('clear', { workspace: this.id, generation });
    return this.#purge(undefined, ['e:*', 'l:*'], (key) => {
      const g = generationsOf(key);
      return g !== undefined && g.ws < generation;
    });
  }
}
