import * as vitest from 'vitest';
import { describe, expect, it, vi } from 'vitest';
import { type MemoryAdapterOptions, memoryAdapter, memoryDriver } from '../../src/adapters/memory.js';
import { isKvError } from '../../src/errors.js';
import { defineScript } from '../../src/script.js';
import { createStore } from '../../src/store.js';
import { expectCode, runConformance, SCRIPT_TIME } from '../../src/testing/index.js';

runConformance({
  name: 'memory',
  create: () => memoryAdapter({ maxValueBytes: 2 * 1024 * 1024 }),
  runner: vitest,
});

function fakeClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function store(options: MemoryAdapterOptions = {}) {
  const driver = memoryDriver({ sweepIntervalMs: 0, ...options });
  return { driver, kv: createStore(driver) };
}

describe('memory adapter', () => {
  it('expires keys on a fake clock, to the millisecond', async () => {
    const clock = fakeClock();
    const { kv } = store({ clock: clock.now });
    await kv.set('k', 'v', { ttl: 1000 });
    expect(await kv.pttl('k')).toBe(1000);
    clock.advance(999);
    expect(await kv.pttl('k')).toBe(1);
    expect(await kv.get('k')).toBe('v');
    // At the expiry millisecond the key is still alive with PTTL 0, as on Redis (keyIsExpired:
    // gone only when now > expiry); one millisecond later it is gone.
    clock.advance(1);
    expect(await kv.pttl('k')).toBe(0);
    expect(await kv.get('k')).toBe('v');
    expect(await kv.exists('k')).toBe(1);
    clock.advance(1);
    expect(await kv.get('k')).toBeNull();
    expect(await kv.pttl('k')).toBe(-2);
    await kv.set('s', 'v', { ttl: 1500 });
    expect(await kv.driver.command({ argv: ['TTL', 's'], keys: [1], readonly: true })).toBe(2);
    clock.advance(1000);
    expect(await kv.driver.command({ argv: ['TTL', 's'], keys: [1], readonly: true })).toBe(1);
  });

  it('TIME and scripts read the fake clock', async () => {
    const clock = fakeClock(1_700_000_000_123.456);
    const { kv } = store({ clock: clock.now });
    expect(await kv.time()).toBeCloseTo(1_700_000_000_123.456, 3);
    expect(await kv.eval(SCRIPT_TIME, [], [])).toBe(1_700_000_000);
  });

  it('a sweep examines at most sweepBatch keys, and repeated sweeps delete every expired key', async () => {
    const clock = fakeClock();
    const { driver, kv } = store({ clock: clock.now, sweepBatch: 10 });
    const entries: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) entries[`k${i}`] = 'v';
    await kv.mset(entries);
    // 500 keys expire; the others live long.
    for (let i = 0; i < 1000; i++) await kv.pexpire(`k${i}`, i % 2 === 0 ? 100 : 100_000);
    await kv.set('forever', 'v');
    clock.advance(200);
    expect(driver.size).toBe(1001);
    const first = driver.sweep();
    // 10 keys examined, half of them expired.
    expect(first).toBe(5);
    let total = first;
    for (let i = 0; i < 300 && total < 500; i++) total += driver.sweep();
    expect(total).toBe(500);
    expect(driver.size).toBe(501);
    expect(await kv.get('forever')).toBe('v');
    expect(await kv.exists(['k1', 'k999'])).toBe(2);
    expect(driver.sweep()).toBe(0);
  });

  it('a sweep keeps a key at its expiry millisecond and deletes it one millisecond later', async () => {
    const clock = fakeClock();
    const { driver, kv } = store({ clock: clock.now });
    await kv.set('k', 'v', { ttl: 100 });
    clock.advance(100);
    // The sweep reads the clock itself, as the periodic timer does.
    expect(driver.sweep()).toBe(0);
    expect(driver.size).toBe(1);
    clock.advance(1);
    expect(driver.sweep()).toBe(1);
    expect(driver.size).toBe(0);
  });

  it('scan lists a key at its expiry millisecond and not one millisecond later', async () => {
    const clock = fakeClock();
    const { kv } = store({ clock: clock.now });
    await kv.set('k', 'v', { ttl: 100 });
    const scan = async () => {
      const keys: string[] = [];
      for await (const k of kv.scan()) keys.push(k);
      return keys;
    };
    clock.advance(100);
    expect(await scan()).toEqual(['k']);
    clock.advance(1);
    expect(await scan()).toEqual([]);
  });

  it('PEXPIRE 0 and PEXPIREAT now delete at once; SET PXAT now keeps the key through now', async () => {
    const clock = fakeClock();
    const { kv } = store({ clock: clock.now });
    const run = (...argv: string[]) => kv.driver.command({ argv, keys: [1], readonly: false });
    const now = String(clock.now());
    await run('SET', 'a', 'v');
    expect(await run('PEXPIREAT', 'a', now)).toBe(1);
    expect(await kv.exists('a')).toBe(0);
    await run('SET', 'b', 'v');
    expect(await run('PEXPIRE', 'b', '0')).toBe(1);
    expect(await kv.exists('b')).toBe(0);
    expect(await run('SET', 'c', 'v', 'PXAT', now)).toBe('OK');
    expect(await run('PTTL', 'c')).toBe(0);
    expect(await kv.get('c')).toBe('v');
    expect(await run('SET', 'd', 'v', 'PXAT', String(clock.now() - 1))).toBe('OK');
    expect(await kv.get('d')).toBeNull();
  });

  it('the periodic sweep runs on its timer, comes sooner while busy, and stops on close', async () => {
    const clock = fakeClock();
    // A 1 s period with 20 keys per sweep: the 200 expired keys would take 10 s at that pace;
    // they are gone within 4 s only because a busy sweep comes again after 10 ms. The sweep's
    // timers are fake and the test moves them, so the 4 s are the sweeper's time, not the
    // machine's (on a busy machine, real timers run late).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const driver = memoryDriver({ clock: clock.now, sweepIntervalMs: 1000, sweepBatch: 20 });
    const kv = createStore(driver);
    try {
      for (let i = 0; i < 200; i++) await kv.set(`k${i}`, 'v', { ttl: 1 });
      clock.advance(10);
      for (let ms = 0; ms < 4000 && driver.size > 0; ms += 5) await vi.advanceTimersByTimeAsync(5);
      expect(driver.size).toBe(0);
    } finally {
      vi.useRealTimers();
    }
    await kv.close();
    await expectCode(kv.get('k'), 'E_CLOSED');
    await expectCode(kv.eval(SCRIPT_TIME, [], []), 'E_CLOSED');
    await expectCode(kv.publish('c', 'm'), 'E_CLOSED');
  });

  it('maxKeys evicts the least recently used key', async () => {
    const { driver, kv } = store({ maxKeys: 3 });
    await kv.set('a', '1');
    await kv.set('b', '2');
    await kv.set('c', '3');
    expect(await kv.get('a')).toBe('1'); // a is now the most recent
    await kv.set('d', '4');
    expect(driver.size).toBe(3);
    expect(await kv.exists('b')).toBe(0);
    expect(await kv.mget(['a', 'c', 'd'])).toEqual(['1', '3', '4']);
    await kv.hset('h', { f: 'v' });
    expect(driver.size).toBe(3);
    expect(await kv.exists('a')).toBe(0);
  });

  it('sorted sets stay correct at 100k members', async () => {
    const { kv } = store();
    const n = 100_000;
    const batch = kv.batch();
    // Scores with many ties, so the member order inside a score matters.
    for (let i = 0; i < n; i++) batch.zadd('z', { member: `m${i}`, score: i % 1000 });
    await batch.exec();
    expect(await kv.zcard('z')).toBe(n);
    const range = await kv.zrangeByScore('z', 500, 500);
    expect(range).toHaveLength(100);
    expect(range).toEqual([...range].sort());
    expect(await kv.zrangeByScore('z', { exclusive: 998 }, 999, { offset: 10, count: 5 })).toEqual(
      (await kv.zrangeByScore('z', 999, 999)).slice(10, 15),
    );
    const popped = await kv.zpopmin('z', 1000);
    expect(popped).toHaveLength(1000);
    expect(popped.every((p) => p.score <= 9)).toBe(true);
    for (let i = 1; i < popped.length; i++) {
      const a = popped[i - 1];
      const b = popped[i];
      expect(a && b && (a.score < b.score || (a.score === b.score && a.member < b.member))).toBe(true);
    }
    expect(await kv.zremRangeByScore('z', 0, 499)).toBe(n / 2 - 1000);
    expect(await kv.zcard('z')).toBe(n / 2);
    expect(await kv.zscore('z', 'm999')).toBe(999);
    expect(await kv.zscore('z', 'm0')).toBeNull();
  });

  it('lists work as 100k-job queues (push and pop at both ends)', async () => {
    const { kv } = store();
    const n = 100_000;
    const batch = kv.batch();
    for (let i = 0; i < n; i++) batch.lpush('{q}wait', `job${i}`);
    await batch.exec();
    expect(await kv.llen('{q}wait')).toBe(n);
    expect(await kv.lrange('{q}wait', 0, 1)).toEqual([`job${n - 1}`, `job${n - 2}`]);
    expect(await kv.lrange('{q}wait', -2, -1)).toEqual(['job1', 'job0']);
    const moves = kv.batch();
    for (let i = 0; i < n / 2; i++) moves.lmove('{q}wait', '{q}active', 'RIGHT', 'LEFT');
    const moved = (await moves.exec()) as unknown as string[];
    expect(moved[0]).toBe('job0');
    expect(moved[n / 2 - 1]).toBe(`job${n / 2 - 1}`);
    expect(await kv.llen('{q}active')).toBe(n / 2);
    expect(await kv.lrem('{q}active', 0, 'job7')).toBe(1);
    expect(await kv.lrange('{q}active', -8, -6)).toEqual(['job8', 'job6', 'job5']);
    expect(await kv.rpop('{q}active')).toBe('job0');
    expect(await kv.lpop('{q}wait')).toBe(`job${n - 1}`);
  });

  it('pub/sub delivers asynchronously, in order', async () => {
    const { kv } = store();
    const got: string[] = [];
    const sub = await kv.subscribe(['c'], (m) => got.push(m));
    const second = await kv.subscribe(['c'], () => {});
    expect(await kv.publish('c', '1')).toBe(2);
    expect(got).toEqual([]); // not delivered synchronously, like a network
    await kv.publish('c', '2');
    await new Promise((r) => setTimeout(r, 0));
    expect(got).toEqual(['1', '2']);
    await second.unsubscribe();
    expect(await kv.publish('c', '3')).toBe(1);
    await sub.unsubscribe();
    expect(await kv.publish('c', '4')).toBe(0);
  });

  it('a twin that throws something other than a KvError is E_SCRIPT; scripts are atomic', async () => {
    const { kv } = store();
    const broken = defineScript({
      name: 'broken',
      keys: 1,
      lua: 'return 1',
      twin: (ctx, keys) => {
        ctx.call('SET', keys[0] as string, 'half');
        throw new TypeError('oops');
      },
    });
    await expectCode(kv.eval(broken, ['k']), 'E_SCRIPT');
    // Like a Lua error after a write: the write stays, as in Redis (no rollback).
    expect(await kv.get('k')).toBe('half');
    const unknown = defineScript({ name: 'unknown', lua: 'x', twin: (ctx) => ctx.call('NOPE') });
    const error = await kv.eval(unknown, []).catch((e: unknown) => e);
    expect(isKvError(error, 'E_COMMAND')).toBe(true);
    expect((error as Error).message).toContain("ERR unknown command 'NOPE'");
  });

  it('unknown commands and arity errors use Redis texts', async () => {
    const { kv } = store();
    const run = (...argv: string[]) => kv.driver.command({ argv, keys: [], readonly: false });
    await expect(run('FOO', 'a', 'b')).rejects.toThrow(
      "ERR unknown command 'FOO', with args beginning with: 'a' 'b' ",
    );
    await expect(run('GET')).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    await expect(run('SET', 'k', 'v', 'PX', '0')).rejects.toThrow("ERR invalid expire time in 'set' command");
    await expect(run('ZRANGEBYSCORE', 'z', 'x', '1')).rejects.toThrow('ERR min or max is not a float');
    expect(await run('PING')).toBe('PONG');
  });

  it('validates its options', () => {
    for (const bad of [
      { maxKeys: 0 },
      { sweepBatch: -1 },
      { clock: 5 },
      { maxValueBytes: 1.5 },
      { nope: 1 },
    ]) {
      let caught: unknown;
      try {
        memoryAdapter(bad as MemoryAdapterOptions);
      } catch (error) {
        caught = error;
      }
      expect(isKvError(caught, 'E_INVALID_OPTIONS')).toBe(true);
      const field = Object.keys(bad)[0];
      expect((caught as Error).message).toMatch(new RegExp(`\\] memoryAdapter: ${field}: \\S`));
    }
    const kv = memoryAdapter({ name: 'custom', sweepIntervalMs: 0 });
    expect(kv.name).toBe('custom');
    expect(kv.capabilities).toEqual({
      pubsub: true,
      cluster: false,
      ttlGranularityMs: 1,
      maxValueBytes: 512 * 1024 * 1024,
      persistent: false,
      shared: false,
      blocking: false,
    });
  });
});

describe('memory adapter: one clock inside a script', () => {
  it('TIME inside a script is the instant expiry is measured from, however the clock moves', async () => {
    let t = 1_000_000;
    // Every read of this clock moves it by 1 ms: a twin that read it twice would see two instants.
    const store = memoryAdapter({ clock: () => t++, sweepIntervalMs: 0 });
    const probe = defineScript<number[]>({
      name: 'test-time-vs-px',
      keys: 1,
      lua: 'return 0',
      twin: (ctx, keys) => {
        const [s, us] = ctx.call('TIME') as string[];
        const now = Number(s) * 1000 + Math.floor(Number(us) / 1000);
        ctx.call('SET', keys[0] as string, 'v', 'PX', '500');
        const [s2, us2] = ctx.call('TIME') as string[];
        return [now, Number(s2) * 1000 + Math.floor(Number(us2) / 1000)];
      },
    });
    const [first, second] = await store.eval(probe, ['k']);
    expect(second).toBe(first);
    // PX 500 expires at exactly TIME + 500 (what Lua's PXAT now + 500 writes on Redis).
    t = (first as number) + 499;
    expect(await store.get('k')).toBe('v');
    t = (first as number) + 500;
    expect(await store.get('k')).toBe('v');
    t = (first as number) + 501;
    expect(await store.get('k')).toBeNull();
    await store.close();
  });
});
