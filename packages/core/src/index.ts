/**
 * `@raptorflow/core`: what store users need. A store (memory here; ioredis and Upstash on their
 * own subpaths), its layers, codecs, key helpers, errors and scripts. Extending the store
 * (drivers, layers, reply parsers, the command table) is `@raptorflow/core/driver`; building a
 * feature package is `@raptorflow/core/kit`. `test/public-surface.test.ts` holds this entry to
 * 50 names, types included.
 */
export { type MemoryAdapterOptions, memoryAdapter } from './adapters/memory.js';
export {
  type Codec,
  type CompressionOptions,
  compressedCodec,
  decodeOrMiss,
  jsonCodec,
  schemaCodec,
} from './codecs.js';
export { type KvFromEnv, kvFromEnv, planFromEnv } from './config.js';
export type { Reply } from './driver.js';
export { isKvError, KvError, type KvErrorCode, toKvError } from './errors.js';
export { DEFAULT_PREFIX, hashKeyPart, hashTag, joinKey } from './keys.js';
export {
  type FailoverOptions,
  type FailoverStore,
  type FailurePolicy,
  isUnavailableError,
  withFailover,
} from './layers/failover.js';
export { findLayer } from './layers/find.js';
export {
  type InstrumentedStore,
  type InstrumentOptions,
  instrument,
  type KvCallEvent,
} from './layers/instrument.js';
export { type L1Cache, type L1Key, type L1Options, type L1Store, withL1 } from './layers/l1.js';
export { escapeGlob } from './namespace.js';
export {
  defineScript,
  type Script,
  type ScriptArg,
  type ScriptContext,
  type ScriptDefinition,
  scriptError,
  scriptSha,
  type TwinResult,
} from './script.js';
export type { KvBatch, KvStore, ScanOptions, ScoredMember, SetOptions, Settled } from './types.js';
