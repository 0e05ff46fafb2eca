export {
  type MemoryAdapterOptions,
  type MemoryDriver,
  memoryAdapter,
  memoryDriver,
} from './adapters/memory.js';
export {
  type Codec,
  type CompressionOptions,
  compressedCodec,
  decodeOrMiss,
  jsonCodec,
  schemaCodec,
} from './codecs.js';
export {
  asInteger,
  asNullableString,
  asScoredMembers,
  COMMANDS,
  type CommandSpec,
  parseDouble,
} from './commands.js';
export {
  KV_ADAPTERS,
  type KvAdapterEntry,
  type KvAdapterName,
  type KvAdapterSettings,
  type KvAdapterVariant,
  type KvEnvPlan,
  type KvEnvSettings,
  type KvFromEnv,
  type KvServerKind,
  kvFromEnv,
  planFromEnv,
} from './config.js';
export type {
  BatchEntry,
  Command,
  DriverEvents,
  KeyType,
  KvCapabilities,
  KvDriver,
  LayerControls,
  LayerInfo,
  LayerKind,
  MessageHandler,
  Reply,
  ScanRequest,
  ScriptCall,
  Subscription,
} from './driver.js';
export {
  fromReplyError,
  isKvError,
  KV_ERROR_CODES,
  KvError,
  type KvErrorCode,
  type KvErrorOptions,
  toKvError,
} from './errors.js';
export { Emitter, type Listener } from './events.js';
export { DEFAULT_PREFIX, hashKeyPart, hashTag, joinKey } from './keys.js';
export {
  type BreakerState,
  type BreakerTransition,
  CircuitBreaker,
} from './layers/breaker.js';
export {
  type FailoverControl,
  type FailoverEvents,
  type FailoverOptions,
  type FailoverStats,
  type FailoverStore,
  type FailurePolicy,
  isUnavailableError,
  withFailover,
} from './layers/failover.js';
export { findLayer, rootDriver } from './layers/find.js';
export {
  type InstrumentControl,
  type InstrumentEvents,
  type InstrumentedStore,
  type InstrumentOptions,
  instrument,
  type KvCallEvent,
} from './layers/instrument.js';
export { type L1Cache, type L1Options, type L1Store, l1Of, withL1 } from './layers/l1.js';
export type { L1Events, L1InvalidationSource, L1Stats } from './layers/l1-cache.js';
export { escapeGlob, namespaceDriver } from './namespace.js';
export {
  defineScript,
  luaNumberToString,
  type Script,
  type ScriptArg,
  type ScriptContext,
  type ScriptDefinition,
  type ScriptTwin,
  scriptError,
  scriptSha,
  type TwinResult,
  twinResultToReply,
} from './script.js';
export { createStore, encodeScriptArgs } from './store.js';
export type {
  ExpireCondition,
  KvBatch,
  KvBatchCommands,
  KvCommands,
  KvStore,
  ListSide,
  ScanOptions,
  ScoreBound,
  ScoredMember,
  SetOptions,
  Settled,
  ZAddOptions,
  ZRangeOptions,
  ZRangeUnifiedOptions,
} from './types.js';
