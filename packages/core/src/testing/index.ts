/**
 * `@raptorflow/core/testing`: the conformance suite (also alone, runner-free, at
 * `@raptorflow/core/conformance`), the script differential against redis-server, the suite's
 * scripts and `storeMatrix`. The differential and `storeMatrix` use vitest (an optional peer
 * dependency of core), so import this entry from vitest tests only.
 */
export {
  type ConformanceAssertion,
  type ConformanceBody,
  type ConformanceExpect,
  type ConformanceOptions,
  type ConformanceRunner,
  eventually,
  expectCode,
  randomPrefix,
  runConformance,
  type SuiteContext,
  type SuiteGroup,
  scanAll,
  until,
} from './conformance.js';
export {
  type DifferentialRecord,
  type DifferentialStep,
  runScriptDifferential,
  type ScriptDifferentialOptions,
} from './differential.js';
export {
  createFuzzHarness,
  type FuzzHarness,
  type FuzzHarnessOptions,
  type FuzzOutcome,
} from './fuzz.js';
export {
  MATRIX_LAYERS,
  type MatrixLayer,
  type MatrixServers,
  type StoreMatrix,
  type StoreMatrixEntry,
  type StoreMatrixOptions,
  storeMatrix,
  TEST_CONNECTIONS,
} from './matrix.js';
export {
  COMPARE_AND_DELETE,
  EXPIRY_BOUNDARY,
  FIXED_WINDOW,
  MIXED_REPLY,
  MOVE_FIELD,
  PCALL_INCR,
  PCALL_PASSTHROUGH,
  SCRIPT_TIME,
  TEST_SCRIPTS,
  ZADD_RANGE,
} from './scripts.js';
