import { describe, expect, it } from 'vitest';
import { memoryAdapter } from '../../src/adapters/memory.js';
import { instrument, type KvCallEvent } from '../../src/layers/instrument.js';
import { defineScript } from '../../src/script.js';

const echo = defineScript<string>({
  name: 'echo-key',
  keys: 1,
  lua: 'return KEYS[1]',
  twin: (_ctx, keys) => keys[0],
});

describe('instrument', () => {
  it('emits one event per command and script, with name, keys, error code and adapter', async () => {
    const store = instrument(memoryAdapter({ sweepIntervalMs: 0 }));
    const seen: KvCallEvent[] = [];
    store.events.on('call', (e) => seen.push(e));
    await store.set('k', 'v');
    await store.mget(['k', 'j']);
    await store.eval(echo, ['k']);
    await expect(store.lpush('k', 'x')).rejects.toThrow();
    expect(seen.map((e) => [e.kind, e.name, e.keys, e.error, e.adapter, e.batch])).toEqual([
      ['command', 'SET', 1, undefined, 'memory', 0],
      ['command', 'MGET', 2, undefined, 'memory', 0],
      ['script', 'echo-key', 1, undefined, 'memory', 0],
      ['command', 'LPUSH', 1, 'E_WRONG_TYPE', 'memory', 0],
    ]);
    for (const e of seen) expect(e.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('reports each batch entry with the batch size and its own error', async () => {
    const store = instrument(memoryAdapter({ sweepIntervalMs: 0 }));
    const seen: KvCallEvent[] = [];
    store.events.on('call', (e) => seen.push(e));
    await store.set('s', 'v');
    seen.length = 0;
    await store.batch().get('s').lpush('s', 'x').execSettled();
    expect(seen.map((e) => [e.name, e.batch, e.error])).toEqual([
      ['GET', 2, undefined],
      ['LPUSH', 2, 'E_WRONG_TYPE'],
    ]);
  });

  it('reads no timer when nobody listens', async () => {
    const store = instrument(memoryAdapter({ sweepIntervalMs: 0 }));
    const original = performance.now;
    let reads = 0;
    performance.now = () => {
      reads++;
      return original.call(performance);
    };
    try {
      await store.set('k', 'v');
      await store.get('k');
      expect(reads).toBe(0);
      const off = store.events.on('call', () => {});
      await store.get('k');
      expect(reads).toBeGreaterThan(0);
      off();
      reads = 0;
      await store.get('k');
      expect(reads).toBe(0);
    } finally {
      performance.now = original;
    }
  });
});
