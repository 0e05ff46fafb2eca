import { defineScript, KvError, type Reply, type Script } from '@raptorflow/core';
import {
  fitIndex,
  LUA_ACTIVE,
  LUA_FIT,
  LUA_LOAD,
  LUA_NOW,
  loadRecord,
  markActive,
  nowOf,
  parseRecord,
  recordHead,
  replyArray,
  type SessionRecord,
} from './shared.js';

const NAME = 'session-get';

/** What {@link GET} returns. */
export type GetReply =
  /** No session under this token: never created, expired, destroyed or rotated away. */
  | null
  /** The session exists but was refused: another workspace, or a fingerprint that does not match. */
  | { readonly status: 'workspace' | 'fingerprint'; readonly now: number }
  /** The session, after the touch when there was one (`touched`). */
  | {
      readonly status: 'ok';
      readonly now: number;
      readonly touched: boolean;
      readonly record: SessionRecord;
    };

/**
 * Read a session and, when its last touch is at least `touchAfter` old, slide its expiry to
 * min(now + idle, absolute cap) in the same script: one round trip per request, a write only
 * when the throttle says so. A session is never shortened by a touch, never lives past its cap,
 * and a missing record is never written (an expired session is gone, not resurrected).
 *
 * The record is one string (see `shared.ts`): the common path is a `GET`, one pattern match on
 * the record's head and the record sent back as stored, behind `now,touched,`.
 *
 * - KEYS[1]: the record, `<prefix>{<tag>}:s:<session id>`. The session id (the index member)
 *   and the user's index (`<prefix>{<tag>}:u:` plus the user hash the record holds: `get(token)`
 *   cannot know the user before reading) are read off this key name, so they keep its namespace
 *   and hash tag, and the common call carries one key and one argument. So is the tag's active
 *   set (`<prefix>{<tag>}:a`, see `CREATE`): a touch moves the session's score there too, an
 *   expired record found here leaves it.
 * - ARGV: touchAfter ms; then, only when a check is asked for, the presented fingerprint when a
 *   mismatch is refused (`''`: no check) and the required workspace as `=<id>` (`''`: any).
 * - Reply: nil; `{now, 0, 'workspace' | 'fingerprint'}` (refused, nothing written); or one
 *   string `<now>,<touched 0|1>,<record>`.
 */
const LUA = `${LUA_LOAD}local v = loadRecord(KEYS[1])
if not v then return false end
${LUA_NOW}local t, e = string.match(v, '^s2,(%d+),(%d+),')
e = tonumber(e)
if e <= now then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', string.sub(KEYS[1], 1, -67) .. 'u:' .. string.match(v, '^s2,%d+,%d+,%d+,%d+,%d+,([^,]*),'),
    string.sub(KEYS[1], -64))
  redis.call('ZREM', string.sub(KEYS[1], 1, -67) .. 'a', string.sub(KEYS[1], -64))
  return false
end
if #ARGV > 1 then
  local f, w = string.match(v, '^s2,%d+,%d+,%d+,%d+,%d+,[^,]*,([^,%z]*)%z([^%z]*)%z')
  if ARGV[3] ~= '' and ARGV[3] ~= '=' .. w then return {now, 0, 'workspace'} end
  if ARGV[2] ~= '' and f ~= '' and f ~= ARGV[2] then return {now, 0, 'fingerprint'} end
end
local touched = 0
if now - tonumber(t) >= tonumber(ARGV[1]) then
  local x, i, rest = string.match(v, '^s2,%d+,%d+,(%d+),(%d+),(.*)$')
  local ne = math.min(now + tonumber(i), tonumber(x))
  if ne > e then
    ${LUA_FIT.replace(/\n/g, '\n    ').trimEnd()}
    ${LUA_ACTIVE.replace(/\n/g, '\n    ').trimEnd()}
    v = string.format('s2,%.0f,%.0f,%s,%s,', now, ne, x, i) .. rest
    redis.call('SET', KEYS[1], v, 'PXAT', ne)
    local index = string.sub(KEYS[1], 1, -67) .. 'u:' .. string.match(rest, '^%d+,([^,]*),')
    redis.call('ZADD', index, ne, string.sub(KEYS[1], -64))
    fitIndex(index)
    markActive(string.sub(KEYS[1], 1, -67) .. 'a', now, string.sub(KEYS[1], -64), ne)
    touched = 1
  end
end
return string.format('%.0f,%d,', now, touched) .. v`;

/** The get script; see the Lua above and {@link encodeGetArgs}. */
export const GET: Script<GetReply> = defineScript({
  name: NAME,
  keys: 1,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const record = keys[0] as string;
    const id = record.slice(-64);
    const indexes = `${record.slice(0, -66)}u:`;
    const active = `${record.slice(0, -66)}a`;
    let v = loadRecord(ctx, record);
    if (v === null) return false;
    const now = nowOf(ctx);
    const head = recordHead(v);
    const e = Number(head.e);
    if (e <= now) {
      ctx.call('DEL', record);
      ctx.call('ZREM', indexes + head.h, id);
      ctx.call('ZREM', active, id);
      return false;
    }
    if (args.length > 1) {
      if (args[2] !== '' && args[2] !== `=${head.rest.slice(1, head.rest.indexOf('\0', 1))}`)
        return [now, 0, 'workspace'];
      if (args[1] !== '' && head.f !== '' && head.f !== args[1]) return [now, 0, 'fingerprint'];
    }
    if (now - Number(head.t) >= Number(args[0])) {
      const ne = Math.min(now + Number(head.i), Number(head.x));
      if (ne > e) {
        v = `s2,${now},${ne},${head.x},${head.i},${head.c},${head.h},${head.f}${head.rest}`;
        ctx.call('SET', record, v, 'PXAT', ne);
        const index = indexes + head.h;
        ctx.call('ZADD', index, ne, id);
        fitIndex(ctx, index);
        markActive(ctx, active, now, id, ne);
        return `${now},1,${v}`;
      }
    }
    return `${now},0,${v}`;
  },
  parse: parseGetReply,
});

/** ARGV of {@link GET}; `id` is the record key's end, kept here for callers of the old shape. */
export function encodeGetArgs(
  touchAfterMs: number,
  _id: string,
  fingerprint: string,
  rejectMismatch: boolean,
  workspaceId: string | undefined,
): string[] {
  const fp = rejectMismatch ? fingerprint : '';
  if (fp === '' && workspaceId === undefined) return [String(touchAfterMs)];
  return [String(touchAfterMs), fp, workspaceId === undefined ? '' : `=${workspaceId}`];
}

/** The reply of {@link GET}. */
export function parseGetReply(reply: Reply): GetReply {
  if (reply === null) return null;
  if (typeof reply === 'string') {
    const a = reply.indexOf(',');
    return {
      status: 'ok',
      now: Number(reply.slice(0, a)),
      touched: reply.charCodeAt(a + 1) === 49, // '1'
      record: parseRecord(NAME, reply, a + 3),
    };
  }
  const a = replyArray(NAME, reply);
  const status = String(a[2]);
  if (status !== 'workspace' && status !== 'fingerprint') {
    throw new KvError('E_SCRIPT', `script ${NAME}: unexpected reply ${status}`);
  }
  return { status, now: Number(a[0]) };
}
