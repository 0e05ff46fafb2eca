import type { Script } from '@raptorflow/core';
import { INCREMENT } from './increment.js';

export { encodeIncrementArgs, INCREMENT, type IncrementReply, parseIncrementReply } from './increment.js';

/**
 * Every script of `@raptorflow/llm-cache`, one per file in `src/scripts/`: the
 * differential test replays each on memory (the twin) and on redis-server (the Lua).
 */
export const LLM_CACHE_SCRIPTS: readonly Script<unknown>[] = Object.freeze([INCREMENT]);
