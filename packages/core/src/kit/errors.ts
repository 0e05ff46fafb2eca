import { type FeatureErrorCode, KV_ERROR_CODES, KvError, type KvErrorOptions } from '../errors.js';

/** The codes a feature declares, each with its meaning. */
export type FeatureErrorCodes<C extends FeatureErrorCode> = Readonly<Record<C, string>>;

/** What {@link defineErrorCodes} returns. */
export interface FeatureErrors<C extends FeatureErrorCode> {
  /** Each code with its documented meaning. */
  readonly codes: FeatureErrorCodes<C>;
  /** A {@link KvError} with one of these codes. */
  error(code: C, message: string, options?: KvErrorOptions): KvError;
}

/**
 * Declare a feature package's error codes, `E_<FEATURE>_<WHAT>`:
 * `defineErrorCodes('QUEUE', { E_QUEUE_JOB_NOT_FOUND: 'No job has this id.' })`. Every code
 * must carry the feature's prefix (so two packages cannot claim the same code) and none may
 * shadow a core code. `isKvError` accepts them, also across duplicate installs.
 */
export function defineErrorCodes<C extends FeatureErrorCode>(
  feature: string,
  codes: FeatureErrorCodes<C>,
): FeatureErrors<C> {
  if (!/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/.test(feature)) {
    throw new KvError(
      'E_INVALID_OPTIONS',
      `defineErrorCodes: feature: must be UPPER_SNAKE_CASE (letters, digits, _), got "${feature}"`,
    );
  }
  const prefix = `E_${feature}_`;
  for (const code of Object.keys(codes)) {
    if (!code.startsWith(prefix) || !/^E_[A-Z0-9_]+$/.test(code) || code.length === prefix.length) {
      throw new KvError('E_INVALID_OPTIONS', `defineErrorCodes: ${code}: must start with ${prefix}`);
    }
    if (code in KV_ERROR_CODES) {
      throw new KvError('E_INVALID_OPTIONS', `defineErrorCodes: ${code}: is one of core's codes`);
    }
  }
  const frozen = Object.freeze({ ...codes });
  return Object.freeze({
    codes: frozen,
    error: (code: C, message: string, options?: KvErrorOptions) => new KvError(code, message, options),
  });
}
