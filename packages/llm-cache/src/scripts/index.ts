import type { Script } from '@raptorflow/core';
import { SEMANTIC_INSERT } from './semantic-insert.js';
import { SEMANTIC_LOOKUP } from './semantic-lookup.js';

export {
  encodeSemanticInsertArgs,
  MAX_INSERT_BATCH,
  parseSemanticInsertReply,
  SEMANTIC_INSERT,
  type SemanticInsertBounds,
  type SemanticInsertEntry,
  type SemanticInsertReply,
} from './semantic-insert.js';
export {
  encodeSemanticLookupArgs,
  parseSemanticLookupReply,
  SEMANTIC_LOOKUP,
  type SemanticCandidate,
  type SemanticLookupReply,
} from './semantic-lookup.js';

/**
 * Every script of `@raptorflow/llm-cache`, one per file in `src/scripts/`: the differential
 * test replays each on memory (the twin) and on redis-server (the Lua).
 */
export const LLM_CACHE_SCRIPTS: readonly Script<unknown>[] = Object.freeze([
  SEMANTIC_LOOKUP,
  SEMANTIC_INSERT,
]);
