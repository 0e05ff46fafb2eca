import { defineScript, type Script } from '@raptorflow/core';

/**
 * Delete a key only while it has no TTL: `cleanup` read it as a leftover lock or session a batch
 * ago, and must not delete one that was released and taken again (with a TTL) since.
 * KEYS[1]: the key. Replies 1 when deleted.
 */
export const DEL_IF_NO_TTL: Script<number> = defineScript<number>({
  name: 'cli.delIfNoTtl',
  keys: 1,
  lua: `if redis.call('PTTL', KEYS[1]) == -1 then return redis.call('DEL', KEYS[1]) end
return 0`,
  twin: (ctx, keys) => {
    const key = keys[0] as string;
    return ctx.call('PTTL', key) === -1 ? (ctx.call('DEL', key) as number) : 0;
  },
  parse: (reply) => Number(reply),
});

/**
 * Replace a string value only if it is still the one read, keeping its TTL: `reencrypt` never
 * overwrites a value the app wrote meanwhile. KEYS[1]: the key; ARGV: the value read, the new
 * value. Replies 1 when replaced.
 */
export const SWAP_IF_EQUAL: Script<number> = defineScript<number>({
  name: 'cli.swapIfEqual',
  keys: 1,
  lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  return 1
end
return 0`,
  twin: (ctx, keys, args) => {
    const key = keys[0] as string;
    if (ctx.call('GET', key) !== args[0]) return 0;
    ctx.call('SET', key, args[1] as string, 'KEEPTTL');
    return 1;
  },
  parse: (reply) => Number(reply),
});
