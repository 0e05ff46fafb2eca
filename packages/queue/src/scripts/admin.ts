/**
 * The queue's administrative scripts: pause / resume, counts, peek, dead-letter inspection,
 * retry and purge, and clear. None is on a job's hot path.
 */
import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { bodyFields, joinBody, LUA_PRELUDE, PAUSED_MEMBER, twinScore } from './lua.js';
import { replyArray, replyInteger, replyStrings } from './reply.js';

/**
 * Pause (ARGV[1] = `1`) or resume (`0`) a queue: a member that sorts before every job in the
 * ready set, so a claim pays nothing for the check while the queue runs. Reply: 1 when the state
 * changed.
 */
export const PAUSE: Script<boolean> = defineScript({
  name: 'queue-pause',
  keys: 12,
  lua: `if ARGV[1] == '1' then return redis.call('ZADD', KEYS[2], -1, '${PAUSED_MEMBER}') end
return redis.call('ZREM', KEYS[2], '${PAUSED_MEMBER}')`,
  twin: (ctx, keys, args) =>
    args[0] === '1'
      ? (ctx.call('ZADD', keys[1] as string, -1, PAUSED_MEMBER) as number)
      : (ctx.call('ZREM', keys[1] as string, PAUSED_MEMBER) as number),
  parse: (reply) => replyInteger('queue-pause', reply) === 1,
});

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

/**
 * Delete the waiting and delayed jobs (and their dedup keys); active jobs finish or expire as
 * usual, dead letters and kept completions stay. Reply: how many jobs were deleted.
 */
export const CLEAR: Script<number> = defineScript({
  name: 'queue-clear',
  keys: 12,
  lua: `local paused = redis.call('ZSCORE', KEYS[2], '${PAUSED_MEMBER}')
local n = redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3])
if paused then n = n - 1 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[8])
if paused then redis.call('ZADD', KEYS[2], -1, '${PAUSED_MEMBER}') end
return n`,
  twin: (ctx, keys) => {
    const paused = ctx.call('ZSCORE', keys[1] as string, PAUSED_MEMBER);
    let n =
      (ctx.call('ZCARD', keys[1] as string) as number) + (ctx.call('ZCARD', keys[2] as string) as number);
    if (paused !== null) n -= 1;
    ctx.call('DEL', keys[1] as string, keys[2] as string, keys[7] as string);
    if (paused !== null) ctx.call('ZADD', keys[1] as string, -1, PAUSED_MEMBER);
    return n;
  },
  parse: (reply: Reply) => replyInteger('queue-clear', reply),
});
