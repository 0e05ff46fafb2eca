import type { KeyType, KvCapabilities, KvDriver, MessageHandler, Subscription } from './driver.js';
import type { Script, ScriptArg } from './script.js';

/** Options of {@link KvCommands.set}. */
export interface SetOptions {
  /** Time to live in milliseconds, a whole number > 0. Omit for no expiry. */
  ttl?: number | undefined;
  /** Only set when the key does not exist (Redis `NX`). */
  nx?: boolean | undefined;
  /** Only set when the key exists (Redis `XX`). */
  xx?: boolean | undefined;
  /** Keep the key's current TTL (Redis `KEEPTTL`). Not with `ttl`. */
  keepTtl?: boolean | undefined;
}

/** Condition of {@link KvCommands.pexpire} (Redis 7 `NX`/`XX`/`GT`/`LT`). */
export type ExpireCondition = 'NX' | 'XX' | 'GT' | 'LT';

/** A sorted-set member and its score. */
export interface ScoredMember {
  readonly member: string;
  readonly score: number;
}

/**
 * A score bound of a range: a number (inclusive, `±Infinity` allowed) or `{ exclusive: n }`
 * (Redis `(n`).
 */
export type ScoreBound = number | { readonly exclusive: number };

/** Options of {@link KvCommands.zadd}. */
export interface ZAddOptions {
  /** Only add new members. */
  nx?: boolean | undefined;
  /** Only update existing members. */
  xx?: boolean | undefined;
  /** Only update when the new score is greater. */
  gt?: boolean | undefined;
  /** Only update when the new score is lower. */
  lt?: boolean | undefined;
  /** Count changed members too, not only added ones (Redis `CH`). */
  ch?: boolean | undefined;
}

/** Options of {@link KvCommands.zrangeByScore}. */
export interface ZRangeOptions {
  /** Skip this many members (Redis `LIMIT offset count`). @default 0 */
  offset?: number | undefined;
  /** Return at most this many members. @default all */
  count?: number | undefined;
}

/**
 * Options of {@link KvCommands.zrange} (Redis 6.2+'s unified `ZRANGE`). By rank (the default),
 * `start` and `stop` are 0-based ranks, negative from the end; by score they are
 * {@link ScoreBound}s, and with `rev` the first is the higher one (`ZRANGE key max min BYSCORE REV`).
 */
export interface ZRangeUnifiedOptions {
  /** `'rank'` (default) or `'score'` (Redis `BYSCORE`). */
  by?: 'rank' | 'score' | undefined;
  /** Highest first (Redis `REV`). */
  rev?: boolean | undefined;
  /** By score only: skip this many members (Redis `LIMIT offset count`). @default 0 */
  offset?: number | undefined;
  /** By score only: return at most this many members. @default all */
  count?: number | undefined;
}

/** A list end. */
export type ListSide = 'LEFT' | 'RIGHT';

/**
 * The data commands, with Redis semantics exactly. Every adapter and layer implements them
 * through one shared encoder and parser (see `createStore`). Times are milliseconds.
 */
export interface KvCommands {
  /** The string at `key`, or `null`. @see https://redis.io/commands/get */
  get(key: string): Promise<string | null>;
  /** Set a string. Resolves `false` when `nx`/`xx` prevented the write. @see https://redis.io/commands/set */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  /** Set a string and return the previous one (Redis `SET ... GET`). */
  getSet(key: string, value: string, options?: SetOptions): Promise<string | null>;
  /** Several strings in one round trip, `null` where missing. */
  mget(keys: readonly string[]): Promise<Array<string | null>>;
  /** Set several strings in one round trip. */
  mset(entries: Readonly<Record<string, string>>): Promise<void>;
  /** Delete keys; resolves to how many existed. */
  del(keys: string | readonly string[]): Promise<number>;
  /** How many of the keys exist (a key named twice counts twice). */
  exists(keys: string | readonly string[]): Promise<number>;
  /** Add a whole number to the integer at `key` (missing is 0). */
  incrBy(key: string, increment: number): Promise<number>;
  /** Add a number to the float at `key` (missing is 0). */
  incrByFloat(key: string, increment: number): Promise<number>;
  /** Set a TTL in ms. A TTL <= 0 deletes the key. Resolves `false` when the key is missing or the condition failed. */
  pexpire(key: string, ttl: number, condition?: ExpireCondition): Promise<boolean>;
  /** Remaining TTL in ms: -2 when missing, -1 when the key has no expiry. */
  pttl(key: string): Promise<number>;
  /** Remove the TTL; resolves `false` when the key is missing or had none. */
  persist(key: string): Promise<boolean>;
  /** The type of the value at `key`, or `none`. */
  type(key: string): Promise<KeyType | 'none'>;

  hget(key: string, field: string): Promise<string | null>;
  /** Set fields; resolves to how many were new. */
  hset(key: string, fields: Readonly<Record<string, string>>): Promise<number>;
  hmget(key: string, fields: readonly string[]): Promise<Array<string | null>>;
  hgetall(key: string): Promise<Record<string, string>>;
  hdel(key: string, fields: string | readonly string[]): Promise<number>;
  hincrBy(key: string, field: string, increment: number): Promise<number>;
  hlen(key: string): Promise<number>;
  /** Set a field only if it does not exist; true if it was set. */
  hsetnx(key: string, field: string, value: string): Promise<boolean>;
  /** Whether a field exists. */
  hexists(key: string, field: string): Promise<boolean>;

  /** Add or update members; resolves to how many were added (or changed, with `ch`). */
  zadd(key: string, members: ScoredMember | readonly ScoredMember[], options?: ZAddOptions): Promise<number>;
  zrem(key: string, members: string | readonly string[]): Promise<number>;
  zscore(key: string, member: string): Promise<number | null>;
  zincrBy(key: string, increment: number, member: string): Promise<number>;
  zcard(key: string): Promise<number>;
  /** Members with a score in `[min, max]`, lowest first; ties by member, bytewise. */
  zrangeByScore(key: string, min: ScoreBound, max: ScoreBound, options?: ZRangeOptions): Promise<string[]>;
  /** Like {@link zrangeByScore}, with scores. */
  zrangeByScoreWithScores(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    options?: ZRangeOptions,
  ): Promise<ScoredMember[]>;
  /** Members with a score in `[min, max]`, highest first: `ZREVRANGEBYSCORE key max min`. */
  zrevrangeByScore(key: string, max: ScoreBound, min: ScoreBound, options?: ZRangeOptions): Promise<string[]>;
  /** `ZRANGE` by rank or score, optionally reversed and limited (see {@link ZRangeUnifiedOptions}). */
  zrange(key: string, start: ScoreBound, stop: ScoreBound, options?: ZRangeUnifiedOptions): Promise<string[]>;
  /** Like {@link zrange}, with scores (`WITHSCORES`). */
  zrangeWithScores(
    key: string,
    start: ScoreBound,
    stop: ScoreBound,
    options?: ZRangeUnifiedOptions,
  ): Promise<ScoredMember[]>;
  /** How many members have a score in `[min, max]`. */
  zcount(key: string, min: ScoreBound, max: ScoreBound): Promise<number>;
  /** A member's 0-based rank, lowest score first; null if absent. */
  zrank(key: string, member: string): Promise<number | null>;
  zremRangeByScore(key: string, min: ScoreBound, max: ScoreBound): Promise<number>;
  /** Remove and return up to `count` lowest members. @default count 1 */
  zpopmin(key: string, count?: number): Promise<ScoredMember[]>;
  /** Remove and return the `count` (default 1) members with the highest scores, highest first. */
  zpopmax(key: string, count?: number): Promise<ScoredMember[]>;

  /** Push to the head; resolves to the new length. */
  lpush(key: string, values: string | readonly string[]): Promise<number>;
  /** Push to the tail; resolves to the new length. */
  rpush(key: string, values: string | readonly string[]): Promise<number>;
  lpop(key: string): Promise<string | null>;
  rpop(key: string): Promise<string | null>;
  /** Elements from `start` to `stop` inclusive; negative indexes count from the end. */
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  llen(key: string): Promise<number>;
  /** Remove `count` occurrences (0: all; negative: from the tail). */
  lrem(key: string, count: number, value: string): Promise<number>;
  /** Atomically pop from one list and push to another. */
  lmove(source: string, destination: string, from: ListSide, to: ListSide): Promise<string | null>;

  sadd(key: string, members: string | readonly string[]): Promise<number>;
  srem(key: string, members: string | readonly string[]): Promise<number>;
  smembers(key: string): Promise<string[]>;
  sismember(key: string, member: string): Promise<boolean>;
  scard(key: string): Promise<number>;
}

/** Options of {@link KvStore.scan}. */
export interface ScanOptions {
  /** Glob pattern (Redis `MATCH`). @default '*' */
  match?: string | undefined;
  /** Keys per round trip, a hint. @default 100 */
  count?: number | undefined;
  /** Only keys of this type. */
  type?: KeyType | undefined;
}

/** Result of one batch entry in {@link KvBatch.execSettled}. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };

/** The commands of a batch: each records the call and returns the batch with one more result type. */
export type KvBatchCommands<T extends unknown[]> = {
  [K in keyof KvCommands]: (
    ...args: Parameters<KvCommands[K]>
  ) => KvBatch<[...T, Awaited<ReturnType<KvCommands[K]>>]>;
};

/**
 * Several commands and scripts sent in one round trip, results in order. Not a transaction:
 * each entry runs on its own, as in a Redis pipeline.
 */
export interface KvBatch<T extends unknown[] = []> extends KvBatchCommands<T> {
  /** Add a script call. */
  eval<R>(script: Script<R>, keys: readonly string[], args?: readonly ScriptArg[]): KvBatch<[...T, R]>;
  /** Number of entries recorded. */
  readonly length: number;
  /** Run the batch. Rejects with the first entry's error after every entry has run. */
  exec(): Promise<T>;
  /** Run the batch; resolves to each entry's value or error. */
  execSettled(): Promise<{ [I in keyof T]: Settled<T[I]> }>;
}

/**
 * The store: Redis semantics on memory, ioredis (standalone or Cluster) and Upstash.
 * Values are strings; see the codecs for objects.
 */
export interface KvStore extends KvCommands {
  /** Adapter (and layers) name, e.g. `memory`, `l1(ioredis)`. */
  readonly name: string;
  readonly capabilities: KvCapabilities;
  /** The driver this store runs on; layers wrap it. */
  readonly driver: KvDriver;
  /** The prefix of this view (`''` on a root store). */
  readonly prefix: string;
  /** Iterate keys (confined to this view's prefix, returned without it). */
  scan(options?: ScanOptions): AsyncIterable<string>;
  /** Run a script atomically; the reply goes through the script's parser. */
  eval<R>(script: Script<R>, keys: readonly string[], args?: readonly ScriptArg[]): Promise<R>;
  /**
   * `eval` without the promise: the parsed reply, or a thrown {@link KvError} (the same checks,
   * the same twin). Present only when every driver down the chain runs scripts in-process (the
   * memory adapter, through namespace views); a store with a layer that times, counts or routes
   * calls (failover, instrument, L1) has none. Hot paths use it when present, `eval` otherwise.
   */
  readonly evalSync?:
    | (<R>(script: Script<R>, keys: readonly string[], args?: readonly ScriptArg[]) => R)
    | undefined;
  /** Start a batch. */
  batch(): KvBatch;
  /** Publish a message (`E_UNSUPPORTED` without `capabilities.pubsub`). */
  publish(channel: string, message: string): Promise<number>;
  /** Subscribe to channels (`E_UNSUPPORTED` without `capabilities.pubsub`). */
  subscribe(channels: string | readonly string[], handler: MessageHandler): Promise<Subscription>;
  /** Round trip to the store. */
  ping(): Promise<void>;
  /** The store's clock in ms since the epoch, with microsecond fraction (Redis `TIME`). */
  time(): Promise<number>;
  /**
   * A view whose keys, script KEYS, scans and channels are confined to `prefix`. A view cannot
   * name a key outside its prefix. Views nest: `a.namespace('x:').namespace('y:')` is `x:y:`.
   */
  namespace(prefix: string): KvStore;
  /** Close the store's connections and timers. On a namespace view this does nothing: close the root. */
  close(): Promise<void>;
}
