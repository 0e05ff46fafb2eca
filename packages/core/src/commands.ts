import type { Command, Reply } from './driver.js';
import { KvError } from './errors.js';
import type { KvCommands, ScoreBound, ScoredMember, SetOptions, ZRangeUnifiedOptions } from './types.js';

/**
 * How one `KvCommands` method becomes a Redis command and how its reply becomes the result.
 * Every adapter and layer shares this table, so a command is encoded and parsed in one place.
 */
export interface CommandSpec<A extends unknown[], R> {
  readonly encode: (...args: A) => Command;
  readonly decode: (reply: Reply) => R;
}

type Specs = {
  readonly [K in keyof KvCommands]: CommandSpec<
    Parameters<KvCommands[K]>,
    Awaited<ReturnType<KvCommands[K]>>
  >;
};

// ---------------------------------------------------------------------------------------------
// Argument checks: a bad argument is E_INVALID_ARGUMENT before anything is sent, on every adapter.

function invalid(message: string): KvError {
  return new KvError('E_INVALID_ARGUMENT', message);
}

/** A key, field, member or value: a well-formed string (a lone surrogate would be corrupted by Redis). */
export function checkString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw invalid(`${what} must be a string, got ${describe(value)}`);
  if (!value.isWellFormed())
    throw invalid(`${what} contains a lone UTF-16 surrogate and cannot be stored intact`);
  return value;
}

function checkInt(value: unknown, what: string): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw invalid(`${what} must be a safe integer, got ${describe(value)}`);
  }
  return String(value);
}

function checkFinite(value: unknown, what: string): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(`${what} must be a finite number, got ${describe(value)}`);
  }
  return String(value);
}

function checkTtl(value: unknown): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalid(`ttl must be a whole number of milliseconds > 0, got ${describe(value)}`);
  }
  return String(value);
}

/** A score: a number, `±Infinity` allowed, never NaN. */
export function encodeScore(value: unknown): string {
  if (typeof value !== 'number' || Number.isNaN(value))
    throw invalid(`score must be a number, got ${describe(value)}`);
  if (value === Number.POSITIVE_INFINITY) return '+inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  return String(value);
}

function encodeBound(bound: ScoreBound): string {
  if (typeof bound === 'object' && bound !== null && 'exclusive' in bound)
    return `(${encodeScore(bound.exclusive)}`;
  return encodeScore(bound);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `string of ${value.length} chars`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'array' : 'object';
  return value === null ? 'null' : typeof value;
}

/**
 * A record of strings (`mset`'s entries, `hset`'s fields): a plain object. A string or an array
 * would otherwise be read index by index (`mset('ab')` set keys "0" and "1").
 */
function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${what} must be an object of strings, got ${describe(value)}`);
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw invalid(`${what} must be a plain object of strings, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function list(values: string | readonly string[], what: string): readonly string[] {
  const arr = typeof values === 'string' ? [values] : values;
  if (!Array.isArray(arr) || arr.length === 0)
    throw invalid(`${what} must be a non-empty string or array of strings`);
  for (const v of arr) checkString(v, what);
  return arr;
}

// ---------------------------------------------------------------------------------------------
// Command builders.

const KEY1: readonly number[] = Object.freeze([1]);
const KEYS12: readonly number[] = Object.freeze([1, 2]);

function cmd(argv: string[], keys: readonly number[], readonly: boolean): Command {
  return { argv, keys, readonly };
}

function keyCmd(name: string, key: string, readonly: boolean, ...rest: string[]): Command {
  return cmd([name, checkString(key, 'key'), ...rest], KEY1, readonly);
}

function multiKeyCmd(name: string, keys: string | readonly string[], readonly: boolean): Command {
  const ks = list(keys, 'keys');
  const positions: number[] = new Array(ks.length);
  for (let i = 0; i < ks.length; i++) positions[i] = i + 1;
  return cmd([name, ...ks], positions, readonly);
}

function setArgs(
  name: string,
  key: string,
  value: string,
  options: SetOptions | undefined,
  get: boolean,
): Command {
  const argv = ['SET', checkString(key, 'key'), checkString(value, 'value')];
  if (options) {
    if (options.nx && options.xx) throw invalid(`${name}: nx and xx exclude each other`);
    if (options.keepTtl && options.ttl !== undefined)
      throw invalid(`${name}: keepTtl and ttl exclude each other`);
    if (options.ttl !== undefined) argv.push('PX', checkTtl(options.ttl));
    if (options.nx) argv.push('NX');
    if (options.xx) argv.push('XX');
    if (options.keepTtl) argv.push('KEEPTTL');
  }
  if (get) argv.push('GET');
  return cmd(argv, KEY1, false);
}

// ---------------------------------------------------------------------------------------------
// Reply parsers: RESP2 shapes in, typed values out.

function unexpected(reply: Reply): KvError {
  return new KvError('E_COMMAND', `unexpected reply ${JSON.stringify(reply)?.slice(0, 80)}`);
}

export const asNullableString = (r: Reply): string | null => {
  if (r === null || typeof r === 'string') return r;
  throw unexpected(r);
};

export const asInteger = (r: Reply): number => {
  if (typeof r === 'number') {
    if (Number.isSafeInteger(r)) return r;
    // INCRBY / HINCRBY past 2^53: the store holds the exact 64-bit value, a JS number cannot.
    // Refuse rather than return a rounded number that differs from what is stored.
    throw new KvError(
      'E_NOT_A_NUMBER',
      // Not the number itself: each client library rounds it its own way.
      'an integer reply beyond ±Number.MAX_SAFE_INTEGER would be rounded; the store holds the exact value (read it as a string with get/hget)',
    );
  }
  throw unexpected(r);
};

const asBoolean = (r: Reply): boolean => asInteger(r) === 1;

const asOkOrNull = (r: Reply): boolean => r !== null;

const asVoid = (): void => undefined;

/** A Redis double reply (`"1.5"`, `"inf"`, `"-inf"`) as a number. */
export function parseDouble(r: string): number {
  if (r === 'inf' || r === '+inf') return Number.POSITIVE_INFINITY;
  if (r === '-inf') return Number.NEGATIVE_INFINITY;
  const n = Number(r);
  if (Number.isNaN(n)) throw unexpected(r);
  return n;
}

export const asDouble = (r: Reply): number => {
  if (typeof r === 'string') return parseDouble(r);
  if (typeof r === 'number') return r;
  throw unexpected(r);
};

export const asNullableDouble = (r: Reply): number | null => (r === null ? null : asDouble(r));

const asArray = (r: Reply): Reply[] => {
  if (Array.isArray(r)) return r;
  throw unexpected(r);
};

const asStrings = (r: Reply): string[] => asArray(r) as string[];

const asNullableStrings = (r: Reply): Array<string | null> => asArray(r) as Array<string | null>;

const asNullableInteger = (r: Reply): number | null => (r === null ? null : asInteger(r));

const asRecord = (r: Reply): Record<string, string> => {
  const arr = asArray(r);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < arr.length; i += 2) {
    const field = arr[i] as string;
    // An assignment to `__proto__` would set the prototype instead of adding the field.
    if (field === '__proto__') {
      Object.defineProperty(out, field, {
        value: arr[i + 1],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else out[field] = arr[i + 1] as string;
  }
  return out;
};

/** A flat `[member, score, member, score, ...]` reply as objects. */
export const asScoredMembers = (r: Reply): ScoredMember[] => {
  const arr = asArray(r);
  const out: ScoredMember[] = [];
  for (let i = 0; i + 1 < arr.length; i += 2) {
    out.push({ member: arr[i] as string, score: asDouble(arr[i + 1] as Reply) });
  }
  return out;
};

const asType = (r: Reply): 'string' | 'hash' | 'zset' | 'list' | 'set' | 'none' => {
  if (r === 'string' || r === 'hash' || r === 'zset' || r === 'list' || r === 'set' || r === 'none') return r;
  throw unexpected(r);
};

function spec<A extends unknown[], R>(
  encode: (...args: A) => Command,
  decode: (r: Reply) => R,
): CommandSpec<A, R> {
  return { encode, decode };
}

function rangeLimit(
  options: { offset?: number | undefined; count?: number | undefined } | undefined,
): string[] {
  if (!options || (options.offset === undefined && options.count === undefined)) return [];
  const offset = options.offset ?? 0;
  const count = options.count ?? -1;
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalid('offset must be a whole number >= 0');
  if (!Number.isSafeInteger(count) || count < -1) throw invalid('count must be a whole number >= 0');
  return ['LIMIT', String(offset), String(count)];
}

function popArgs(name: string, key: string, count: number | undefined): Command {
  if (count === undefined) return keyCmd(name, key, false);
  if (!Number.isSafeInteger(count) || count < 0) throw invalid('count must be a whole number >= 0');
  return keyCmd(name, key, false, String(count));
}

/** `ZRANGE key start stop [BYSCORE] [REV] [LIMIT offset count] [WITHSCORES]`. */
function zrangeArgs(
  key: string,
  start: ScoreBound,
  stop: ScoreBound,
  options: ZRangeUnifiedOptions | undefined,
  withScores: boolean,
): Command {
  const by = options?.by ?? 'rank';
  const argv = ['ZRANGE', checkString(key, 'key')];
  if (by === 'rank') {
    if (options?.offset !== undefined || options?.count !== undefined)
      throw invalid('zrange: offset and count need by: score');
    argv.push(checkInt(start, 'start'), checkInt(stop, 'stop'));
  } else if (by === 'score') {
    argv.push(encodeBound(start), encodeBound(stop), 'BYSCORE');
  } else {
    throw invalid(`zrange: by must be 'rank' or 'score', got ${describe(by)}`);
  }
  if (options?.rev) argv.push('REV');
  argv.push(...rangeLimit(options));
  if (withScores) argv.push('WITHSCORES');
  return cmd(argv, KEY1, true);
}

/** The table every store is built from. */
export const COMMANDS: Specs = {
  get: spec((key) => keyCmd('GET', key, true), asNullableString),
  set: spec((key, value, options) => setArgs('set', key, value, options, false), asOkOrNull),
  getSet: spec((key, value, options) => setArgs('getSet', key, value, options, true), asNullableString),
  mget: spec((keys) => multiKeyCmd('MGET', keys, true), asNullableStrings),
  mset: spec((entries) => {
    const argv = ['MSET'];
    const keys: number[] = [];
    const map = record(entries, 'mset entries');
    for (const k of Object.keys(map)) {
      keys.push(argv.length);
      argv.push(checkString(k, 'key'), checkString(map[k], 'value'));
    }
    if (keys.length === 0) throw invalid('mset needs at least one entry');
    return cmd(argv, keys, false);
  }, asVoid),
  del: spec((keys) => multiKeyCmd('DEL', keys, false), asInteger),
  exists: spec((keys) => multiKeyCmd('EXISTS', keys, true), asInteger),
  incrBy: spec((key, by) => keyCmd('INCRBY', key, false, checkInt(by, 'increment')), asInteger),
  incrByFloat: spec((key, by) => keyCmd('INCRBYFLOAT', key, false, checkFinite(by, 'increment')), asDouble),
  pexpire: spec((key, ttl, condition) => {
    const argv = ['PEXPIRE', checkString(key, 'key'), checkInt(ttl, 'ttl')];
    if (condition !== undefined) {
      if (!['NX', 'XX', 'GT', 'LT'].includes(condition))
        throw invalid(`unknown expire condition ${describe(condition)}`);
      argv.push(condition);
    }
    return cmd(argv, KEY1, false);
  }, asBoolean),
  pttl: spec((key) => keyCmd('PTTL', key, true), asInteger),
  persist: spec((key) => keyCmd('PERSIST', key, false), asBoolean),
  type: spec((key) => keyCmd('TYPE', key, true), asType),

  hget: spec((key, field) => keyCmd('HGET', key, true, checkString(field, 'field')), asNullableString),
  hset: spec((key, fields) => {
    const argv = ['HSET', checkString(key, 'key')];
    const map = record(fields, 'hset fields');
    for (const f of Object.keys(map)) argv.push(checkString(f, 'field'), checkString(map[f], 'value'));
    if (argv.length === 2) throw invalid('hset needs at least one field');
    return cmd(argv, KEY1, false);
  }, asInteger),
  hmget: spec((key, fields) => keyCmd('HMGET', key, true, ...list(fields, 'fields')), asNullableStrings),
  hgetall: spec((key) => keyCmd('HGETALL', key, true), asRecord),
  hdel: spec((key, fields) => keyCmd('HDEL', key, false, ...list(fields, 'fields')), asInteger),
  hincrBy: spec(
    (key, field, by) => keyCmd('HINCRBY', key, false, checkString(field, 'field'), checkInt(by, 'increment')),
    asInteger,
  ),
  hlen: spec((key) => keyCmd('HLEN', key, true), asInteger),
  hsetnx: spec(
    (key, field, value) =>
      keyCmd('HSETNX', key, false, checkString(field, 'field'), checkString(value, 'value')),
    asBoolean,
  ),
  hexists: spec((key, field) => keyCmd('HEXISTS', key, true, checkString(field, 'field')), asBoolean),

  zadd: spec((key, members, options) => {
    const argv = ['ZADD', checkString(key, 'key')];
    if (options) {
      if (options.nx && (options.xx || options.gt || options.lt))
        throw invalid('zadd: nx excludes xx, gt and lt');
      if (options.gt && options.lt) throw invalid('zadd: gt and lt exclude each other');
      if (options.nx) argv.push('NX');
      if (options.xx) argv.push('XX');
      if (options.gt) argv.push('GT');
      if (options.lt) argv.push('LT');
      if (options.ch) argv.push('CH');
    }
    const arr = Array.isArray(members) ? (members as readonly ScoredMember[]) : [members as ScoredMember];
    if (arr.length === 0) throw invalid('zadd needs at least one member');
    for (const m of arr) argv.push(encodeScore(m?.score), checkString(m?.member, 'member'));
    return cmd(argv, KEY1, false);
  }, asInteger),
  zrem: spec((key, members) => keyCmd('ZREM', key, false, ...list(members, 'members')), asInteger),
  zscore: spec((key, member) => keyCmd('ZSCORE', key, true, checkString(member, 'member')), asNullableDouble),
  zincrBy: spec(
    (key, by, member) => keyCmd('ZINCRBY', key, false, encodeScore(by), checkString(member, 'member')),
    asDouble,
  ),
  zcard: spec((key) => keyCmd('ZCARD', key, true), asInteger),
  zrangeByScore: spec(
    (key, min, max, options) =>
      keyCmd('ZRANGEBYSCORE', key, true, encodeBound(min), encodeBound(max), ...rangeLimit(options)),
    asStrings,
  ),
  zrangeByScoreWithScores: spec(
    (key, min, max, options) =>
      keyCmd(
        'ZRANGEBYSCORE',
        key,
        true,
        encodeBound(min),
        encodeBound(max),
        'WITHSCORES',
        ...rangeLimit(options),
      ),
    asScoredMembers,
  ),
  zrevrangeByScore: spec(
    (key, max, min, options) =>
      keyCmd('ZREVRANGEBYSCORE', key, true, encodeBound(max), encodeBound(min), ...rangeLimit(options)),
    asStrings,
  ),
  zrange: spec((key, start, stop, options) => zrangeArgs(key, start, stop, options, false), asStrings),
  zrangeWithScores: spec(
    (key, start, stop, options) => zrangeArgs(key, start, stop, options, true),
    asScoredMembers,
  ),
  zcount: spec((key, min, max) => keyCmd('ZCOUNT', key, true, encodeBound(min), encodeBound(max)), asInteger),
  zrank: spec((key, member) => keyCmd('ZRANK', key, true, checkString(member, 'member')), asNullableInteger),
  zremRangeByScore: spec(
    (key, min, max) => keyCmd('ZREMRANGEBYSCORE', key, false, encodeBound(min), encodeBound(max)),
    asInteger,
  ),
  zpopmin: spec((key, count) => popArgs('ZPOPMIN', key, count), asScoredMembers),
  zpopmax: spec((key, count) => popArgs('ZPOPMAX', key, count), asScoredMembers),

  lpush: spec((key, values) => keyCmd('LPUSH', key, false, ...list(values, 'values')), asInteger),
  rpush: spec((key, values) => keyCmd('RPUSH', key, false, ...list(values, 'values')), asInteger),
  lpop: spec((key) => keyCmd('LPOP', key, false), asNullableString),
  rpop: spec((key) => keyCmd('RPOP', key, false), asNullableString),
  lrange: spec(
    (key, start, stop) => keyCmd('LRANGE', key, true, checkInt(start, 'start'), checkInt(stop, 'stop')),
    asStrings,
  ),
  llen: spec((key) => keyCmd('LLEN', key, true), asInteger),
  lrem: spec(
    (key, count, value) => keyCmd('LREM', key, false, checkInt(count, 'count'), checkString(value, 'value')),
    asInteger,
  ),
  lmove: spec((source, destination, from, to) => {
    for (const side of [from, to])
      if (side !== 'LEFT' && side !== 'RIGHT') throw invalid('side must be LEFT or RIGHT');
    return cmd(
      ['LMOVE', checkString(source, 'source'), checkString(destination, 'destination'), from, to],
      KEYS12,
      false,
    );
  }, asNullableString),

  sadd: spec((key, members) => keyCmd('SADD', key, false, ...list(members, 'members')), asInteger),
  srem: spec((key, members) => keyCmd('SREM', key, false, ...list(members, 'members')), asInteger),
  smembers: spec((key) => keyCmd('SMEMBERS', key, true), asStrings),
  sismember: spec((key, member) => keyCmd('SISMEMBER', key, true, checkString(member, 'member')), asBoolean),
  scard: spec((key) => keyCmd('SCARD', key, true), asInteger),
};

// ---------------------------------------------------------------------------------------------
// Reply traits: facts about a Redis command's reply that adapters need, kept beside the table
// (the meta-test checks them against each entry's parser and key positions).

/** How the per-slot replies of a Cluster-split multi-key command merge back into one. */
export type SplitMerge = 'ordered' | 'sum' | 'ok';

/** What an adapter must know about one Redis command's reply and keys. */
export interface CommandTraits {
  /** RESP3 nests `[member, score]` (or `[field, value]`) pairs that RESP2 sends flat. */
  readonly pairs?: true;
  /** The reply holds doubles (an integral score must not be read back as an integer). */
  readonly doubles?: true;
  /** A multi-key command a Cluster adapter may split by slot, and how replies merge. */
  readonly split?: SplitMerge;
  /** A multi-key command whose keys must share one slot (never split). */
  readonly sameSlot?: true;
}

const ZSET_PAIRS: CommandTraits = Object.freeze({ pairs: true, doubles: true });

/**
 * Traits by Redis command name (upper case): every command the table sends, and the ones scripts
 * and raw callers use whose replies need reshaping. A command absent here has none.
 */
export const COMMAND_TRAITS: Readonly<Record<string, CommandTraits | undefined>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, CommandTraits>, {
    ZSCORE: { doubles: true },
    ZMSCORE: { doubles: true },
    ZINCRBY: { doubles: true },
    // A bulk string in RESP3 too, so the trait changes nothing there; it keeps the rule simple.
    INCRBYFLOAT: { doubles: true },
    ZRANGEBYSCORE: ZSET_PAIRS,
    ZREVRANGEBYSCORE: ZSET_PAIRS,
    ZRANGE: ZSET_PAIRS,
    ZREVRANGE: ZSET_PAIRS,
    ZPOPMIN: ZSET_PAIRS,
    ZPOPMAX: ZSET_PAIRS,
    ZRANDMEMBER: ZSET_PAIRS,
    ZUNION: ZSET_PAIRS,
    ZINTER: ZSET_PAIRS,
    ZDIFF: ZSET_PAIRS,
    HRANDFIELD: { pairs: true },
    MGET: { split: 'ordered' },
    DEL: { split: 'sum' },
    UNLINK: { split: 'sum' },
    EXISTS: { split: 'sum' },
    TOUCH: { split: 'sum' },
    MSET: { split: 'ok' },
    LMOVE: { sameSlot: true },
  } satisfies Record<string, CommandTraits>),
);

/** Names of the data commands, for building facades and batches. */
export const COMMAND_NAMES: ReadonlyArray<keyof KvCommands> = Object.freeze(
  Object.keys(COMMANDS) as Array<keyof KvCommands>,
);
