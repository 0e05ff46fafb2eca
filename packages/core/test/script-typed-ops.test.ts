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
