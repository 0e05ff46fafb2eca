import { KvError, type Reply, type ScriptContext } from '@raptorflow/core';

/*
 * Pieces every session script shares, in Lua and in JavaScript. Time is the store's (TIME), in
 * whole ms. The user's index expires with its longest-lived session: after any write to it,
 * its expiry is set to its highest score (an index left without members is deleted by Redis).
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

/** A stored session, as the scripts return it (the record's fields, parsed). */
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
  /** Its data fields, JSON text by name. */
  readonly fields: Readonly<Record<string, string>>;
}

/** The prefix of data fields in a record (`d.<name>`), apart from the session's own fields. */
export const DATA = 'd.';

function int(script: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isSafeInteger(n)) {
    throw new KvError('E_SCRIPT', `script ${script}: a session record holds a bad number: ${String(value)}`);
  }
  return n;
}

/** Parse HGETALL pairs of a record, from `from` on. */
export function parseRecord(script: string, pairs: readonly Reply[], from = 0): SessionRecord {
  const raw: Record<string, string> = {};
  const fields: Record<string, string> = {};
  for (let i = from; i + 1 < pairs.length; i += 2) {
    const name = String(pairs[i]);
    const value = String(pairs[i + 1]);
    if (name.startsWith(DATA)) fields[name.slice(DATA.length)] = value;
    else raw[name] = value;
  }
  return {
    userId: raw.u ?? '',
    workspaceId: raw.w ? raw.w : undefined,
    createdAt: int(script, raw.c),
    touchedAt: int(script, raw.t),
    expiresAt: int(script, raw.e),
    absoluteExpiresAt: int(script, raw.x),
    idleMs: int(script, raw.i),
    fingerprint: raw.f ? raw.f : undefined,
    fields,
  };
}

/** An array reply, or `E_SCRIPT`. */
export function replyArray(script: string, reply: Reply): readonly Reply[] {
  if (!Array.isArray(reply)) throw new KvError('E_SCRIPT', `script ${script}: expected an array`);
  return reply;
}
