import { defineErrorCodes, type FeatureErrors } from '@raptorflow/core/kit';

/** Every error code of `@raptorflow/llm-cache` (the `code` of the `KvError`s it throws). */
export type LlmCacheErrorCode = 'E_LLM_CACHE_NOT_A_COUNTER';

/**
 * The package's error codes, each with its meaning. Bad options and arguments use core's
 * `E_INVALID_OPTIONS` / `E_INVALID_ARGUMENT`, and store failures keep the store's code
 * (`E_CONNECTION`, `E_TIMEOUT`...): only what is specific to this feature gets a code here.
 */
export const LLM_CACHE_ERRORS: FeatureErrors<LlmCacheErrorCode> = defineErrorCodes('LLM_CACHE', {
  E_LLM_CACHE_NOT_A_COUNTER:
    "A counter's key holds something other than a whole number: another writer used the key.",
});
