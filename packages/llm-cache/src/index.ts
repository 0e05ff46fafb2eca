/**
 * `@raptorflow/llm-cache`: the public surface. Everything a user imports is exported here and
 * nowhere else (one entry, `"."`).
 */
export {
  type AiSdkCallOptions,
  type AiSdkModel,
  type LlmCacheMiddleware,
  type LlmCacheMiddlewareOptions,
  llmCacheMiddleware,
} from './ai-sdk.js';
export { type CachedLlmOptions, cachedLlm } from './cached.js';
export { cosine, type Embedder, normalize } from './embedders/embedder.js';
export { type FunctionEmbedderOptions, functionEmbedder } from './embedders/function.js';
export { DEFAULT_HASH_THRESHOLD, type HashingEmbedderOptions, hashingEmbedder } from './embedders/hashing.js';
export { type OpenAiEmbedderOptions, openAiEmbedder } from './embedders/openai.js';
export { LLM_CACHE_ERRORS, type LlmCacheErrorCode } from './errors.js';
export { crowdedPrompt, crowdedRewording, crowdedUnrelated } from './eval/crowded.js';
export {
  type EvalReport,
  type EvaluateOptions,
  evaluate,
  formatReport,
  type KindReport,
} from './eval/evaluate.js';
export { HELD_OUT_PAIRS } from './eval/held-out.js';
export { EVAL_PAIRS, type EvalPair, type NegativeKind, type PairKind } from './eval/index.js';
export type { LlmCacheOperation } from './events.js';
export { GUARD_NAMES, type GuardName, type GuardOptions, guardFailure } from './guards.js';
export {
  createLlmCache,
  type InvalidateOptions,
  type LlmCache,
  type LlmCallOptions,
  type LlmGetOrCallOptions,
  type LlmHit,
  type LlmResult,
  type LlmSetOptions,
  type LlmStage,
} from './llm-cache.js';
export type { LlmCacheOptions, LlmNamespaceOptions, SemanticOptions } from './options.js';
export {
  DEFAULT_PRICES,
  type ModelPrice,
  type PriceTable,
  type Savings,
  savingsOf,
  type Usage,
} from './prices.js';
export { type LlmMessage, type LlmRequest, NON_ANSWER_PARAMS } from './request.js';
export {
  encodeSemanticInsertArgs,
  encodeSemanticLookupArgs,
  LLM_CACHE_SCRIPTS,
  MAX_INSERT_BATCH,
  parseSemanticInsertReply,
  parseSemanticLookupReply,
  SEMANTIC_INSERT,
  SEMANTIC_LOOKUP,
  type SemanticCandidate,
  type SemanticInsertBounds,
  type SemanticInsertEntry,
  type SemanticInsertReply,
  type SemanticLookupReply,
} from './scripts/index.js';
export { type Analysis, analyse } from './text/analyse.js';
