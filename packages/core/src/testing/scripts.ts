import type { Reply } from '../driver.js';
import { isKvError } from '../errors.js';
import { defineScript, type Script, scriptError, type TwinResult } from '../script.js';
import { COMPARE_AND_DELETE } from '../scripts/compare-and-delete.js';

/**
 * Scripts the conformance suite and the differential test run on every store. Each pairs a
 * Lua body with its JavaScript twin; the differential test checks they agree with real Redis.
 */

/**
 * Core's own compare-and-delete (`@raptorflow/core/kit`), under the name this module always
 * exported it by; it replies a boolean (deleted or not).
 */
export { COMPARE_AND_DELETE };

/** A fixed-window counter: INCR, PEXPIRE on the first hit, then `{allowed, count, hasTtl}`. */
export const FIXED_WINDOW: Script<Reply> = defineScript({
  name: 'test-fixed-window',
  keys: 1,
  lua: `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local ttl = redis.call('PTTL', KEYS[1])
local hasTtl = 0
if ttl > 0 then hasTtl = 1 end
if n > tonumber(ARGV[1]) then return {0, n, hasTtl} end
return {1, n, hasTtl}`,
  twin: (ctx, keys, args) => {
    const limit = Number(args[0]);
    const n = ctx.call('INCR', keys[0] as string) as number;
    if (n === 1) ctx.call('PEXPIRE', keys[0] as string, args[1] as string);
    const ttl = ctx.call('PTTL', keys[0] as string) as number;
    const hasTtl = ttl > 0 ? 1 : 0;
    // Lua's tonumber gives nil for a non-number and comparing with nil raises.
    if (args[0]?.trim() === '' || Number.isNaN(limit))
      throw scriptError('test-fixed-window', 'limit is not a number');
    return [n > limit ? 0 : 1, n, hasTtl];
  },
});

/**
 * ZADD with a score computed in Lua (a number handed to redis.call, so converted by Lua's
 * number formatting, `%.17g` in Redis 7.0),
 * then the whole set with scores.
 */
export const ZADD_RANGE: Script<Reply> = defineScript({
  name: 'test-zadd-range',
  keys: 1,
  lua: `redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) * 1.5, ARGV[2])
return redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')`,
  twin: (ctx, keys, args) => {
    ctx.call('ZADD', keys[0] as string, Number(args[0]) * 1.5, args[1] as string);
    return ctx.call('ZRANGE', keys[0] as string, 0, -1, 'WITHSCORES') as string[];
  },
});

/**
 * The unified ZRANGE inside a script (BYSCORE, REV, LIMIT, WITHSCORES), with ZCOUNT and ZRANK:
 * ARGV[1] is a score bound (a bad one is a script error on both).
 */
export const ZRANGE_BYSCORE: Script<Reply> = defineScript({
  name: 'test-zrange-byscore',
  keys: 1,
  lua: `redis.call('ZADD', KEYS[1], 1, 'a', 2, 'b', 3, 'c')
local out = redis.call('ZRANGE', KEYS[1], '+inf', ARGV[1], 'BYSCORE', 'REV', 'LIMIT', 0, 2, 'WITHSCORES')
out[#out + 1] = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf')
out[#out + 1] = redis.call('ZRANK', KEYS[1], 'b')
return out`,
  twin: (ctx, keys, args) => {
    const key = keys[0] as string;
    ctx.call('ZADD', key, 1, 'a', 2, 'b', 3, 'c');
    const out = ctx.call(
      'ZRANGE',
      key,
      '+inf',
      args[0] as string,
      'BYSCORE',
      'REV',
      'LIMIT',
      0,
      2,
      'WITHSCORES',
    ) as Array<string | number>;
    out.push(ctx.call('ZCOUNT', key, `(${args[0] as string}`, '+inf') as number);
    out.push(ctx.call('ZRANK', key, 'b') as number);
    return out;
  },
});

/**
 * Mixed reply types: an integer, a string, a float (truncated), a nil read as `false` (a nil
 * bulk becomes false in Lua, which stays in the table as nil), then a hard nil that ends the table.
 */
export const MIXED_REPLY: Script<Reply> = defineScript({
  name: 'test-mixed-reply',
  keys: 1,
  lua: `local v = redis.call('GET', KEYS[1])
return {redis.call('EXISTS', KEYS[1]), ARGV[1], 2.9, v, 'tail', nil, 'lost'}`,
  twin: (ctx, keys, args) => {
    const v = ctx.call('GET', keys[0] as string);
    return [ctx.call('EXISTS', keys[0] as string) as number, args[0], 2.9, v ?? false, 'tail', null, 'lost'];
  },
});

/** redis.pcall: an error becomes the string 'error' instead of aborting. */
export const PCALL_INCR: Script<Reply> = defineScript({
  name: 'test-pcall-incr',
  keys: 1,
  lua: `local r = redis.pcall('INCRBY', KEYS[1], ARGV[1])
if type(r) == 'table' and r.err then return 'error' end
return r`,
  twin: (ctx, keys, args) => {
    const r = ctx.pcall('INCRBY', keys[0] as string, args[0] as string);
    return isKvError(r) ? 'error' : (r as number);
  },
});

/** Returns what redis.pcall gave, an error included: the caller gets that error's code. */
export const PCALL_PASSTHROUGH: Script<Reply> = defineScript({
  name: 'test-pcall-passthrough',
  keys: 1,
  lua: `return redis.pcall('INCR', KEYS[1])`,
  // A twin may return a pcall error as a Lua body returns the error table.
  twin: (ctx, keys) => ctx.pcall('INCR', keys[0] as string) as TwinResult,
});

/** Two keys sharing a hash tag; raises a script error on demand. */
export const MOVE_FIELD: Script<Reply> = defineScript({
  name: 'test-move-field',
  keys: 2,
  lua: `if ARGV[2] == 'boom' then error('boom') end
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], v)
return {v, redis.call('HLEN', KEYS[2])}`,
  twin: (ctx, keys, args) => {
    if (args[1] === 'boom') throw scriptError('test-move-field', 'boom');
    const v = ctx.call('HGET', keys[0] as string, args[0] as string);
    if (v === null) return false;
    ctx.call('HDEL', keys[0] as string, args[0] as string);
    ctx.call('HSET', keys[1] as string, args[0] as string, v as string);
    return [v as string, ctx.call('HLEN', keys[1] as string) as number];
  },
});

/** Reads the store's clock through TIME, as every script must; returns whole seconds. */
export const SCRIPT_TIME: Script<Reply> = defineScript({
  name: 'test-time',
  keys: 0,
  lua: `local t = redis.call('TIME')
return tonumber(t[1])`,
  twin: (ctx) => Number((ctx.call('TIME') as string[])[0]),
});

/**
 * The expiry boundary, on one frozen instant: reads TIME (`now`), then either `SET k v PXAT
 * now+ARGV[1]` (ARGV[2] = 'set') or `SET k v` + `PEXPIREAT k now+ARGV[1]` ('pexpireat'), and
 * replies `{EXISTS, PTTL, GET or ''}`. Redis 7.0 keeps a key alive while `now <= expiry` (PTTL 0
 * at the expiry millisecond), but PEXPIREAT at or before `now` deletes at once.
 */
export const EXPIRY_BOUNDARY: Script<Reply> = defineScript({
  name: 'test-expiry-boundary',
  keys: 1,
  lua: `local t = redis.call('TIME')
local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
if ARGV[2] == 'set' then
  redis.call('SET', KEYS[1], 'v', 'PXAT', string.format('%d', at))
else
  redis.call('SET', KEYS[1], 'v')
  redis.call('PEXPIREAT', KEYS[1], string.format('%d', at))
end
return {redis.call('EXISTS', KEYS[1]), redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[1]) or ''}`,
  twin: (ctx, keys, args) => {
    const key = keys[0] as string;
    const [s, us] = ctx.call('TIME') as string[];
    const at = Number(s) * 1000 + Math.floor(Number(us) / 1000) + Number(args[0]);
    if (!Number.isSafeInteger(at)) throw scriptError('test-expiry-boundary', 'offset is not a whole number');
    if (args[1] === 'set') ctx.call('SET', key, 'v', 'PXAT', String(at));
    else {
      ctx.call('SET', key, 'v');
      ctx.call('PEXPIREAT', key, String(at));
    }
    return [
      ctx.call('EXISTS', key) as number,
      ctx.call('PTTL', key) as number,
      (ctx.call('GET', key) as string | null) ?? '',
    ];
  },
});

/** Every test script, for the SHA check and the differential test. */
export const TEST_SCRIPTS: readonly Script<unknown>[] = Object.freeze([
  FIXED_WINDOW,
  COMPARE_AND_DELETE,
  ZADD_RANGE,
  ZRANGE_BYSCORE,
  MIXED_REPLY,
  PCALL_INCR,
  PCALL_PASSTHROUGH,
  MOVE_FIELD,
  SCRIPT_TIME,
]);
