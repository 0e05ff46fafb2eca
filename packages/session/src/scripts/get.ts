import { defineScript, KvError, type Reply, type Script } from '@raptorflow/core';
import { fitIndex, LUA_FIT, LUA_NOW, nowOf, parseRecord, replyArray, type SessionRecord } from './shared.js';

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
 * - KEYS[1]: the record, KEYS[2]: the prefix of the tag's user indexes (the user's index is it
 *   plus the user hash the record holds: `get(token)` cannot know the user before reading).
 * - ARGV: touchAfter ms, the session id, the presented fingerprint (`''`: none), `1` to refuse
 *   a fingerprint mismatch, the required workspace as `=<id>` (`''`: any).
 * - Reply: nil; `{now, 0, 'workspace' | 'fingerprint'}` (refused, nothing written); or one
 *   string `now,touched,expiresAt,touchedAt\n` + the record's fields and values as read, joined
 *   by NUL: a single bulk reply costs Redis and the client far less than an array of fields.
 */
const LUA = `local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return false end
${LUA_NOW}local e, touchedAt, w, f, idle, cap, user
-- One pass over the fields into locals: cheaper in Redis than building a table of them.
for i = 1, #h, 2 do
  local k = h[i]
  if k == 'e' then e = tonumber(h[i + 1])
  elseif k == 't' then touchedAt = h[i + 1]
  elseif k == 'w' then w = h[i + 1]
  elseif k == 'f' then f = h[i + 1]
  elseif k == 'i' then idle = h[i + 1]
  elseif k == 'x' then cap = h[i + 1]
  elseif k == 'h' then user = h[i + 1] end
end
if e <= now then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2] .. user, ARGV[2])
  return false
end
if ARGV[5] ~= '' and ARGV[5] ~= '=' .. w then return {now, 0, 'workspace'} end
if ARGV[4] == '1' and f ~= '' and ARGV[3] ~= '' and f ~= ARGV[3] then return {now, 0, 'fingerprint'} end
local touched = 0
if now - tonumber(touchedAt) >= tonumber(ARGV[1]) then
  local ne = math.min(now + tonumber(idle), tonumber(cap))
  if ne > e then
    ${LUA_FIT}redis.call('HSET', KEYS[1], 't', now, 'e', ne)
    redis.call('PEXPIREAT', KEYS[1], ne)
    redis.call('ZADD', KEYS[2] .. user, ne, ARGV[2])
    fitIndex(KEYS[2] .. user)
    touched = 1
    e = ne
    touchedAt = string.format('%.0f', now)
  end
end
local head = string.format('%.0f,%d,%.0f,%s\\n', now, touched, e, touchedAt)
return head .. table.concat(h, '\\0')`;

/** The get script; see the Lua above and {@link encodeGetArgs}. */
export const GET: Script<GetReply> = defineScript({
  name: NAME,
  keys: 2,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const [record, indexes] = keys as [string, string];
    const h = ctx.call('HGETALL', record) as string[];
    if (h.length === 0) return false;
    const now = nowOf(ctx);
    const r = new Map<string, string>();
    for (let i = 0; i + 1 < h.length; i += 2) r.set(h[i] as string, h[i + 1] as string);
    const index = indexes + (r.get('h') ?? '');
    const e = Number(r.get('e'));
    if (e <= now) {
      ctx.call('DEL', record);
      ctx.call('ZREM', index, args[1] as string);
      return false;
    }
    if (args[4] !== '' && args[4] !== `=${r.get('w') ?? ''}`) return [now, 0, 'workspace'];
    const f = r.get('f') ?? '';
    if (args[3] === '1' && f !== '' && args[2] !== '' && f !== args[2]) return [now, 0, 'fingerprint'];
    if (now - Number(r.get('t')) >= Number(args[0])) {
      const ne = Math.min(now + Number(r.get('i')), Number(r.get('x')));
      if (ne > e) {
        ctx.call('HSET', record, 't', now, 'e', ne);
        ctx.call('PEXPIREAT', record, ne);
        ctx.call('ZADD', index, ne, args[1] as string);
        fitIndex(ctx, index);
        return `${now},1,${ne},${now}\n${h.join('\0')}`;
      }
    }
    return `${now},0,${e},${r.get('t') as string}\n${h.join('\0')}`;
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
    fingerprint,
    rejectMismatch ? '1' : '0',
    workspaceId === undefined ? '' : `=${workspaceId}`,
  ];
}

/** The reply of {@link GET}. */
export function parseGetReply(reply: Reply): GetReply {
  if (reply === null) return null;
  if (typeof reply === 'string') {
    // One bulk string (cheaper to send and to parse than an array): a head line, then the
    // record's fields and values as read, separated by NUL (no stored field or value holds one).
    const nl = reply.indexOf('\n');
    const [now = '', touched = '', expiresAt = '', touchedAt = ''] = reply.slice(0, nl).split(',');
    const record = parseRecord(NAME, reply.slice(nl + 1).split('\0'));
    return {
      status: 'ok',
      now: Number(now),
      touched: touched === '1',
      record: { ...record, expiresAt: Number(expiresAt), touchedAt: Number(touchedAt) },
    };
  }
  const a = replyArray(NAME, reply);
  const status = String(a[2]);
  if (status !== 'workspace' && status !== 'fingerprint') {
    throw new KvError('E_SCRIPT', `script ${NAME}: unexpected reply ${status}`);
  }
  return { status, now: Number(a[0]) };
}
