import { defineErrorCodes, type FeatureErrors } from '@raptorflow/core/kit';

/** Every error code of `@raptorflow/session` (the `code` of the `KvError`s it throws). */
export type SessionErrorCode = 'E_SESSION_INVALID_DATA' | 'E_SESSION_NOT_FOUND';

/**
 * The package's error codes, each with its meaning. Bad options and arguments use core's
 * `E_INVALID_OPTIONS` / `E_INVALID_ARGUMENT`, and store failures keep the store's code
 * (`E_CONNECTION`, `E_TIMEOUT`...): only what is specific to sessions gets a code here.
 */
export const SESSION_ERRORS: FeatureErrors<SessionErrorCode> = defineErrorCodes('SESSION', {
  E_SESSION_INVALID_DATA:
    'Session data failed the `schema` option (on create or update), or is not JSON-serialisable.',
  E_SESSION_NOT_FOUND: 'The session does not exist (expired, destroyed, rotated away or revoked).',
});
