import { defineScript, type Reply, type Script, scriptSha } from '@raptorflow/core';
import { runScriptDifferential } from '@raptorflow/core/testing';
import type {} from '@raptorflow/testkit';
import { describe, expect, inject, it } from 'vitest';
import {
  CLAIM,
  CLEAR,
  type ClaimInput,
  COMPLETE,
  COUNTS,
  DEAD_LIST,
  DEAD_PURGE,
  DEAD_RETRY,
  ENQUEUE,
  type EnqueueInput,
  EXTEND,
  encodeClaimArgs,
  encodeCompleteArgs,
  encodeEnqueueArgs,
  encodeExtendArgs,
  encodeFailArgs,
  FAIL,
  KEY_NAMES,
  PAUSE,
  PEEK,
  PROGRESS,
  QUEUE_SCRIPTS,
} from '../src/scripts/index.js';

const redis = inject('raptorflow').redis;
let run = 0;
const keysOf = () => {
  run += 1;
  const tag = `qdiff:${process.pid}:${Date.now().toString(36)}:${run}`;
  return KEY_NAMES.map((k) => `{${tag}}:${k}`);
};
const job = (over: Partial<EnqueueInput> = {}): EnqueueInput => ({
  priority: 0,
  delayMs: 0,
  ttlMs: 0,
  attempts: 3,
  backoffKind: 0,
  backoffMs: 0,
  dedup: '',
  payload: '{"n":1}',
  ...over,
});
const claim = (over: Partial<ClaimInput> = {}): string[] =>
  encodeClaimArgs({
    count: 2,
    leaseMs: 60_000,
    token: 'tok1',
    maxDeliveries: 2,
    checkTimers: false,
    timerBatch: 100,
    willWait: true,
    deadKeep: 3,
    deadAgeMs: 0,
    ...over,
  });

describe('scripts', () => {
  it('each declares its twelve keys, has a package-scoped name and the SHA of its Lua', () => {
    for (const script of QUEUE_SCRIPTS) {
      expect(script.name).toMatch(/^queue-[a-z-]+$/);
      expect(script.keys).toBe(12);
      expect(script.sha).toBe(scriptSha(script.lua));
    }
    expect(new Set(QUEUE_SCRIPTS.map((s) => s.name)).size).toBe(QUEUE_SCRIPTS.length);
  });
});

/*
 * Each script on redis-server (its Lua) and on memory (its twin) with the same inputs: every
 * reply and every key after every step must be identical. One sequence mixes the scripts (a
 * claim acts on what enqueues planted), so the steps run through a test-only dispatcher script
 * whose ARGV[1] names the queue script to run. The dispatcher reads TIME once and hands it to
 * the script as its clock (the one textual change to each Lua body: its nowMs()), because the
 * twin's clock is frozen for a call too; the reply is `{now, reply}`.
 */
const NOW_FN = `local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end`;
const BY_NAME = new Map(QUEUE_SCRIPTS.map((s) => [s.name, s]));
const DISPATCH: Script<Reply[]> = defineScript({
  name: 'test:queue-dispatch',
  lua: `local t = redis.call('TIME')
local NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ops = {}
${QUEUE_SCRIPTS.map((s) => `ops['${s.name}'] = function(ARGV)\n${s.lua.replace(NOW_FN, 'local function nowMs() return NOW end')}\nend`).join('\n')}
local args = {}
for i = 2, #ARGV do args[#args + 1] = ARGV[i] end
return {NOW, ops[ARGV[1]](args)}`,
  twin: (ctx, keys, args) => {
    const t = ctx.call('TIME') as string[];
    const now = Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
    const script = BY_NAME.get(args[0] as string) as Script<unknown>;
    return [now, script.twin(ctx, keys, args.slice(1))];
  },
  parse: (reply) => reply as Reply[],
});

const step = (script: Script<unknown>, args: readonly string[], pauseMs = 0) => ({
  args: [script.name, ...args],
  pauseMs,
});

async function differential(steps: ReturnType<typeof step>[]) {
  const { redis: onRedis } = await runScriptDifferential({
    redis,
    script: DISPATCH,
    keys: keysOf(),
    clockOf: (r) => Number(r[0]),
    steps,
  });
  return onRedis.map((r) => ('error' in r.reply ? r.reply : (r.reply as Reply[])[1]));
}

function fail(member: string, mode: 'retry' | 'dead' | 'release', delayMs: number) {
  return {
    member,
    mode,
    delayMs,
    reason: 'failed',
    message: 'boom%7C1',
    hasProgress: false,
    deadKeep: 2,
    deadAgeMs: 0,
  };
}

describe('differential: Lua against twin on redis-server', () => {
  it('the dispatcher runs every queue script and nothing else', () => {
    expect(DISPATCH.lua.split('local function nowMs() return NOW end').length - 1).toBe(
      QUEUE_SCRIPTS.filter((s) => s.lua.includes(NOW_FN)).length,
    );
  });

  it('ENQUEUE: priorities, delay, TTL, dedup returns the existing id, the idle flag wakes once', async () => {
    const replies = await differential([
      step(ENQUEUE, encodeEnqueueArgs([job(), job({ priority: 5 }), job({ payload: 'a|b|c' })])),
      step(ENQUEUE, encodeEnqueueArgs([job({ delayMs: 5_000 }), job({ ttlMs: 1_000, dedup: 'k%7C1' })])),
      step(ENQUEUE, encodeEnqueueArgs([job({ dedup: 'k%7C1' }), job({ dedup: 'other' })])),
      step(CLAIM, claim({ count: 10 })),
      step(CLAIM, claim({ count: 1 })),
      step(ENQUEUE, encodeEnqueueArgs([job()])),
      step(ENQUEUE, encodeEnqueueArgs([job()])),
      // A dedup key twice in one call, and more jobs than one ZADD takes (500 each).
      step(
        ENQUEUE,
        encodeEnqueueArgs([
          job({ dedup: 'same' }),
          job({ dedup: 'same', priority: 3 }),
          job({ delayMs: 5, dedup: 'late' }),
          ...Array.from({ length: 600 }, (_, i) => job({ priority: i % 3, payload: `{"i":${i}}` })),
        ]),
      ),
      step(PEEK, ['1000']),
    ]);
    expect(replies[0]).toEqual([0, '1', 0, '2', 0, '3', 0]);
    expect(replies[2]).toEqual([0, '5', 1, '6', 0]);
    expect(replies[5]).toEqual([1, '7', 0]);
    expect(replies[6]).toEqual([0, '8', 0]);
    const big = replies[7] as Array<string | number>;
    expect(big.slice(0, 7)).toEqual([0, '9', 0, '9', 1, '10', 0]);
    expect(big).toHaveLength(1 + 2 * 603);
    expect(big.at(-2)).toBe('610');
  });

  it('CLAIM: best first, leases, expired TTL to dead letters, pause, promotion, reclaim, max deliveries', async () => {
    await differential([
      step(
        ENQUEUE,
        encodeEnqueueArgs([
          job({ priority: 1 }),
          job({ priority: 9, payload: 'p|9' }),
          job({ ttlMs: 1, dedup: 'gone' }),
          job({ delayMs: 30 }),
          job(),
        ]),
      ),
      step(CLAIM, claim({ count: 1, leaseMs: 40 })),
      step(CLAIM, claim({ count: 2, leaseMs: 40, token: 't2' }), 5),
      step(PAUSE, ['1']),
      step(CLAIM, claim({ count: 3, token: 'tp' })),
      step(PAUSE, ['0']),
      step(CLAIM, claim({ count: 5, leaseMs: 40, token: 't3', checkTimers: true }), 60),
      step(CLAIM, claim({ count: 5, leaseMs: 40, token: 't4', checkTimers: true }), 60),
      step(CLAIM, claim({ count: 5, leaseMs: 40, token: 't5' }), 60),
      step(CLAIM, claim({ count: 0 })),
    ]);
  });

  it('COMPLETE: token-checked, kept with result and trimmed, stale counted, claims the next', async () => {
    const complete = (member: string, dedup: string, keep: number, ageMs: number, next: string[]) =>
      encodeCompleteArgs({ member, dedup, hasProgress: true, keep, ageMs, result: `r${member}` }, next);
    const replies = await differential([
      step(ENQUEUE, encodeEnqueueArgs([job({ dedup: 'd1' }), job(), job(), job(), job()])),
      step(CLAIM, claim({ count: 2 })),
      step(PROGRESS, ['1:tok1', '50%']),
      step(COMPLETE, complete('1:tok1', 'd1', 2, 0, claim({ count: 1, token: 'tok2' }))),
      step(COMPLETE, complete('1:tok1', '', 2, 0, claim({ count: 0 }))),
      step(COMPLETE, complete('2:tok1', '', 2, 0, claim({ count: 1, token: 'tok3' }))),
      step(COMPLETE, complete('3:tok2', '', 2, 1, claim({ count: 1, token: 'tok4' })), 5),
      step(COUNTS, []),
    ]);
    expect((replies[3] as Reply[])[0]).toBe(1);
    expect((replies[4] as Reply[])[0]).toBe(0);
    // waiting 0, delayed 0, active 2 (jobs 4 and 5), dead 0, completed 1 (3 kept, trimmed to 2,
    // then by age to the newest), not paused, 1 stale completion.
    expect(replies[7]).toEqual([0, 0, 2, 0, 1, 0, 1]);
  });

  it('FAIL: retry, delayed retry, dead letter after attempts, release, stale; EXTEND; PROGRESS', async () => {
    const replies = await differential([
      step(
        ENQUEUE,
        encodeEnqueueArgs([job({ attempts: 2, dedup: 'x' }), job({ attempts: 1 }), job(), job()]),
      ),
      step(CLAIM, claim({ count: 4, maxDeliveries: 5 })),
      step(EXTEND, encodeExtendArgs(90_000, ['1:tok1', '2:nope', '4:tok1'])),
      step(PROGRESS, ['4:tok1', '50%']),
      step(PROGRESS, ['4:wrong', 'x']),
      step(FAIL, encodeFailArgs(fail('1:tok1', 'retry', 1_000))),
      step(FAIL, encodeFailArgs(fail('2:tok1', 'retry', 0))),
      step(FAIL, encodeFailArgs(fail('3:tok1', 'release', 0))),
      step(FAIL, encodeFailArgs(fail('3:tok1', 'retry', 0))),
      step(FAIL, encodeFailArgs({ ...fail('4:tok1', 'retry', 0), hasProgress: true })),
      step(CLAIM, claim({ count: 4, token: 'again' })),
      step(FAIL, encodeFailArgs(fail('4:again', 'dead', 0))),
      step(FAIL, encodeFailArgs(fail('3:again', 'retry', 0))),
    ]);
    expect(replies.slice(5, 10).map((r) => (r as Reply[])[0])).toEqual([
      'delayed',
      'dead',
      'released',
      'stale',
      'retried',
    ]);
  });

  it('admin: counts, peek, dead letters list / retry / purge, retention by count, clear', async () => {
    await differential([
      step(
        ENQUEUE,
        encodeEnqueueArgs([
          job({ attempts: 1 }),
          job({ attempts: 1 }),
          job({ attempts: 1 }),
          job(),
          job({ delayMs: 60_000 }),
        ]),
      ),
      step(CLAIM, claim({ count: 3 })),
      step(FAIL, encodeFailArgs(fail('1:tok1', 'retry', 0))),
      step(FAIL, encodeFailArgs(fail('2:tok1', 'dead', 0))),
      step(FAIL, encodeFailArgs(fail('3:tok1', 'dead', 0))),
      step(COUNTS, []),
      step(PEEK, ['5']),
      step(DEAD_LIST, ['0', '10']),
      step(DEAD_LIST, ['1', '1']),
      step(DEAD_RETRY, ['ids', '2', '9']),
      step(DEAD_RETRY, ['all', '10']),
      step(CLAIM, claim({ count: 5, token: 'b' })),
      step(FAIL, encodeFailArgs(fail('2:b', 'dead', 0))),
      step(FAIL, encodeFailArgs(fail('3:b', 'dead', 0))),
      step(DEAD_PURGE, ['ids', '2']),
      step(DEAD_PURGE, ['all', '-1']),
      step(PAUSE, ['1']),
      step(ENQUEUE, encodeEnqueueArgs([job(), job({ delayMs: 10 })])),
      step(CLEAR, []),
      step(COUNTS, []),
    ]);
  });
});
