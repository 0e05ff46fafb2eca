import { defineScript, type Script } from '@raptorflow/core';
import { PAUSED_MEMBER } from './lua.js';
import { replyArray, replyInteger } from './reply.js';

/** What {@link COUNTS} returns. */
export interface CountsReply {
  readonly waiting: number;
  readonly delayed: number;
  readonly active: number;
  readonly dead: number;
  readonly completed: number;
  readonly paused: boolean;
  /** Completions and other calls refused for a stale lease token, since the queue began. */
  readonly stale: number;
}

/** Jobs per state, read at one instant. Reply: `{waiting, delayed, active, dead, completed, paused, stale}`. */
export const COUNTS: Script<CountsReply> = defineScript({
  name: 'queue-counts',
  keys: 12,
  readonly: true,
  lua: `local paused = 0
if redis.call('ZSCORE', KEYS[2], '${PAUSED_MEMBER}') then paused = 1 end
return {redis.call('ZCARD', KEYS[2]) - paused, redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[4]),
  redis.call('ZCARD', KEYS[6]), redis.call('ZCARD', KEYS[9]), paused,
  tonumber(redis.call('HGET', KEYS[12], 'stale') or '0')}`,
  twin: (ctx, keys) => {
    const paused = ctx.call('ZSCORE', keys[1] as string, PAUSED_MEMBER) === null ? 0 : 1;
    return [
      (ctx.call('ZCARD', keys[1] as string) as number) - paused,
      ctx.call('ZCARD', keys[2] as string) as number,
      ctx.call('ZCARD', keys[3] as string) as number,
      ctx.call('ZCARD', keys[5] as string) as number,
      ctx.call('ZCARD', keys[8] as string) as number,
      paused,
      Number((ctx.call('HGET', keys[11] as string, 'stale') as string | null) ?? '0'),
    ];
  },
  parse: (reply) => {
    const [waiting, delayed, active, dead, completed, paused, stale] = replyArray('queue-counts', reply).map(
      (r) => replyInteger('queue-counts', r),
    ) as number[];
    return {
      waiting: waiting as number,
      delayed: delayed as number,
      active: active as number,
      dead: dead as number,
      completed: completed as number,
      paused: paused === 1,
      stale: stale as number,
    };
  },
});
