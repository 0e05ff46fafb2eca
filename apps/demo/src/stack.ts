import {
  type FailoverStore,
  instrument,
  type KvStore,
  kvFromEnv,
  withFailover,
  withL1,
} from '@raptorflow/core';
import type { KvEnvSettings } from '@raptorflow/core/driver';

/** The demo's stores: one backend, each feature on the layer stack it needs. */
export interface DemoStack {
  /** What `kvFromEnv` chose (adapter, the variable that decided, URL without credentials). */
  readonly settings: KvEnvSettings;
  /** The backend from `kvFromEnv`, instrumented (one `call` event per command for /metrics). */
  readonly backend: KvStore;
  /**
   * `withFailover(backend)`, policy `fallback`: timeouts, a circuit breaker, and a per-process
   * memory store while the circuit is open. Rate limits, sessions, usage and realtime run here.
   */
  readonly guarded: FailoverStore;
  /** The same failover layer with policy `fail-closed`: locks and the queue (never from memory). */
  readonly closed: KvStore;
  /** `withL1` over `guarded`, scoped to the cache's keys: only the cache gets an L1. */
  readonly cache: KvStore;
  close(): Promise<void>;
}

/** Options of {@link createStack}. */
export interface StackOptions {
  /** The environment (`KV_ADAPTER`, `REDIS_URL`, `UPSTASH_REDIS_REST_URL`…). @default process.env */
  env?: Record<string, string | undefined> | undefined;
  /** A store to use instead of `kvFromEnv` (tests); closed with the stack. */
  store?: KvStore | undefined;
  /** The breaker's cool-down before it probes the backend again, ms. @default 2000 */
  cooldownMs?: number | undefined;
  /** Longest wait for one backend call, ms. @default 1000 */
  timeoutMs?: number | undefined;
}

/**
 * One configuration for every feature: `kvFromEnv` picks the backend (memory when nothing is
 * set, ioredis with `REDIS_URL`, Upstash with its variables), then
 * `instrument → withFailover → (withL1 for the cache only)`.
 */
export async function createStack(options: StackOptions = {}): Promise<DemoStack> {
  const chosen = options.store
    ? { store: options.store, settings: undefined }
    : await kvFromEnv(options.env ?? process.env);
  const backend = instrument(chosen.store);
  const guarded = withFailover(backend, {
    policy: 'fallback',
    timeoutMs: options.timeoutMs ?? 1000,
    breaker: { failureThreshold: 3, cooldownMs: options.cooldownMs ?? 2000 },
  });
  const closed = guarded.failover.withPolicy('fail-closed');
  // `only`: queue, lock, limiter and session keys never touch L1 or its invalidation bus.
  const cache = withL1(guarded, { only: ['cache:'], ttl: 10_000 });
  // Nothing is cached in L1 until its invalidation bus is subscribed.
  await cache.l1.ready;
  const settings: KvEnvSettings = chosen.settings ?? {
    adapter: chosen.store.name.includes('memory') ? 'memory' : 'ioredis',
    chosenBy: 'createStack({ store })',
    production: false,
    url: undefined,
    keyPrefix: undefined,
    defaultTtlMs: undefined,
    sessionTtlMs: undefined,
    maxConnections: undefined,
  };
  return {
    settings,
    backend,
    guarded,
    closed,
    cache,
    async close() {
      await cache.close();
      await chosen.store.close();
    },
  };
}
