import type { Emitter } from '@raptorflow/core/kit';
import { type Deadlines, type FeatureEvents, isStoreFailure } from '@raptorflow/core/kit';
import type { Backend, NamespaceRef } from './backend.js';
import type { CacheEventScope, CacheEvents } from './events.js';
import type { NamespaceConfig, ResolvedCacheOptions } from './options.js';
import type { PurgeHandle } from './purge.js';

/** What every workspace and namespace of one cache shares. */
export interface CacheContext {
  readonly options: ResolvedCacheOptions;
  readonly events: Emitter<CacheEvents>;
  /** The store's kit feature-event hub (`featureEvents(store)`), shared with other packages. */
  readonly features: Emitter<FeatureEvents>;
  readonly backend: Backend;
  /** In-flight factory runs by `<workspace>\0<namespace>\0<key>`, shared by every caller in this process. */
  readonly flights: Map<string, Promise<unknown>>;
  readonly purges: Set<PurgeHandle>;
  /** Deadlines of store calls (`timeout`). */
  readonly deadlines: Deadlines;
  /**
   * Deadlines of factories (`softTimeout`, `hardTimeout`). Apart from the store calls' because
   * a sweep ticks at a tenth of the shortest limit it tracks until it is idle: a 10 ms soft
   * timeout would otherwise make a busy cache sweep its store calls every 5 ms.
   */
  readonly factories: Deadlines;
  /** When the store last failed (ms since the epoch), 0 if never: see {@link storeLikelyDown}. */
  lastStoreFailure: number;
  namespaceConfig(name: string): NamespaceConfig;
}

/** One namespace of one workspace, as the operations see it. */
export interface NamespaceScope {
  readonly ctx: CacheContext;
  /** `ctx.backend`, or for an encrypted namespace the same behind `encryptedBackend`. */
  readonly backend: Backend;
  readonly ref: NamespaceRef;
  readonly config: NamespaceConfig;
  readonly scope: CacheEventScope;
  readonly flightPrefix: string;
}

/** A store call bounded by the cache's `timeout`; `what` names it in the timeout error. */
export function guard<T>(ctx: CacheContext, promise: Promise<T>, what: string): Promise<T> {
  return ctx.deadlines.track(promise, ctx.options.timeout, what);
}

/** Report a store failure; true when the policy lets the caller carry on without the store. */
export function storeFailed(ns: NamespaceScope, error: unknown, operation: string): boolean {
  const policy = ns.ctx.options.onStoreError;
  ns.ctx.lastStoreFailure = Date.now();
  if (ns.ctx.events.has('store-error')) {
    ns.ctx.events.emit('store-error', { ...ns.scope, error, operation, policy });
  }
  // Only store failures are subject to the policy; a bad argument or a bug is always thrown.
  return policy !== 'fail-closed' && isStoreFailure(error);
}

/** After a store failure, `fallback` prefers a stale value to the factory for this long (ms). */
export const STORE_DOWN_MS = 5000;

/**
 * True when the store failed within the last {@link STORE_DOWN_MS} and the policy is
 * `fallback`: then getOrSet serves a stale value it holds (from L1) instead of running the
 * factory, whose result could not be cached anyway, so an outage does not hit the source.
 */
export function storeLikelyDown(ctx: CacheContext): boolean {
  return ctx.options.onStoreError === 'fallback' && Date.now() - ctx.lastStoreFailure < STORE_DOWN_MS;
}
