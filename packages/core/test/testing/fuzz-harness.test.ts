import { createFuzzHarness } from '@raptorflow/core/testing';
import { describe, expect, it } from 'vitest';
import { KvError } from '../../src/index.js';

describe('createFuzzHarness: the bad-input contract, call by call', () => {
  it('counts a value as ok and a KvError by its code', async () => {
    const fuzz = createFuzzHarness();
    expect(await fuzz.promised('get', async () => 'v')).toEqual({ ok: true, value: 'v' });
    expect(
      await fuzz.promised('get', () => Promise.reject(new KvError('E_INVALID_ARGUMENT', 'bad'))),
    ).toEqual({ ok: false, code: 'E_INVALID_ARGUMENT' });
    expect(fuzz.sync('make', () => 1)).toEqual({ ok: true, value: 1 });
    expect(
      fuzz.sync('make', () => {
        throw new KvError('E_INVALID_OPTIONS', 'bad');
      }),
    ).toEqual({ ok: false, code: 'E_INVALID_OPTIONS' });
    expect(Object.fromEntries(fuzz.outcomes)).toEqual({
      'get ok': 1,
      'get E_INVALID_ARGUMENT': 1,
      'make ok': 1,
      'make E_INVALID_OPTIONS': 1,
    });
    expect(fuzz.report('outcomes')).toBe(
      'outcomes\n  get: ok 1, E_INVALID_ARGUMENT 1\n  make: ok 1, E_INVALID_OPTIONS 1',
    );
  });

  it('fails a promise-returning call that throws synchronously, returns no promise, or rejects with a TypeError', async () => {
    const fuzz = createFuzzHarness();
    await expect(
      fuzz.promised(
        'get',
        () => {
          throw new TypeError('x.trim is not a function');
        },
        'get(5)',
      ),
    ).rejects.toThrow(/get\(5\): threw synchronously \(TypeError: x.trim is not a function\)/);
    await expect(fuzz.promised('get', () => 5)).rejects.toThrow(/returned number, not a promise/);
    await expect(fuzz.promised('get', () => Promise.reject(new TypeError('boom')))).rejects.toThrow(
      /failed with TypeError: boom, not a KvError/,
    );
    expect(() =>
      fuzz.sync('make', () => {
        throw new RangeError('too big');
      }),
    ).toThrow(/not a KvError/);
    expect(Object.fromEntries(fuzz.outcomes)).toEqual({
      'get sync throw': 1,
      'get not a promise': 1,
      'get not a KvError': 1,
      'make not a KvError': 1,
    });
  });

  it('fails a call that never settles (a promise nobody resolves), after timeoutMs', async () => {
    const fuzz = createFuzzHarness({ timeoutMs: 20 });
    await expect(fuzz.promised('limit', () => new Promise(() => {}))).rejects.toThrow(
      /did not settle within 20 ms/,
    );
    expect(fuzz.outcomes.get('limit hang')).toBe(1);
  });

  it("lets the caller's own errors pass through when told which", async () => {
    class LoaderError extends Error {}
    const fuzz = createFuzzHarness({ passThrough: (e) => e instanceof LoaderError });
    expect(await fuzz.promised('getOrSet', () => Promise.reject(new LoaderError('mine')))).toEqual({
      ok: false,
      code: 'passed through',
    });
    expect(fuzz.report('t')).toBe('t\n  getOrSet: passed through 1');
  });

  it('records unhandled rejections between start and stop', async () => {
    const fuzz = createFuzzHarness();
    fuzz.start();
    try {
      Promise.reject(new Error('nobody handles me'));
      await new Promise((resolve) => setTimeout(resolve, 0));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      fuzz.stop();
    }
    expect(fuzz.unhandled.map((e) => (e as Error).message)).toEqual(['nobody handles me']);
  });
});
