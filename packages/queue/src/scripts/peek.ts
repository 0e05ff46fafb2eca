import { defineScript, type Script } from '@raptorflow/core';
import { PAUSED_MEMBER } from './lua.js';
import { replyStrings } from './reply.js';

/** The first ARGV[1] waiting jobs' bodies, best first (the pause marker left out). */
export const PEEK: Script<string[]> = defineScript({
  name: 'queue-peek',
  keys: 12,
  readonly: true,
  lua: `local out = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[1]))) do
  if m ~= '${PAUSED_MEMBER}' and #out < tonumber(ARGV[1]) then out[#out + 1] = m end
end
return out`,
  twin: (ctx, keys, args) => {
    const out: string[] = [];
    for (const m of ctx.call('ZRANGE', keys[1] as string, 0, Number(args[0])) as string[]) {
      if (m !== PAUSED_MEMBER && out.length < Number(args[0])) out.push(m);
    }
    return out;
  },
  parse: (reply) => replyStrings('queue-peek', reply),
});
