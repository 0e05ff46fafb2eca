/**
 * `@raptorflow/llm-cache`: the public surface. Everything a user imports is exported
 * here and nowhere else (one entry, `"."`).
 */
export { LLM_CACHE_ERRORS, type LlmCacheErrorCode } from './errors.js';
export type { LlmCacheOperation } from './events.js';
export { createLlmCache, type IncrResult, type LlmCache } from './llm-cache.js';
export type { LlmCacheOptions } from './options.js';
export {
  encodeIncrementArgs,
  INCREMENT,
  type IncrementReply,
  LLM_CACHE_SCRIPTS,
  parseIncrementReply,
} from './scripts/index.js';
