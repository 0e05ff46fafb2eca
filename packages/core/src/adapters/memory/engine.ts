import { blockingError } from '../../blocking.js';
import type { Reply, ScriptCall } from '../../driver.js';
import { isKvError, KvError } from '../../errors.js';
import {
  luaNumberToString,
  type ScriptArg,
  type ScriptContext,
  type TwinResult,
  twinResultToReply,
} from '../../script.js';
import { GENERIC_COMMANDS } from './generic.js';
import { HASH_COMMANDS } from './hashes.js';
import { arity, fail, Keyspace, type TripleString } from './keyspace.js';
import { LIST_COMMANDS } from './lists.js';
import { SET_COMMANDS } from './sets.js';
import { type Handler, STRING_COMMANDS } from './strings.js';
import { ZSET_COMMANDS } from './zsets.js';

/** Redis command arities: n means exactly n words, -n at least n (name included). */
export const ARITY: Readonly<Record<string, number>> = {
  GET: 2,
  SET: -3,
  SETNX: 3,
  GETDEL: 2,
  MGET: -2,
  MSET: -3,
  INCR: 2,
  DECR: 2,
  INCRBY: 3,
  DECRBY: 3,
  INCRBYFLOAT: 3,
  DEL: -2,
  EXISTS: -2,
  TYPE: 2,
  PERSIST: 2,
  EXPIRE: -3,
  PEXPIRE: -3,
  PEXPIREAT: -3,
  TTL: 2,
  PTTL: 2,
  PING: -1,
  TIME: 1,
  HGET: 3,
  HSET: -4,
  HSETNX: 4,
  HMGET: -3,
  HGETALL: 2,
  HDEL: -3,
  HINCRBY: 4,
  HLEN: 2,
  HEXISTS: 3,
  ZADD: -4,
  ZINCRBY: 4,
  ZREM: -3,
  ZSCORE: 3,
  ZCARD: 2,
  ZCOUNT: 4,
  ZRANK: 3,
  ZREVRANK: 3,
  ZRANGE: -4,
  ZREVRANGE: -4,
  ZRANGEBYSCORE: -4,
  ZREVRANGEBYSCORE: -4,
  ZREMRANGEBYSCORE: 4,
  ZPOPMIN: -2,
  ZPOPMAX: -2,
  LPUSH: -3,
  RPUSH: -3,
  LPOP: -2,
  RPOP: -2,
  LRANGE: 4,
  LLEN: 2,
  LREM: 4,
  LMOVE: 5,
  SADD: -3,
  SREM: -3,
  SMEMBERS: 2,
  SISMEMBER: 3,
  SCARD: 2,
};

// No prototype: a command named `constructor` or `toString` must be unknown, not inherited.
const HANDLERS: Record<string, Handler | undefined> = Object.assign(
  Object.create(null) as Record<string, Handler | undefined>,
  GENERIC_COMMANDS,
  STRING_COMMANDS,
  HASH_COMMANDS,
  LIST_COMMANDS,
  SET_COMMANDS,
  ZSET_COMMANDS,
);

/** Redis's text for a command it does not know (processCommand, 7.0). */
function unknownCommand(argv: readonly string[]): never {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${(argv[i] as string).slice(0, 128 - args.length)}' `;
  }
  return fail(`ERR unknown command '${(argv[0] ?? '').slice(0, 128)}', with args beginning with: ${args}`);
}

/** Options of {@link Engine}. */
export interface EngineOptions {
  readonly clock: () => number;
  readonly maxKeys: number | undefined;
}

/**
 * The Redis 7.0 emulation: runs argv synchronously on the keyspace with Redis's semantics,
 * replies and error texts. Scripts run their twin in one synchronous call, so they are atomic.
 */
export class Engine {
  readonly keyspace: Keyspace;
  private inScript = false;
  /**
   * The record the script's last operation, a `getTriple`, returned, and its key: a
   * `setTriplePxat` of that key next (a limiter reads its state, then writes it) reuses it
   * without a lookup. Any other operation, and the end of the script, forget it.
   */
  private held: TripleString | undefined = undefined;
  private heldKey: string | undefined = undefined;
  /** One context for every script run: building closures per call cost more than a GET. */
  private readonly ctx: ScriptContext;

  constructor(options: EngineOptions) {
    this.keyspace = new Keyspace(options.maxKeys, options.clock);
    const ks = this.keyspace;
    this.ctx = {
      // The typed forms (see ScriptContext) are the TIME, GET and SET handlers' own steps.
      timeMs: () => {
        const now = ks.now;
        const seconds = Math.floor(now / 1000);
        return seconds * 1000 + Math.floor(Math.floor((now - seconds * 1000) * 1000) / 1000);
      },
      getString: (key: string) => {
        this.held = undefined;
        return ks.liveString(key) ?? null;
      },
      setPxat: (key: string, value: string, at: number) => {
        this.held = undefined;
        // SET's own checks (a positive expiry below 1e15, see SMALL_MS) decide the rest.
        if (!(Number.isSafeInteger(at) && at > 0 && at < 1e15)) {
          this.execute(['SET', key, value, 'PXAT', luaNumberToString(at)]);
          return;
        }
        ks.setStringAt(key, value, at);
      },
      setTriplePxat: (key: string, a: number, b: number, c: number, at: number) => {
        if (
          Number.isSafeInteger(a) &&
          Number.isSafeInteger(b) &&
          Number.isSafeInteger(c) &&
          Number.isSafeInteger(at) &&
          at > 0 &&
          at < 1e15
        ) {
          const held = this.heldKey === key ? this.held : undefined;
          this.held = undefined;
          // + 0 turns -0 into 0, as %d prints it.
          ks.setTripleAt(key, a + 0, b + 0, c + 0, at, held);
          return;
        }
        this.held = undefined;
        // Anything else as the string a twin would have built: SET's own checks decide the rest.
        this.execute(['SET', key, `${a}:${b}:${c}`, 'PXAT', luaNumberToString(at)]);
      },
      getTriple: (key: string) => {
        this.held = undefined;
        const v = ks.liveTriple(key);
        if (v === undefined) return null;
        if (typeof v === 'string') return v;
        this.held = v;
        this.heldKey = key;
        TRIPLE[0] = v.a;
        TRIPLE[1] = v.b;
        TRIPLE[2] = v.c;
        return TRIPLE;
      },
      call: (...args: ScriptArg[]) => {
        this.held = undefined;
        return this.execute(toArgv(args));
      },
      pcall: (...args: ScriptArg[]) => {
        this.held = undefined;
        try {
          return this.execute(toArgv(args));
        } catch (error) {
          if (isKvError(error)) return error;
          throw error;
        }
      },
    };
  }

  /** Run one command. Throws KvErrors carrying Redis's error text. */
  execute(argv: readonly string[]): Reply {
    const first = argv[0] ?? '';
    // Callers mostly spell names in upper case already: skip the case fold for them.
    let name = first;
    let handler = HANDLERS[first];
    if (handler === undefined) {
      name = first.toUpperCase();
      handler = HANDLERS[name];
      if (handler === undefined) {
        const blocking = blockingError(argv, 'memory');
        if (blocking) throw blocking;
        return unknownCommand(argv);
      }
    }
    const expected = ARITY[name] as number;
    if ((expected > 0 && argv.length !== expected) || argv.length < -expected) arity(name);
    // Inside a script the time is frozen at its start, as Redis does for key expiry.
    if (!this.inScript) this.keyspace.now = this.keyspace.clock();
    return handler(this.keyspace, argv);
  }

  /** Run a script's twin atomically; its result converted with Lua's rules. */
  script(call: ScriptCall): Reply {
    this.held = undefined;
    this.keyspace.now = this.keyspace.clock();
    this.inScript = true;
    try {
      const result = call.script.twin(this.ctx, call.keys, call.args) as unknown;
      // Returning a pcall error, as a Lua body may, replies with that error (its code kept).
      if (!Array.isArray(result) && isKvError(result)) throw result;
      return twinResultToReply(result as TwinResult);
    } catch (error) {
      if (isKvError(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new KvError('E_SCRIPT', `script ${call.script.name}: ${message}`, {
        adapter: 'memory',
        cause: error,
      });
    } finally {
      this.inScript = false;
      this.held = undefined;
    }
  }
}

/** The array `getTriple` answers with, shared by every call (twins are synchronous). */
const TRIPLE: [number, number, number] = [0, 0, 0];

/** `redis.call`'s arguments as argv: numbers as Lua turns them into strings; the array reused. */
function toArgv(args: ScriptArg[]): string[] {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a !== 'string') args[i] = typeof a === 'number' ? luaNumberToString(a) : String(a);
  }
  return args as string[];
}
