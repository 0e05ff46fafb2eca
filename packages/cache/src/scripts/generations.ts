import { KvError, type Reply, type ScriptContext } from '@raptorflow/core';
import { CORRUPT_VERSION, counterVersion, LUA_TAG_VERSION, tagVersion } from '../tag-versions.js';

/** The workspace and namespace generations a caller built its keys with. */
export interface Generations {
  readonly ws: string;
  readonly ns: string;
}

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

/** Parse a {@link GenReply}. */
export function parseGenReply(reply: Reply): GenReply {
  if (!Array.isArray(reply) || reply.length < 2) {
    throw new KvError('E_SCRIPT', 'cache script: unexpected reply');
  }
  return { ws: String(reply[0]), ns: String(reply[1]), rest: reply.length > 2 ? reply.slice(2) : undefined };
}

/**
 * The check every generation-checked script starts with (KEYS[1], KEYS[2]: the generations;
 * ARGV[1], ARGV[2]: the caller's), and `ver(tag)` / `fixver(tag)` (from `tag-versions.ts`) for the
 * scripts that read tag versions. Lua has no include, so the scripts splice this text in.
 *
 * The tag version keys are `KEYS[3] .. 's:' .. tag`: the prefix comes through KEYS (so a
 * namespace view prefixes it and its `{workspace}` hash tag keeps the slot) and only the tag
 * name, validated by the cache, is appended.
 */
export const LUA_GENERATIONS: string = `
local wg = redis.call('GET', KEYS[1]) or '0'
local ng = redis.call('GET', KEYS[2]) or '0'
if wg ~= ARGV[1] or ng ~= ARGV[2] then return {wg, ng} end
${LUA_TAG_VERSION}`;

/** A script's JavaScript twin, in the shape `defineScript` takes. */
export type Twin = (ctx: ScriptContext, keys: readonly string[], args: readonly string[]) => unknown[];

/** `GET key`, or `'0'` when it is absent (as `or '0'` in Lua). */
export function getOr0(ctx: ScriptContext, key: string): string {
  const v = ctx.call('GET', key);
  return typeof v === 'string' ? v : '0';
}

/** The twin of the Lua `ver(tag)`: `<soft>.<hard>` under tag prefix `prefix`. */
export function twinVer(ctx: ScriptContext, prefix: string, tag: string): string {
  return tagVersion(getOrNull(ctx, `${prefix}s:${tag}`), getOrNull(ctx, `${prefix}h:${tag}`));
}

function getOrNull(ctx: ScriptContext, key: string): string | null {
  const v = ctx.call('GET', key);
  return typeof v === 'string' ? v : null;
}

/** The twin of the Lua `fixone(key)`: a counter's version, a corrupt one reset to the store's time in µs. */
function twinFixOne(ctx: ScriptContext, key: string): string {
  const v = counterVersion(getOrNull(ctx, key));
  if (v !== CORRUPT_VERSION) return v;
  const [sec, usec] = ctx.call('TIME') as [string, string];
  const fixed = `${sec}${usec.padStart(6, '0')}`;
  ctx.call('SET', key, fixed);
  return fixed;
}

/** The twin of the Lua `fixver(tag)`. */
export function twinFixVer(ctx: ScriptContext, prefix: string, tag: string): string {
  return `${twinFixOne(ctx, `${prefix}s:${tag}`)}.${twinFixOne(ctx, `${prefix}h:${tag}`)}`;
}

/** The twin of {@link LUA_GENERATIONS}: run `body` only when the generations match. */
export function withGenerations(body: Twin): Twin {
  return (ctx, keys, args) => {
    const wg = getOr0(ctx, keys[0] as string);
    const ng = getOr0(ctx, keys[1] as string);
    if (wg !== args[0] || ng !== args[1]) return [wg, ng];
    return [wg, ng, ...body(ctx, keys, args)];
  };
}
