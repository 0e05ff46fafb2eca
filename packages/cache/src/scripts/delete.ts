import { defineScript, type Script, type ScriptArg } from '@raptorflow/core';
import { entryKey, nsGenKey, WS_GEN_KEY } from '../keys.js';
import { type Generations, type GenReply, getOr0, parseGenReply } from './generations.js';

/**
 * Delete entries. KEYS: workspace generation, namespace generation, then the entries.
 * ARGV: the expected generations. Rest of the reply: how many existed.
 */
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

/** KEYS of {@link DELETE_SCRIPT} for entries `keys` (stored forms) of namespace `ns`. */
export function deleteScriptKeys(ns: string, g: Generations, keys: readonly string[]): string[] {
  const out = [WS_GEN_KEY, nsGenKey(ns)];
  for (const k of keys) out.push(entryKey(ns, g.ws, g.ns, k));
  return out;
}

/** ARGV of {@link DELETE_SCRIPT}. */
export function encodeDeleteArgs(g: Generations): ScriptArg[] {
  return [g.ws, g.ns];
}
