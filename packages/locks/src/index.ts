/**
 * `@raptorflow/locks`: the public surface. Everything a user imports is exported here and
 * nowhere else (one entry, `"."`).
 */
export type { AcquireOptions } from './call-options.js';
export { LOCK_ERRORS, type LockErrorCode } from './errors.js';
export type { LocksOperation } from './events.js';
export type { Lock } from './lock.js';
export {
  createLocks,
  type FencedWriteResult,
  type LockLostEvent,
  type Locks,
  type LocksEvents,
} from './locks.js';
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
  FENCED_WRITE,
  type FencedWriteReply,
  LOCKS_SCRIPTS,
  parseAcquireReply,
  parseFencedWriteReply,
  parseReleaseReply,
  RELEASE,
  type ReleaseReply,
} from './scripts/index.js';
