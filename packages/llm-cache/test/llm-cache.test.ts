import { type KvStore, memoryAdapter } from '@raptorflow/core';
import { type FeatureEvent, featureEvents } from '@raptorflow/core/kit';
import { expectCode, randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlmCache } from '../src/index.js';

// memory, ioredis, ioredis Cluster (3 masters), Upstash through the local REST server.
describe.each(storeMatrix())('$name', ({ create }) => {
  let root: KvStore;
  let store: KvStore;
  beforeAll(async () => {
    root = await create();
    // A random namespace per file and store: the Redis entries share one server with other files.
    store = root.namespace(randomPrefix());
  });

  it('counts per id, and the window starts at the first increment', async () => {
    const counters = createLlmCache({ store, window: '1m' });
    expect(await counters.incr('alice')).toEqual({ count: 1, expiresIn: 60_000 });
    const second = await counters.incr('alice', 4);
    expect(second.count).toBe(5);
    expect(second.expiresIn).toBeGreaterThan(0);
    expect(second.expiresIn).toBeLessThanOrEqual(60_000);
    expect(await counters.incr('bob')).toEqual({ count: 1, expiresIn: 60_000 });
  });

  it('keeps its keys at rf:<feature>:{<id>}:<rest>, or under the prefix option', async () => {
    await createLlmCache({ store }).incr('carol', 2);
    expect(await store.get('rf:llm-cache:{carol}:count')).toBe('2');
    await createLlmCache({ store, prefix: 'mine:' }).incr('carol');
    expect(await store.get('mine:{carol}:count')).toBe('1');
  });

  it('refuses a key that holds something else with its own code, and leaves it alone', async () => {
    const counters = createLlmCache({ store, prefix: 'foreign:' });
    await store.set('foreign:{dave}:count', 'not a number');
    await expectCode(counters.incr('dave'), 'E_LLM_CACHE_NOT_A_COUNTER');
    expect(await store.get('foreign:{dave}:count')).toBe('not a number');
    await store.hset('foreign:{erin}:count', { field: 'value' });
    await expectCode(counters.incr('erin'), 'E_LLM_CACHE_NOT_A_COUNTER');
  });

  it('refuses a bad id or amount before any round trip', async () => {
    const counters = createLlmCache({ store });
    for (const by of [0, -1, 1.5, Number.NaN, 2 ** 53])
      await expectCode(counters.incr('x', by), 'E_INVALID_ARGUMENT');
    for (const id of ['', 'a{b', 'c}']) await expectCode(counters.incr(id), 'E_INVALID_ARGUMENT');
    expect(await store.get('rf:llm-cache:{x}:count')).toBeNull();
  });

  it('reports each call on the feature-event hub of the underlying store', async () => {
    const counters = createLlmCache({ store, prefix: 'events:' });
    const seen: FeatureEvent[] = [];
    // Listening on the root store hears a feature built on a namespace view of it: one hub.
    const off = featureEvents(root).on('operation', (event) => seen.push(event));
    try {
      await counters.incr('frank');
      await store.set('events:{gina}:count', 'text');
      await expectCode(counters.incr('gina'), 'E_LLM_CACHE_NOT_A_COUNTER');
    } finally {
      off();
    }
    expect(
      seen.map(({ feature, operation, outcome, error }) => ({ feature, operation, outcome, error })),
    ).toEqual([
      { feature: 'llm-cache', operation: 'incr', outcome: 'ok', error: undefined },
      {
        feature: 'llm-cache',
        operation: 'incr',
        outcome: 'error',
        error: 'E_LLM_CACHE_NOT_A_COUNTER',
      },
    ]);
    for (const event of seen) expect(event.durationMs).toBeGreaterThanOrEqual(0);
  });
});

describe('on the memory store’s clock', () => {
  let now = 1_700_000_000_000;
  const store = memoryAdapter({ clock: () => now, sweepIntervalMs: 0 });
  afterAll(() => store.close());

  it('starts again from 0 when the window has passed, and never extends it', async () => {
    const counters = createLlmCache({ store, window: '10s' });
    expect(await counters.incr('alice')).toEqual({ count: 1, expiresIn: 10_000 });
    now += 9_999;
    expect(await counters.incr('alice')).toEqual({ count: 2, expiresIn: 1 });
    now += 1;
    expect(await counters.incr('alice')).toEqual({ count: 1, expiresIn: 10_000 });
  });
});

describe('options', () => {
  const store = memoryAdapter({ sweepIntervalMs: 0 });
  afterAll(() => store.close());

  it('names the bad field in E_INVALID_OPTIONS', () => {
    const bad: Array<[unknown, string]> = [
      [{}, 'createLlmCache: store: expected a RaptorFlow KV store'],
      [{ store, window: '1.5ms' }, 'createLlmCache: window: expected a whole number of milliseconds'],
      [{ store, window: 0 }, 'createLlmCache: window: expected a duration >= 1 ms'],
      [{ store, windw: '1m' }, 'createLlmCache: windw: is not an option'],
    ];
    for (const [options, message] of bad) {
      expect(() => createLlmCache(options as never)).toThrowError(
        expect.objectContaining({ code: 'E_INVALID_OPTIONS', message: expect.stringContaining(message) }),
      );
    }
  });
});
