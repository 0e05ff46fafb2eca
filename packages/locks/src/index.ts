/**
 * `@raptorflow/locks`: the public surface. Everything a user imports is exported here and
 * nowhere else (one entry, `"."`).
 */
export type { AcquireOptions } from './call-options.js';
export type { LockLostEvent, LocksEvents } from './context.js';
export { LOCK_ERRORS, type LockErrorCode } from './errors.js';
export type { LocksOperation } from './events.js';
export { createLegacyLocks, type LegacyLocks, type LegacyLocksOptions } from './legacy.js';
export type { Lock } from './lock.js';
export { createLocks, type FencedWriteResult, type Locks } from './locks.js';
export type { LocksOptions, RetryOptions } from './options.js';
export {
  ACQUIRE,
  type AcquireReply,
  acquireKeys,
  EXTEND,
  encodeAcquireArgs,
  encodeExtendArgs,
  encodeFencedWriteArgs,
  encodeReleaseArgs,
  encodeSemaphoreAcquireArgs,
  encodeSemaphoreExtendArgs,
  encodeSemaphoreReleaseArgs,
  FENCED_WRITE,
  type FencedWriteReply,
  LOCKS_SCRIPTS,
  parseAcquireReply,
  parseFencedWriteReply,
  parseReleaseReply,
  parseSemaphoreAcquireReply,
  RELEASE,
  type ReleaseReply,
  SEMAPHORE_ACQUIRE,
  SEMAPHORE_EXTEND,
  SEMAPHORE_RELEASE,
  type SemaphoreAcquireReply,
  type SemaphoreExtendReply,
  type SemaphoreReleaseReply,
} from './scripts/index.js';
export type { Semaphore, SemaphoreAcquireOptions } from './semaphore.js';
