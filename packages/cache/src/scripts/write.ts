import { defineScript, type Script, type ScriptArg } from '@raptorflow/core';
import type { WriteItem } from '../backend.js';
import { tagsField } from '../envelope.js';
import { entryKey, nsGenKey, TAG_PREFIX, WS_GEN_KEY } from '../keys.js';
import {
  type Generations,
  type GenReply,
  LUA_GENERATIONS,
  parseGenReply,
  twinFixVer,
  withGenerations,
} from './generations.js';

/**
 * Write entries, filling in the current versions of their tags (a corrupt tag counter is reset
 * first, so the entry records a valid version).
 * KEYS: workspace generation, namespace generation, tag prefix, then the entries.
 * ARGV: the expected generations, then per entry: header (up to its tags field), payload,
 * PX in ms, the number of tags to fill in, the tags.
 */
export const WRITE_SCRIPT: Script<GenReply> = defineScript({
  name: 'cache.write',
  lua: `${LUA_GENERATIONS}
local a = 3
for i = 4, #KEYS do
  local header, payload, px, n = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  a = a + 4
  local parts = {}
  for j = 1, n do
    parts[#parts + 1] = ARGV[a] .. '=' .. fixver(ARGV[a])
    a = a + 1
  end
  redis.call('SET', KEYS[i], header .. table.concat(parts, ',') .. '\\n' .. payload, 'PX', px)
end
return {wg, ng, 'OK'}`,
  twin: withGenerations((ctx, keys, args) => {
    const prefix = keys[2] as string;
    let a = 2;
    for (let i = 3; i < keys.length; i++) {
      const header = args[a] as string;
      const payload = args[a + 1] as string;
      const px = args[a + 2] as string;
      const n = Number(args[a + 3]);
      a += 4;
      const parts: string[] = [];
      for (let j = 0; j < n; j++, a++) parts.push(`${args[a]}=${twinFixVer(ctx, prefix, args[a] as string)}`);
      ctx.call('SET', keys[i] as string, `${header}${parts.join(',')}\n${payload}`, 'PX', px);
    }
    return ['OK'];
  }) as never,
  parse: parseGenReply,
});

/** KEYS of {@link WRITE_SCRIPT} for `items` of namespace `ns`. */
export function writeScriptKeys(ns: string, g: Generations, items: readonly WriteItem[]): string[] {
  const out = [WS_GEN_KEY, nsGenKey(ns), TAG_PREFIX];
  for (const item of items) out.push(entryKey(ns, g.ws, g.ns, item.key));
  return out;
}

/**
 * ARGV of {@link WRITE_SCRIPT}. An item whose tag versions were read before its value was
 * computed carries them in its header (0 tags to fill in); the script fills in the others'.
 */
export function encodeWriteArgs(g: Generations, items: readonly WriteItem[]): ScriptArg[] {
  const args: ScriptArg[] = [g.ws, g.ns];
  for (const item of items) {
    if (item.versions) args.push(item.header + tagsField(item.tags, item.versions), item.payload, item.px, 0);
    else args.push(item.header, item.payload, item.px, item.tags.length, ...item.tags);
  }
  return args;
}
