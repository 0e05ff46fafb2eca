import { isKvError, type KvStore, memoryAdapter } from '@raptorflow/core';
import { ioredisAdapter } from '@raptorflow/core/ioredis';
import { runScriptDifferential, storeMatrix } from '@raptorflow/core/testing';
import { countClientCommands, type RedisServer, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCombiner, MAX_COMBINED } from '../src/combine.js';
import { createRateLimiter, type RateLimitResult } from '../src/index.js';
import {
  ALGORITHMS,
  type AlgorithmName,
  encodeMany,
  encodeRateLimitArgs,
  type ManyReply,
  type ScriptOutcome,
} from '../src/scripts/index.js';
import { uniquePrefix } from './stores.js';

/*
 * Combining (src/combine.ts): the calls of one tick go to a shared store as one invocation of
 * the combined script. The commands the client sent are counted on a redis-server of this
 * file's own (`countClientCommands`), so no other test's commands mix in.
 */

const NAMES = Object.keys(ALGORITHMS) as AlgorithmName[];
let server: RedisServer;
let store: KvStore;
beforeAll(async () => {
  server = await startRedis();
  store = ioredisAdapter({ host: server.host, port: server.port });
});
afterAll(async () => {
  await store.close();
  await server.stop();
});

type Op = { peek?: boolean; id: string; cost?: number; limit?: number };
/** A mix: several identifiers, one repeated past its limit, a refund, a per-call limit and a peek. */
const OPS: Op[] = [
  { id: 'a' },
  { id: 'b' },
  { id: 'a', cost: 2 },
  { id: 'c', limit: 1 },
  { id: 'c' },
  { id: 'a' },
  { id: 'a' },
  { peek: true, id: 'b' },
  { id: 'b', cost: -1 },
  { id: 'a', cost: 9 },
  { id: 'b' },
];

const call = (rl: ReturnType<typeof createRateLimiter>, op: Op): Promise<RateLimitResult> => {
  const opts = { cost: op.cost, limit: op.limit };
  return op.peek ? rl.peek(op.id, opts) : rl.limit(op.id, opts);
};

/** Everything a result says except the store's clock and `pending`. */
const facts = (r: RateLimitResult) => {
  const { now: _now, pending: _pending, error: _error, ...rest } = r;
  return rest;
};

describe('combining on a real redis-server', () => {
  for (const algorithm of NAMES) {
    it(`${algorithm}: concurrent calls are one EVALSHA, each with the result of the same calls made one by one`, async () => {
      const options = {
        algorithm,
        limits: [
          { name: 'm', limit: 4, window: '1h' as const },
          { name: 'd', limit: 6, window: '1d' as const },
        ],
        blockCache: false as const,
      };
      const rl = createRateLimiter({ store, prefix: uniquePrefix(`c-${algorithm}`), ...options });
      // Load both scripts first: a fresh server is sent the body once by EVAL.
      await Promise.all([rl.limit('warm-1'), rl.limit('warm-2')]);
      await rl.limit('warm-3');
      let combined: RateLimitResult[] = [];
      const counts = await countClientCommands(server, async () => {
        combined = await Promise.all(OPS.map((op) => call(rl, op)));
      });
      expect(counts).toEqual({ evalsha: 1 });
      // The same calls one by one, on a memory store whose clock stands at the invocation's time:
      // the combined script checks every call at its one TIME reading, in order.
      const now = combined[0]?.now as number;
      expect(combined.every((r) => r.now === now)).toBe(true);
      const memory = memoryAdapter({ clock: () => now, sweepIntervalMs: 0 });
      const serial = createRateLimiter({ store: memory, ...options });
      const expected: RateLimitResult[] = [];
      for (const op of OPS) expected.push(await call(serial, op));
      expect(combined.map(facts)).toEqual(expected.map(facts));
      // And one by one on Redis (a fresh key set, no combining): the same answers. Nothing here
      // refills within a test (hour and day windows), so only the time fields may differ.
      const alone = createRateLimiter({
        store,
        prefix: uniquePrefix(`s-${algorithm}`),
        combine: false,
        ...options,
      });
      const onRedis: RateLimitResult[] = [];
      for (const op of OPS) onRedis.push(await call(alone, op));
      const counted = (r: RateLimitResult) => [
        r.allowed,
        r.reason,
        r.limit,
        r.remaining,
        r.policies.map((p) => p.remaining),
      ];
      expect(combined.map(counted)).toEqual(onRedis.map(counted));
      expect(combined.some((r) => !r.allowed)).toBe(true);
      await memory.close();
    });
  }

  it('without combining, the same calls are one EVALSHA each', async () => {
    const rl = createRateLimiter({
      store,
      limit: 5,
      window: '1h',
      combine: false,
      prefix: uniquePrefix('off'),
    });
    await rl.limit('warm');
    expect(await countClientCommands(server, () => Promise.all(OPS.map((op) => call(rl, op))))).toEqual({
      evalsha: OPS.length,
    });
  });

  it('a tick of many calls is cut into invocations of at most MAX_COMBINED, several in flight', async () => {
    const rl = createRateLimiter({ store, limit: 1000, window: '1h', prefix: uniquePrefix('chunks') });
    await rl.limit('warm');
    const n = MAX_COMBINED * 2 + 3;
    let results: Array<{ allowed: boolean }> = [];
    const counts = await countClientCommands(server, async () => {
      results = await Promise.all(Array.from({ length: n }, (_, i) => rl.limit(`id-${i % 5}`)));
    });
    expect(counts).toEqual({ evalsha: 3 });
    expect(results.every((r) => r.allowed)).toBe(true);
  });

  it('a call alone in its tick goes by the single script', async () => {
    const rl = createRateLimiter({ store, limit: 5, window: '1h', prefix: uniquePrefix('alone') });
    await rl.limit('warm');
    const counts = await countClientCommands(server, async () => {
      for (let i = 0; i < 4; i++) await rl.limit('x');
    });
    expect(counts).toEqual({ evalsha: 4 });
  });

  it('an error in one call fails that call only; the others keep their results', async () => {
    const algorithm = ALGORITHMS.gcra;
    const prefix = uniquePrefix('err');
    const good = encodeRateLimitArgs({
      cost: 1,
      take: true,
      block: undefined,
      limits: [{ limit: 3, window: 60_000, burst: 0 }],
    });
    // A call whose ARGV the envelope cannot read: its Lua raises.
    const bad = ['x', '1', 'not a number', '0', '0', '0', '3', '60000', '0'];
    const combiner = createCombiner(store, algorithm.script, algorithm.many);
    const key = (id: string) => [`${prefix}{${id}}:gcra:m`];
    await combiner.send(key('warm'), good);
    await Promise.all([combiner.send(key('warm'), good), combiner.send(key('warm'), good)]);
    let settled: PromiseSettledResult<ScriptOutcome>[] = [];
    const counts = await countClientCommands(server, async () => {
      settled = await Promise.allSettled([
        combiner.send(key('a'), good),
        combiner.send(key('b'), bad),
        combiner.send(key('a'), good),
      ]);
    });
    expect(counts).toEqual({ evalsha: 1 });
    const [first, failed, third] = settled;
    expect(first).toMatchObject({ status: 'fulfilled', value: { status: 1, limits: [{ remaining: 2 }] } });
    expect(third).toMatchObject({ status: 'fulfilled', value: { status: 1, limits: [{ remaining: 1 }] } });
    expect(failed?.status).toBe('rejected');
    const error = (failed as PromiseRejectedResult).reason;
    expect(isKvError(error, 'E_SCRIPT')).toBe(true);
  });

  it('a failure of the whole invocation reaches every call, each through its own failure policy', async () => {
    const own = ioredisAdapter({ host: server.host, port: server.port });
    const open = createRateLimiter({
      store: own,
      limit: 5,
      window: '1h',
      onStoreError: 'fail-open',
      prefix: uniquePrefix('fo'),
    });
    const closed = createRateLimiter({ store: own, limit: 5, window: '1h', prefix: uniquePrefix('fc') });
    await open.limit('warm');
    const pending = [open.limit('a'), closed.limit('b'), open.limit('c')];
    await own.close(); // before the tick ends: the queued invocation is refused
    const results = await Promise.all(pending);
    expect(results.map((r) => [r.allowed, r.reason])).toEqual([
      [true, 'store-error'],
      [false, 'store-error'],
      [true, 'store-error'],
    ]);
  });

  it('a reset after limits of the same tick runs after them', async () => {
    const rl = createRateLimiter({ store, limit: 3, window: '1h', prefix: uniquePrefix('reset') });
    await rl.limit('warm');
    const [r1, r2, , after] = await Promise.all([rl.limit('z'), rl.limit('z'), rl.reset('z'), rl.peek('z')]);
    expect([r1.remaining, r2.remaining]).toEqual([2, 1]);
    expect(after.remaining).toBe(3);
  });
});

describe('the combined script agrees with its twin (differential)', () => {
  const servers = inject('raptorflow');
  let run = 0;
  for (const name of NAMES) {
    it(`${name}: calls on two identifiers in one invocation, step by step`, async () => {
      run += 1;
      const token = name === 'token-bucket';
      const limits = (limit: number) => [
        { limit, window: 40, burst: token ? limit + 1 : 0 },
        { limit: 5, window: 100, burst: token ? 5 : 0 },
      ];
      const a = [`rlmany:{${process.pid}-${run}-a}:0`, `rlmany:{${process.pid}-${run}-a}:1`];
      const b = [`rlmany:{${process.pid}-${run}-b}:0`, `rlmany:{${process.pid}-${run}-b}:1`];
      const one = (cost: number, take: boolean, limit: number) =>
        encodeRateLimitArgs({ cost, take, block: undefined, limits: limits(limit) });
      const common = one(1, true, 3);
      const step = (pauseMs: number) => {
        const { args } = encodeMany([
          { keys: a, args: common },
          { keys: b, args: common },
          { keys: a, args: common },
          { keys: a, args: one(2, true, 4) },
          { keys: b, args: one(0, false, 3) },
          { keys: b, args: one(-1, true, 3) },
        ]);
        return { args, pauseMs };
      };
      const keys = [...a, ...b, ...a, ...a, ...b, ...b];
      await runScriptDifferential({
        redis: servers.redis,
        script: ALGORITHMS[name].many,
        keys,
        steps: [step(0), step(0), step(15), step(0), step(30)],
        clockOf: (reply: ManyReply) => (reply[0] as ScriptOutcome).now,
      });
    });
  }
});

describe('combining on every shared store of the matrix', () => {
  for (const target of storeMatrix()) {
    if (!target.capabilities.shared) continue;
    it(`${target.name}: concurrent calls on many identifiers (hash tags grouped on a Cluster)`, async () => {
      const shared = await target.create();
      // A generous time limit: the first call loads the combined script, through HTTP on Upstash.
      const rl = createRateLimiter({
        store: shared,
        limit: 2,
        window: '1h',
        prefix: uniquePrefix('matrix'),
        timeout: '20s',
      });
      const ids = Array.from({ length: 12 }, (_, i) => `m-${i % 6}`);
      const results = await Promise.all(ids.map((id) => rl.limit(id)));
      expect(results.map((r) => [r.reason, r.remaining])).toEqual(
        ids.map((_, i) => (i < 6 ? ['allowed', 1] : ['allowed', 0])),
      );
      const again = await Promise.all(ids.slice(0, 6).map((id) => rl.limit(id)));
      expect(again.every((r) => !r.allowed && r.reason === 'limited')).toBe(true);
    });
  }
});
