import type { FailoverControl } from './layers/failover.js';
import type { InstrumentControl } from './layers/instrument.js';
import type { L1Cache } from './layers/l1.js';
import type { Script } from './script.js';

/**
 * A RESP2-shaped reply: a bulk or status string, an integer, a nil, or an array of those.
 * Every driver returns this shape whatever its wire protocol (ioredis RESP3 replies and
 * Upstash JSON are normalised to it), so one set of parsers serves every adapter.
 */
export type Reply = string | number | null | Reply[];

/**
 * One Redis command as data: `argv[0]` is the command name in upper case, the rest are its
 * arguments as strings. `keys` lists the positions in `argv` that hold keys, so layers can
 * prefix them (namespaces), evict them (L1) or route them (Cluster) without knowing the command.
 */
export interface Command {
  readonly argv: readonly string[];
  readonly keys: readonly number[];
  /** True when the command never writes. Layers use it (L1 caches only reads). */
  readonly readonly: boolean;
}

/** A script invocation: the script, its KEYS and its ARGV. */
export interface ScriptCall {
  readonly script: Script<unknown>;
  readonly keys: readonly string[];
  readonly args: readonly string[];
}

/** One entry of a batch: a plain command or a script call. */
export type BatchEntry = { readonly command: Command } | { readonly call: ScriptCall };

/** Options of a scan over the keyspace. */
export interface ScanRequest {
  /** Glob-style pattern, Redis `MATCH` syntax. */
  readonly match: string;
  /** Hint of keys per round trip (Redis `COUNT`). */
  readonly count: number;
  /** Only keys of this type (Redis `TYPE`). */
  readonly type?: KeyType | undefined;
}

/** Redis key types this store can hold. */
export type KeyType = 'string' | 'hash' | 'zset' | 'list' | 'set';

/** A message handler for pub/sub. */
export type MessageHandler = (message: string, channel: string) => void;

/** What a store can do. The runtime and the conformance suite read the same flags. */
export interface KvCapabilities {
  /** `publish` / `subscribe` work. */
  readonly pubsub: boolean;
  /** The store is a Redis Cluster: multi-key commands are split by slot, scripts need one hash tag. */
  readonly cluster: boolean;
  /** Smallest unit of expiry the store honours, in ms (1 for Redis `PX`). */
  readonly ttlGranularityMs: number;
  /** Largest value the store accepts, in bytes of UTF-8. */
  readonly maxValueBytes: number;
  /** Data survives a process restart. */
  readonly persistent: boolean;
  /** Data is shared between processes (false for memory). */
  readonly shared: boolean;
  /**
   * Blocking commands (BLPOP, BZPOPMIN, XREAD BLOCK, ...) run. False on every adapter: they are
   * refused with `E_UNSUPPORTED` (see `BLOCKING_COMMANDS`); poll, or wake on pub/sub.
   */
  readonly blocking: boolean;
}

/** A live subscription. */
export interface Subscription {
  /** Stop receiving messages and release the subscriber connection if it was the last one. */
  unsubscribe(): Promise<void>;
}

/** Events a driver reports to layers above it (L1 uses `reconnect` to drop what it may have missed). */
export interface DriverEvents {
  /** The subscriber connection was re-established: messages sent meanwhile may be lost. */
  resubscribed?: () => void;
}

/** The control object of each layer kind, as `findLayer(store, kind)` returns it. */
export interface LayerControls {
  l1: L1Cache;
  failover: FailoverControl;
  instrument: InstrumentControl;
}

/** A layer kind: `l1`, `failover` or `instrument`. */
export type LayerKind = keyof LayerControls;

/**
 * What a layer's driver says about itself, so `findLayer` can find it under any other layer or
 * namespace view. Set by layers only; adapters and namespace drivers leave `layer` unset.
 */
export type LayerInfo =
  | {
      readonly kind: 'l1';
      readonly control: L1Cache;
      /**
       * The control as seen from namespace views above the layer that add `prefix` (keys taken
       * relative to the view; counters, events, `clear` and `flush` the whole L1's).
       */
      readonly view: (prefix: string) => L1Cache;
    }
  | {
      [K in Exclude<LayerKind, 'l1'>]: { readonly kind: K; readonly control: LayerControls[K] };
    }[Exclude<LayerKind, 'l1'>];

/**
 * The contract between the store facade and a backend. Adapters and layers implement it; the
 * typed `KvStore` methods are built once on top of it (see `createStore`), so a command is
 * encoded and its reply parsed in exactly one place for every backend.
 *
 * A driver must:
 * - return RESP2-shaped replies ({@link Reply}),
 * - throw {@link KvError}s (server errors through `fromReplyError`),
 * - keep one caller's commands in the order they were issued.
 */
export interface KvDriver {
  /** Adapter or layer name, e.g. `memory`, `ioredis`, `l1(ioredis)`. */
  readonly name: string;
  readonly capabilities: KvCapabilities;
  /**
   * The driver this one wraps: a namespace view's parent, a layer's store (for failover, the
   * primary). Adapters have none: the end of the chain is the root driver (see `rootDriver`).
   */
  readonly inner?: KvDriver | undefined;
  /** Set by layers (`withL1`, `withFailover`, `instrument`): their kind and control. */
  readonly layer?: LayerInfo | undefined;
  /** Set by namespace drivers: the prefix this driver adds to every key before `inner` sees it. */
  readonly prefix?: string | undefined;
  /** Run one command. */
  command(command: Command): Promise<Reply>;
  /** Run a script (EVALSHA with EVAL fallback on Redis; the JavaScript twin on memory). */
  script(call: ScriptCall): Promise<Reply>;
  /**
   * Run a script synchronously: the reply, or a thrown {@link KvError}. Only a driver that runs
   * scripts in-process has it (the memory adapter), and only drivers that can pass it on keep it
   * (namespace views, the closed-store guard); a layer that must time, count or route a call
   * (failover, instrument, L1) leaves it out, so callers fall back to {@link KvDriver.script}.
   * It is the same run as `script`, without the promise.
   */
  scriptSync?(call: ScriptCall): Reply;
  /**
   * Run several entries in one round trip where the backend allows it. Each result is the
   * reply or the {@link KvError} of that entry, in order; one failing entry does not fail the others.
   */
  batch(entries: readonly BatchEntry[]): Promise<Array<Reply | Error>>;
  /** Iterate the keyspace in pages of keys. Cluster drivers visit every master. */
  scan(request: ScanRequest): AsyncIterable<string[]>;
  /** Publish a message; resolves to the number of receivers Redis reports. */
  publish?(channel: string, message: string): Promise<number>;
  /** Subscribe to channels. */
  subscribe?(
    channels: readonly string[],
    handler: MessageHandler,
    events?: DriverEvents,
  ): Promise<Subscription>;
  /**
   * Release connections and timers. `createStore` guards every driver (`closable`): this runs
   * once, and every call made from the moment it was called fails with `E_CLOSED`.
   */
  close(): Promise<void>;
}
