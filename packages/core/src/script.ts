import { sha1 } from '@noble/hashes/legacy.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Reply } from './driver.js';
import { KvError } from './errors.js';
import { describeValue } from './kit/describe.js';
import { optionError } from './kit/options.js';

/** A value a script body may pass to `redis.call`: numbers are turned into strings as Lua does. */
export type ScriptArg = string | number;

/**
 * What a JavaScript twin sees: the same `redis.call` a Lua body has, run synchronously on the
 * memory store's data. `call('TIME')` reads the memory store's clock, so tests can fake time.
 */
export interface ScriptContext {
  /**
   * Run one command, as `redis.call` does: returns the RESP2 reply (nil is `null`) or throws
   * the same {@link KvError} the command would raise, which aborts the script.
   */
  call(...argv: ScriptArg[]): Reply;
  /** Like `redis.pcall`: returns the error instead of throwing it. */
  pcall(...argv: ScriptArg[]): Reply | KvError;
  /**
   * Optional typed forms of a few commands, for twins on a hot path (the memory engine has
   * them): each does exactly what its command does inside a script, without building argv or
   * reading a reply. A twin falls back to `call` / `pcall` where one is missing.
   *
   * `TIME` as ms since the epoch: seconds × 1000 + ⌊microseconds / 1000⌋.
   */
  readonly timeMs?: (() => number) | undefined;
  /** `GET key`: the string, or null when missing; throws the WRONGTYPE error `call` would. */
  readonly getString?: ((key: string) => string | null) | undefined;
  /** `SET key value PXAT at`; `at` a whole number of ms (other values go through `call`). */
  readonly setPxat?: ((key: string, value: string, at: number) => void) | undefined;
  /**
   * `SET key "<a>:<b>:<c>" PXAT at`: the three numbers joined by `:`, each as Lua's `%d` writes
   * a whole number. The memory engine keeps them as numbers until a command reads the value as
   * text, so a state rewritten on every call is neither formatted nor parsed (see `getTriple`).
   * `a`, `b`, `c` are safe integers; other values are written as `${a}:${b}:${c}` through
   * `call`, as are other instants (SET's own checks decide).
   */
  readonly setTriplePxat?: ((key: string, a: number, b: number, c: number, at: number) => void) | undefined;
  /**
   * `GET key` for a value `setTriplePxat` wrote and nothing replaced since: its three numbers,
   * in one array the engine reuses (read it before the next operation). Any other value is its
   * string, as `getString` returns it; null when missing; WRONGTYPE as `call` raises it. The
   * numbers are exactly the fields of the string `GET` would return.
   */
  readonly getTriple?: ((key: string) => readonly [number, number, number] | string | null) | undefined;
}

/**
 * What a twin may return. It is converted to a reply with Lua's rules: numbers are truncated
 * to integers, `true` is 1, `false` and `null` are nil, and `null`/`undefined` inside an array
 * ends the array (as nil does in a Lua table).
 */
export type TwinResult = string | number | boolean | null | undefined | readonly TwinResult[];

/** The JavaScript twin of a Lua body. */
export type ScriptTwin = (ctx: ScriptContext, keys: readonly string[], args: readonly string[]) => TwinResult;

/** Definition of a script; see {@link defineScript}. */
export interface ScriptDefinition<T> {
  /** Short name, used in events and error messages. */
  name: string;
  /**
   * Number of KEYS the script takes, or `undefined` when it varies. Every key the script
   * touches must come through KEYS: a key built from ARGV breaks Cluster routing and namespaces.
   */
  keys?: number;
  /** The Lua body for Redis and Upstash. Read time with `redis.call('TIME')`, never from ARGV. */
  lua: string;
  /** The same steps in JavaScript, for the memory adapter. */
  twin: ScriptTwin;
  /** Turns the raw reply into the result; shared by every adapter. Defaults to the identity. */
  parse?: (reply: Reply) => T;
  /**
   * The script never writes (only reads such as GET, MGET, PTTL, TIME). Redis and Upstash then
   * run it with EVALSHA_RO / EVAL_RO, which refuse any write command (Redis 7+), and `withL1`
   * neither evicts nor publishes its keys.
   * @default false
   */
  readonly?: boolean;
}

/** A script ready to run on any store. Create it once, at module level, with {@link defineScript}. */
export interface Script<T> {
  readonly name: string;
  readonly keys: number | undefined;
  readonly lua: string;
  /** SHA1 of `lua`, hex, as Redis computes it for EVALSHA. */
  readonly sha: string;
  readonly twin: ScriptTwin;
  readonly parse: (reply: Reply) => T;
  /** The script never writes (see {@link ScriptDefinition.readonly}). */
  readonly readonly: boolean;
}

/** SHA1 hex of a script body, as `SCRIPT LOAD` reports it. */
export function scriptSha(lua: string): string {
  return bytesToHex(sha1(utf8ToBytes(lua)));
}

/**
 * Define a script: a Lua body plus a JavaScript twin and one reply parser. The SHA is
 * computed here, once.
 */
export function defineScript<T = Reply>(definition: ScriptDefinition<T>): Script<T> {
  if (typeof definition !== 'object' || definition === null) {
    throw optionError('defineScript', '(options)', `must be an object, got ${describeValue(definition)}`);
  }
  if (typeof definition.name !== 'string' || definition.name === '') {
    throw optionError(
      'defineScript',
      'name',
      `must be a non-empty string, got ${describeValue(definition.name)}`,
    );
  }
  const where = `defineScript(${definition.name})`;
  if (typeof definition.lua !== 'string') {
    throw optionError(where, 'lua', `must be the script's Lua source, got ${describeValue(definition.lua)}`);
  }
  if (!definition.lua.isWellFormed()) throw optionError(where, 'lua', 'contains a lone UTF-16 surrogate');
  if (typeof definition.twin !== 'function') {
    throw optionError(where, 'twin', `must be a function, got ${describeValue(definition.twin)}`);
  }
  if (definition.parse !== undefined && typeof definition.parse !== 'function') {
    throw optionError(where, 'parse', `must be a function, got ${describeValue(definition.parse)}`);
  }
  if (definition.keys !== undefined && (!Number.isInteger(definition.keys) || definition.keys < 0)) {
    throw optionError(where, 'keys', 'must be a whole number >= 0');
  }
  if (definition.readonly !== undefined && typeof definition.readonly !== 'boolean') {
    throw optionError(where, 'readonly', 'must be a boolean');
  }
  return Object.freeze({
    name: definition.name,
    keys: definition.keys,
    lua: definition.lua,
    sha: scriptSha(definition.lua),
    twin: definition.twin,
    parse: definition.parse ?? ((reply: Reply) => reply as T),
    readonly: definition.readonly ?? false,
  });
}

/**
 * Redis 7 turns a Lua number passed to `redis.call` into a string with `%.17g` (not Lua 5.1's
 * `%.14g`; the lua-numbers test checks this against a real server). The twin must do the same,
 * or a script that passes `0.1` or `1e21` would behave differently on memory.
 */
export function luaNumberToString(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Number.POSITIVE_INFINITY) return 'inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  if (Number.isSafeInteger(n)) return Object.is(n, -0) ? '-0' : String(n);
  // %.17g as C defines it: take the exponent X of %.16e; fixed notation with 16 - X decimals
  // when -4 <= X < 17, else exponent form; trailing zeros removed either way.
  const [mantissa = '0', e = '0'] = n.toExponential(16).split('e');
  const x = Number(e);
  if (x >= -4 && x < 17) return trimZeros(n.toFixed(16 - x));
  return `${trimZeros(mantissa)}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
}

function trimZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/\.?0+$/, '');
}

/** Convert a twin's return value to a reply with Lua's conversion rules. */
export function twinResultToReply(value: TwinResult): Reply {
  if (value === null || value === undefined || value === false) return null;
  if (value === true) return 1;
  if (typeof value === 'number') return luaNumberReply(value);
  if (typeof value === 'string') return value;
  let i = 0;
  // Arrays of whole numbers (counters, limiter states) are their own reply: no copy, no recursion.
  for (; i < value.length; i++) {
    const item = value[i];
    if (typeof item !== 'number' || !Number.isSafeInteger(item)) break;
  }
  if (i === value.length) return value as Reply[];
  const out: Reply[] = value.slice(0, i) as Reply[];
  for (; i < value.length; i++) {
    const item = value[i];
    if (item === null || item === undefined) break;
    out.push(twinResultToReply(item));
  }
  return out;
}

/** The smallest 64-bit integer, exactly representable as a double. */
const LLONG_MIN = -(2 ** 63);

/**
 * A Lua number as Redis replies with it: `(long long)` of the double, truncated toward zero. Out
 * of range or not finite (`inf`, `nan`, `tonumber("9223372036854775806")`, which rounds up to
 * 2^63) it is LLONG_MIN on x86-64: checked against redis-server 7.0 with `return tonumber(ARGV[1])`.
 */
function luaNumberReply(n: number): number {
  if (!Number.isFinite(n) || n >= 2 ** 63 || n < LLONG_MIN) return LLONG_MIN;
  return Math.trunc(n);
}

/** Raise a script error from a twin, the way `error()` aborts a Lua body. */
export function scriptError(script: string, message: string): KvError {
  return new KvError('E_SCRIPT', `script ${script}: ${message}`);
}
