import { adapterEntry } from './adapters/registry.js';
import { type KvEnvSettings, planFromEnv } from './config/env.js';
import { namespaceDriver } from './namespace.js';
import { createStore } from './store.js';
import type { KvStore } from './types.js';

export {
  KV_ADAPTERS,
  type KvAdapterEntry,
  type KvAdapterSettings,
  type KvAdapterVariant,
  type KvServerKind,
  loadIoredisAdapter,
  loadNodeRedisAdapter,
} from './adapters/registry.js';
export { type KvAdapterName, type KvEnvPlan, type KvEnvSettings, planFromEnv } from './config/env.js';

/** What {@link kvFromEnv} returns. */
export interface KvFromEnv {
  /** The store, already a namespace view when `REDIS_KEY_PREFIX` is set. Close it with `store.close()`. */
  readonly store: KvStore;
  /** The settings read: adapter, default TTLs, prefix, pool size. */
  readonly settings: KvEnvSettings;
}

/**
 * Build the store from environment variables (validated once; a bad or missing value is
 * `E_INVALID_OPTIONS` naming the variable):
 * - `KV_ADAPTER` = `memory` | `ioredis` | `node-redis` | `upstash` (an adapter of the registry,
 *   `KV_ADAPTERS`) chooses explicitly; `node-redis` takes its URL from `REDIS_URL`. Otherwise
 *   `MOCK_REDIS=true` means memory, then the first URL of
 *   `UPSTASH_REDIS_REST_URL`, `UPSTASH_REDIS_URL`, `REDIS_URL` decides by the registry's schemes:
 *   `https://` is Upstash, `redis://` or `rediss://` is ioredis (node-redis only with
 *   `KV_ADAPTER=node-redis`).
 * - Upstash needs `UPSTASH_REDIS_REST_TOKEN` (or the old `UPSTASH_REDIS_TOKEN`).
 * - `REDIS_KEY_PREFIX` makes the store a namespace view; `REDIS_DEFAULT_TTL` and
 *   `REDIS_SESSION_TTL` (seconds) are returned in `settings`; `REDIS_MAX_CONNECTIONS` is
 *   Upstash's requests in flight at once (`maxConcurrentRequests`) and is returned too.
 * - With `NODE_ENV=production`, a store must be configured: memory only with `KV_ADAPTER=memory`.
 *   Elsewhere nothing configured means memory.
 *
 * Async because the adapter modules (and their optional client libraries) load on demand.
 */
export async function kvFromEnv(
  env: Record<string, string | undefined> = (
    globalThis as { process?: { env?: Record<string, string | undefined> } }
  ).process?.env ?? {},
): Promise<KvFromEnv> {
  const plan = planFromEnv(env);
  const { settings } = plan;
  const entry = adapterEntry(settings.adapter);
  const store = await entry.create((entry.variants[0] as { name: string }).name, {
    url: plan.connectUrl,
    token: plan.token,
    chosenBy: settings.chosenBy,
    maxConnections: settings.maxConnections,
  });
  const prefix = settings.keyPrefix;
  if (prefix === undefined) return { store, settings };
  // A namespace view's close() does nothing; this view is the caller's only handle, so it closes the root.
  const view = createStore({ ...namespaceDriver(store.driver, prefix), close: () => store.close() }, prefix);
  return { store: view, settings };
}
