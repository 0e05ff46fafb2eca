import { type Emitter, isKvError } from '@raptorflow/core';
import type { Backend, NamespaceRef } from './backend.js';
import type { CacheEventScope, CacheEvents } from './events.js';
import type { NamespaceConfig, ResolvedCacheOptions } from './options.js';
import type { PurgeHandle } from './purge.js';
import { withTimeout } from './timing.js';

/** What every workspace and namespace of one cache shares. */
export interface CacheContext {
  readonly options: ResolvedCacheOptions;
  readonly events: Emitter<CacheEvents>;
  readonly backend: Backend;
  /** In-flight factory runs by `<workspace>\0<namespace>\0<key>`, shared by every caller in this process. */
  readonly flights: Map<string, Promise<unknown>>;
  readonly purges: Set<PurgeHandle>;
  namespaceConfig(name: string): NamespaceConfig;
}

/** One namespace of one workspace, as the operations see it. */
export interface NamespaceScope {
  readonly ctx: CacheContext;
  readonly ref: NamespaceRef;
  readonly config: NamespaceConfig;
  readonly scope: CacheEventScope;
  readonly flightPrefix: string;
}

/** A store call bounded by the cache's `timeout`. */
export function guard<T>(ctx: CacheContext, promise: Promise<T>, what: string): Promise<T> {
  return withTimeout(promise, ctx.options.timeout, `cache: ${what}`);
}

/** Report a store failure; true when the policy lets the caller carry on without the store. */
export function storeFailed(ns: NamespaceScope, error: unknown, operation: string): boolean {
  const policy = ns.ctx.options.onStoreError;
  if (ns.ctx.events.has('store-error')) {
    ns.ctx.events.emit('store-error', { ...ns.scope, error, operation, policy });
  }
  // Only store failures are subject to the policy; a bad argument or a bug is always thrown.
  return policy !== 'throw' && isKvError(error) && STORE_FAILURES.has(error.code);
}

const STORE_FAILURES = new Set([
  'E_CONNECTION',
  'E_TIMEOUT',
  'E_CIRCUIT_OPEN',
  'E_CLOSED',
  'E_STORE_FULL',
  'E_COMMAND',
]);
