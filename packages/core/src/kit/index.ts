/**
 * `@raptorflow/core/kit`: what every feature package builds on, so none writes it again:
 * option parsing, one `Duration`, one deadline mechanism, one store-failure vocabulary, the key
 * layout, feature error codes and the feature-event hub. Store users never need it; feature
 * authors start from `pnpm new:feature <name>`, which uses all of it.
 */
export { createDeadlines, type Deadlines } from './deadline.js';
export { describeValue } from './describe.js';
export {
  type Duration,
  type DurationBounds,
  type DurationUnit,
  durationMs,
  durationSchema,
  parseDuration,
} from './duration.js';
export { defineErrorCodes, type FeatureErrorCodes, type FeatureErrors } from './errors.js';
export { type FeatureEvent, type FeatureEvents, featureEvents } from './events.js';
export { type FeatureKeyspace, featureKeyspace, type KeyspaceOptions } from './keys.js';
export { invalidArgument, invalidOptions, optionError, parseOptions } from './options.js';
export {
  isStoreFailure,
  resolvePolicy,
  STORE_FAILURE_CODES,
  STORE_FAILURE_POLICIES,
  type StoreFailurePolicy,
} from './policy.js';
