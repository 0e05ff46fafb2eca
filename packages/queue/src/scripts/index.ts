import type { Script } from '@raptorflow/core';
import { CLAIM } from './claim.js';
import { CLEAR } from './clear.js';
import { COMPLETE } from './complete.js';
import { COUNTS } from './counts.js';
import { DEAD_LIST } from './dead-list.js';
import { DEAD_PURGE } from './dead-purge.js';
import { DEAD_RETRY } from './dead-retry.js';
import { ENQUEUE } from './enqueue.js';
import { EXTEND } from './extend.js';
import { FAIL } from './fail.js';
import { PAUSE } from './pause.js';
import { PEEK } from './peek.js';
import { PROGRESS } from './progress.js';

export { CLAIM, type ClaimInput, type ClaimReply, encodeClaimArgs, parseClaimReply } from './claim.js';
export { CLEAR } from './clear.js';
export {
  COMPLETE,
  type CompleteInput,
  type CompleteReply,
  encodeCompleteArgs,
  parseCompleteReply,
} from './complete.js';
export { COUNTS, type CountsReply } from './counts.js';
export { DEAD_LIST } from './dead-list.js';
export { DEAD_PURGE } from './dead-purge.js';
export { DEAD_RETRY } from './dead-retry.js';
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
export { PAUSE } from './pause.js';
export { PEEK } from './peek.js';
export { PROGRESS } from './progress.js';

/**
 * Every script of `@raptorflow/queue`, one per file in `src/scripts/`: the differential test replays each on memory (the twin) and on
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
