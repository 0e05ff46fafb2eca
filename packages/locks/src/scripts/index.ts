import type { Script } from '@raptorflow/core';
import { ACQUIRE } from './acquire.js';
import { EXTEND } from './extend.js';
import { FENCED_WRITE } from './fenced-write.js';
import { RELEASE } from './release.js';
import { SEMAPHORE_ACQUIRE } from './semaphore-acquire.js';
import { SEMAPHORE_EXTEND } from './semaphore-extend.js';
import { SEMAPHORE_RELEASE } from './semaphore-release.js';

export { ACQUIRE, type AcquireReply, acquireKeys, encodeAcquireArgs, parseAcquireReply } from './acquire.js';
export { EXTEND, encodeExtendArgs } from './extend.js';
export {
  encodeFencedWriteArgs,
  FENCED_WRITE,
  type FencedWriteReply,
  parseFencedWriteReply,
} from './fenced-write.js';
export { encodeReleaseArgs, parseReleaseReply, RELEASE, type ReleaseReply } from './release.js';
export {
  encodeSemaphoreAcquireArgs,
  parseSemaphoreAcquireReply,
  SEMAPHORE_ACQUIRE,
  type SemaphoreAcquireReply,
} from './semaphore-acquire.js';
export {
  encodeSemaphoreExtendArgs,
  SEMAPHORE_EXTEND,
  type SemaphoreExtendReply,
} from './semaphore-extend.js';
export {
  encodeSemaphoreReleaseArgs,
  SEMAPHORE_RELEASE,
  type SemaphoreReleaseReply,
} from './semaphore-release.js';

/**
 * Every script of `@raptorflow/locks`, one per file in `src/scripts/`: the differential test
 * replays each on memory (the twin) and on redis-server (the Lua). Single-resource extend is
 * core's `COMPARE_AND_EXTEND`, tested in core.
 */
export const LOCKS_SCRIPTS: readonly Script<unknown>[] = Object.freeze([
  ACQUIRE,
  RELEASE,
  EXTEND,
  FENCED_WRITE,
  SEMAPHORE_ACQUIRE,
  SEMAPHORE_EXTEND,
  SEMAPHORE_RELEASE,
]);
