import { type KvEnvSettings, planFromEnv } from './config/env.js';
import { KvError } from './errors.js';
import { namespaceDriver } from './namespace.js';
import { createStore } from './store.js';
import type { KvStore } from './types.js';

export { type KvAdapterName, type KvEnvPlan, type KvEnvSettings, planFromEnv } from './config/env.js';

/** What {@link kvFromEnv} returns. */
export interface KvFromEnv {
  /** The store, already a namespace view when `REDIS_KEY_PREFIX` is set. Close it with `store.close()`. */
  readonly store: KvStore;
  /** The settings read: adapter, default TTLs, prefix, pool size. */
  readonly settings: KvEnvSettings;
}

// Not a string literal on purpose: bundlers leave `import(variable)` alone, so an edge bundle of
// core's main entry never pulls in the ioredis adapter (and ioredis's `node:` modules). On Node
// the package resolves it from its own exports map.
const IOREDIS_ENTRY = '@raptorflow/core/ioredis';

type IoredisModule = typeof import('./adapters/ioredis.js');

/**
 * Load the ioredis adapter for {@link kvFromEnv}. It resolves at run time, from node_modules: an app
 * bundled without ioredis (or with core inlined and no `@raptorflow/core` on disk) would otherwise
 * crash with a bare `ERR_MODULE_NOT_FOUND`; this says what to install instead, the cause attached.
 * `variable` is the setting that chose ioredis. `load` is replaceable for tests.
 */
export async function loadIoredisAdapter(
  variable: string,
  load: () => Promise<unknown> = () => import(/* @vite-ignore */ /* webpackIgnore: true */ IOREDIS_ENTRY),
): Promise<IoredisModule> {
  let loaded: unknown;
  try {
    loaded = await load();
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new KvError(
      'E_UNSUPPORTED',
      `kvFromEnv: ${variable}: the ioredis adapter could not be loaded: install ioredis and keep ` +
        `${IOREDIS_ENTRY} resolvable at run time (bundlers: mark @raptorflow/core and ioredis external ` +
        `and ship both in node_modules), or build the store with ioredisAdapter from ${IOREDIS_ENTRY}. ` +
        `Cause: ${detail}`,
      { cause },
    );
  }
  return loaded as IoredisModule;
}

/**
 * Build the store from environment variables (validated once; a bad or missing value is
 * `E_INVALID_OPTIONS` naming the variable):
 * - `KV_ADAPTER` = `memory` | `ioredis` | `upstash` chooses explicitly. Otherwise `MOCK_REDIS=true`
 *   means memory, then the first URL of `UPSTASH_REDIS_REST_URL`, `UPSTASH_REDIS_URL`, `REDIS_URL`
 *   decides by scheme: `https://` is Upstash, `redis://` or `rediss://` is ioredis.
 * - Upstash needs `UPSTASH_REDIS_REST_TOKEN` (or the old `UPSTASH_REDIS_TOKEN`).
 * - `REDIS_KEY_PREFIX` makes the store a namespace view; `REDIS_DEFAULT_TTL` and
 *   `REDIS_SESSION_TTL` (seconds) and `REDIS_MAX_CONNECTIONS` are returned in `settings`.
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
  let store: KvStore;
  if (settings.adapter === 'upstash') {
    const { upstashAdapter } = await import('./adapters/upstash.js');
    store = upstashAdapter({ url: plan.connectUrl as string, token: plan.token as string });
  } else if (settings.adapter === 'ioredis') {
    const { ioredisAdapter } = await loadIoredisAdapter(settings.chosenBy);
    store = ioredisAdapter({ url: plan.connectUrl as string });
  } else {
    const { memoryAdapter } = await import('./adapters/memory.js');
    store = memoryAdapter();
  }
  const prefix = settings.keyPrefix;
  if (prefix === undefined) return { store, settings };
  // A namespace view's close() does nothing; this view is the caller's only handle, so it closes the root.
  const view = createStore({ ...namespaceDriver(store.driver, prefix), close: () => store.close() }, prefix);
  return { store: view, settings };
}
