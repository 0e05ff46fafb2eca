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

/** One entry of {@link encodeSemanticInsertArgs}. */
export interface SemanticInsertEntry {
  readonly id: string;
  readonly ttlMs: number;
  readonly norm2: number;
  readonly fields: readonly string[];
  readonly hex: string;
  readonly record: string;
}

/** Bounds of one partition, passed with every insert. */
export interface SemanticInsertBounds {
  readonly maxEntries: number;
  /** Ids a bucket keeps at most (the oldest leave first). */
  readonly bucketSize: number;
}

/** Entries one insert script call takes at most: the work of one call stays bounded. */
export const MAX_INSERT_BATCH = 100;

/**
 * Add (or replace) entries of a partition, evicting expired entries and, past the bound, the
 * entries that expire first.
 *
 * - KEYS[1]: expiry index (zset id → expiresAt ms), KEYS[2]: vectors, KEYS[3]: records,
 *   KEYS[4]: buckets (see the lookup script).
 * - ARGV[1]: max entries, ARGV[2]: ids a bucket keeps at most (the oldest leave first), then
 *   six per entry: id, TTL (ms), norm2, bucket fields (comma-separated), vector (sparse hex),
 *   record.
 * - Reply: `{evicted, size, now}`.
 *
 * At most 100 expired entries are reclaimed per call and a call takes at most
 * {@link MAX_INSERT_BATCH} entries, so its work stays bounded. A bucket list is read and
 * written once per call whatever the number of its entries that touch it (a bulk load parses
 * each list once per batch, not once per entry); the result is the same as one call per entry,
 * except that entries of one call share one expiry instant, so eviction within a batch picks
 * among them by id. The four keys live as long as their longest-lived entry.
 */
const LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[2])
-- A bucket list is "id,id,...". It is never split into a table: a call keeps the stored string,
-- how many of its ids the trim skipped, and the ids appended (splitting every list touched was
-- most of the cost of a call). Only a removal rebuilds the string.
local lists, dirty = {}, {}
local function count(s)
  if s == '' then return 0 end
  local n, at = 1, string.find(s, ',', 1, true)
  while at do
    n = n + 1
    at = string.find(s, ',', at + 1, true)
  end
  return n
end
local function state(f)
  local st = lists[f]
  if not st then
    local s = redis.call('HGET', KEYS[4], f) or ''
    st = {s = s, n = count(s), skip = 0, add = {}, first = 1}
    lists[f] = st
  end
  return st
end
local function render(st)
  local base = ''
  if st.skip < st.n then
    base = st.s
    if st.skip > 0 then
      local at = 0
      for _ = 1, st.skip do at = string.find(base, ',', at + 1, true) end
      base = string.sub(base, at + 1)
    end
  end
  local tail = table.concat(st.add, ',', st.first, #st.add)
  if base == '' then return tail end
  if tail == '' then return base end
  return base .. ',' .. tail
end
local function remove(f, id)
  local s = ',' .. render(state(f)) .. ','
  local needle = ',' .. id .. ','
  local at = string.find(s, needle, 1, true)
  while at do
    s = string.sub(s, 1, at) .. string.sub(s, at + #needle)
    at = string.find(s, needle, 1, true)
  end
  s = string.sub(s, 2, -2)
  lists[f] = {s = s, n = count(s), skip = 0, add = {}, first = 1}
  dirty[f] = true
end
local function append(f, id)
  local st = state(f)
  st.add[#st.add + 1] = id
  -- The oldest id leaves first, as one call per entry would trim it.
  if st.n - st.skip + #st.add - st.first + 1 > cap then
    if st.skip < st.n then st.skip = st.skip + 1 else st.first = st.first + 1 end
  end
  dirty[f] = true
end
local function drop(id)
  local value = redis.call('HGET', KEYS[2], id)
  if value then
    local fields = string.match(value, '^%d+|%d+|([^|]*)|')
    for f in string.gmatch(fields or '', '[^,]+') do remove(f, id) end
    redis.call('HDEL', KEYS[2], id)
  end
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[1], id)
end
local max = tonumber(ARGV[1])
local evicted, longest = 0, 0
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 100)
for i = 1, #expired do
  drop(expired[i])
  evicted = evicted + 1
end
for a = 3, #ARGV - 5, 6 do
  local id = ARGV[a]
  local ttl = tonumber(ARGV[a + 1])
  local fields = ARGV[a + 3]
  drop(id)
  while redis.call('ZCARD', KEYS[1]) >= max do
    local first = redis.call('ZRANGE', KEYS[1], 0, 0)
    drop(first[1])
    evicted = evicted + 1
  end
  local exp = string.format('%d', now + ttl)
  redis.call('ZADD', KEYS[1], exp, id)
  redis.call('HSET', KEYS[2], id, exp .. '|' .. ARGV[a + 2] .. '|' .. fields .. '|' .. ARGV[a + 4])
  redis.call('HSET', KEYS[3], id, ARGV[a + 5])
  for f in string.gmatch(fields, '[^,]+') do append(f, id) end
  if ttl > longest then longest = ttl end
end
local touched = {}
for f in pairs(dirty) do touched[#touched + 1] = f end
table.sort(touched)
for i = 1, #touched do
  local f = touched[i]
  local list = render(lists[f])
  if list == '' then
    redis.call('HDEL', KEYS[4], f)
  else
    redis.call('HSET', KEYS[4], f, list)
  end
end
for i = 1, 4 do
  if longest > 0 and redis.call('PTTL', KEYS[i]) < longest then redis.call('PEXPIRE', KEYS[i], longest) end
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
    const lists = new Map<string, string[]>();
    const dirty = new Set<string>();
    const list = (f: string): string[] => {
      let l = lists.get(f);
      if (!l) {
        const s = ctx.call('HGET', buckets, f) as string | null;
        l = s === null ? [] : s.split(',').filter(Boolean);
        lists.set(f, l);
      }
      return l;
    };
    const drop = (id: string) => {
      const value = ctx.call('HGET', vectors, id) as string | null;
      if (value !== null) {
        const fields = /^\d+\|\d+\|([^|]*)\|/.exec(value)?.[1] ?? '';
        for (const f of fields.split(',')) {
          if (!f) continue;
          const l = list(f);
          for (let i = l.length - 1; i >= 0; i--) if (l[i] === id) l.splice(i, 1);
          dirty.add(f);
        }
        ctx.call('HDEL', vectors, id);
      }
      ctx.call('HDEL', records, id);
      ctx.call('ZREM', index, id);
    };
    const max = Number(args[0]);
    const cap = Number(args[1]);
    let evicted = 0;
    let longest = 0;
    const expired = ctx.call('ZRANGEBYSCORE', index, '-inf', now, 'LIMIT', 0, 100) as string[];
    for (const e of expired) {
      drop(e);
      evicted++;
    }
    for (let a = 2; a + 5 < args.length; a += 6) {
      const id = args[a] as string;
      const ttl = Number(args[a + 1]);
      const fields = args[a + 3] as string;
      drop(id);
      while ((ctx.call('ZCARD', index) as number) >= max) {
        const [first = ''] = ctx.call('ZRANGE', index, 0, 0) as string[];
        drop(first);
        evicted++;
      }
      const exp = String(now + ttl);
      ctx.call('ZADD', index, exp, id);
      ctx.call('HSET', vectors, id, `${exp}|${args[a + 2]}|${fields}|${args[a + 4]}`);
      ctx.call('HSET', records, id, args[a + 5] as string);
      for (const f of fields.split(',')) {
        if (!f) continue;
        const l = list(f);
        l.push(id);
        while (l.length > cap) l.shift();
        dirty.add(f);
      }
      if (ttl > longest) longest = ttl;
    }
    // Sorted as Lua sorts strings (byte order): the fields are ASCII.
    for (const f of [...dirty].sort()) {
      const l = lists.get(f) as string[];
      if (l.length === 0) ctx.call('HDEL', buckets, f);
      else ctx.call('HSET', buckets, f, l.join(','));
    }
    for (const key of [index, vectors, records, buckets]) {
      if (longest > 0 && (ctx.call('PTTL', key) as number) < longest) ctx.call('PEXPIRE', key, longest);
    }
    return [evicted, ctx.call('ZCARD', index) as number, now];
  },
  parse: parseSemanticInsertReply,
});

/** ARGV of {@link SEMANTIC_INSERT}: at most {@link MAX_INSERT_BATCH} entries. */
export function encodeSemanticInsertArgs(
  bounds: SemanticInsertBounds,
  entries: readonly SemanticInsertEntry[],
): string[] {
  const out = [String(bounds.maxEntries), String(bounds.bucketSize)];
  for (const e of entries) {
    out.push(e.id, String(e.ttlMs), String(e.norm2), e.fields.join(','), e.hex, e.record);
  }
  return out;
}

/** The reply of {@link SEMANTIC_INSERT}. */
export function parseSemanticInsertReply(reply: Reply): SemanticInsertReply {
  const [evicted = null, size = null, now = null] = reply as Reply[];
  return { evicted: asInteger(evicted), size: asInteger(size), now: asInteger(now) };
}
