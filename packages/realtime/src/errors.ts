import { defineErrorCodes, type FeatureErrors } from '@raptorflow/core/kit';

/** Every error code of `@raptorflow/realtime` (the `code` of the `KvError`s it throws). */
export type RealtimeErrorCode = 'E_REALTIME_INVALID_MESSAGE' | 'E_REALTIME_MESSAGE_TOO_LARGE';

/**
 * The package's error codes, each with its meaning. Bad options and arguments use core's
 * `E_INVALID_OPTIONS` / `E_INVALID_ARGUMENT`, and store failures keep the store's code
 * (`E_CONNECTION`, `E_TIMEOUT`...): only what is specific to this feature gets a code here.
 */
export const REALTIME_ERRORS: FeatureErrors<RealtimeErrorCode> = defineErrorCodes('REALTIME', {
  E_REALTIME_INVALID_MESSAGE:
    "A message does not match its channel's schema (or is not JSON): nothing was published.",
  E_REALTIME_MESSAGE_TOO_LARGE: 'A message is larger than the maxMessageBytes option: nothing was published.',
});
