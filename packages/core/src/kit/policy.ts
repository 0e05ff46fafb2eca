import { isKvError, type KvError, type KvErrorCode } from '../errors.js';
import { findLayer } from '../layers/find.js';
import type { KvStore } from '../types.js';
import { optionError } from './options.js';

/**
 * What a feature does when its store fails (connection lost, timeout, circuit open). One
 * vocabulary for every package and for `withFailover`:
 * - `fail-open`: carry on without the store (a rate limiter admits, a cache computes).
 * - `fail-closed`: refuse (a rate limiter rejects, a lock is not acquired, a job is not taken).
 * - `fallback`: use a fallback store or copy (memory behind `withFailover`, a stale cache
 *   entry): correct for one process, not shared between processes.
 */
export type StoreFailurePolicy = 'fail-open' | 'fail-closed' | 'fallback';

/** Every {@link StoreFailurePolicy}, for zod enums and checks. */
export const STORE_FAILURE_POLICIES: readonly StoreFailurePolicy[] = Object.freeze([
  'fail-open',
  'fail-closed',
  'fallback',
]);

/**
 * Codes that mean "the store failed", as opposed to a caller's mistake or a bug: only these are
 * subject to a failure policy. A bad argument, a wrong type or a script error always reaches
 * the caller. `E_COMMAND` is here because it is what a store reports for its own trouble
 * (`LOADING`, `READONLY` after a failover, `BUSY`).
 */
export const STORE_FAILURE_CODES: ReadonlySet<KvErrorCode> = new Set<KvErrorCode>([
  'E_CONNECTION',
  'E_TIMEOUT',
  'E_CIRCUIT_OPEN',
  'E_CLOSED',
  'E_STORE_FULL',
  'E_COMMAND',
]);

/** True for a {@link KvError} whose code is a store failure (see {@link STORE_FAILURE_CODES}). */
export function isStoreFailure(error: unknown): error is KvError {
  return isKvError(error) && STORE_FAILURE_CODES.has(error.code);
}

/**
 * The failure policy a feature follows on `store`: the caller's explicit `option`, else the
 * policy of a `withFailover` layer in the store's stack (found whatever the order of layers and
 * through namespace views), else the feature's `otherwise`. So one `withFailover(..., { policy })`
 * sets the policy for every feature on it, and a feature option still overrides it.
 */
export function resolvePolicy(
  store: KvStore,
  option: StoreFailurePolicy | undefined,
  otherwise: StoreFailurePolicy,
): StoreFailurePolicy {
  return option ?? findLayer(store, 'failover')?.policy ?? otherwise;
}

/**
 * Refuse a store whose `withFailover` layer would serve the feature from per-process memory or
 * answer for it: for features where only `fail-closed` is safe (a queue loses jobs, a lock protects
 * nothing). Throws `E_INVALID_OPTIONS` naming `where`, the policy found and `consequence`.
 */
export function requireFailClosed(store: KvStore, where: string, consequence: string): void {
  const policy = resolvePolicy(store, undefined, 'fail-closed');
  if (policy === 'fail-closed') return;
  throw optionError(
    where,
    'store',
    `its withFailover layer has policy "${policy}", and ${consequence}: pass store.failover.withPolicy('fail-closed')`,
  );
}
