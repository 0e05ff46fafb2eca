import { memoryAdapter } from '@raptorflow/core';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AlgorithmName } from '../src/scripts/index.js';
import { parseOutcome, RATE_LIMIT_SCRIPTS, type ScriptOutcome } from '../src/scripts/index.js';

/*
 * The twin is trusted only because this test exists. Redis's clock cannot be set, so the test
 * runs a random sequence of calls on real Redis first (with real pauses, so windows roll over and
 * buckets refill), records each reply's `now` (the script's own TIME reading), then replays the
 * same calls on the memory store with a fake clock pinned to those instants. Every reply must be
 * identical, step by step. Key expiry cannot cause a mismatch: every key's PEXPIRE ends exactly
 * where the algorithm would treat the state as empty anyway.
 */

const servers = inject('raptorflow');
let redis: Redis;
beforeAll(() => {
  redis = new Redis({ host: servers.redis.host, port: servers.redis.port, lazyConnect: false });
});
afterAll(async () => {
  await redis.quit();
});

const ALGORITHMS = Object.keys(RATE_LIMIT_SCRIPTS) as AlgorithmName[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let run = 0;

const policy = fc.record({
  limit: fc.integer({ min: 1, max: 6 }),
  window: fc.constantFrom(7, 20, 45, 100),
  extra: fc.integer({ min: 0, max: 3 }),
});
const step = fc.record({
  cost: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) },
    { weight: 2, arbitrary: fc.integer({ min: -2, max: 8 }) },
  ),
  take: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  pause: fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 30 }) },
  ),
  // Sometimes a per-call limit for the first policy (dynamic limits change the stored state's scale).
  limit: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }) },
  ),
});

describe('differential: memory twin vs Lua on redis-server', () => {
  for (const name of ALGORITHMS) {
    it(`${name}: identical replies step by step`, async () => {
      const script = RATE_LIMIT_SCRIPTS[name];
      await fc.assert(
        fc.asyncProperty(
          fc.array(policy, { minLength: 1, maxLength: 2 }),
          fc.array(step, { minLength: 1, maxLength: 12 }),
          async (policies, steps) => {
            run += 1;
            const keys = policies.map((_, i) => `rldiff:{${process.pid}-${run}}:${i}`);
            const argsOf = (s: (typeof steps)[number]) => {
              const args = [String(s.cost), s.take ? '1' : '0', String(policies.length), '0', '0', '0'];
              for (const [i, p] of policies.entries()) {
                const limit = i === 0 && s.limit !== undefined ? s.limit : p.limit;
                args.push(
                  String(limit),
                  String(p.window),
                  name === 'token-bucket' ? String(limit + p.extra) : '0',
                );
              }
              return args;
            };
            const onRedis: ScriptOutcome[] = [];
            for (const s of steps) {
              if (s.pause > 0) await sleep(s.pause);
              const reply = await redis.eval(script.lua, keys.length, ...keys, ...argsOf(s));
              onRedis.push(parseOutcome(reply as never));
            }
            let now = 0;
            const memory = memoryAdapter({ clock: () => now, sweepIntervalMs: 0 });
            for (const [i, s] of steps.entries()) {
              now = (onRedis[i] as ScriptOutcome).now;
              const outcome = await memory.eval(script, keys, argsOf(s));
              expect({ step: i, ...outcome }).toEqual({ step: i, ...onRedis[i] });
            }
            await memory.close();
            await redis.del(...keys);
          },
        ),
        { numRuns: 14 },
      );
    });
  }

  it('the penalty block agrees too (status, counts, and a retry-after equal to the block)', async () => {
    for (const name of ALGORITHMS) {
      const script = RATE_LIMIT_SCRIPTS[name];
      run += 1;
      const keys = [`rldiff:{${process.pid}-${run}}:0`, `rldiff:{${process.pid}-${run}}:block`];
      const args = ['1', '1', '1', '2', '60000', '60000', '1', '60000', name === 'token-bucket' ? '1' : '0'];
      const onRedis: ScriptOutcome[] = [];
      for (let i = 0; i < 3; i++)
        onRedis.push(parseOutcome((await redis.eval(script.lua, 2, ...keys, ...args)) as never));
      let now = 0;
      const memory = memoryAdapter({ clock: () => now, sweepIntervalMs: 0 });
      for (let i = 0; i < 3; i++) {
        now = (onRedis[i] as ScriptOutcome).now;
        expect(await memory.eval(script, keys, args)).toEqual(onRedis[i]);
      }
      expect(onRedis.map((o) => o.status)).toEqual([1, 0, 2]);
      expect(onRedis[2]?.limits[0]?.retryAfter).toBeGreaterThanOrEqual(60_000);
      await memory.close();
      await redis.del(...keys);
    }
  });

  it('every script SHA is the SHA Redis computes', async () => {
    for (const script of Object.values(RATE_LIMIT_SCRIPTS)) {
      expect(await redis.script('LOAD', script.lua)).toBe(script.sha);
    }
  });
});
