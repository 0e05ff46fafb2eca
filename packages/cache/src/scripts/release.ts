import { defineScript, type Script, type ScriptArg } from '@raptorflow/core';

/**
 * Release a lease only when it still holds the caller's token (compare-and-delete).
 * KEYS: the lease. ARGV: the token. Reply: true when it was deleted.
 */
export const RELEASE_SCRIPT: Script<boolean> = defineScript({
  name: 'cache.release',
  keys: 1,
  lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
  twin: (ctx, keys, args) => {
    if (ctx.call('GET', keys[0] as string) === args[0]) return ctx.call('DEL', keys[0] as string);
    return 0;
  },
  parse: (reply) => reply === 1,
});

/** ARGV of {@link RELEASE_SCRIPT}. */
export function encodeReleaseArgs(token: string): ScriptArg[] {
  return [token];
}
