import { defineScript, type Script } from '@raptorflow/core';
import { bodyFields, joinBody, LUA_PRELUDE, twinScore } from './lua.js';
import { replyStrings } from './reply.js';

/**
 * Move dead letters back to ready with their deliveries reset: ARGV[1] = `ids` then the ids, or
 * `all` then a limit (oldest first). Reply: the ids moved.
 */
export const DEAD_RETRY: Script<string[]> = defineScript({
  name: 'queue-dead-retry',
  keys: 12,
  lua: `${LUA_PRELUDE}
local ids = {}
if ARGV[1] == 'all' then ids = redis.call('ZRANGE', KEYS[6], 0, tonumber(ARGV[2]) - 1)
else for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end end
local out = {}
for _, id in ipairs(ids) do
  local data = redis.call('HGET', KEYS[7], id)
  if data then
    local body = string.match(data, '^[^|]*|[^|]*|(.*)$')
    local bid, p, e, a, d, rest = string.match(body or '', BODY)
    if bid then
      redis.call('ZADD', KEYS[2], score(p, bid), bid .. '|' .. p .. '|0|' .. a .. '|0|' .. rest)
      redis.call('ZREM', KEYS[6], id)
      redis.call('HDEL', KEYS[7], id)
      out[#out + 1] = id
    end
  end
end
return out`,
  twin: (ctx, keys, args) => {
    const ids: string[] =
      args[0] === 'all'
        ? (ctx.call('ZRANGE', keys[5] as string, 0, Number(args[1]) - 1) as string[])
        : args.slice(1);
    const out: string[] = [];
    for (const id of ids) {
      const data = ctx.call('HGET', keys[6] as string, id) as string | null;
      if (data === null) continue;
      const body = /^[^|]*\|[^|]*\|([\s\S]*)$/.exec(data)?.[1] ?? '';
      const f = bodyFields(body);
      if (!f) continue;
      ctx.call('ZADD', keys[1] as string, twinScore(f.priority, f.id), joinBody({ ...f, expireAt: '0' }, 0));
      ctx.call('ZREM', keys[5] as string, id);
      ctx.call('HDEL', keys[6] as string, id);
      out.push(id);
    }
    return out;
  },
  parse: (reply) => replyStrings('queue-dead-retry', reply),
});
