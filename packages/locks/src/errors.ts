import { defineErrorCodes, type FeatureErrors } from '@raptorflow/core/kit';

/** Every error code of `@raptorflow/locks` (the `code` of the `KvError`s it throws). */
export type LockErrorCode =
  | 'E_LOCK_HELD'
  | 'E_LOCK_LOST'
  | 'E_LOCK_EXPIRED'
  | 'E_LOCK_FOREIGN_TOKEN'
  | 'E_LOCK_ABORTED'
  | 'E_LOCK_STALE_FENCE';

/**
 * The package's error codes, each with its meaning. Bad options and arguments use core's
 * `E_INVALID_OPTIONS` / `E_INVALID_ARGUMENT`; a store failure keeps the store's code
 * (`E_CONNECTION`, `E_TIMEOUT`, `E_CIRCUIT_OPEN`...), so "held by another" and "the store is
 * down" never look alike (redlock's one "quorum" error for both is its most reported issue).
 */
export const LOCK_ERRORS: FeatureErrors<LockErrorCode> = defineErrorCodes('LOCK', {
  E_LOCK_HELD: 'Another owner holds the lock (or all permits) and the wait ran out.',
  E_LOCK_LOST:
    'The lock no longer holds this owner’s token: it expired and someone else took it, or it was deleted.',
  E_LOCK_EXPIRED: 'The lock’s TTL passed before it was extended: it may already belong to someone else.',
  E_LOCK_FOREIGN_TOKEN: 'A release or extend named a token this lock was not acquired with.',
  E_LOCK_ABORTED: 'The caller’s AbortSignal aborted the wait.',
  E_LOCK_STALE_FENCE: 'A fenced write carried a fencing token older than one the key has already seen.',
});
