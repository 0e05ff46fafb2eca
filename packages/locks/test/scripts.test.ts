import { defineScript, scriptSha } from '@raptorflow/core';
import { runScriptDifferential } from '@raptorflow/core/testing';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import {
  ACQUIRE,
  EXTEND,
  encodeAcquireArgs,
  encodeExtendArgs,
  encodeFencedWriteArgs,
  encodeReleaseArgs,
  encodeSemaphoreAcquireArgs,
  encodeSemaphoreExtendArgs,
  encodeSemaphoreReleaseArgs,
  FENCED_WRITE,
  LOCKS_SCRIPTS,
  RELEASE,
  SEMAPHORE_ACQUIRE,
  SEMAPHORE_EXTEND,
  SEMAPHORE_RELEASE,
} from '../src/index.js';

/*
 * The twins are trusted only because this test exists: core's `runScriptDifferential` runs each
 * sequence on redis-server, then replays it on memory with the clock pinned to Redis's instants,
 * and asserts identical replies, errors and keys step by step. TTLs are either long (60 s) or
 * 1 ms followed by a 15 ms pause, so no call lands near an expiry instant, where Redis (which
 * keeps a key through its expiry millisecond) and the replay could differ. Expiry instants are
 * not compared: PX counts from Redis's own clock, a moment after the harness's TIME read.
 */

const servers = inject('raptorflow');
let run = 0;
const prefix = () => {
  run += 1;
  return `locksdiff:{${process.pid}-${run}}:`;
};

describe('scripts', () => {
  it('each has a package-scoped name and the SHA Redis computes', async () => {
    expect(LOCKS_SCRIPTS.length).toBe(7);
    const redis = new Redis({ host: servers.redis.host, port: servers.redis.port });
    try {
      for (const script of LOCKS_SCRIPTS) {
        expect(script.name).toMatch(/^locks-[a-z-]+$/);
        expect(script.sha).toBe(scriptSha(script.lua));
        expect(await redis.script('LOAD', script.lua)).toBe(script.sha);
      }
    } finally {
      await redis.quit();
    }
  });
});

/*
 * A sequence mixes acquire, release and extend on one group of two resources, so the state one
 * script leaves is what the next one reads. The harness runs one script per sequence: this
 * test-only script dispatches to the real Lua bodies (pasted unchanged into functions) and to
 * the real twins, after narrowing KEYS and ARGV to what each expects.
 */
const KINDS = { acquire: ACQUIRE, release: RELEASE, extend: EXTEND } as const;
type Kind = keyof typeof KINDS;
const pick = (which: string, all: readonly string[], kind: Kind): string[] => {
  const idx = which === 'ab' ? [0, 1] : which === 'a' ? [0] : [1];
  const [waiters, la, fa, lb, fb] = all as [string, string, string, string, string];
  const lf = [
    [la, fa],
    [lb, fb],
  ] as const;
  if (kind === 'acquire') return [waiters, ...idx.flatMap((i) => [...(lf[i] as readonly string[])])];
  if (kind === 'release') return [waiters, ...idx.map((i) => (lf[i] as readonly string[])[0] as string)];
  return idx.map((i) => (lf[i] as readonly string[])[0] as string);
};
const argsOf = (kind: Kind, token: string, ttl: number, wait: boolean): readonly string[] =>
  kind === 'acquire'
    ? encodeAcquireArgs(token, ttl, wait)
    : kind === 'release'
      ? encodeReleaseArgs(token)
      : encodeExtendArgs(token, ttl);
const MIXED = defineScript<unknown>({
  name: 'locks-test-mixed',
  lua: `local all = {KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]}
local kind, which = ARGV[1], ARGV[2]
local rest = {}
for i = 3, #ARGV do rest[#rest + 1] = ARGV[i] end
local idx = which == 'ab' and {0, 1} or (which == 'a' and {0} or {1})
local ks = {}
if kind ~= 'extend' then ks[1] = all[1] end
for _, i in ipairs(idx) do
  ks[#ks + 1] = all[2 + 2 * i]
  if kind == 'acquire' then ks[#ks + 1] = all[3 + 2 * i] end
end
local function reset(t, list) for i = #t, 1, -1 do t[i] = nil end for i, v in ipairs(list) do t[i] = v end end
reset(KEYS, ks)
reset(ARGV, rest)
if kind == 'acquire' then return (function() ${ACQUIRE.lua} end)() end
if kind == 'release' then return (function() ${RELEASE.lua} end)() end
return (function() ${EXTEND.lua} end)()`,
  twin: (ctx, keys, args) => {
    const [kind, which, ...rest] = args as [Kind, string, ...string[]];
    return KINDS[kind].twin(ctx, pick(which, keys, kind), rest);
  },
  parse: (reply) => reply,
});

const op = fc.record({
  kind: fc.constantFrom<Kind>('acquire', 'release', 'extend'),
  which: fc.constantFrom('a', 'b', 'ab'),
  token: fc.constantFrom('t1', 't2', 't3'),
  wait: fc.boolean(),
});

describe('differential: memory twin vs Lua on redis-server', () => {
  it('acquire, release and extend mixed: identical replies and keys over random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
        const p = prefix();
        await runScriptDifferential({
          redis: servers.redis,
          script: MIXED,
          keys: [`${p}waiters`, `${p}a:lock`, `${p}a:fence`, `${p}b:lock`, `${p}b:fence`],
          // Long TTLs only: no key expires during a run, so no call sits on an expiry instant.
          steps: ops.map((o) => ({ args: [o.kind, o.which, ...argsOf(o.kind, o.token, 60_000, o.wait)] })),
          compareExpiry: false,
        });
      }),
      { numRuns: 25 },
    );
  });

  it('acquire, then contend with and without waiting: the documented replies', async () => {
    const p = prefix();
    const keys = [`${p}waiters`, `${p}a:lock`, `${p}a:fence`, `${p}b:lock`, `${p}b:fence`];
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: ACQUIRE,
      keys,
      steps: [
        { args: encodeAcquireArgs('t1', 60_000, false) },
        { args: encodeAcquireArgs('t2', 60_000, true) },
        { args: encodeAcquireArgs('t3', 1, false), pauseMs: 0 },
      ],
      compareExpiry: false,
    });
    expect(redis.map((r) => r.reply)).toEqual([
      { acquired: true, fences: [1, 1] },
      { acquired: false },
      { acquired: false },
    ]);
    // The refused caller that waits set the flag; the one that does not wait left it as it was.
    expect(redis[1]?.dump[`${p}waiters`]).toEqual(['string', ['1']]);
  });

  it('acquire undoes itself when a fencing counter was planted by another writer', async () => {
    for (const plant of ['string', 'hash'] as const) {
      const p = prefix();
      const keys = [`${p}waiters`, `${p}a:lock`, `${p}a:fence`, `${p}b:lock`, `${p}b:fence`];
      const { redis } = await runScriptDifferential({
        redis: servers.redis,
        script: ACQUIRE,
        keys,
        setup: async (store) => {
          await store.set(`${p}a:fence`, '4');
          if (plant === 'string') await store.set(`${p}b:fence`, 'x');
          else await store.hset(`${p}b:fence`, { f: 'v' });
        },
        // a's lock is set and its counter INCRed before b's INCR fails: both are undone.
        steps: [{ args: encodeAcquireArgs('t1', 60_000, false) }],
        compareExpiry: false,
      });
      expect(redis[0]?.reply).toEqual({ error: plant === 'string' ? 'E_NOT_A_NUMBER' : 'E_WRONG_TYPE' });
      expect(Object.keys(redis[0]?.dump ?? {}).sort()).toEqual([`${p}a:fence`, `${p}b:fence`]);
      expect(redis[0]?.dump[`${p}a:fence`]).toEqual(['string', ['4']]);
    }
  });

  it('release deletes its locks and the waiters flag in one DEL, and reports the flag', async () => {
    const p = prefix();
    const keys = [`${p}waiters`, `${p}a:lock`, `${p}a:fence`, `${p}b:lock`, `${p}b:fence`];
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: MIXED,
      keys,
      steps: [
        { args: ['acquire', 'ab', ...encodeAcquireArgs('t1', 60_000, false)] },
        { args: ['acquire', 'a', ...encodeAcquireArgs('t2', 60_000, true)] },
        { args: ['release', 'a', ...encodeReleaseArgs('t2')] },
        { args: ['release', 'ab', ...encodeReleaseArgs('t1')] },
        { args: ['acquire', 'b', ...encodeAcquireArgs('t2', 60_000, false)] },
        { args: ['release', 'b', ...encodeReleaseArgs('t2')] },
      ],
      compareExpiry: false,
    });
    expect(redis.map((r) => r.reply)).toEqual([[1, 1, 1], [0], [0, 0, 1], [2, 1, 0], [1, 2], [1, 0, 0]]);
    expect(Object.keys(redis[3]?.dump ?? {}).sort()).toEqual([`${p}a:fence`, `${p}b:fence`]);
  });

  it('fenced write: a token older than the newest is refused, an equal one accepted', async () => {
    const p = prefix();
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: FENCED_WRITE,
      keys: [`${p}data`],
      steps: [
        { args: encodeFencedWriteArgs(3, 'first') },
        { args: encodeFencedWriteArgs(3, 'again') },
        { args: encodeFencedWriteArgs(2, 'stale') },
        { args: encodeFencedWriteArgs(7, 'newer') },
        { args: encodeFencedWriteArgs(6, 'late') },
      ],
    });
    expect(redis.map((r) => r.reply)).toEqual([
      { written: true, fence: 3 },
      { written: true, fence: 3 },
      { written: false, fence: 3 },
      { written: true, fence: 7 },
      { written: false, fence: 7 },
    ]);
    expect(redis[4]?.dump[`${p}data`]?.[1]).toEqual(['fence\u00007', 'value\u0000newer']);
  });

  it('semaphore acquire, extend and release mixed: identical replies, keys and expiry instants', async () => {
    const SEM = {
      acquire: SEMAPHORE_ACQUIRE,
      extend: SEMAPHORE_EXTEND,
      release: SEMAPHORE_RELEASE,
    } as const;
    type SemKind = keyof typeof SEM;
    // The semaphore scripts read TIME and write expiries as instants (PEXPIREAT), so they are
    // replayed at Redis's own instants (clockOf) with expiries compared; short TTLs and pauses
    // let holders expire mid-sequence.
    const MIXED_SEM = defineScript<{ now: number }>({
      name: 'locks-test-mixed-semaphore',
      lua: `local kind = ARGV[1]
local rest = {}
for i = 2, #ARGV do rest[#rest + 1] = ARGV[i] end
local all = {KEYS[1], KEYS[2], KEYS[3], KEYS[4]}
local ks = kind == 'acquire' and all or (kind == 'release' and {all[1], all[2], all[4]} or {all[1], all[2]})
local function reset(t, list) for i = #t, 1, -1 do t[i] = nil end for i, v in ipairs(list) do t[i] = v end end
reset(KEYS, ks)
reset(ARGV, rest)
if kind == 'acquire' then return (function() ${SEMAPHORE_ACQUIRE.lua} end)() end
if kind == 'release' then return (function() ${SEMAPHORE_RELEASE.lua} end)() end
return (function() ${SEMAPHORE_EXTEND.lua} end)()`,
      twin: (ctx, keys, args) => {
        const [kind, ...rest] = args as [SemKind, ...string[]];
        const [h, p, f, w] = keys as [string, string, string, string];
        const ks = kind === 'acquire' ? [h, p, f, w] : kind === 'release' ? [h, p, w] : [h, p];
        return SEM[kind].twin(ctx, ks, rest);
      },
      // Every reply has the script's TIME second: [flag, now, ...].
      parse: (reply) => ({ now: Number((reply as unknown[])[1]), reply }) as { now: number },
    });
    const semOp = fc.record({
      kind: fc.constantFrom<SemKind>('acquire', 'acquire', 'extend', 'release'),
      token: fc.constantFrom('t1', 't2', 't3', 't4'),
      ttl: fc.constantFrom(5, 40, 60_000),
      permits: fc.integer({ min: 1, max: 3 }),
      wait: fc.boolean(),
      pause: fc.constantFrom(0, 0, 10, 30),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(semOp, { minLength: 1, maxLength: 12 }), async (ops) => {
        const p = prefix();
        await runScriptDifferential({
          redis: servers.redis,
          script: MIXED_SEM,
          keys: [`${p}holders`, `${p}permits`, `${p}fence`, `${p}waiters`],
          steps: ops.map((o) => ({
            pauseMs: o.pause,
            args:
              o.kind === 'acquire'
                ? ['acquire', ...encodeSemaphoreAcquireArgs(o.token, o.ttl, 3, o.permits, o.wait)]
                : o.kind === 'extend'
                  ? ['extend', ...encodeSemaphoreExtendArgs(o.token, o.ttl)]
                  : ['release', ...encodeSemaphoreReleaseArgs(o.token)],
          })),
          // Every expiry is an instant on the script's clock (the waiters flag too), so all compare.
          clockOf: (r) => r.now,
        });
      }),
      { numRuns: 15 },
    );

    /*
     * The flake this once was: a release landing on the waiters flag's expiry millisecond. Redis
     * keeps a key through that millisecond (judged at the script's start) and counted a relative
     * PX from its own clock, a moment after the script's TIME; memory drops the key at that
     * millisecond. Releases at 1-6 ms after a 5 ms flag land on it often (24 of 150 differed
     * before the flag held its own instant); the replies must agree wherever they land.
     */
    for (let round = 0; round < 5; round++) {
      for (const pauseMs of [1, 2, 3, 4, 5, 6]) {
        const p = prefix();
        await runScriptDifferential({
          redis: servers.redis,
          script: MIXED_SEM,
          keys: [`${p}holders`, `${p}permits`, `${p}fence`, `${p}waiters`],
          steps: [
            { args: ['acquire', ...encodeSemaphoreAcquireArgs('t1', 60_000, 3, 1, false)] },
            { args: ['acquire', ...encodeSemaphoreAcquireArgs('t2', 5, 3, 3, true)] },
            { args: ['release', ...encodeSemaphoreReleaseArgs('t1')], pauseMs },
          ],
          clockOf: (r) => r.now,
        });
      }
    }
  });

  it('semaphore: expired holders give their permits back, on the store clock', async () => {
    const p = prefix();
    const keys = [`${p}holders`, `${p}permits`, `${p}fence`, `${p}waiters`];
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: SEMAPHORE_ACQUIRE,
      keys,
      steps: [
        // 2 s: a margin far beyond the harness's own calls, so 'short' is alive at step 3.
        { args: encodeSemaphoreAcquireArgs('short', 2_000, 3, 2, false) },
        { args: encodeSemaphoreAcquireArgs('long', 60_000, 3, 1, false) },
        { args: encodeSemaphoreAcquireArgs('third', 60_000, 3, 1, true) },
        { args: encodeSemaphoreAcquireArgs('fourth', 60_000, 3, 2, false), pauseMs: 2_100 },
      ],
      clockOf: (r) => r.now,
    });
    expect(redis.map((r) => r.reply)).toEqual([
      expect.objectContaining({ acquired: true, fence: 1 }),
      expect.objectContaining({ acquired: true, fence: 2 }),
      expect.objectContaining({ acquired: false, free: 0 }),
      expect.objectContaining({ acquired: true, fence: 3 }),
    ]);
    // 'short' expired and was pruned: its 2 permits went to 'fourth'.
    expect(redis[3]?.dump[`${p}permits`]?.[1]).toEqual(['fourth\u00002', 'long\u00001']);
  });
});
