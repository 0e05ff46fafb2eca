import type { Script } from '@raptorflow/core';
import { INCREMENT } from './increment.js';

export { encodeIncrementArgs, INCREMENT, type IncrementReply, parseIncrementReply } from './increment.js';

/**
 * Every script of `@raptorflow/locks`, one per file in `src/scripts/`: the
 * differential test replays each on memory (the twin) and on redis-server (the Lua).
 */
export const LOCKS_SCRIPTS: readonly Script<unknown>[] = Object.freeze([INCREMENT]);
