import { defineScript, KvError, type Reply, type Script, type ScriptContext } from '@raptorflow/core';

/**
 * Reply of the generation-checked scripts: the workspace and namespace generations the store
 * holds, and `rest` only when they matched the caller's (else nothing was done: rebuild the
 * keys with the new generations and retry).
 */
export interface GenReply {
  readonly ws: string;
  readonly ns: string;
  readonly rest: readonly Reply[] | undefined;
}

function parseGenReply(reply: Reply): GenReply {
  if (!Array.isArray(reply) || reply.length < 2) {
    throw new KvError('E_SCRIPT', 'cache script: unexpected reply');
  }
  return { ws: String(reply[0]), ns: String(reply[1]), rest: reply.length > 2 ? reply.slice(2) : undefined };
}

// The tag version keys are `KEYS[3] .. 's:' .. tag`: the prefix comes through KEYS (so a
// namespace view prefixes it and its `{workspace}` hash tag keeps the slot) and only the tag
// name, validated by the cache, is appended.
const LUA_PRELUDE = `
local wg = redis.call('GET', KEYS[1]) or '0'
local ng = redis.call('GET', KEYS[2]) or '0'
if wg ~= ARGV[1] or ng ~= ARGV[2] then return {wg, ng} end
local function ver(tag)
  local s = redis.call('GET', KEYS[3] .. 's:' .. tag) or '0'
  local h = redis.call('GET', KEYS[3] .. 'h:' .. tag) or '0'
  return s .. '.' .. h
end
`;

type Twin = (ctx: ScriptContext, keys: readonly string[], args: readonly string[]) => unknown[];

function getOr0(ctx: ScriptContext, key: string): string {
  const v = ctx.call('GET', key);
  return typeof v === 'string' ? v : '0';
}

function twinVer(ctx: ScriptContext, prefix: string, tag: string): string {
  return `${getOr0(ctx, `${prefix}s:${tag}`)}.${getOr0(ctx, `${prefix}h:${tag}`)}`;
}

function withGens(body: Twin): Twin {
  return (ctx, keys, args) => {
    const wg = getOr0(ctx, keys[0] as string);
    const ng = getOr0(ctx, keys[1] as string);
    if (wg !== args[0] || ng !== args[1]) return [wg, ng];
    return [wg, ng, ...body(ctx, keys, args)];
  };
}

/** The tags field of a stored entry (the last `|` field of its first line). */
function tagsFieldOf(entry: string): string {
  const nl = entry.indexOf('\n');
  const header = nl < 0 ? entry : entry.slice(0, nl);
  const parts = header.split('|');
  return parts.length >= 6 ? parts.slice(5).join('|') : '';
}

/**
 * Read entries with the current versions of their tags, in one round trip.
 * KEYS: workspace generation, namespace generation, tag prefix, then the entries.
 * ARGV: the expected generations, then tags whose versions the caller wants too (getOrSet
 * reads them before running its factory, so an invalidation during the factory is not lost).
 * Rest of the reply: wanted versions (`s.h,...`), then per entry its text (or `''`) and the
 * current versions of its tags.
 */
export const READ_SCRIPT: Script<GenReply> = defineScript({
  name: 'cache.read',
  lua: `${LUA_PRELUDE}
local wanted = {}
for i = 3, #ARGV do wanted[#wanted + 1] = ver(ARGV[i]) end
local out = {wg, ng, table.concat(wanted, ',')}
for i = 4, #KEYS do
  local e = redis.call('GET', KEYS[i])
  if e then
    local vs = {}
    local nl = string.find(e, '\\n', 1, true)
    if nl then
      local field = string.match(string.sub(e, 1, nl - 1), '^[^|]*|[^|]*|[^|]*|[^|]*|[^|]*|(.*)$')
      if field and field ~= '' then
        for tag in string.gmatch(field, '([^,=]+)=[^,]*') do vs[#vs + 1] = ver(tag) end
      end
    end
    out[#out + 1] = e
    out[#out + 1] = table.concat(vs, ',')
  else
    out[#out + 1] = ''
    out[#out + 1] = ''
  end
end
return out`,
  twin: withGens((ctx, keys, args) => {
    const prefix = keys[2] as string;
    const wanted = args.slice(2).map((t) => twinVer(ctx, prefix, t));
    const out: unknown[] = [wanted.join(',')];
    for (let i = 3; i < keys.length; i++) {
      const e = ctx.call('GET', keys[i] as string);
      if (typeof e !== 'string') {
        out.push('', '');
        continue;
      }
      const field = tagsFieldOf(e);
      const vs =
        field === '' ? [] : field.split(',').map((p) => twinVer(ctx, prefix, p.slice(0, p.indexOf('='))));
      out.push(e, vs.join(','));
    }
    return out;
  }) as never,
  parse: parseGenReply,
});

/**
 * Write entries, filling in the current versions of their tags.
 * KEYS: workspace generation, namespace generation, tag prefix, then the entries.
 * ARGV: the expected generations, then per entry: header (up to its tags field), payload,
 * PX in ms, the number of tags to fill in, the tags.
 */
export const WRITE_SCRIPT: Script<GenReply> = defineScript({
  name: 'cache.write',
  lua: `${LUA_PRELUDE}
local a = 3
for i = 4, #KEYS do
  local header, payload, px, n = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  a = a + 4
  local parts = {}
  for j = 1, n do
    parts[#parts + 1] = ARGV[a] .. '=' .. ver(ARGV[a])
    a = a + 1
  end
  redis.call('SET', KEYS[i], header .. table.concat(parts, ',') .. '\\n' .. payload, 'PX', px)
end
return {wg, ng, 'OK'}`,
  twin: withGens((ctx, keys, args) => {
    const prefix = keys[2] as string;
    let a = 2;
    for (let i = 3; i < keys.length; i++) {
      const header = args[a] as string;
      const payload = args[a + 1] as string;
      const px = args[a + 2] as string;
      const n = Number(args[a + 3]);
      a += 4;
      const parts: string[] = [];
      for (let j = 0; j < n; j++, a++) parts.push(`${args[a]}=${twinVer(ctx, prefix, args[a] as string)}`);
      ctx.call('SET', keys[i] as string, `${header}${parts.join(',')}\n${payload}`, 'PX', px);
    }
    return ['OK'];
  }) as never,
  parse: parseGenReply,
});

/** Delete entries. KEYS: workspace generation, namespace generation, then the entries. ARGV: the expected generations. */
export const DELETE_SCRIPT: Script<GenReply> = defineScript({
  name: 'cache.delete',
  lua: `
local wg = redis.call('GET', KEYS[1]) or '0'
local ng = redis.call('GET', KEYS[2]) or '0'
if wg ~= ARGV[1] or ng ~= ARGV[2] then return {wg, ng} end
local n = 0
for i = 3, #KEYS do n = n + redis.call('DEL', KEYS[i]) end
return {wg, ng, n}`,
  twin: (ctx, keys, args) => {
    const wg = getOr0(ctx, keys[0] as string);
    const ng = getOr0(ctx, keys[1] as string);
    if (wg !== args[0] || ng !== args[1]) return [wg, ng];
    let n = 0;
    for (let i = 2; i < keys.length; i++) n += Number(ctx.call('DEL', keys[i] as string));
    return [wg, ng, n];
  },
  parse: parseGenReply,
});

/** Release a lease only when it still holds the caller's token. KEYS: lease. ARGV: token. */
export const RELEASE_SCRIPT: Script<boolean> = defineScript({
  name: 'cache.release',
  keys: 1,
  lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
  twin: (ctx, keys, args) => {
    if (ctx.call('GET', keys[0] as string) === args[0]) return ctx.call('DEL', keys[0] as string);
    return 0;
  },
  parse: (reply) => reply === 1,
});

/** Every script of the package, for the differential test. */
export const CACHE_SCRIPTS: readonly Script<unknown>[] = [
  READ_SCRIPT,
  WRITE_SCRIPT,
  DELETE_SCRIPT,
  RELEASE_SCRIPT,
];
