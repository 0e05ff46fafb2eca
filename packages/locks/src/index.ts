/**
 * `@raptorflow/locks`: the public surface. Everything a user imports is exported
 * here and nowhere else (one entry, `"."`).
 */
export { LOCKS_ERRORS, type LocksErrorCode } from './errors.js';
export type { LocksOperation } from './events.js';
export { createLocks, type IncrResult, type Locks } from './locks.js';
export type { LocksOptions } from './options.js';
export {
  encodeIncrementArgs,
  INCREMENT,
  type IncrementReply,
  LOCKS_SCRIPTS,
  parseIncrementReply,
} from './scripts/index.js';
