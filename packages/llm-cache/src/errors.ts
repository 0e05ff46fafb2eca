import { defineErrorCodes, type FeatureErrors } from '@raptorflow/core/kit';

/** Every error code of `@raptorflow/llm-cache` (the `code` of the `KvError`s it throws). */
export type LlmCacheErrorCode = 'E_LLM_CACHE_EMBEDDER';

/**
 * The package's error codes, each with its meaning. Bad options and arguments use core's
 * `E_INVALID_OPTIONS` / `E_INVALID_ARGUMENT`, and store failures keep the store's code
 * (`E_CONNECTION`, `E_TIMEOUT`...): only what is specific to this feature gets a code here.
 */
export const LLM_CACHE_ERRORS: FeatureErrors<LlmCacheErrorCode> = defineErrorCodes('LLM_CACHE', {
  E_LLM_CACHE_EMBEDDER:
    'The embedder failed or returned something that is not one vector of the expected length per text.',
});
