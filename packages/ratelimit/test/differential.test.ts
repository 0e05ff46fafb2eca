import { type KvStore, memoryAdapter } from '@raptorflow/core';
import { runScriptDifferential } from '@raptorflow/core/testing';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import {
  type AlgorithmName,
  encodeRateLimitArgs,
  type LimitParams,
  RATE_LIMIT_MANY_SCRIPTS,
  RATE_LIMIT_SCRIPTS,
  type ScriptOutcome,
} from '../src/scripts/index.js';

/*
 * The twin is trusted only because this test exists. core's `runScriptDifferential` runs a
 * random sequence of calls on real Redis (with real pauses, so windows roll over and buckets
 * refill), records each reply's `now` (the script's own TIME reading) and the keys after each
 * call, then replays on memory with the clock pinned to those instants: replies, values and
 * expiry instants must be identical, step by step.
 *
 * Redis and memory do not drop a key at the same moment (Redis keeps it through its expiry
 * millisecond and decides on its own time snapshot), so every algorithm must answer the same
 * whether a key past its expiry is still there or not. The last test checks exactly that, on
 * memory alone, with no timing involved.
 */

const servers = inject('raptorflow');
const ALGORITHMS = Object.keys(RATE_LIMIT_SCRIPTS) as AlgorithmName[];
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
type Policy = { limit: number; window: number; extra: number };
type Step = { cost: number; take: boolean; pause: number; limit: number | undefined };

function argsOf(name: AlgorithmName, policies: readonly Policy[], s: Step): string[] {
  const limits = policies.map((p, i): LimitParams => {
    const limit = i === 0 && s.limit !== undefined ? s.limit : p.limit;
    return { limit, window: p.window, burst: name === 'token-bucket' ? limit + p.extra : 0 };
  });
  return encodeRateLimitArgs({ cost: s.cost, take: s.take, block: undefined, limits });
}

const sameOnRedis = (name: AlgorithmName) =>
  fc.asyncProperty(
    fc.array(policy, { minLength: 1, maxLength: 2 }),
    fc.array(step, { minLength: 1, maxLength: 12 }),
    async (policies, steps) => {
      run += 1;
      await runScriptDifferential({
        redis: servers.redis,
        script: RATE_LIMIT_SCRIPTS[name],
        keys: policies.map((_, i) => `rldiff:{${process.pid}-${run}}:${i}`),
        steps: steps.map((s) => ({ args: argsOf(name, policies, s), pauseMs: s.pause })),
        clockOf: (reply: ScriptOutcome) => reply.now,
      });
    },
  );

describe('differential: memory twin vs Lua on redis-server', () => {
  for (const name of ALGORITHMS) {
    it(`${name}: identical replies and keys step by step`, async () => {
      await fc.assert(sameOnRedis(name), { numRuns: 14 });
    });
  }

  it('token-bucket: the counterexample of seed -1886475254 (a limit change at an expiry instant)', async () => {
    // The flake main's `pnpm verify` hit once; replayed here so it stays covered, though on
    // Redis it needs the calls to land on exact milliseconds. The property below pins it.
    await fc.assert(sameOnRedis('token-bucket'), { seed: -1886475254, path: '8:4:4:7', endOnFailure: true });
  });

  it('the penalty block agrees too (status, counts, and a retry-after equal to the block)', async () => {
    for (const name of ALGORITHMS) {
      run += 1;
      const args = encodeRateLimitArgs({
        cost: 1,
        take: true,
        block: { after: 2, duration: 60_000, within: 60_000 },
        limits: [{ limit: 1, window: 60_000, burst: name === 'token-bucket' ? 1 : 0 }],
      });
      const { redis } = await runScriptDifferential({
        redis: servers.redis,
        script: RATE_LIMIT_SCRIPTS[name],
        keys: [`rldiff:{${process.pid}-${run}}:0`, `rldiff:{${process.pid}-${run}}:block`],
        steps: [{ args }, { args }, { args }, { args, pauseMs: 2 }],
        clockOf: (reply: ScriptOutcome) => reply.now,
      });
      const outcomes = redis.map((r) => r.reply as ScriptOutcome);
      expect(outcomes.map((o) => o.status)).toEqual([1, 0, 2, 2]);
      expect(outcomes[2]?.limits[0]?.retryAfter).toBeGreaterThanOrEqual(60_000);
      // While blocked, the time left of the block, on the script's clock.
      const left = 60_000 - ((outcomes[3]?.now ?? 0) - (outcomes[2]?.now ?? 0));
      expect(outcomes[3]?.limits[0]?.retryAfter).toBe(left);
    }
  });

  it('corrupt planted state (foreign values, other key types) is repaired identically', async () => {
    type Plant = (store: KvStore, key: string) => Promise<unknown>;
    const plants: Record<string, Plant> = {
      garbage: (store, key) => store.set(key, 'garbage'),
      digits: (store, key) => store.set(key, '7'),
      'far future': (store, key) => store.set(key, '99999999999999:0:3:99999999999999'),
      'too many digits': (store, key) => store.set(key, '1234567890123456:1:1'),
      'zero denominator': (store, key) => store.set(key, '1:0:0'),
      // Near misses of GCRA's `ms:frac:den` (its twin reads it digit by digit, without a regex).
      'sign only': (store, key) => store.set(key, '-:1:1'),
      'empty field': (store, key) => store.set(key, '1::1'),
      'minus zero': (store, key) => store.set(key, '-0:0:1'),
      'trailing colon': (store, key) => store.set(key, '1:0:1:'),
      'plus sign': (store, key) => store.set(key, '+1:0:1'),
      'trailing newline': (store, key) => store.set(key, '1:0:1\n'),
      'a block forever': (store, key) => store.set(key, 'b99999999999999'),
      hash: (store, key) => store.hset(key, { a: '1' }),
      list: (store, key) => store.rpush(key, ['x']),
      zset: (store, key) => store.zadd(key, { score: 1, member: 'x' }),
      'future zset': (store, key) => store.zadd(key, { score: 99_999_999_999_999, member: 'x' }),
      'infinite zset': (store, key) => store.zadd(key, { score: Number.POSITIVE_INFINITY, member: 'x' }),
    };
    const block = { after: 2, duration: 60_000, within: 60_000 };
    const args = (name: AlgorithmName, cost: number, take: boolean) =>
      encodeRateLimitArgs({
        cost,
        take,
        block,
        limits: [{ limit: 3, window: 60_000, burst: name === 'token-bucket' ? 3 : 0 }],
      });
    for (const name of ALGORITHMS) {
      for (const [what, plant] of Object.entries(plants)) {
        for (const at of [0, 1]) {
          run += 1;
          const keys = [`rldiff:{${process.pid}-${run}}:0`, `rldiff:{${process.pid}-${run}}:block`];
          const { redis } = await runScriptDifferential({
            redis: servers.redis,
            script: RATE_LIMIT_SCRIPTS[name],
            keys,
            setup: async (store) => {
              await plant(store, keys[at] as string);
            },
            // A peek first (it repairs too), then takes, rejections and a refund.
            steps: [0, 2, 2, 1, -1].map((cost, i) => ({ args: args(name, cost, i > 0) })),
            clockOf: (reply: ScriptOutcome) => reply.now,
          });
          const outcomes = redis.map((r) => r.reply as ScriptOutcome);
          // Every step answered, and the first one repaired the plant unless it was readable.
          expect({ name, what, at, errors: outcomes.filter((o) => !('status' in o)) }).toEqual({
            name,
            what,
            at,
            errors: [],
          });
          expect(outcomes.slice(1).map((o) => o.repaired)).toEqual([0, 0, 0, 0]);
        }
      }
    }
  });

  it('every script SHA is the SHA Redis computes', async () => {
    const redis = new Redis({ host: servers.redis.host, port: servers.redis.port });
    try {
      // The single and the combined script of every algorithm.
      for (const script of [
        ...Object.values(RATE_LIMIT_SCRIPTS),
        ...Object.values(RATE_LIMIT_MANY_SCRIPTS),
      ]) {
        expect(await redis.script('LOAD', script.lua)).toBe(script.sha);
      }
    } finally {
      await redis.quit();
    }
  });
});

describe('a key past its expiry answers as a missing key (what keeps Redis and memory equal)', () => {
  // Two memory stores on one fake clock. On `lingering`, every key outlives its expiry by `lag`
  // ms, as a key can on Redis; the replies must not notice. Short pauses, so calls land on
  // expiry instants often.
  const shortStep = fc.record({
    cost: step.map((s) => s.cost),
    take: fc.boolean(),
    pause: fc.integer({ min: 0, max: 4 }),
    limit: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  });
  // The flake of seed -1886475254 on main, with the clock at the instants that reproduce it:
  // a per-call limit of 3 writes a bucket full at t, read at t with limit 5 (3/3 vs 1/5).
  const counterexample: [Policy[], Step[], number] = [
    [
      { limit: 5, window: 7, extra: 0 },
      { limit: 5, window: 7, extra: 0 },
    ],
    [
      { cost: 3, take: true, pause: 4, limit: undefined },
      { cost: 2, take: true, pause: 1, limit: undefined },
      { cost: -2, take: true, pause: 0, limit: 3 },
      { cost: 2, take: true, pause: 1, limit: undefined },
    ],
    1,
  ];
  for (const name of ALGORITHMS) {
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(policy, { minLength: 1, maxLength: 2 }),
          fc.array(shortStep, { minLength: 1, maxLength: 12 }),
          fc.integer({ min: 1, max: 3 }),
          async (policies, steps, lag) => {
            let now = 1_700_000_000_000;
            const exact = memoryAdapter({ clock: () => now, sweepIntervalMs: 0 });
            const lingering = memoryAdapter({ clock: () => now, sweepIntervalMs: 0 });
            const keys = policies.map((_, i) => `k{x}:${i}`);
            const script = RATE_LIMIT_SCRIPTS[name];
            try {
              for (const [i, s] of steps.entries()) {
                now += s.pause;
                const args = argsOf(name, policies, s);
                const a = await exact.eval(script, keys, args);
                const b = await lingering.eval(script, keys, args);
                expect({ step: i, ...b }).toEqual({ step: i, ...a });
                for (const key of keys) {
                  const ttl = await exact.pttl(key);
                  if (ttl > 0) await lingering.pexpire(key, ttl + lag);
                }
              }
            } finally {
              await Promise.all([exact.close(), lingering.close()]);
            }
          },
        ),
        { numRuns: 300, examples: [counterexample] },
      );
    });
  }
});
