import type { Script } from '@raptorflow/core';
import { INCREMENT } from './increment.js';

export { encodeIncrementArgs, INCREMENT, type IncrementReply, parseIncrementReply } from './increment.js';

/**
 * Every script of `@raptorflow/template-feature`, one per file in `src/scripts/`: the
 * differential test replays each on memory (the twin) and on redis-server (the Lua).
 */
export const TEMPLATE_FEATURE_SCRIPTS: readonly Script<unknown>[] = Object.freeze([INCREMENT]);
