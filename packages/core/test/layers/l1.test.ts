import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryAdapter } from '../../src/adapters/memory.js';
import { jsonCodec } from '../../src/codecs.js';
import { isKvError } from '../../src/errors.js';
import { type L1Cache, l1Of, withL1 } from '../../src/layers/l1.js';
import { createStore } from '../../src/store.js';
import type { KvStore } from '../../src/types.js';
import { gateDriver } from '../fixtures/layers-gate-driver.js';

function stack(options: Parameters<typeof withL1>[1] = {}) {
  const base = memoryAdapter({ sweepIntervalMs: 0 });
  const gate = gateDriver(base.driver);
  const backing: KvStore = createStore(gate);
  const store = withL1(backing, { channel: false, ...options });
  return { base, gate, store };
}

describe('withL1 reads', () => {
  it('serves a repeated get from L1 with zero round trips', async () => {
    const { base, gate, store } = stack();
    await base.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    const before = gate.calls;
    for (let i = 0; i < 100; i++) expect(await store.get('k')).toBe('v');
    expect(gate.calls - before).toBe(0);
    expect(store.l1.stats).toMatchObject({ hits: 100, misses: 1, size: 1 });
  });

  it('reads the value and its PTTL in one script call on a miss', async () => {
    const { base, gate, store } = stack();
    await base.set('k', 'v');
    await store.get('k');
    expect(gate.log).toEqual(['script:rf-l1-read']);
  });

  it('with storeTtl ignore, a miss is a single GET', async () => {
    const { base, gate, store } = stack({ storeTtl: 'ignore' });
    await base.set('k', 'v');
    await store.get('k');
    expect(gate.log).toEqual(['GET']);
  });

  it('does not cache missing keys', async () => {
    const { gate, store } = stack();
    expect(await store.get('nope')).toBeNull();
    expect(await store.get('nope')).toBeNull();
    expect(gate.calls).toBe(2);
    expect(store.l1.stats.size).toBe(0);
  });

  it('mget serves hits from L1 and fetches only the misses in one round trip', async () => {
    const { base, gate, store } = stack();
    await base.mset({ a: '1', b: '2', c: '3' });
    await store.get('a');
    gate.log.length = 0;
    expect(await store.mget(['a', 'b', 'missing', 'c', 'b'])).toEqual(['1', '2', null, '3', '2']);
    expect(gate.log).toEqual(['script:rf-l1-read']); // one script: MGET b missing c + 3 PTTLs
    gate.log.length = 0;
    expect(await store.mget(['a', 'b', 'c'])).toEqual(['1', '2', '3']);
    expect(gate.calls).toBe(0);
  });

  it('keeps GET and MGET semantics for keys of another type', async () => {
    const { base, store } = stack();
    await base.hset('h', { f: 'v' });
    await expect(store.get('h')).rejects.toMatchObject({ code: 'E_WRONG_TYPE' });
    expect(await store.mget(['h'])).toEqual([null]);
    expect(await store.mget(['h', 'nope'])).toEqual([null, null]);
  });

  // Both clocks on one fake time: the store's (`Date.now`, read by the memory adapter) and L1's
  // (`performance.now`). The 30 ms cannot run out between the write and the read that fills L1,
  // however slow the machine; the clock moves only when the test moves it. No timer is faked:
  // none runs, so nothing but the clock reads can expire the copy.
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never keeps a value longer than its TTL in the store', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const { base, store } = stack({ ttl: 60_000 });
    await base.set('short', 'v', { ttl: 30 });
    expect(await store.get('short')).toBe('v');
    vi.advanceTimersByTime(29);
    expect(await base.pttl('short')).toBe(1);
    expect(await store.get('short')).toBe('v');
    // The store's expiry instant: the key is still alive there with PTTL 0, as on Redis
    // (gone only once now > expiry). L1's copy has already ended, so the read goes to the store.
    vi.advanceTimersByTime(1);
    expect(await base.pttl('short')).toBe(0);
    expect(await store.get('short')).toBe('v');
    expect(store.l1.stats.expirations).toBe(1);
    vi.advanceTimersByTime(1);
    expect(await base.pttl('short')).toBe(-2);
    expect(await store.get('short')).toBeNull();
    expect(store.l1.stats.expirations).toBe(1);
  });

  it('expires on time even in a busy loop of hits that never lets timers run', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const { base, store } = stack({ ttl: 60_000 });
    await base.set('busy', 'v', { ttl: 20 });
    expect(await store.get('busy')).toBe('v');
    // Microtasks only: a clock cached until a timer fires would freeze here and serve 'v' forever.
    // The clock moves 1 ms per hit (no timer runs: none is faked, and the loop never yields to
    // one); within 1000 ms of that clock the copy must be gone.
    let expiredAt: number | undefined;
    for (let ms = 0; ms <= 1000; ms++) {
      if ((await store.get('busy')) === null) {
        expiredAt = ms;
        break;
      }
      vi.advanceTimersByTime(1);
    }
    expect(expiredAt).toBeDefined();
    // The store keeps the key through its expiry millisecond (20), as Redis does: gone at 21.
    expect(expiredAt).toBeLessThanOrEqual(21);
  });

  it('respects max entries and counts evictions', async () => {
    const { base, store } = stack({ max: 2 });
    await base.mset({ a: '1', b: '2', c: '3' });
    await store.get('a');
    await store.get('b');
    await store.get('c');
    expect(store.l1.stats).toMatchObject({ size: 2, evictions: 1 });
  });

  it('does not cache values larger than maxEntryBytes and bounds total bytes', async () => {
    const { base, gate, store } = stack({ maxEntryBytes: 1000, maxBytes: 2000 });
    await base.set('big', 'x'.repeat(600));
    await store.get('big');
    await store.get('big');
    expect(gate.calls).toBe(2);
    await base.mset({ a: 'x'.repeat(300), b: 'x'.repeat(300), c: 'x'.repeat(300), d: 'x'.repeat(300) });
    await store.mget(['a', 'b', 'c', 'd']);
    expect(store.l1.stats.bytes).toBeLessThanOrEqual(2000);
    expect(store.l1.stats.evictions).toBeGreaterThan(0);
  });

  it('rejects bad options naming the field', () => {
    const base = memoryAdapter({ sweepIntervalMs: 0 });
    expect(() => withL1(base, { ttl: 0 })).toThrowError(/withL1: ttl/);
    try {
      withL1(base, { max: -1 });
    } catch (error) {
      expect(isKvError(error, 'E_INVALID_OPTIONS')).toBe(true);
    }
    expect(() => withL1(base, { bogus: 1 } as never)).toThrowError(/E_INVALID_OPTIONS|withL1/);
  });
});

describe('withL1 writes', () => {
  it('evicts a key on any write that names it, so a caller reads its own write', async () => {
    const { store } = stack();
    await store.set('k', 'v1');
    expect(await store.get('k')).toBe('v1');
    await store.set('k', 'v2');
    expect(await store.get('k')).toBe('v2');
    await store.incrBy('n', 1);
    expect(await store.get('n')).toBe('1');
    await store.incrBy('n', 1);
    expect(await store.get('n')).toBe('2');
    await store.del('k');
    expect(await store.get('k')).toBeNull();
    await store.mset({ k: 'a', n: 'b' });
    expect(await store.mget(['k', 'n'])).toEqual(['a', 'b']);
  });

  it('evicts keys named by a batch write', async () => {
    const { store } = stack();
    await store.set('k', 'v1');
    await store.get('k');
    await store.batch().set('k', 'v2').get('k').exec();
    expect(await store.get('k')).toBe('v2');
  });

  it('a read in flight during a write does not re-insert the old value', async () => {
    const { base, gate, store } = stack();
    await base.set('k', 'old');
    gate.hold();
    const staleRead = store.get('k'); // sent before the write: may see "old"
    const write = store.set('k', 'new');
    await gate.release();
    expect(await staleRead).toBe('old');
    await write;
    expect(await store.get('k')).toBe('new');
    expect(await store.get('k')).toBe('new');
  });

  it('a stale reply that arrives after the write completed is not cached (epoch check)', async () => {
    const { base, gate, store } = stack();
    await base.set('k', 'old');
    gate.hold();
    const staleRead = store.get('k');
    await base.set('k', 'new'); // another connection's write, reply delivered first below
    const write = store.set('k', 'new');
    await gate.release(true);
    await write;
    expect(await staleRead).toBe('old');
    expect(store.l1.stats.size).toBe(0);
    expect(await store.get('k')).toBe('new');
  });

  it('a read sent while a write is in flight is not cached', async () => {
    const { base, gate, store } = stack();
    await base.set('k', 'old');
    gate.hold();
    const write = store.set('k', 'new');
    const read = store.get('k');
    await gate.release();
    await Promise.all([write, read]);
    const calls = gate.calls;
    expect(await store.get('k')).toBe('new');
    // Whatever the read saw, the value served now came from the store after the write.
    expect(gate.calls).toBeGreaterThanOrEqual(calls);
  });

  it('evicts even when the write fails', async () => {
    const { base, store } = stack();
    await base.set('k', 'v');
    await store.get('k');
    await expect(store.lpush('k', 'x')).rejects.toMatchObject({ code: 'E_WRONG_TYPE' });
    expect(store.l1.stats.size).toBe(0);
  });
});

describe('withL1 decoded values', () => {
  it('keeps a frozen decoded form so a hit costs no parsing', async () => {
    const { base, store } = stack();
    const codec = jsonCodec<{ n: number; list: number[] }>();
    let decodes = 0;
    const counting = {
      ...codec,
      decode: (s: string) => {
        decodes++;
        return codec.decode(s);
      },
    };
    await base.set('j', JSON.stringify({ n: 1, list: [1, 2] }));
    const a = await store.l1.getDecoded('j', counting);
    const b = await store.l1.getDecoded('j', counting);
    expect(a).toEqual({ n: 1, list: [1, 2] });
    expect(b).toBe(a);
    expect(decodes).toBe(1);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a?.list)).toBe(true);
    expect(() => {
      (a as { n: number }).n = 2;
    }).toThrow(TypeError);
    expect(store.l1.peekDecoded('j', counting)).toBe(a);
  });

  it('clone mode hands each caller its own copy', async () => {
    const { base, store } = stack({ protect: 'clone' });
    const codec = jsonCodec<{ n: number }>();
    await base.set('j', '{"n":1}');
    const a = await store.l1.getDecoded('j', codec);
    const b = await store.l1.getDecoded('j', codec);
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    (a as { n: number }).n = 5;
    expect((await store.l1.getDecoded('j', codec))?.n).toBe(1);
  });

  it('works through namespace views, which share the L1', async () => {
    const { gate, store } = stack();
    const ns = store.namespace('app:');
    await ns.set('x', '"hello"');
    expect(await ns.l1.getDecoded('x', jsonCodec<string>())).toBe('hello');
    const calls = gate.calls;
    expect(await ns.get('x')).toBe('"hello"');
    expect(await store.get('app:x')).toBe('"hello"');
    expect(gate.calls).toBe(calls);
    // The alias of findLayer: keys relative to the view, like ns.l1.
    const codec = jsonCodec<string>();
    expect(l1Of(ns)?.peekDecoded('x', codec)).toBe(ns.l1.peekDecoded('x', codec));
    expect(ns.l1.peekDecoded('x', codec)).toBe('hello');
    expect(l1Of(memoryAdapter())).toBeUndefined();
  });
});

describe('withL1 resolved keys (key(k), for callers that read the same key again and again)', () => {
  const raw = { name: 'raw', encode: (v: string) => v, decode: (v: string) => v };

  it('reads the entry of the view key it was made from, counted like a string key, and stays valid across writes', async () => {
    const { base, gate, store } = stack();
    const view = store.namespace('app:');
    await base.mset({ 'app:k': '1', k: 'root' });
    expect(await view.get('k')).toBe('1');
    const key = view.l1.key('k');
    const before = store.l1.stats;
    const calls = gate.calls;
    expect(view.l1.peekDecoded(key, raw)).toBe('1');
    expect(view.l1.peekDecodedUntil(key, raw)?.value).toBe('1');
    expect(view.l1.peekDecoded(key, raw, Number.POSITIVE_INFINITY)).toBe('1');
    expect(store.l1.stats.hits - before.hits).toBe(3);
    expect(gate.calls).toBe(calls);
    // It names the key, not the copy: after a write it misses, then finds the new value.
    await view.set('k', '2');
    expect(view.l1.peekDecoded(key, raw)).toBeUndefined();
    expect(store.l1.stats.misses - before.misses).toBe(1);
    expect(await view.get('k')).toBe('2');
    expect(view.l1.peekDecoded(key, raw)).toBe('2');
    // The root key `k` was never read through L1: the view's prefix is in the resolved key.
    expect(store.l1.peekDecoded('k', raw)).toBeUndefined();
  });

  it('found through findLayer on nested views, it holds every prefix, and names the same key in any view', async () => {
    const { store } = stack();
    const nested = store.namespace('a:').namespace('b:');
    await nested.set('k', 'x');
    expect(await nested.get('k')).toBe('x');
    const l1 = l1Of(nested) as L1Cache;
    const key = l1.key('k');
    expect(l1.peekDecoded(key, raw)).toBe('x');
    expect(l1.peekDecodedUntil(key, raw)?.value).toBe('x');
    expect(store.l1.peekDecoded(key, raw)).toBe('x');
    expect(store.l1.peekDecoded(store.l1.key('a:b:k'), raw)).toBe('x');
    expect(store.l1.peekDecoded(store.l1.key('a:k'), raw)).toBeUndefined();
  });

  it('answers nothing once the store is closing', async () => {
    const { base, store } = stack();
    await base.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    const key = store.l1.key('k');
    expect(store.l1.peekDecoded(key, raw)).toBe('v');
    const closing = store.close();
    expect(store.l1.peekDecoded(key, raw)).toBeUndefined();
    expect(store.l1.peekDecodedUntil(key, raw)).toBeUndefined();
    await closing;
  });
});

describe('withL1 epoch and peekDecodedUntil (what a caller may derive from L1)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the epoch moves when an entry leaves or is replaced, not on hits or new entries', async () => {
    const { base, store } = stack();
    await base.mset({ a: '1', b: '2' });
    const l1 = store.l1;
    const raw = { name: 'raw', encode: (v: string) => v, decode: (v: string) => v };
    expect(await store.get('a')).toBe('1');
    let epoch = l1.epoch;
    expect(await store.get('b')).toBe('2'); // a new entry
    for (let i = 0; i < 10; i++) expect(await store.get('a')).toBe('1');
    expect(l1.peekDecoded('a', raw)).toBe('1');
    expect(l1.epoch).toBe(epoch);
    await store.set('a', '3'); // a write that names a held key
    expect(l1.epoch).toBeGreaterThan(epoch);
    epoch = l1.epoch;
    await store.set('never-read', 'x'); // names a key L1 does not hold: nothing left
    expect(l1.epoch).toBe(epoch);
    l1.clear();
    expect(l1.epoch).toBeGreaterThan(epoch);
    // Views share it.
    expect(store.namespace('v:').l1.epoch).toBe(l1.epoch);
  });

  it('peekDecodedUntil gives the copy with its expiry; peekDecoded(notAfter) answers null past it, uncounted', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const { base, store } = stack({ ttl: 1000 });
    await base.set('g', '7');
    expect(await store.get('g')).toBe('7');
    const raw = { name: 'raw', encode: (v: string) => v, decode: (v: string) => v };
    const seen = store.l1.peekDecodedUntil('g', raw);
    expect(seen?.value).toBe('7');
    const until = seen?.until as number;
    expect(until).toBeGreaterThan(performance.now());
    expect(until - performance.now()).toBeLessThanOrEqual(1000);
    await base.set('e', 'entry');
    vi.advanceTimersByTime(500);
    expect(await store.get('e')).toBe('entry'); // cached until now + 1000 > until
    const before = store.l1.stats;
    expect(store.l1.peekDecoded('e', raw, until)).toBe('entry');
    expect(store.l1.peekDecoded('missing', raw, until)).toBeUndefined();
    vi.advanceTimersByTime(until - performance.now());
    const epoch = store.l1.epoch;
    expect(store.l1.peekDecoded('e', raw, until)).toBeNull();
    expect(store.l1.peekDecoded('e', raw)).toBe('entry');
    const after = store.l1.stats;
    // The null answer counted nothing: two hits and one miss in all.
    expect(after.hits - before.hits).toBe(2);
    expect(after.misses - before.misses).toBe(1);
    // 'g' has expired (same instant as `until`): looking it up drops it and moves the epoch.
    expect(store.l1.peekDecoded('g', raw)).toBeUndefined();
    expect(store.l1.epoch).toBeGreaterThan(epoch);
  });
});

describe('withL1 invalidation bus (in-process stores sharing one memory backend)', () => {
  it('publishes keys after the write and other L1s evict them; own messages are ignored', async () => {
    const base = memoryAdapter({ sweepIntervalMs: 0 });
    const a = withL1(base, { channel: 'inv' });
    const b = withL1(base, { channel: 'inv' });
    const settle = async (): Promise<void> => {
      await a.l1.flush();
      await b.l1.flush();
      await new Promise((r) => setTimeout(r, 20));
    };
    await Promise.all([a.l1.ready, b.l1.ready]);
    await a.set('k', 'v1');
    await settle();
    expect(await b.get('k')).toBe('v1');
    expect(await b.get('k')).toBe('v1');
    expect(b.l1.stats).toMatchObject({ hits: 1, invalidations: 0 });
    await a.set('k', 'v2');
    await settle();
    expect(b.l1.stats.invalidations).toBe(1);
    expect(await b.get('k')).toBe('v2');
    // a caches its own write right away; its own message for that key must not evict it.
    await a.set('own', '1');
    expect(await a.get('own')).toBe('1');
    await settle();
    expect(await a.get('own')).toBe('1');
    expect(a.l1.stats).toMatchObject({ hits: 1, invalidations: 0 });
  });

  it('emits events only to listeners', async () => {
    const { base, store } = stack();
    const seen: string[] = [];
    store.l1.events.on('hit', (e) => seen.push(`hit:${e.key}`));
    store.l1.events.on('miss', (e) => seen.push(`miss:${e.key}`));
    store.l1.events.on('invalidate', (e) => seen.push(`inv:${String(e.keys)}:${e.source}`));
    await base.set('k', 'v');
    await store.get('k');
    await store.get('k');
    await store.del('k');
    expect(seen).toEqual(['miss:k', 'hit:k', 'inv:k:local']);
  });
});

describe('withL1 while it closes', () => {
  it('answers nothing from its copy once close() was called: get, getDecoded and peekDecoded', async () => {
    const { base, store } = stack();
    await base.set('k', '{"a":1}');
    expect(await store.get('k')).toBe('{"a":1}');
    expect(store.l1.peekDecoded('k', jsonCodec())).toEqual({ a: 1 });
    const closing = store.close();
    const during = await Promise.allSettled([store.get('k'), store.l1.getDecoded('k', jsonCodec())]);
    expect(store.l1.peekDecoded('k', jsonCodec())).toBeUndefined();
    await closing;
    for (const result of during) {
      expect(result.status).toBe('rejected');
      expect(isKvError((result as PromiseRejectedResult).reason, 'E_CLOSED')).toBe(true);
    }
  });
});
