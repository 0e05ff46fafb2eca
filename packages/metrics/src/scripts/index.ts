import type { Script } from '@raptorflow/core';

/**
 * Every script of `@raptorflow/metrics`, one per file in `src/scripts/`: the differential test
 * replays each on memory (the twin) and on redis-server (the Lua).
 */
export const METRICS_SCRIPTS: readonly Script<unknown>[] = Object.freeze([]);
