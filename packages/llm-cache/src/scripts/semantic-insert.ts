import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { asInteger } from '@raptorflow/core/driver';

/** What {@link SEMANTIC_INSERT} returns. */
export interface SemanticInsertReply {
  /** Entries removed to make room or because they had expired. */
  readonly evicted: number;
  /** Entries in the partition after the insert. */
  readonly size: number;
  /** The store's time of the insert, ms. */
  readonly now: number;
}

/**
 * Add (or replace) one entry of a partition, evicting expired entries and, past the bound, the
 * entries that expire first.
 *
 * - KEYS[1]: expiry index (zset id → expiresAt ms), KEYS[2]: vectors, KEYS[3]: records,
 *   KEYS[4]: buckets (see the lookup script).
 * - ARGV[1]: id, ARGV[2]: TTL (ms), ARGV[3]: max entries, ARGV[4]: norm2, ARGV[5]: bucket
 *   fields (comma-separated), ARGV[6]: vector (sparse hex), ARGV[7]: record, ARGV[8]: ids
 *   a bucket keeps at most (the oldest leave first: work per call stays bounded).
 * - Reply: `{evicted, size, now}`.
 *
 * At most 100 expired entries are reclaimed per insert, so an insert's work stays bounded. The
 * four keys live as long as their longest-lived entry.
 */
const LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function drop(id)
  local value = redis.call('HGET', KEYS[2], id)
  if value then
    local fields = string.match(value, '^%d+|%d+|([^|]*)|')
    for f in string.gmatch(fields or '', '[^,]+') do
      local list = redis.call('HGET', KEYS[4], f)
      if list then
        local rest = {}
        for x in string.gmatch(list, '[^,]+') do
          if x ~= id then rest[#rest + 1] = x end
        end
        if #rest == 0 then redis.call('HDEL', KEYS[4], f) else redis.call('HSET', KEYS[4], f, table.concat(rest, ',')) end
      end
    end
    redis.call('HDEL', KEYS[2], id)
  end
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[1], id)
end
local id = ARGV[1]
drop(id)
local evicted = 0
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 100)
for i = 1, #expired do
  drop(expired[i])
  evicted = evicted + 1
end
local max = tonumber(ARGV[3])
while redis.call('ZCARD', KEYS[1]) >= max do
  local first = redis.call('ZRANGE', KEYS[1], 0, 0)
  drop(first[1])
  evicted = evicted + 1
end
local ttl = tonumber(ARGV[2])
local exp = string.format('%d', now + ttl)
redis.call('ZADD', KEYS[1], exp, id)
redis.call('HSET', KEYS[2], id, exp .. '|' .. ARGV[4] .. '|' .. ARGV[5] .. '|' .. ARGV[6])
redis.call('HSET', KEYS[3], id, ARGV[7])
local cap = tonumber(ARGV[8])
for f in string.gmatch(ARGV[5], '[^,]+') do
  local list = redis.call('HGET', KEYS[4], f)
  local ids = {}
  if list then
    for x in string.gmatch(list, '[^,]+') do ids[#ids + 1] = x end
  end
  ids[#ids + 1] = id
  local from = math.max(1, #ids - cap + 1)
  redis.call('HSET', KEYS[4], f, table.concat(ids, ',', from, #ids))
end
for i = 1, 4 do
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return {evicted, redis.call('ZCARD', KEYS[1]), now}`;

/** The insert script; see the Lua above, and {@link encodeSemanticInsertArgs} for its ARGV. */
export const SEMANTIC_INSERT: Script<SemanticInsertReply> = defineScript({
  name: 'llm-cache-semantic-insert',
  keys: 4,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [index = '', vectors = '', records = '', buckets = ''] = keys;
    const [secs = '0', micros = '0'] = ctx.call('TIME') as string[];
    const now = Number(secs) * 1000 + Math.floor(Number(micros) / 1000);
    const drop = (id: string) => {
      const value = ctx.call('HGET', vectors, id) as string | null;
      if (value !== null) {
        const fields = /^\d+\|\d+\|([^|]*)\|/.exec(value)?.[1] ?? '';
        for (const f of fields.split(',')) {
          if (!f) continue;
          const list = ctx.call('HGET', buckets, f) as string | null;
          if (list === null) continue;
          const rest = list.split(',').filter((x) => x && x !== id);
          if (rest.length === 0) ctx.call('HDEL', buckets, f);
          else ctx.call('HSET', buckets, f, rest.join(','));
        }
        ctx.call('HDEL', vectors, id);
      }
      ctx.call('HDEL', records, id);
      ctx.call('ZREM', index, id);
    };
    const [
      id = '',
      ttlArg = '0',
      maxArg = '1',
      norm2 = '0',
      fields = '',
      hex = '',
      record = '',
      capArg = '1',
    ] = args;
    drop(id);
    let evicted = 0;
    const expired = ctx.call('ZRANGEBYSCORE', index, '-inf', now, 'LIMIT', 0, 100) as string[];
    for (const e of expired) {
      drop(e);
      evicted++;
    }
    const max = Number(maxArg);
    while ((ctx.call('ZCARD', index) as number) >= max) {
      const [first = ''] = ctx.call('ZRANGE', index, 0, 0) as string[];
      drop(first);
      evicted++;
    }
    const ttl = Number(ttlArg);
    const cap = Number(capArg);
    const exp = String(now + ttl);
    ctx.call('ZADD', index, exp, id);
    ctx.call('HSET', vectors, id, `${exp}|${norm2}|${fields}|${hex}`);
    ctx.call('HSET', records, id, record);
    for (const f of fields.split(',')) {
      if (!f) continue;
      const list = ctx.call('HGET', buckets, f) as string | null;
      const ids = list === null ? [] : list.split(',').filter(Boolean);
      ids.push(id);
      ctx.call('HSET', buckets, f, ids.slice(Math.max(0, ids.length - cap)).join(','));
    }
    for (const key of [index, vectors, records, buckets]) {
      if ((ctx.call('PTTL', key) as number) < ttl) ctx.call('PEXPIRE', key, ttl);
    }
    return [evicted, ctx.call('ZCARD', index) as number, now];
  },
  parse: parseSemanticInsertReply,
});

/** ARGV of {@link SEMANTIC_INSERT}. */
export function encodeSemanticInsertArgs(entry: {
  id: string;
  ttlMs: number;
  maxEntries: number;
  norm2: number;
  fields: readonly string[];
  hex: string;
  record: string;
  bucketSize: number;
}): string[] {
  return [
    entry.id,
    String(entry.ttlMs),
    String(entry.maxEntries),
    String(entry.norm2),
    entry.fields.join(','),
    entry.hex,
    entry.record,
    String(entry.bucketSize),
  ];
}

/** The reply of {@link SEMANTIC_INSERT}. */
export function parseSemanticInsertReply(reply: Reply): SemanticInsertReply {
  const [evicted = null, size = null, now = null] = reply as Reply[];
  return { evicted: asInteger(evicted), size: asInteger(size), now: asInteger(now) };
}
