import { defineErrorCodes, type FeatureErrors } from '@raptorflow/core/kit';

/** Every error code of `@raptorflow/queue` (the `code` of the `KvError`s it throws). */
export type QueueErrorCode = 'E_QUEUE_NOT_A_COUNTER';

/**
 * The package's error codes, each with its meaning. Bad options and arguments use core's
 * `E_INVALID_OPTIONS` / `E_INVALID_ARGUMENT`, and store failures keep the store's code
 * (`E_CONNECTION`, `E_TIMEOUT`...): only what is specific to this feature gets a code here.
 */
export const QUEUE_ERRORS: FeatureErrors<QueueErrorCode> = defineErrorCodes('QUEUE', {
  E_QUEUE_NOT_A_COUNTER:
    "A counter's key holds something other than a whole number: another writer used the key.",
});
