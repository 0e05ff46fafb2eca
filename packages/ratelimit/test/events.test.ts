import { instrument, memoryAdapter } from '@raptorflow/core';
import { type FeatureEvent, featureEvents } from '@raptorflow/core/kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRateLimiter } from '../src/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('rate-limit events', () => {
  it('with no listener, a call reads no clock (neither performance.now nor Date.now)', async () => {
    const store = memoryAdapter({ clock: () => 1_700_000_000_000, sweepIntervalMs: 0 });
    const limiter = createRateLimiter({ store, limit: 5, window: '1m' });
    await limiter.limit('warm');
    const perf = vi.spyOn(performance, 'now');
    const date = vi.spyOn(Date, 'now');
    expect((await limiter.limit('alice')).allowed).toBe(true);
    await limiter.peek('alice');
    await limiter.reset('alice');
    expect(perf).not.toHaveBeenCalled();
    expect(date).not.toHaveBeenCalled();
    // With a listener, a call that awaits the store is timed: the spy can see a read.
    const off = featureEvents(store).on('operation', () => {});
    await limiter.reset('alice');
    expect(perf).toHaveBeenCalled();
    off();
    await store.close();
  });

  it('an answer given in the call itself (memory) is reported at once as 0 ms, with no clock read', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const limiter = createRateLimiter({ store, limit: 1, window: '1m' });
    const seen: FeatureEvent[] = [];
    const off = featureEvents(store).on('operation', (e) => seen.push(e));
    await limiter.limit('warm');
    const perf = vi.spyOn(performance, 'now');
    const allowed = limiter.limit('bob');
    // Before the promise settles: no hop between the answer and its event.
    expect(seen.at(-1)).toMatchObject({ operation: 'limit', outcome: 'allowed', durationMs: 0 });
    await allowed;
    const denied = limiter.limit('bob');
    expect(seen.at(-1)).toMatchObject({ operation: 'limit', outcome: 'denied', durationMs: 0 });
    expect((await denied).allowed).toBe(false);
    const peeked = limiter.peek('bob');
    expect(seen.at(-1)).toMatchObject({ operation: 'peek', durationMs: 0 });
    await peeked;
    expect(perf).not.toHaveBeenCalled();
    // Through an instrument layer the store answers asynchronously: the call is timed.
    const timed = createRateLimiter({ store: instrument(store), limit: 5, window: '1m' });
    await timed.limit('carol');
    expect(perf).toHaveBeenCalled();
    expect(seen.at(-1)).toMatchObject({ operation: 'limit', outcome: 'allowed' });
    expect(seen.at(-1)?.durationMs).toBeGreaterThan(0);
    off();
    await store.close();
  });

  it('one event per call, in the kit shape, on the hub of the store (views included)', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const limiter = createRateLimiter({ store: store.namespace('app:'), limit: 1, window: '1m' });
    const seen: FeatureEvent[] = [];
    const off = featureEvents(store).on('operation', (e) => seen.push(e));
    await limiter.limit('secret-user@example.com', { tenant: 'acme' });
    await limiter.limit('secret-user@example.com', { cost: 1 });
    await limiter.peek('secret-user@example.com');
    await limiter.reset('secret-user@example.com');
    await expect(limiter.limit('secret-user@example.com', { cost: 0.5 })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
    });
    off();
    expect(seen.map((e) => [e.feature, e.operation, e.outcome, e.tenant, e.error])).toEqual([
      ['ratelimit', 'limit', 'allowed', 'acme', undefined],
      ['ratelimit', 'limit', 'denied', undefined, undefined],
      ['ratelimit', 'peek', 'allowed', undefined, undefined], // cost 0 always fits
      ['ratelimit', 'reset', 'done', undefined, undefined],
      ['ratelimit', 'limit', 'error', undefined, 'E_INVALID_ARGUMENT'],
    ]);
    // Unnamed, a limiter is labelled by its algorithm: never by a key or an identifier.
    expect(seen[0]?.detail).toEqual({ remaining: 0, reason: 'allowed', limiter: 'gcra' });
    expect(seen[1]?.detail).toEqual({ remaining: 0, reason: 'limited', limiter: 'gcra' });
    expect(seen[3]?.detail).toEqual({ limiter: 'gcra' });
    expect(seen[4]?.detail).toEqual({ limiter: 'gcra' });
    for (const e of seen) expect(e.durationMs).toBeGreaterThanOrEqual(0);
    // Privacy: the identifier is in no event.
    expect(JSON.stringify(seen)).not.toContain('secret-user');
    await store.close();
  });

  it('carries the name option as detail.limiter; a name that is not a fixed label is refused', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const login = createRateLimiter({ store, name: 'login', limit: 1, window: '1m' });
    const api = createRateLimiter({ store, name: 'api', algorithm: 'fixed-window', limit: 5, window: '1m' });
    const seen: FeatureEvent[] = [];
    const off = featureEvents(store).on('operation', (e) => seen.push(e));
    await login.limit('u');
    await login.limit('u');
    await api.limit('u');
    off();
    expect(seen.map((e) => [e.outcome, e.detail?.limiter])).toEqual([
      ['allowed', 'login'],
      ['denied', 'login'],
      ['allowed', 'api'],
    ]);
    for (const name of ['', 'user 42', 'a'.repeat(65), 'x{y}']) {
      expect(() => createRateLimiter({ store, name, limit: 1, window: '1m' })).toThrow(
        expect.objectContaining({ code: 'E_INVALID_OPTIONS', message: expect.stringContaining('name') }),
      );
    }
    await store.close();
  });
});
