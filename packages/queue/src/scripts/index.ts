import type { Script } from '@raptorflow/core';
import { CLEAR, COUNTS, DEAD_LIST, DEAD_PURGE, DEAD_RETRY, PAUSE, PEEK } from './admin.js';
import { CLAIM } from './claim.js';
import { COMPLETE } from './complete.js';
import { ENQUEUE } from './enqueue.js';
import { EXTEND } from './extend.js';
import { FAIL } from './fail.js';
import { PROGRESS } from './progress.js';

export {
  CLEAR,
  COUNTS,
  type CountsReply,
  DEAD_LIST,
  DEAD_PURGE,
  DEAD_RETRY,
  PAUSE,
  PEEK,
} from './admin.js';
export { CLAIM, type ClaimInput, type ClaimReply, encodeClaimArgs, parseClaimReply } from './claim.js';
export {
  COMPLETE,
  type CompleteInput,
  type CompleteReply,
  encodeCompleteArgs,
  parseCompleteReply,
} from './complete.js';
export {
  ENQUEUE,
  type EnqueueInput,
  type EnqueueReply,
  encodeEnqueueArgs,
  parseEnqueueReply,
} from './enqueue.js';
export { EXTEND, type ExtendReply, encodeExtendArgs, parseExtendReply } from './extend.js';
export {
  encodeFailArgs,
  FAIL,
  type FailInput,
  type FailMode,
  type FailReply,
  parseFailReply,
} from './fail.js';
export { IDLE_FLAG, KEY_NAMES, MAX_PRIORITY, PAUSED_MEMBER, readyScore } from './lua.js';
export { PROGRESS } from './progress.js';

/**
 * Every script of `@raptorflow/queue`, one per file in `src/scripts/` (the administrative ones
 * together in `admin.ts`): the differential test replays each on memory (the twin) and on
 * redis-server (the Lua).
 */
export const QUEUE_SCRIPTS: readonly Script<unknown>[] = Object.freeze([
  ENQUEUE,
  CLAIM,
  COMPLETE,
  FAIL,
  EXTEND,
  PROGRESS,
  PAUSE,
  COUNTS,
  PEEK,
  DEAD_LIST,
  DEAD_RETRY,
  DEAD_PURGE,
  CLEAR,
]);
