import { defineScript, type Script } from '@raptorflow/core';
import { replyStrings } from './reply.js';

/**
 * Dead letters, oldest first: ARGV offset, limit. Reply: `{id, diedAt, data, ...}` where data is
 * `<reason>|<message>|<body>`.
 */
export const DEAD_LIST: Script<Array<{ id: string; diedAt: number; data: string }>> = defineScript({
  name: 'queue-dead-list',
  keys: 12,
  readonly: true,
  lua: `local out = {}
local ids = redis.call('ZRANGE', KEYS[6], ARGV[1], tonumber(ARGV[1]) + tonumber(ARGV[2]) - 1, 'WITHSCORES')
for i = 1, #ids, 2 do
  out[#out + 1] = ids[i]
  out[#out + 1] = ids[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[7], ids[i]) or ''
end
return out`,
  twin: (ctx, keys, args) => {
    const out: string[] = [];
    const ids = ctx.call(
      'ZRANGE',
      keys[5] as string,
      args[0] as string,
      Number(args[0]) + Number(args[1]) - 1,
      'WITHSCORES',
    ) as string[];
    for (let i = 0; i < ids.length; i += 2) {
      out.push(
        ids[i] as string,
        ids[i + 1] as string,
        (ctx.call('HGET', keys[6] as string, ids[i] as string) as string | null) ?? '',
      );
    }
    return out;
  },
  parse: (reply) => {
    const flat = replyStrings('queue-dead-list', reply);
    const out: Array<{ id: string; diedAt: number; data: string }> = [];
    for (let i = 0; i < flat.length; i += 3) {
      out.push({ id: flat[i] as string, diedAt: Number(flat[i + 1]), data: flat[i + 2] as string });
    }
    return out;
  },
});
