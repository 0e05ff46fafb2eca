import { findLayer } from '@raptorflow/core';
import { createDeadlines, Emitter, featureEvents, featureKeyspace } from '@raptorflow/core/kit';
import type { CacheContext } from './context.js';
import type { CacheEvents } from './events.js';
import { checkWorkspaceId } from './keys.js';
import { l1Backend } from './l1-backend.js';
import { type CacheOptions, type NamespaceConfig, parseCacheOptions, resolveNamespace } from './options.js';
import { scriptBackend } from './script-backend.js';
import { WorkspaceCache } from './workspace-cache.js';

/** Workspaces whose state (last seen generations) a client keeps; the oldest is dropped beyond. */
const MAX_WORKSPACES = 10_000;

/** A cache; reach data only through {@link CacheClient.workspace}. */
export interface CacheClient {
  /** Hit, miss, stale, dedup, write, invalidate, clear and error events, per workspace and namespace. */
  readonly events: Emitter<CacheEvents>;
  /** The cache of workspace `id` (letters, digits, `_`, `.`, `-`). */
  workspace(id: string): WorkspaceCache;
  /** Cancel background purges and wait for them. The store stays open: it is yours. */
  close(): Promise<void>;
}

/**
 * Create a cache on a store. Pass core's `withL1(store)` for an in-process tier (hits with no
 * round trip, decoded frozen values, invalidation across processes over pub/sub).
 *
 * @example
 * const cache = createCache({
 *   store: withL1(ioredisAdapter({ url })),
 *   namespaces: {
 *     config: { ttl: '24h' },
 *     profiles: { ttl: '30m' },
 *     campaigns: { ttl: '15m', grace: '1h' },
 *     analytics: { ttl: '5m', staleWhileRevalidate: true, grace: '5m' },
 *   },
 * });
 * const profile = await cache.workspace(wsId).namespace<Profile>('profiles').getOrSet(userId, () => loadProfile(userId));
 */
export function createCache(options: CacheOptions): CacheClient {
  const o = parseCacheOptions(options);
  const keyspace = featureKeyspace(o.store, { feature: 'cache', prefix: o.prefix });
  const root = keyspace.root;
  const configs = new Map<string, NamespaceConfig>();
  const ctx: CacheContext = {
    options: o,
    events: new Emitter<CacheEvents>(),
    features: featureEvents(o.store),
    // Through the driver chain: an outer instrument or failover layer, or a view, keeps L1 on.
    backend: findLayer(root, 'l1') ? l1Backend() : scriptBackend(),
    flights: new Map(),
    purges: new Set(),
    deadlines: createDeadlines('cache'),
    factories: createDeadlines('cache'),
    lastStoreFailure: 0,
    namespaceConfig(name: string): NamespaceConfig {
      let config = configs.get(name);
      if (!config) {
        config = resolveNamespace(o, name);
        configs.set(name, config);
      }
      return config;
    },
  };
  const workspaces = new Map<string, WorkspaceCache>();
  return {
    events: ctx.events,
    workspace(id: string): WorkspaceCache {
      const known = workspaces.get(id);
      if (known) return known;
      checkWorkspaceId(id);
      // The workspace is the keyspace's group: `{id}` is a Cluster hash tag, so a workspace's
      // keys share one slot and one script reads an entry, the generations and the tag versions.
      const ws = new WorkspaceCache(ctx, id, keyspace.group(id));
      if (workspaces.size >= MAX_WORKSPACES) {
        const oldest = workspaces.keys().next().value;
        if (oldest !== undefined) workspaces.delete(oldest);
      }
      workspaces.set(id, ws);
      return ws;
    },
    async close(): Promise<void> {
      const running = [...ctx.purges];
      for (const p of running) p.cancel();
      await Promise.all(running.map((p) => p.done));
    },
  };
}
