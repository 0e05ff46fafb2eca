import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { asInteger } from '@raptorflow/core/driver';

/** A candidate the lookup script kept: the exact cosine is `dot / sqrt(queryNorm2 * norm2)`. */
export interface SemanticCandidate {
  readonly id: string;
  /** Dot product of the stored whole-number vector with the query's. */
  readonly dot: number;
  /** Sum of squares of the stored vector. */
  readonly norm2: number;
  /** When the entry expires, ms on the store's clock. */
  readonly expiresAt: number;
  /** The entry's record (JSON), as written by the insert script. */
  readonly record: string;
}

/** What {@link SEMANTIC_LOOKUP} returns. */
export interface SemanticLookupReply {
  /** How many stored vectors were compared with the query. */
  readonly examined: number;
  /** True when the one candidate is the exact entry (no vector was compared). */
  readonly exact: boolean;
  /** The closest candidates at or above the threshold, closest first, at most `topK`. */
  readonly candidates: readonly SemanticCandidate[];
}

/**
 * The whole read of one partition in one round trip: the exact entry first, then the nearest
 * entries by meaning.
 *
 * - KEYS[1]: vectors (hash id → `expiresAt|norm2|fields|hex`), KEYS[2]: records (hash id →
 *   JSON), KEYS[3]: buckets (hash `<band>:<bits>` → comma-separated ids).
 * - ARGV[1]: the exact id (the request's own entry, `''` for none), ARGV[2]: the query vector
 *   (sparse hex), ARGV[3]: its norm2, ARGV[4]: the threshold squared, ARGV[5]: how many
 *   candidates to compare at most, ARGV[6]: how many to return at most, ARGV[7..]: the query's
 *   bucket in each band.
 * - Reply: `{examined, exact, id, dot, norm2, expiresAt, record, …}`; `exact` is 1 when the one
 *   candidate is the entry of ARGV[1] (unexpired), found without comparing any vector.
 *
 * Candidates are the ids sharing the most bands with the query (ties: first seen), at most
 * ARGV[5]. Buckets hold at most a fixed number of ids (the insert script trims them), so the
 * work per lookup is bounded whatever the partition size. Expired entries are skipped.
 */
const LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local xid = ARGV[1]
if xid ~= '' then
  local value = redis.call('HGET', KEYS[1], xid)
  if value then
    local exp, cn2 = string.match(value, '^(%d+)|(%d+)|')
    exp = tonumber(exp)
    if exp > now then
      local record = redis.call('HGET', KEYS[2], xid)
      if record then return {0, 1, xid, tonumber(cn2), tonumber(cn2), exp, record} end
    end
  end
end
local counts, order = {}, {}
if #ARGV > 6 then
  local fields = {}
  for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
  local lists = redis.call('HMGET', KEYS[3], unpack(fields))
  for i = 1, #lists do
    local list = lists[i]
    if list then
      for id in string.gmatch(list, '[^,]+') do
        local c = counts[id]
        if c then counts[id] = c + 1 else counts[id] = 1; order[#order + 1] = id end
      end
    end
  end
end
-- Ids by how many bands they share with the query, each group in first-seen order.
local groups = {}
for i = 1, #order do
  local id = order[i]
  local c = counts[id]
  local g = groups[c]
  if not g then g = {}; groups[c] = g end
  g[#g + 1] = id
end
local max = tonumber(ARGV[5])
local ids = {}
for c = #ARGV - 6, 1, -1 do
  local g = groups[c]
  if g then
    for i = 1, #g do
      if #ids >= max then break end
      ids[#ids + 1] = g[i]
    end
  end
  if #ids >= max then break end
end
local n = #ids
if n == 0 then return {0, 0} end
local q = {}
local qhex = ARGV[2]
for i = 1, #qhex, 5 do
  local v = tonumber(string.sub(qhex, i + 3, i + 4), 16)
  if v > 127 then v = v - 256 end
  q[tonumber(string.sub(qhex, i, i + 2), 16)] = v
end
local qn2 = tonumber(ARGV[3])
local thr2 = tonumber(ARGV[4])
local values = redis.call('HMGET', KEYS[1], unpack(ids))
local examined, kept = 0, {}
for i = 1, n do
  local value = values[i]
  if value then
    examined = examined + 1
    local exp, cn2, hex = string.match(value, '^(%d+)|(%d+)|[^|]*|(.*)$')
    exp = tonumber(exp)
    cn2 = tonumber(cn2)
    if exp > now and cn2 > 0 then
      local dot = 0
      for j = 1, #hex, 5 do
        local qv = q[tonumber(string.sub(hex, j, j + 2), 16)]
        if qv then
          local v = tonumber(string.sub(hex, j + 3, j + 4), 16)
          if v > 127 then v = v - 256 end
          dot = dot + qv * v
        end
      end
      if dot > 0 and dot * dot >= thr2 * qn2 * cn2 then
        kept[#kept + 1] = {ids[i], dot, cn2, dot / math.sqrt(cn2), exp}
      end
    end
  end
end
table.sort(kept, function(a, b)
  if a[4] ~= b[4] then return a[4] > b[4] end
  return a[1] < b[1]
end)
local out = {examined, 0}
local k = math.min(#kept, tonumber(ARGV[6]))
if k == 0 then return out end
local keep = {}
for i = 1, k do keep[i] = kept[i][1] end
local records = redis.call('HMGET', KEYS[2], unpack(keep))
for i = 1, k do
  out[#out + 1] = kept[i][1]
  out[#out + 1] = kept[i][2]
  out[#out + 1] = kept[i][3]
  out[#out + 1] = kept[i][5]
  out[#out + 1] = records[i] or ''
end
return out`;

const hexByte = (hex: string, at: number): number => {
  const v = Number.parseInt(hex.slice(at, at + 2), 16);
  return v > 127 ? v - 256 : v;
};

/** The lookup script; see the Lua above, and {@link encodeSemanticLookupArgs} for its ARGV. */
export const SEMANTIC_LOOKUP: Script<SemanticLookupReply> = defineScript({
  name: 'llm-cache-semantic-lookup',
  keys: 3,
  lua: LUA,
  readonly: true,
  twin: (ctx, keys, args) => {
    const [vectors = '', records = '', buckets = ''] = keys;
    const [secs = '0', micros = '0'] = ctx.call('TIME') as string[];
    const now = Number(secs) * 1000 + Math.floor(Number(micros) / 1000);
    const xid = args[0] ?? '';
    if (xid !== '') {
      const value = ctx.call('HGET', vectors, xid) as string | null;
      const m = value === null ? null : /^(\d+)\|(\d+)\|/.exec(value);
      if (m && Number(m[1]) > now) {
        const record = ctx.call('HGET', records, xid) as string | null;
        if (record !== null) return [0, 1, xid, Number(m[2]), Number(m[2]), Number(m[1]), record];
      }
    }
    const counts = new Map<string, number>();
    const order: string[] = [];
    if (args.length > 6) {
      const lists = ctx.call('HMGET', buckets, ...args.slice(6)) as (string | null)[];
      for (const list of lists) {
        if (!list) continue;
        for (const id of list.split(',')) {
          if (!id) continue;
          const c = counts.get(id);
          if (c) counts.set(id, c + 1);
          else {
            counts.set(id, 1);
            order.push(id);
          }
        }
      }
    }
    const groups = new Map<number, string[]>();
    for (const id of order) {
      const c = counts.get(id) as number;
      const g = groups.get(c);
      if (g) g.push(id);
      else groups.set(c, [id]);
    }
    const max = Number(args[4]);
    const ids: string[] = [];
    for (let c = args.length - 6; c >= 1 && ids.length < max; c--) {
      for (const id of groups.get(c) ?? []) {
        if (ids.length >= max) break;
        ids.push(id);
      }
    }
    const n = ids.length;
    if (n === 0) return [0, 0];
    const q = new Map<number, number>();
    const qhex = args[1] as string;
    for (let i = 0; i < qhex.length; i += 5)
      q.set(Number.parseInt(qhex.slice(i, i + 3), 16), hexByte(qhex, i + 3));
    const qn2 = Number(args[2]);
    const thr2 = Number(args[3]);
    const values = ctx.call('HMGET', vectors, ...ids) as (string | null)[];
    let examined = 0;
    const kept: [string, number, number, number, number][] = [];
    for (let i = 0; i < n; i++) {
      const value = values[i];
      if (!value) continue;
      examined++;
      const m = /^(\d+)\|(\d+)\|[^|]*\|(.*)$/.exec(value);
      if (!m) continue;
      const exp = Number(m[1]);
      const cn2 = Number(m[2]);
      const hex = m[3] as string;
      if (!(exp > now && cn2 > 0)) continue;
      let dot = 0;
      for (let j = 0; j < hex.length; j += 5) {
        const qv = q.get(Number.parseInt(hex.slice(j, j + 3), 16));
        if (qv !== undefined) dot += qv * hexByte(hex, j + 3);
      }
      if (dot > 0 && dot * dot >= thr2 * qn2 * cn2)
        kept.push([ids[i] as string, dot, cn2, dot / Math.sqrt(cn2), exp]);
    }
    kept.sort((a, b) => (a[3] !== b[3] ? b[3] - a[3] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const out: (string | number)[] = [examined, 0];
    const k = Math.min(kept.length, Number(args[5]));
    if (k === 0) return out;
    const chosen = kept.slice(0, k);
    const recs = ctx.call('HMGET', records, ...chosen.map((c) => c[0])) as (string | null)[];
    chosen.forEach(([id, dot, cn2, , exp], i) => {
      out.push(id, dot, cn2, exp, recs[i] ?? '');
    });
    return out;
  },
  parse: parseSemanticLookupReply,
});

/** ARGV of {@link SEMANTIC_LOOKUP}; `exactId` `''` skips the exact probe. */
export function encodeSemanticLookupArgs(
  exactId: string,
  hex: string,
  norm2: number,
  threshold: number,
  maxCandidates: number,
  topK: number,
  fields: readonly string[],
): string[] {
  return [
    exactId,
    hex,
    String(norm2),
    String(threshold * threshold),
    String(maxCandidates),
    String(topK),
    ...fields,
  ];
}

/** The reply of {@link SEMANTIC_LOOKUP}. */
export function parseSemanticLookupReply(reply: Reply): SemanticLookupReply {
  const items = reply as Reply[];
  const candidates: SemanticCandidate[] = [];
  for (let i = 2; i + 4 < items.length; i += 5) {
    candidates.push({
      id: String(items[i]),
      dot: asInteger(items[i + 1] ?? null),
      norm2: asInteger(items[i + 2] ?? null),
      expiresAt: asInteger(items[i + 3] ?? null),
      record: String(items[i + 4] ?? ''),
    });
  }
  return { examined: asInteger(items[0] ?? null), exact: asInteger(items[1] ?? null) === 1, candidates };
}
