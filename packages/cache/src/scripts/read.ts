import { defineScript, type Reply, type Script, type ScriptArg } from '@raptorflow/core';
import { entryKey, nsGenKey, TAG_PREFIX, WS_GEN_KEY } from '../keys.js';
import {
  type Generations,
  type GenReply,
  LUA_GENERATIONS,
  parseGenReply,
  twinVer,
  withGenerations,
} from './generations.js';

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
  lua: `${LUA_GENERATIONS}
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
  twin: withGenerations((ctx, keys, args) => {
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

/** KEYS of {@link READ_SCRIPT} for entries `keys` (stored forms) of namespace `ns`. */
export function readScriptKeys(ns: string, g: Generations, keys: readonly string[]): string[] {
  const out = [WS_GEN_KEY, nsGenKey(ns), TAG_PREFIX];
  for (const k of keys) out.push(entryKey(ns, g.ws, g.ns, k));
  return out;
}

/** ARGV of {@link READ_SCRIPT}. */
export function encodeReadArgs(g: Generations, wantTags: readonly string[]): ScriptArg[] {
  return [g.ws, g.ns, ...wantTags];
}

/** One entry of a {@link READ_SCRIPT} reply: its stored text and its tags' current versions. */
export interface ReadSlot {
  readonly stored: string;
  readonly current: string;
}

/** The `rest` of a {@link READ_SCRIPT} reply for `count` entries. */
export function parseReadRest(
  rest: readonly Reply[],
  count: number,
): { wanted: string[]; slots: Array<ReadSlot | undefined> } {
  const wantedField = String(rest[0] ?? '');
  const slots: Array<ReadSlot | undefined> = new Array(count);
  for (let i = 0; i < count; i++) {
    const stored = rest[1 + 2 * i];
    if (typeof stored === 'string' && stored !== '')
      slots[i] = { stored, current: String(rest[2 + 2 * i] ?? '') };
  }
  return { wanted: wantedField === '' ? [] : wantedField.split(','), slots };
}
