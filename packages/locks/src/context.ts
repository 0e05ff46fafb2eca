import type { KvError, KvStore } from '@raptorflow/core';
import { describeValue, type Emitter } from '@raptorflow/core/kit';
import { LOCK_ERRORS } from './errors.js';
import { emitOperation, type FeatureHub } from './events.js';
import type { LockKeys } from './keys.js';
import type { LocalQueue } from './local-queue.js';
import type { LockHandle } from './lock.js';
import type { ResolvedLocksOptions } from './options.js';
import type { Waker } from './wake.js';

/** A lost lock, as `Locks.events` reports it. */
export interface LockLostEvent {
  /** The lock's resources. */
  readonly resources: readonly string[];
  /** Its owner token. */
  readonly token: string;
  /** Its fencing token. */
  readonly fence: number;
  /** `E_LOCK_LOST` or `E_LOCK_EXPIRED`, the same error as the lock's `signal.reason`. */
  readonly error: KvError;
}

/** Events of one `createLocks` instance. */
export interface LocksEvents extends Record<string, unknown> {
  /** A lock of this instance was lost (found by an extension, a release or its TTL). */
  lost: LockLostEvent;
}

/** What the mutex and semaphore parts of one `createLocks` instance share. */
export interface LocksContext {
  readonly options: ResolvedLocksOptions;
  /** The feature's namespace view: every key and the wake-up channel live under it. */
  readonly root: KvStore;
  /**
   * The store the namespace view wraps, and the view's prefix: the mutex scripts (the hot path)
   * go straight to it with KEYS that carry the prefix already, built once per resource and
   * frozen, so no call re-prefixes, re-allocates or re-checks its keys.
   */
  readonly store: KvStore;
  readonly prefix: string;
  readonly keys: LockKeys;
  readonly hub: FeatureHub;
  readonly events: Emitter<LocksEvents>;
  readonly waker: Waker;
  /** Local callers of one mutex, one at a time. */
  readonly local: LocalQueue;
  /** A new owner token (see `ownerTokens`). */
  readonly nextToken: () => string;
}

/** Report a lost lock on the instance's events and the feature-event hub; never throws. */
export function reportLost(ctx: LocksContext, lock: LockHandle, error: KvError): void {
  if (ctx.hub.has('operation')) emitOperation(ctx.hub, 'lost', performance.now(), 'lost', error);
  if (ctx.events.has('lost')) {
    ctx.events.emit('lost', { resources: lock.resources, token: lock.token, fence: lock.fence, error });
  }
}

/** `E_LOCK_LOST` / `E_LOCK_EXPIRED` for `lock`. */
export function lossError(
  lock: LockHandle,
  code: 'E_LOCK_LOST' | 'E_LOCK_EXPIRED',
  cause?: unknown,
): KvError {
  const what = code === 'E_LOCK_LOST' ? 'is no longer held by this owner' : 'expired before it was extended';
  return LOCK_ERRORS.error(code, `lock ${describeValue(lock.resources.join(', '))} ${what}`, { cause });
}
