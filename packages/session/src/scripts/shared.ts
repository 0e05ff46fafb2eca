import { KvError, type Reply, type ScriptContext } from '@raptorflow/core';

/*
 * Pieces every session script shares, in Lua and in JavaScript. Time is the store's (TIME), in
 * whole ms. The user's index expires with its longest-lived session: after any write to it,
 * its expiry is set to its highest score (an index left without members is deleted by Redis).
 *
 * A session record (format 2) is ONE string, so `get` is a `GET` inside its script and its reply
 * is that string as stored (no per-field conversion in Redis or in the client):
 *
 *   s2,<touched>,<expires>,<cap>,<idle ms>,<created>,<sha256(user)>,<fingerprint>\0<workspace>\0<user>\0<data>
 *
 * Times are ms on the store's clock; the fingerprint is hex or empty; the workspace is empty for
 * none; neither a user id nor a workspace id holds NUL. `<data>` is a JSON object whose members
 * are separated by `,\n` (`{"a":1,\n"b":"x"}`): JSON text that `JSON.parse` reads as is, and that
 * a script can merge member by member without parsing any value (JSON.stringify never writes a
 * raw newline), which keeps `update` lossless under parallel writers.
 *
 * Format 1 (up to 0.x of this package) kept a hash (`u`, `h`, `w`, `c`, `t`, `e`, `x`, `i`, `f`,
 * `d.<name>`); every script that reads a record converts such a hash into format 2 in place,
 * with the same expiry, the first time it meets one (`loadRecord`).
 */

/** Lua: `now`, the store's clock in whole ms. */
export const LUA_NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** Lua: `fitIndex(index)`, the index expires with its last session. */
export const LUA_FIT = `local function fitIndex(index)
  local top = redis.call('ZRANGE', index, -1, -1, 'WITHSCORES')
  if top[2] then redis.call('PEXPIREAT', index, top[2]) end
end
`;

/**
 * Lua: `loadRecord(key)`, the record's string (format 2) or false; a format-1 hash is converted
 * in place first. Names of format-1 data fields are quoted as JSON.stringify quotes them.
 */
export const LUA_LOAD = `local function loadRecord(key)
  local v = redis.pcall('GET', key)
  if type(v) ~= 'table' then return v end
  local ESC = {['"'] = '\\\\"', ['\\\\'] = '\\\\\\\\', ['\\b'] = '\\\\b', ['\\f'] = '\\\\f',
    ['\\n'] = '\\\\n', ['\\r'] = '\\\\r', ['\\t'] = '\\\\t'}
  local h = redis.call('HGETALL', key)
  local r, d = {}, {}
  for i = 1, #h, 2 do
    local k = h[i]
    if string.sub(k, 1, 2) == 'd.' then
      local q = string.gsub(string.sub(k, 3), '[%z\\1-\\31"\\\\]', function(c)
        return ESC[c] or string.format('\\\\u%04x', string.byte(c))
      end)
      d[#d + 1] = '"' .. q .. '":' .. h[i + 1]
    else r[k] = h[i + 1] end
  end
  v = 's2,' .. r.t .. ',' .. r.e .. ',' .. r.x .. ',' .. r.i .. ',' .. r.c .. ',' .. r.h .. ',' .. r.f ..
    '\\0' .. r.w .. '\\0' .. r.u .. '\\0{' .. table.concat(d, ',\\n') .. '}'
  redis.call('DEL', key)
  redis.call('SET', key, v, 'PXAT', r.e)
  return v
end
`;

/** Lua pattern of a record's head: t, e, x, i, c, h, f, and the position of the NUL after them. */
export const LUA_HEAD = `'^s2,(%d+),(%d+),(%d+),(%d+),(%d+),([^,]*),([^,%z]*)()%z'`;

/** Expired members of a tag's active set that one write removes on the way: bounded work per call. */
export const ACTIVE_PRUNE: number = 8;

/**
 * Lua: `markActive(a, now, id, exp)`: the tag's active set `a` (`<prefix>{<tag>}:a`, session ids
 * scored by expiry, what `countActive` counts) holds `id` at `exp`; up to {@link ACTIVE_PRUNE}
 * members whose expiry has passed leave it, and it expires with its last session. Needs
 * `LUA_FIT` before it.
 */
export const LUA_ACTIVE: string = `local function markActive(a, now, id, exp)
  local old = redis.call('ZRANGEBYSCORE', a, '-inf', now, 'LIMIT', 0, ${ACTIVE_PRUNE})
  if old[1] then redis.call('ZREM', a, unpack(old)) end
  redis.call('ZADD', a, exp, id)
  fitIndex(a)
end
`;

/** The tag's active set, from a record key `<prefix>{<tag>}:s:<64 hex>` (Lua: `string.sub(key, 1, -67) .. 'a'`). */
export function activeOfRecord(record: string): string {
  return `${record.slice(0, -66)}a`;
}

/** The tag's active set, from the tag's record prefix `<prefix>{<tag>}:s:` (Lua: `string.sub(prefix, 1, -3) .. 'a'`). */
export function activeOfPrefix(prefix: string): string {
  return `${prefix.slice(0, -2)}a`;
}

/** The twin of `markActive`. */
export function markActive(
  ctx: ScriptContext,
  active: string,
  now: number,
  id: string,
  exp: number | string,
): void {
  const old = ctx.call('ZRANGEBYSCORE', active, '-inf', now, 'LIMIT', 0, ACTIVE_PRUNE) as string[];
  if (old.length > 0) ctx.call('ZREM', active, ...old);
  ctx.call('ZADD', active, exp, id);
  fitIndex(ctx, active);
}

/**
 * Lua: the preamble of a script that rewrites a live record (extend, rotate): `v` the record (or
 * return nil), `now`, `fitIndex`, `markActive`, the head's `e, x, i, c, h, f`, `at` (where the part after the
 * head starts) and `index`, the user's index (`KEYS[indexKey]` plus the user hash).
 */
export function luaLiveRecord(indexKey: number): string {
  return `${LUA_LOAD}local v = loadRecord(KEYS[1])
if not v then return false end
${LUA_NOW}${LUA_FIT}${LUA_ACTIVE}local _, e, x, i, c, h, f, at = string.match(v, ${LUA_HEAD})
local index = KEYS[${indexKey}] .. h
`;
}

/** The twin of {@link luaLiveRecord}: the record's head, `now` and the user's index, or `null`. */
export function liveRecord(
  ctx: ScriptContext,
  record: string,
  indexes: string,
): { readonly now: number; readonly r: RecordHead; readonly index: string } | null {
  const v = loadRecord(ctx, record);
  if (v === null) return null;
  const now = nowOf(ctx);
  const r = recordHead(v);
  return { now, r, index: indexes + r.h };
}

/** The twin of `LUA_NOW`. */
export function nowOf(ctx: ScriptContext): number {
  const t = ctx.call('TIME') as string[];
  return Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
}

/** The twin of `fitIndex`. */
export function fitIndex(ctx: ScriptContext, index: string): void {
  const top = ctx.call('ZRANGE', index, -1, -1, 'WITHSCORES') as string[];
  if (top[1] !== undefined) ctx.call('PEXPIREAT', index, top[1]);
}

/** JSON.stringify of a string, as the Lua of `loadRecord` quotes a format-1 field name. */
function quoteName(name: string): string {
  return JSON.stringify(name);
}

/** The twin of `loadRecord`. */
export function loadRecord(ctx: ScriptContext, key: string): string | null {
  try {
    return ctx.call('GET', key) as string | null;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'E_WRONG_TYPE') throw error;
  }
  const h = ctx.call('HGETALL', key) as string[];
  const r: Record<string, string> = {};
  const d: string[] = [];
  for (let i = 0; i + 1 < h.length; i += 2) {
    const k = h[i] as string;
    if (k.startsWith('d.')) d.push(`${quoteName(k.slice(2))}:${h[i + 1] as string}`);
    else r[k] = h[i + 1] as string;
  }
  const v = `s2,${r.t},${r.e},${r.x},${r.i},${r.c},${r.h},${r.f}\0${r.w}\0${r.u}\0{${d.join(',\n')}}`;
  ctx.call('DEL', key);
  ctx.call('SET', key, v, 'PXAT', r.e as string);
  return v;
}

/** The parts of a record's head, as strings (the twins rewrite them as Lua does). */
export interface RecordHead {
  readonly t: string;
  readonly e: string;
  readonly x: string;
  readonly i: string;
  readonly c: string;
  readonly h: string;
  readonly f: string;
  /** From the NUL after the head on: `\0<workspace>\0<user>\0<data>`. */
  readonly rest: string;
}

const HEAD = /^s2,(\d+),(\d+),(\d+),(\d+),(\d+),([^,]*),([^,\0]*)\0/;

/** The twin of matching `LUA_HEAD`. */
export function recordHead(v: string): RecordHead {
  const m = HEAD.exec(v);
  if (m === null) throw new Error('ERR session record: bad head');
  const [all, t, e, x, i, c, h, f] = m as unknown as [string, ...string[]];
  return {
    t: t as string,
    e: e as string,
    x: x as string,
    i: i as string,
    c: c as string,
    h: h as string,
    f: f as string,
    rest: v.slice(all.length - 1),
  };
}

/** A record of format 2 from its parts (the twins and the tests build records with it). */
export function formatRecord(
  head: Omit<RecordHead, 'rest'>,
  workspace: string,
  user: string,
  data: string,
): string {
  return `s2,${head.t},${head.e},${head.x},${head.i},${head.c},${head.h},${head.f}\0${workspace}\0${user}\0${data}`;
}

/** A stored session, as the scripts return it (the record, parsed). */
export interface SessionRecord {
  /** The user it belongs to. */
  readonly userId: string;
  /** The workspace it was created for, or `undefined`. */
  readonly workspaceId: string | undefined;
  /** When it was created, ms since the epoch, on the store's clock. */
  readonly createdAt: number;
  /** When it was last touched (slid), ms. */
  readonly touchedAt: number;
  /** When it expires unless touched, ms. */
  readonly expiresAt: number;
  /** The absolute cap: it never lives past this instant, ms. */
  readonly absoluteExpiresAt: number;
  /** Its idle TTL, ms. */
  readonly idleMs: number;
  /** The fingerprint hash it was created with, or `undefined`. */
  readonly fingerprint: string | undefined;
  /** Its data: a JSON object's text (members separated by `,\n`). */
  readonly data: string;
}

/**
 * The whole number written in `text` from `from` to `to` (exclusive): decimal digits only, as
 * `LUA_HEAD` reads them, read from the char codes (no slice, no string-to-number conversion:
 * this runs five times on every `get`).
 */
function int(script: string, text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return badNumber(script, text, from, to);
    n = n * 10 + d;
  }
  // Exact up to 2^53: a longer number rounds to one that is not a safe integer.
  return from < to && Number.isSafeInteger(n) ? n : badNumber(script, text, from, to);
}

function badNumber(script: string, text: string, from: number, to: number): never {
  throw new KvError(
    'E_SCRIPT',
    `script ${script}: a session record holds a bad number: ${text.slice(from, to)}`,
  );
}

/** Parse a record (format 2) that starts at `from` in `text`. */
export function parseRecord(script: string, text: string, from = 0): SessionRecord {
  // indexOf and char codes only: no split, no regular expression (this runs on every `get`).
  const p1 = from + 3;
  const p2 = text.indexOf(',', p1) + 1;
  const p3 = text.indexOf(',', p2) + 1;
  const p4 = text.indexOf(',', p3) + 1;
  const p5 = text.indexOf(',', p4) + 1;
  const p6 = text.indexOf(',', p5) + 1;
  const p7 = text.indexOf(',', p6) + 1;
  const a = text.indexOf('\0', p7);
  const b = a < 0 ? -1 : text.indexOf('\0', a + 1);
  const c = b < 0 ? -1 : text.indexOf('\0', b + 1);
  if (c < 0 || p7 === 0 || !text.startsWith('s2,', from)) {
    throw new KvError('E_SCRIPT', `script ${script}: not a session record`);
  }
  return {
    userId: text.slice(b + 1, c),
    workspaceId: a + 1 === b ? undefined : text.slice(a + 1, b),
    createdAt: int(script, text, p5, p6 - 1),
    touchedAt: int(script, text, p1, p2 - 1),
    expiresAt: int(script, text, p2, p3 - 1),
    absoluteExpiresAt: int(script, text, p3, p4 - 1),
    idleMs: int(script, text, p4, p5 - 1),
    fingerprint: p7 === a ? undefined : text.slice(p7, a),
    data: text.slice(c + 1),
  };
}

/** An array reply, or `E_SCRIPT`. */
export function replyArray(script: string, reply: Reply): readonly Reply[] {
  if (!Array.isArray(reply)) throw new KvError('E_SCRIPT', `script ${script}: expected an array`);
  return reply;
}
