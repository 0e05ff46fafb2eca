import { isKvError, type KvErrorCode } from '@raptorflow/core';
import type { Emitter } from '@raptorflow/core/kit';
import type { CacheContext } from './context.js';

/** Where an event happened; also the `detail` of a namespace's feature events. */
// A type alias, not an interface: an event's detail is a plain record.
export type CacheEventScope = {
  readonly workspace: string;
  /** The namespace, absent for workspace-wide operations (tags, workspace clear). */
  readonly namespace?: string | undefined;
};

/** The events of a cache (see {@link CacheClient.events}); counters for the metrics package. */
export interface CacheEvents extends Record<string, unknown> {
  /** A fresh value was served, by L1 (no round trip) or by the store. */
  hit: CacheEventScope & { readonly tier: 'l1' | 'l2' };
  /** A stale value was served (`expired`: SWR or grace; `error`: the factory failed; `timeout`: soft timeout; `lease`: another process is refreshing; `store`: the store failed). */
  stale: CacheEventScope & { readonly reason: 'expired' | 'error' | 'timeout' | 'lease' | 'store' };
  /** No usable value: the factory runs (getOrSet) or `undefined` is returned (get). */
  miss: CacheEventScope;
  /** A caller shared another caller's factory run (in this process, or across processes through the lease). */
  dedup: CacheEventScope & { readonly across: boolean };
  /** Entries written. */
  write: CacheEventScope & { readonly count: number };
  /** Entries deleted. */
  delete: CacheEventScope & { readonly count: number };
  /** Tags bumped: `hard` for deleteByTags, else invalidateTags. */
  invalidate: CacheEventScope & { readonly tags: readonly string[]; readonly hard: boolean };
  /** A namespace (or, without `namespace`, a workspace) was cleared: its generation is now `generation`. */
  clear: CacheEventScope & { readonly generation: number };
  /** A factory threw or timed out. */
  'factory-error': CacheEventScope & { readonly error: unknown; readonly background: boolean };
  /** The store failed or timed out; `policy` says what the cache did about it. */
  'store-error': CacheEventScope & {
    readonly error: unknown;
    readonly operation: string;
    readonly policy: string;
  };
  /**
   * A stored entry could not be decoded (a corrupt header or value, a corrupt tag counter) or
   * failed its schema: it was treated as a miss.
   */
  'decode-error': CacheEventScope & { readonly error: unknown };
  /** Lease outcomes of getOrSet with `lease` on. */
  lease: CacheEventScope & { readonly outcome: 'acquired' | 'waited' | 'timeout' | 'stale' };
  /** A background purge finished (or was cancelled). */
  purge: CacheEventScope & {
    readonly scanned: number;
    readonly deleted: number;
    readonly cancelled: boolean;
  };
}

/** The emitter type of a cache. */
export type CacheEmitter = Emitter<CacheEvents>;

/** How a call was served. */
export type CacheResult = 'l1-hit' | 'l2-hit' | 'stale' | 'miss' | 'dedup';

/**
 * Pass an object as `status` to learn how one call was served (the lru-cache `status` pattern).
 * It is filled in before the call resolves.
 */
export interface CacheStatus {
  /** `l1-hit` (no round trip), `l2-hit`, `stale`, `miss` (the factory ran, or get found nothing) or `dedup` (another caller's factory run was shared). */
  result?: CacheResult;
  /**
   * Background work the call started (a stale-while-revalidate or early refresh, or a factory
   * still running after a soft timeout). Never rejects. On serverless, hand it to `waitUntil`.
   */
  pending?: Promise<void>;
}

/** A read's {@link CacheResult} in the words of the kit's `FeatureEvent.outcome`. */
const OUTCOMES: Readonly<Record<CacheResult, string>> = {
  'l1-hit': 'l1-hit',
  'l2-hit': 'hit',
  stale: 'stale',
  miss: 'miss',
  dedup: 'dedup',
};

/** The outcome of a read that filled in `status`. */
export function readOutcome(status: CacheStatus): string {
  return OUTCOMES[status.result ?? 'miss'];
}

/**
 * Emit the kit `FeatureEvent` of one operation that took `durationMs`. Called directly for an
 * answer given synchronously from process memory (an L1 hit: `durationMs` 0, see the kit's
 * `FeatureEvent`), else through {@link observed}. The event's `detail` is the scope itself
 * (`{ workspace, namespace }`), shared by every event of the namespace: no object per call.
 */
export function emitOperation(
  ctx: CacheContext,
  scope: CacheEventScope,
  operation: string,
  outcome: string,
  durationMs: number,
  error?: KvErrorCode,
): void {
  ctx.features.emit('operation', {
    feature: 'cache',
    operation,
    tenant: scope.workspace,
    outcome,
    durationMs,
    error,
    detail: scope.namespace === undefined ? undefined : scope,
  });
}

/**
 * Run one operation and emit its kit `FeatureEvent` (`feature: 'cache'`, the workspace as
 * `tenant`, the namespace in `detail`) on the store's feature-event hub. Call it only after
 * `ctx.features.has('operation')`: the clock is read and the event built only for a listener.
 */
export function observed<T>(
  ctx: CacheContext,
  scope: CacheEventScope,
  operation: string,
  run: () => Promise<T>,
  outcome: (value: T) => string,
): Promise<T> {
  const started = performance.now();
  const emit = (result: string, error?: KvErrorCode): void =>
    emitOperation(ctx, scope, operation, result, performance.now() - started, error);
  let running: Promise<T>;
  try {
    running = run();
  } catch (error) {
    running = Promise.reject(error);
  }
  return running.then(
    (value) => {
      emit(outcome(value));
      return value;
    },
    (error: unknown) => {
      emit('error', isKvError(error) ? error.code : undefined);
      throw error;
    },
  );
}
