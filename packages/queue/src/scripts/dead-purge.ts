import { defineScript, type Script } from '@raptorflow/core';
import { replyInteger } from './reply.js';

/** Delete dead letters: ARGV like {@link DEAD_RETRY}. Reply: how many were deleted. */
export const DEAD_PURGE: Script<number> = defineScript({
  name: 'queue-dead-purge',
  keys: 12,
  lua: `if ARGV[1] == 'all' and tonumber(ARGV[2]) < 0 then
  local n = redis.call('ZCARD', KEYS[6])
  redis.call('DEL', KEYS[6], KEYS[7])
  return n
end
local ids = {}
if ARGV[1] == 'all' then ids = redis.call('ZRANGE', KEYS[6], 0, tonumber(ARGV[2]) - 1)
else for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end end
local n = 0
for _, id in ipairs(ids) do
  n = n + redis.call('ZREM', KEYS[6], id)
  redis.call('HDEL', KEYS[7], id)
end
return n`,
  twin: (ctx, keys, args) => {
    if (args[0] === 'all' && Number(args[1]) < 0) {
      const n = ctx.call('ZCARD', keys[5] as string) as number;
      ctx.call('DEL', keys[5] as string, keys[6] as string);
      return n;
    }
    const ids: string[] =
      args[0] === 'all'
        ? (ctx.call('ZRANGE', keys[5] as string, 0, Number(args[1]) - 1) as string[])
        : args.slice(1);
    let n = 0;
    for (const id of ids) {
      n += ctx.call('ZREM', keys[5] as string, id) as number;
      ctx.call('HDEL', keys[6] as string, id);
    }
    return n;
  },
  parse: (reply) => replyInteger('queue-dead-purge', reply),
});
