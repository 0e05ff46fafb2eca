import { defineErrorCodes, type FeatureErrors } from '@raptorflow/core/kit';

/** Every error code of `@raptorflow/metrics` (the `code` of the `KvError`s it throws). */
export type MetricsErrorCode = 'E_METRICS_USAGE_CORRUPT';

/**
 * The package's error codes. Bad options and arguments use core's `E_INVALID_OPTIONS` /
 * `E_INVALID_ARGUMENT`, store failures keep the store's code.
 */
export const METRICS_ERRORS: FeatureErrors<MetricsErrorCode> = defineErrorCodes('METRICS', {
  E_METRICS_USAGE_CORRUPT:
    "A usage hash holds a field that is not a whole number: another writer used the workspace's usage key.",
});
