import { memoryAdapter, withL1 } from '@raptorflow/core';
import { type FeatureEvent, featureEvents } from '@raptorflow/core/kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CacheStatus, createCache } from '../src/index.js';

/*
 * The kit's feature events: every cache operation is one `operation` event on the store's hub,
 * and with nobody listening the cache neither reads the clock for it nor emits anything.
 */

afterEach(() => {
  vi.restoreAllMocks();
});

async function everyOperation(store = memoryAdapter()): Promise<void> {
  const cache = createCache({ store, namespaces: { p: { ttl: '1m', jitter: 0 } } });
  const ws = cache.workspace('acme');
  const ns = ws.namespace<string>('p');
  await ns.set('a', 'A');
  await ns.get('a');
  await ns.get('missing');
  await ns.getOrSet('b', () => 'B');
  await ns.getOrSet('b', () => 'B');
  await ns.getMany(['a', 'b', 'c']);
  await ns.setMany([{ key: 'c', value: 'C' }]);
  await ns.delete('a');
  await ns.delete('a');
  await ws.invalidateTags(['t']);
  await ws.clearNamespace('p');
  await expect(ns.get('')).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
}

describe('feature events (featureEvents(store))', () => {
  it('reads no clock and emits nothing when nobody listens', async () => {
    const store = memoryAdapter();
    const hub = featureEvents(store);
    const emit = vi.spyOn(hub, 'emit');
    const now = vi.spyOn(performance, 'now');
    await everyOperation(store);
    expect(now).not.toHaveBeenCalled();
    expect(emit).not.toHaveBeenCalled();
    // The spy is live: the same run with a listener reads the clock.
    hub.on('operation', () => {});
    await everyOperation(store);
    expect(now).toHaveBeenCalled();
    expect(emit).toHaveBeenCalled();
    await store.close();
  });

  it('emits one event per operation with its outcome, the workspace as tenant and a duration', async () => {
    const store = memoryAdapter();
    const seen: FeatureEvent[] = [];
    featureEvents(store).on('operation', (e) => seen.push(e));
    await everyOperation(store);
    expect(seen.map((e) => `${e.operation}:${e.outcome}`)).toEqual([
      'set:ok',
      'get:hit',
      'get:miss',
      'getOrSet:miss',
      'getOrSet:hit',
      'getMany:partial',
      'setMany:ok',
      'delete:deleted',
      'delete:absent',
      'invalidateTags:ok',
      'clearNamespace:ok',
      'get:error',
    ]);
    for (const e of seen) {
      expect(e.feature).toBe('cache');
      expect(e.tenant).toBe('acme');
      expect(e.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(seen[0]?.detail).toEqual({ workspace: 'acme', namespace: 'p' });
    expect(seen[9]?.detail).toBeUndefined(); // tags are workspace-wide
    expect(seen.at(-1)?.error).toBe('E_INVALID_ARGUMENT');
    await store.close();
  });

  it('reports an L1 hit as l1-hit taking 0 ms, and fills in the caller own status too', async () => {
    const store = withL1(memoryAdapter(), { channel: false });
    const seen: FeatureEvent[] = [];
    // One hub per underlying store: listening on the inner store sees the L1 stack's events.
    featureEvents(store).on('operation', (e) => seen.push(e));
    const ns = createCache({ store }).workspace('acme').namespace<string>('p');
    await ns.set('k', 'v');
    let status: CacheStatus = {};
    for (let i = 0; i < 5 && status.result !== 'l1-hit'; i++) {
      status = {};
      await ns.get('k', { status });
    }
    expect(status.result).toBe('l1-hit');
    // Answered from process memory, nothing awaited: reported as 0 ms, no clock read for it.
    expect(seen.at(-1)).toMatchObject({ operation: 'get', outcome: 'l1-hit', durationMs: 0 });
    await store.close();
  });
});
