import { describe, expect, it } from 'vitest';
import { defineScript, isKvError, memoryAdapter, type ScriptContext } from '../src/index.js';

/*
 * The memory engine's typed script operations (`timeMs`, `getString`, `setPxat`) must do
 * exactly what TIME, GET and SET … PXAT do through `call`: same replies, same stored value and
 * expiry, same WRONGTYPE error. Twins on hot paths (the rate limiter's) rely on it; their
 * differential tests then compare them with the Lua on redis-server.
 */

type Op = (ctx: ScriptContext, key: string, arg: string) => unknown;
const script = (name: string, op: Op) =>
  defineScript<unknown>({
    name,
    lua: 'return nil',
    twin: (ctx, keys, args) => {
      const r = op(ctx, keys[0] as string, args[0] as string);
      return r === undefined ? null : (r as never);
    },
  });

const typed = {
  time: script('typed-time', (ctx) => ctx.timeMs?.()),
  get: script('typed-get', (ctx, key) => {
    try {
      return ctx.getString?.(key);
    } catch (error) {
      return isKvError(error) ? `error ${error.code}: ${error.message}` : 'other error';
    }
  }),
  set: script('typed-set', (ctx, key, at) => {
    ctx.setPxat?.(key, 'v', Number(at));
    return 'OK';
  }),
};
const viaCall = {
  time: script('call-time', (ctx) => {
    const t = ctx.call('TIME') as string[];
    return Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
  }),
  get: script('call-get', (ctx, key) => {
    const r = ctx.pcall('GET', key);
    return isKvError(r) ? `error ${r.code}: ${r.message}` : r;
  }),
  set: script('call-set', (ctx, key, at) => ctx.call('SET', key, 'v', 'PXAT', at)),
};

describe('typed script operations on memory equal their commands', () => {
  for (const clock of [1_700_000_000_123, 1_700_000_000_123.75]) {
    it(`TIME in ms, clock ${clock}`, async () => {
      const store = memoryAdapter({ clock: () => clock, sweepIntervalMs: 0 });
      expect(await store.eval(typed.time, ['k'])).toBe(await store.eval(viaCall.time, ['k']));
      await store.close();
    });
  }

  it('GET of a missing key, a string and a key of another type', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    await store.set('s', 'value');
    await store.hset('h', { f: '1' });
    for (const key of ['missing', 's', 'h']) {
      expect(await store.eval(typed.get, [key])).toEqual(await store.eval(viaCall.get, [key]));
    }
    expect(await store.eval(typed.get, ['h'])).toMatch(/^error E_WRONG_TYPE: .*WRONGTYPE/);
    await store.close();
  });

  it('SET … PXAT: the same value and expiry, over any type, and the same errors for bad instants', async () => {
    let now = 1_700_000_000_000;
    const store = memoryAdapter({ clock: () => now, sweepIntervalMs: 0 });
    for (const at of [String(now + 5000), String(now - 1), String(now)]) {
      for (const [key, plant] of [
        ['a', () => store.set('a', 'old', { ttl: 100 })],
        ['b', () => store.hset('b', { f: '1' })],
      ] as const) {
        await store.del([key]);
        await plant();
        await store.eval(typed.set, [key], [at]);
        const typedState = [await store.get(key), await store.pttl(key)];
        await store.del([key]);
        await plant();
        await store.eval(viaCall.set, [key], [at]);
        expect(typedState).toEqual([await store.get(key), await store.pttl(key)]);
      }
    }
    // Instants SET refuses go through `call` and fail the same way.
    for (const at of ['0', '-5', '1e20']) {
      const a = await store.eval(typed.set, ['c'], [at]).catch((e: unknown) => (e as Error).message);
      const b = await store.eval(viaCall.set, ['c'], [at]).catch((e: unknown) => (e as Error).message);
      expect(a).toBe(b);
      expect(String(a)).toMatch(/invalid expire time|not an integer/);
    }
    now += 6000;
    expect(await store.get('a')).toBeNull();
    await store.close();
  });
});

describe('the typed triple (setTriplePxat / getTriple) equals SET … PXAT and GET of its text', () => {
  const setTriple = script('typed-set-triple', (ctx, key, arg) => {
    const [a, b, c, at] = JSON.parse(arg) as [number, number, number, number];
    ctx.setTriplePxat?.(key, a, b, c, at);
    return 'OK';
  });
  const setText = script('call-set-triple', (ctx, key, arg) => {
    const [a, b, c, at] = JSON.parse(arg) as [number, number, number, number];
    return ctx.call('SET', key, `${a}:${b}:${c}`, 'PXAT', at);
  });
  const getTriple = script('typed-get-triple', (ctx, key) => {
    try {
      const v = ctx.getTriple?.(key);
      // Copied: the engine reuses the array.
      return typeof v === 'object' && v !== null ? ['numbers', ...v.map(String)] : v;
    } catch (error) {
      return isKvError(error) ? `error ${error.code}: ${error.message}` : 'other error';
    }
  });
  const setPxat = script('typed-set-text', (ctx, key, at) => {
    ctx.setPxat?.(key, 'plain', Number(at));
    return 'OK';
  });

  // A read then a write of the same key skips the second lookup: whatever ran in between must undo that.
  const readThenWrite = script('typed-read-then-write', (ctx, key, between) => {
    ctx.getTriple?.(key);
    if (between === 'del') ctx.call('DEL', key);
    if (between === 'pdel') ctx.pcall('DEL', key);
    if (between === 'set') ctx.setPxat?.(key, 'text', 1_800_000_000_000);
    if (between === 'other') ctx.getTriple?.('other');
    ctx.setTriplePxat?.(key, 7, 8, 9, 1_800_000_000_000);
    return 'OK';
  });

  it('a write after a read of the same key lands in the keyspace, whatever ran in between', async () => {
    const store = memoryAdapter({ clock: () => 1_700_000_000_000, sweepIntervalMs: 0 });
    for (const between of ['none', 'del', 'pdel', 'set', 'other']) {
      await store.eval(setTriple, ['k'], [JSON.stringify([1, 2, 3, 1_700_000_001_000])]);
      await store.eval(setTriple, ['other'], [JSON.stringify([4, 5, 6, 1_700_000_001_000])]);
      await store.eval(readThenWrite, ['k'], [between]);
      expect([between, await store.get('k'), await store.pttl('k')]).toEqual([
        between,
        '7:8:9',
        100_000_000_000,
      ]);
      expect(await store.get('other')).toBe('4:5:6');
    }
    await store.close();
  });

  for (const maxKeys of [undefined, 100]) {
    it(`writes the same value and expiry as SET of the text, over any type (maxKeys ${maxKeys})`, async () => {
      const now = 1_700_000_000_000;
      const store = memoryAdapter({ clock: () => now, sweepIntervalMs: 0, maxKeys });
      const cases: Array<[number, number, number, number]> = [
        [now + 12, 5, 7, now + 5000],
        [-3, 0, 1, now + 1],
        [2 ** 53 - 1, 999_999_999_999_999, 1e15, now + 60_000],
        [-0, 0, 1, now + 10],
        // Not safe integers, and instants SET refuses: both take the text path.
        [1.5, 2 ** 60, 3, now + 10],
        [1, 2, 3, 0],
        [1, 2, 3, now - 1],
      ];
      for (const triple of cases) {
        for (const plant of [() => store.set('k', 'old', { ttl: 100 }), () => store.hset('k', { f: '1' })]) {
          const arg = JSON.stringify(triple);
          const results = [];
          for (const set of [setTriple, setText]) {
            await store.del(['k']);
            await plant();
            const r = await store.eval(set, ['k'], [arg]).catch((e: unknown) => (e as Error).message);
            // A refused SET leaves the hash: GET then fails alike.
            const v = await store.get('k').catch((e: unknown) => (e as Error).message);
            results.push([r, v, await store.pttl('k')]);
          }
          expect(results[0]).toEqual(results[1]);
        }
      }
      await store.close();
    });

    it(`reads its numbers back, and every other value as GET does (maxKeys ${maxKeys})`, async () => {
      let now = 1_700_000_000_000;
      const store = memoryAdapter({ clock: () => now, sweepIntervalMs: 0, maxKeys });
      const arg = JSON.stringify([now + 3, 4, 9, now + 100]);
      await store.eval(setTriple, ['k'], [arg]);
      expect(await store.eval(getTriple, ['k'])).toEqual(['numbers', String(now + 3), '4', '9']);
      // Read as text by a command, it stays the same value.
      expect(await store.get('k')).toBe(`${now + 3}:4:9`);
      expect(await store.eval(getTriple, ['k'])).toEqual(['numbers', String(now + 3), '4', '9']);
      // At its expiry millisecond present exactly when getString says so; after, missing.
      now += 100;
      const atExpiry = await store.eval(getTriple, ['k']);
      const text = Array.isArray(atExpiry) ? atExpiry.slice(1).join(':') : atExpiry;
      expect(text).toEqual(await store.eval(typed.get, ['k']));
      now += 1;
      expect(await store.eval(getTriple, ['k'])).toBeNull();
      // Replaced by a typed SET of text, by a command, or by APPEND: the text, not stale numbers.
      await store.eval(setTriple, ['k'], [JSON.stringify([1, 2, 3, now + 100])]);
      await store.eval(setPxat, ['k'], [String(now + 100)]);
      expect(await store.eval(getTriple, ['k'])).toBe('plain');
      await store.eval(setTriple, ['k'], [JSON.stringify([1, 2, 3, now + 100])]);
      await store.set('k', '7:8:9');
      expect(await store.eval(getTriple, ['k'])).toBe('7:8:9');
      await store.eval(setTriple, ['k'], [JSON.stringify([1, 2, 3, now + 100])]);
      await store.incrBy('k2', 1);
      expect(await store.eval(getTriple, ['k2'])).toBe('1');
      // Missing and wrong type as GET.
      await store.hset('h', { f: '1' });
      for (const key of ['missing', 'h']) {
        expect(await store.eval(getTriple, [key])).toEqual(await store.eval(viaCall.get, [key]));
      }
      await store.close();
    });
  }
});
