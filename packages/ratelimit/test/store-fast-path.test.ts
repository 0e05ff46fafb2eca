import { defineScript, memoryAdapter } from '@raptorflow/core';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/index.js';

/*
 * The limiter passes frozen key and ARGV arrays so core checks them once per store. These tests
 * pin that the memo never lets a bad array through: it is per store (size limits differ) and
 * only an array that passed every check is remembered.
 */
const echo = defineScript<unknown>({
  name: 'echo-args',
  lua: 'return ARGV',
  twin: (_ctx, _keys, args) => [...args],
});

describe('frozen script arrays (the rate limiter fast path in core)', () => {
  it('a frozen ARGV over the size limit is rejected on every call, and per store', async () => {
    const big = memoryAdapter({ sweepIntervalMs: 0 });
    const small = memoryAdapter({ sweepIntervalMs: 0, maxValueBytes: 10 });
    const args = Object.freeze(['1', 'x'.repeat(11)]);
    expect(await big.eval(echo, ['k'], args)).toEqual(['1', 'x'.repeat(11)]);
    for (let i = 0; i < 2; i++) {
      await expect(small.eval(echo, ['k'], args)).rejects.toMatchObject({ code: 'E_VALUE_TOO_LARGE' });
    }
    await Promise.all([big.close(), small.close()]);
  });

  it('frozen keys and ARGV with a lone surrogate are rejected every time', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const keys = Object.freeze(['ok', 'bad\uD800']);
    const args = Object.freeze(['bad\uDC00']);
    for (let i = 0; i < 2; i++) {
      await expect(store.eval(echo, keys, ['1'])).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
      await expect(store.eval(echo, ['k'], args)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    }
    await store.close();
  });

  it('a frozen ARGV with numbers is still converted, not passed through', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const args = Object.freeze([1, '2', 0.5]);
    for (let i = 0; i < 2; i++) expect(await store.eval(echo, ['k'], args)).toEqual(['1', '2', '0.5']);
    await store.close();
  });

  it('a twin calling an inherited property name gets an unknown-command error', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const script = defineScript({ name: `call-${name}`, lua: '', twin: (ctx) => ctx.call(name, 'x') });
      await expect(store.eval(script, [])).rejects.toThrow(/unknown command/);
    }
    await store.close();
  });

  it('the per-identifier key memo survives being cleared, and long identifiers still hash', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const limiter = createRateLimiter({ store, limit: 1, window: 60_000 });
    expect((await limiter.limit('first')).allowed).toBe(true);
    // More identifiers than the memo holds (4,096): it is cleared on the way.
    for (let i = 0; i < 5000; i++) await limiter.limit(`id-${i}`);
    const again = await limiter.limit('first');
    expect(again.allowed).toBe(false);
    expect(again.reason).toBe('limited');
    const long = 'x'.repeat(201);
    expect((await limiter.limit(long)).allowed).toBe(true);
    expect((await limiter.limit(long)).allowed).toBe(false);
    expect(limiter.keys(long)[0]).toMatch(/\{#/);
    await store.close();
  });
});
