/**
 * `@raptorflow/core/kit`: what every feature package builds on, so none writes it again:
 * option parsing, one `Duration`, one deadline mechanism, one store-failure vocabulary, the key
 * layout, feature error codes, the feature-event hub and the primitive scripts (compare-and-set,
 * compare-and-delete, compare-and-extend, fencing counter). Store users never need it; feature
 * authors start from `pnpm new:feature <name>`, which uses all of it.
 */

export { Emitter, type Listener } from '../events.js';
export {
  COMPARE_AND_DELETE,
  COMPARE_AND_EXTEND,
  COMPARE_AND_SET,
  compareAndDeleteArgs,
  compareAndExtendArgs,
  compareAndSetArgs,
  FENCING_COUNTER,
  fencingCounterArgs,
  PRIMITIVE_SCRIPTS,
} from '../scripts/index.js';
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
export {
  emitOperation,
  type FeatureEvent,
  type FeatureEvents,
  type FinishedOperation,
  featureEvents,
  operationStart,
} from './events.js';
export { type FeatureKeyspace, featureKeyspace, type KeyspaceOptions } from './keys.js';
export { invalidArgument, invalidOptions, optionError, parseOptions } from './options.js';
export {
  isStoreFailure,
  requireFailClosed,
  resolvePolicy,
  STORE_FAILURE_CODES,
  STORE_FAILURE_POLICIES,
  type StoreFailurePolicy,
} from './policy.js';
export { requireStore } from './store-arg.js';
export { randomToken } from './token.js';
