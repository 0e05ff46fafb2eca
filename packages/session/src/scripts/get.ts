import { defineScript, KvError, type Reply, type Script } from '@raptorflow/core';
import {
  fitIndex,
  LUA_FIT,
  LUA_LOAD,
  LUA_NOW,
  loadRecord,
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
 * - KEYS[1]: the record, KEYS[2]: the prefix of the tag's user indexes (the user's index is it
 *   plus the user hash the record holds: `get(token)` cannot know the user before reading).
 * - ARGV: touchAfter ms, the session id, the presented fingerprint when a mismatch is refused
 *   (`''`: no check), the required workspace as `=<id>` (`''`: any).
 * - Reply: nil; `{now, 0, 'workspace' | 'fingerprint'}` (refused, nothing written); or one
 *   string `<now>,<touched 0|1>,<record>`.
 */
const LUA = `${LUA_LOAD}local v = loadRecord(KEYS[1])
if not v then return false end
${LUA_NOW}local t, e = string.match(v, '^s2,(%d+),(%d+),')
e = tonumber(e)
if e <= now then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2] .. string.match(v, '^s2,%d+,%d+,%d+,%d+,%d+,([^,]*),'), ARGV[2])
  return false
end
if ARGV[3] ~= '' or ARGV[4] ~= '' then
  local f, w = string.match(v, '^s2,%d+,%d+,%d+,%d+,%d+,[^,]*,([^,%z]*)%z([^%z]*)%z')
  if ARGV[4] ~= '' and ARGV[4] ~= '=' .. w then return {now, 0, 'workspace'} end
  if ARGV[3] ~= '' and f ~= '' and f ~= ARGV[3] then return {now, 0, 'fingerprint'} end
end
local touched = 0
if now - tonumber(t) >= tonumber(ARGV[1]) then
  local x, i, rest = string.match(v, '^s2,%d+,%d+,(%d+),(%d+),(.*)$')
  local ne = math.min(now + tonumber(i), tonumber(x))
  if ne > e then
    ${LUA_FIT.replace(/\n/g, '\n    ').trimEnd()}
    v = string.format('s2,%.0f,%.0f,%s,%s,', now, ne, x, i) .. rest
    redis.call('SET', KEYS[1], v, 'PXAT', ne)
    local index = KEYS[2] .. string.match(rest, '^%d+,([^,]*),')
    redis.call('ZADD', index, ne, ARGV[2])
    fitIndex(index)
    touched = 1
  end
end
return string.format('%.0f,%d,', now, touched) .. v`;

/** The get script; see the Lua above and {@link encodeGetArgs}. */
export const GET: Script<GetReply> = defineScript({
  name: NAME,
  keys: 2,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [record, indexes] = keys as [string, string];
    let v = loadRecord(ctx, record);
    if (v === null) return false;
    const now = nowOf(ctx);
    const head = recordHead(v);
    const e = Number(head.e);
    if (e <= now) {
      ctx.call('DEL', record);
      ctx.call('ZREM', indexes + head.h, args[1] as string);
      return false;
    }
    if (args[3] !== '' && args[3] !== `=${head.rest.slice(1, head.rest.indexOf('\0', 1))}`)
      return [now, 0, 'workspace'];
    if (args[2] !== '' && head.f !== '' && head.f !== args[2]) return [now, 0, 'fingerprint'];
    if (now - Number(head.t) >= Number(args[0])) {
      const ne = Math.min(now + Number(head.i), Number(head.x));
      if (ne > e) {
        v = `s2,${now},${ne},${head.x},${head.i},${head.c},${head.h},${head.f}${head.rest}`;
        ctx.call('SET', record, v, 'PXAT', ne);
        const index = indexes + head.h;
        ctx.call('ZADD', index, ne, args[1] as string);
        fitIndex(ctx, index);
        return `${now},1,${v}`;
      }
    }
    return `${now},0,${v}`;
  },
  parse: parseGetReply,
});

/** ARGV of {@link GET}. */
export function encodeGetArgs(
  touchAfterMs: number,
  id: string,
  fingerprint: string,
  rejectMismatch: boolean,
  workspaceId: string | undefined,
): string[] {
  return [
    String(touchAfterMs),
    id,
    rejectMismatch ? fingerprint : '',
    workspaceId === undefined ? '' : `=${workspaceId}`,
  ];
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
