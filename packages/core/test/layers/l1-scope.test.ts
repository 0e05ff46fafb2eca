import { describe, expect, it } from 'vitest';
import { memoryAdapter } from '../../src/adapters/memory.js';
import type { Codec } from '../../src/codecs.js';
import { withL1 } from '../../src/layers/l1.js';
import { defineScript } from '../../src/script.js';

/*
 * withL1({ only }): keys outside every prefix pass straight through (never cached, evicted or
 * published); a command with mixed keys evicts and publishes only its in-scope keys. The bus
 * is watched by a plain subscriber on the shared memory backend: every message is counted.
 */

const RAW: Codec<string> = { name: 'raw', encode: (v) => v, decode: (v) => v };
const TOUCH = defineScript({
  name: 'test-touch',
  lua: "for i = 1, #KEYS do redis.call('SET', KEYS[i], 'x') end return #KEYS",
  twin: (ctx, keys) => {
    for (const k of keys) ctx.call('SET', k, 'x');
    return keys.length;
  },
});

async function setup() {
  const base = memoryAdapter({ sweepIntervalMs: 0 });
  const messages: string[][] = [];
  await base.subscribe('inv', (message) => {
    messages.push(JSON.parse(message.slice(message.indexOf(':') + 1)) as string[]);
  });
  const store = withL1(base, { channel: 'inv', only: ['cache:', 'sess:'] });
  await store.l1.ready;
  /** Flush the bus, then the keys published since the last call. */
  const published = async (): Promise<string[]> => {
    await store.l1.flush();
    // Memory delivers messages on a 0 ms timer: one queued after it runs after delivery.
    await new Promise((r) => setTimeout(r, 0));
    return messages.splice(0).flat().sort();
  };
  return { base, store, published };
}

describe('withL1 only', () => {
  it('validates: a non-empty array of non-empty strings', () => {
    for (const only of [[], [''], 'cache:', [1]]) {
      expect(() => withL1(memoryAdapter(), { only } as never)).toThrow(
        expect.objectContaining({
          code: 'E_INVALID_OPTIONS',
          message: expect.stringMatching(/withL1: only(\.0)?: /),
        }),
      );
    }
  });

  it('serves and caches only keys under its prefixes', async () => {
    const { store } = await setup();
    await store.mset({ 'cache:a': '1', 'rf:rl:x': '2', 'sess:s': '3' });
    expect(await store.get('cache:a')).toBe('1');
    expect(await store.get('rf:rl:x')).toBe('2');
    expect(await store.mget(['sess:s', 'rf:rl:x'])).toEqual(['3', '2']);
    // Out-of-scope reads are not L1 misses: they never reached it.
    expect(store.l1.stats).toMatchObject({ misses: 2, size: 2 });
    expect(await store.mget(['rf:rl:x'])).toEqual(['2']);
    expect(store.l1.stats.misses).toBe(2);
    expect(store.l1.peekDecoded('cache:a', RAW)).toBe('1');
    expect(store.l1.peekDecoded('sess:s', RAW)).toBe('3');
    expect(store.l1.peekDecoded('rf:rl:x', RAW)).toBeUndefined();
  });

  it('out-of-scope commands, scripts and batch entries evict and publish nothing', async () => {
    const { store, published } = await setup();
    await store.set('cache:a', '1');
    await store.get('cache:a');
    await published();
    const { invalidations } = store.l1.stats;
    await store.set('rf:rl:x', '1');
    await store.incrBy('rf:rl:n', 1);
    await store.eval(TOUCH, ['rf:rl:x', 'lock:y']);
    await store.batch().set('rf:rl:x', '2').eval(TOUCH, ['q:1']).exec();
    expect(await published()).toEqual([]);
    expect(store.l1.stats.invalidations).toBe(invalidations);
    expect(store.l1.peekDecoded('cache:a', RAW)).toBe('1');
  });

  it('a command with mixed keys evicts and publishes only its in-scope keys', async () => {
    const { store, published } = await setup();
    await store.mset({ 'cache:a': '1', 'sess:s': '1' });
    await store.mget(['cache:a', 'sess:s']);
    await published();
    await store.del(['cache:a', 'rf:rl:x']);
    expect(await published()).toEqual(['cache:a']);
    expect(store.l1.peekDecoded('cache:a', RAW)).toBeUndefined();
    expect(store.l1.peekDecoded('sess:s', RAW)).toBe('1');
    await store.eval(TOUCH, ['sess:s', 'lock:y']);
    await store.batch().set('cache:b', '2').set('rf:rl:z', '2').exec();
    expect(await published()).toEqual(['cache:b', 'sess:s']);
  });

  it('keys are relative to the wrapped store; views below it see the same scope', async () => {
    const base = memoryAdapter({ sweepIntervalMs: 0 });
    const store = withL1(base.namespace('app:'), { only: ['cache:'], channel: false });
    await store.set('cache:a', '1');
    await store.get('cache:a');
    expect(store.l1.peekDecoded('cache:a', RAW)).toBe('1');
    const view = store.namespace('cache:');
    expect(await view.get('a')).toBe('1');
    expect(view.l1.peekDecoded('a', RAW)).toBe('1');
    await store.namespace('rf:').set('x', '1');
    await store.namespace('rf:').get('x');
    expect(store.l1.stats.size).toBe(1);
  });
});
