import { isKvError, type KvStore, memoryAdapter } from '@raptorflow/core';
import { storeMatrix } from '@raptorflow/core/testing';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createCheckRateLimit,
  createRateLimiter,
  fetchRateLimit,
  ipKey,
  nodeRateLimit,
  trustedProxies,
} from '../src/index.js';
import { legacyIdentifier } from '../src/legacy.js';
import { uniquePrefix } from './stores.js';

/*
 * Issue 20's rate-limit findings 6, 8, 9, 11 and 12: bad input is a typed error (a rejection
 * from a promise-returning API, never a synchronous throw), never a shared or silently
 * ignored counter.
 */

afterEach(() => {
  vi.useRealTimers();
});

/** `p` rejects with a KvError of `code` whose message is readable. */
async function rejectsWith(p: unknown, code: string, message?: RegExp): Promise<void> {
  expect(p).toBeInstanceOf(Promise);
  const error = await (p as Promise<unknown>).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isKvError(error), String(error)).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  if (message) expect((error as Error).message).toMatch(message);
}

/** `fn` throws a KvError of `code` synchronously (factories). */
function throwsWith(fn: () => unknown, code: string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(isKvError(error), String(error)).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

for (const target of storeMatrix()) {
  describe(target.name, () => {
    let store: KvStore;
    beforeAll(async () => {
      store = await target.create();
    });
    const make = (extra: Partial<Parameters<typeof createRateLimiter>[0]> = {}) =>
      createRateLimiter({ store, limit: 2, window: '1m', prefix: uniquePrefix('bad'), ...extra });

    it('a Symbol or BigInt cost is E_INVALID_ARGUMENT with a readable message (finding 6)', async () => {
      const rl = make();
      await rejectsWith(rl.limit('u', { cost: Symbol('s') as never }), 'E_INVALID_ARGUMENT', /Symbol\(s\)/);
      await rejectsWith(rl.limit('u', { cost: 2n as never }), 'E_INVALID_ARGUMENT', /2n/);
      await rejectsWith(rl.peek('u', { cost: {} as never }), 'E_INVALID_ARGUMENT', /an object/);
    });

    it('a per-call limit that is not a number is refused, not ignored (finding 8)', async () => {
      const rl = make({ blockCache: { max: 10 } });
      for (const limit of [{}, true, 'x', [], [1, 2], [Number.NaN], Symbol('l')]) {
        await rejectsWith(rl.limit('u', { limit: limit as never }), 'E_INVALID_ARGUMENT', /limit: /);
      }
      // Nothing was taken by the refused calls.
      expect((await rl.limit('u')).remaining).toBe(1);
    });

    it('while the identifier is in the block cache, a bad per-call limit still fails (finding 8)', async () => {
      const rl = make({ limit: 1, blockCache: { max: 10 } });
      await rl.limit('u');
      expect((await rl.limit('u')).reason).toBe('limited');
      expect((await rl.limit('u')).reason).toBe('cache-block');
      await rejectsWith(rl.limit('u', { limit: Number.NaN }), 'E_INVALID_ARGUMENT', /NaN/);
      await rejectsWith(rl.limit('u', { cost: 0.5 }), 'E_INVALID_ARGUMENT');
    });

    it('limitFor answers are checked like per-call limits', async () => {
      const rl = make({ limitFor: () => ({}) as never });
      await rejectsWith(rl.limit('u'), 'E_INVALID_ARGUMENT', /limitFor\(\) returned/);
    });

    it('identifiers: lone surrogates get their own counters, bad types are refused (finding 9)', async () => {
      const rl = make({ limit: 1, blockCache: false });
      for (const id of ['x\uD800', 'x\uDBFF', 'x\uDC00', 'x\uFFFD'])
        expect((await rl.limit(id)).allowed).toBe(true);
      for (const bad of [undefined, null, 5, '', Symbol('id'), {}]) {
        await rejectsWith(rl.limit(bad as never), 'E_INVALID_ARGUMENT', /identifier/);
        await rejectsWith(rl.reset(bad as never), 'E_INVALID_ARGUMENT', /identifier/);
      }
    });

    it('checkRateLimit: user_id undefined is refused; endpoints with NUL do not collide (finding 9)', async () => {
      const check = createCheckRateLimit({ store, prefix: uniquePrefix('legacy') });
      const base = { endpoint: '/a', limit: 1, window_seconds: 60 };
      await rejectsWith(check({ ...base, user_id: undefined as never }), 'E_INVALID_ARGUMENT', /user_id/);
      // The user "undefined" was not charged by the refused call.
      expect((await check({ ...base, user_id: 'undefined' })).allowed).toBe(true);
      expect((await check({ ...base, endpoint: '/a', user_id: 'b\0c' })).allowed).toBe(true);
      expect((await check({ ...base, endpoint: '/a\0b', user_id: 'c' })).allowed).toBe(true);
      expect(legacyIdentifier('/a', 'b\0c')).not.toBe(legacyIdentifier('/a\0b', 'c'));
      expect(legacyIdentifier('/api/chat', 'u1')).toBe('/api/chat\0u1'); // old keys kept
      for (const bad of [undefined, null, 'x', { ...base, user_id: 'u', limit: 0 }]) {
        await rejectsWith(check(bad as never), 'E_INVALID_ARGUMENT');
      }
    });

    it('a limitFor that never settles is a timeout under the failure policy (finding 8)', async () => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
      const rl = make({ limitFor: () => new Promise<number>(() => {}), timeout: '200ms' });
      const p = rl.limit('u');
      let settled = false;
      void p.then(() => {
        settled = true;
      });
      await vi.advanceTimersByTimeAsync(150);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(200);
      const r = await p;
      expect([r.allowed, r.reason, r.error?.code]).toEqual([false, 'timeout', 'E_TIMEOUT']);
    });
  });
}

describe('factories and HTTP helpers (findings 11 and 12)', () => {
  it('createCheckRateLimit(undefined) and other bad options are E_INVALID_OPTIONS', () => {
    throwsWith(() => createCheckRateLimit(undefined as never), 'E_INVALID_OPTIONS');
    throwsWith(() => createCheckRateLimit({ store: {} as never }), 'E_INVALID_OPTIONS');
    throwsWith(() => createRateLimiter(undefined as never), 'E_INVALID_OPTIONS');
    throwsWith(() => nodeRateLimit(undefined as never, { key: () => 'k' }), 'E_INVALID_OPTIONS');
    throwsWith(
      () => fetchRateLimit({ limit: async () => ({}) } as never, undefined as never),
      'E_INVALID_OPTIONS',
    );
    throwsWith(() => trustedProxies('10.0.0.0/8' as never), 'E_INVALID_OPTIONS');
    throwsWith(() => ipKey(undefined as never), 'E_INVALID_ARGUMENT');
  });

  it('nodeRateLimit calls next once when next() throws', async () => {
    const rl = createRateLimiter({
      store: memoryAdapter({ sweepIntervalMs: 0 }),
      limit: 5,
      window: '1m',
    });
    const mw = nodeRateLimit(rl, { key: () => 'k' });
    const res = { statusCode: 200, setHeader: () => undefined, end: () => undefined };
    const calls: unknown[][] = [];
    const next = (...args: unknown[]) => {
      calls.push(args);
      throw new Error('handler failed');
    };
    await expect(mw({}, res, next)).rejects.toThrow('handler failed');
    expect(calls).toEqual([[]]);
  });

  it('NAT64 clients are keyed by their embedded IPv4, as IPv4-mapped ones are', () => {
    expect(ipKey('64:ff9b::c000:0201')).toBe('192.0.2.1');
    expect(ipKey('64:ff9b::192.0.2.2')).toBe('192.0.2.2');
    expect(ipKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(ipKey('2001:db8::1')).toBe('2001:db8::/56');
  });
});
