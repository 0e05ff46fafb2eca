/**
 * `@raptorflow/core/driver`: the driver SPI, for writing an adapter, a layer or a feature's
 * script twins. The `KvDriver` contract and its wire types, the command table and its reply
 * parsers, `createStore` over a driver, namespace views of a driver, the script twin helpers,
 * the event emitter layers publish on, and the less-used layer and command option types. Store
 * users import `@raptorflow/core`; no name is exported from both entries.
 */

export { compileGlob, type GlobMatcher } from '../adapters/memory/glob.js';
export { type MemoryDriver, memoryDriver } from '../adapters/memory.js';
export {
  asDouble,
  asInteger,
  asNullableDouble,
  asNullableString,
  asScoredMembers,
  COMMANDS,
  type CommandSpec,
  parseDouble,
} from '../commands.js';
export {
  KV_ADAPTERS,
  type KvAdapterEntry,
  type KvAdapterName,
  type KvAdapterSettings,
  type KvAdapterVariant,
  type KvEnvPlan,
  type KvEnvSettings,
  type KvServerKind,
} from '../config.js';
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
  ScanRequest,
  ScriptCall,
  Subscription,
} from '../driver.js';
export { fromReplyError, KV_ERROR_CODES, type KvErrorOptions } from '../errors.js';
export { Emitter, type Listener } from '../events.js';
export { type BreakerState, type BreakerTransition, CircuitBreaker } from '../layers/breaker.js';
export type { FailoverControl, FailoverEvents, FailoverStats } from '../layers/failover.js';
export { rootDriver } from '../layers/find.js';
export type { InstrumentControl, InstrumentEvents } from '../layers/instrument.js';
export { l1Of } from '../layers/l1.js';
export type { L1Events, L1InvalidationSource, L1Stats } from '../layers/l1-cache.js';
export { namespaceDriver } from '../namespace.js';
export { luaNumberToString, type ScriptTwin, twinResultToReply } from '../script.js';
export { createStore, encodeScriptArgs } from '../store.js';
export type {
  ExpireCondition,
  KvBatchCommands,
  KvCommands,
  ListSide,
  ScoreBound,
  ZAddOptions,
  ZRangeOptions,
  ZRangeUnifiedOptions,
} from '../types.js';
