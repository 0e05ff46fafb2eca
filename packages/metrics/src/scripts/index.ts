import type { Script } from '@raptorflow/core';
import { USAGE_RECORD } from './usage-record.js';

export {
  encodeUsageRows,
  parseUsageRecordReply,
  USAGE_RECORD,
  type UsageRow,
} from './usage-record.js';

/**
 * Every script of `@raptorflow/metrics`, one per file in `src/scripts/`: the differential test
 * replays each on memory (the twin) and on redis-server (the Lua).
 */
export const METRICS_SCRIPTS: readonly Script<unknown>[] = Object.freeze([USAGE_RECORD]);
