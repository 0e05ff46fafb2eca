import { type KvStore, scriptSha } from '@raptorflow/core';
import { randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeIncrementArgs, INCREMENT, LLM_CACHE_SCRIPTS } from '../src/index.js';

describe('scripts', () => {
  it('each declares its keys, has a package-scoped name and the SHA of its Lua', () => {
    expect(LLM_CACHE_SCRIPTS.length).toBeGreaterThan(0);
    for (const script of LLM_CACHE_SCRIPTS) {
      expect(script.name).toMatch(/^llm-cache-[a-z-]+$/);
      expect(script.keys).toBeTypeOf('number');
      expect(script.sha).toBe(scriptSha(script.lua));
    }
    expect(new Set(LLM_CACHE_SCRIPTS.map((s) => s.name)).size).toBe(LLM_CACHE_SCRIPTS.length);
  });

  it('encodes ARGV as strings', () => {
    expect(encodeIncrementArgs(3, 60_000)).toEqual(['3', '60000']);
  });
});

// The same cases through the twin (memory) and the Lua (redis-server): both must give these replies.
describe.each(storeMatrix({ only: ['memory', 'ioredis'] }))('INCREMENT on $name', ({ create }) => {
  let store: KvStore;
  beforeAll(async () => {
    store = (await create()).namespace(randomPrefix());
  });

  it('creates, adds to and refuses like its specification', async () => {
    expect(await store.eval(INCREMENT, ['n'], encodeIncrementArgs(2, 5_000))).toEqual({
      count: 2,
      expiresIn: 5_000,
    });
    const again = await store.eval(INCREMENT, ['n'], encodeIncrementArgs(3, 9_000));
    expect(again?.count).toBe(5);
    // The window is set once: a later call with another window keeps the first.
    expect(again?.expiresIn).toBeLessThanOrEqual(5_000);
    expect(await store.pttl('n')).toBeLessThanOrEqual(5_000);

    await store.set('text', 'abc');
    expect(await store.eval(INCREMENT, ['text'], encodeIncrementArgs(1, 5_000))).toBeNull();
    await store.hset('hash', { f: 'v' });
    expect(await store.eval(INCREMENT, ['hash'], encodeIncrementArgs(1, 5_000))).toBeNull();
    // A refused call writes nothing: the foreign value keeps no TTL.
    expect(await store.pttl('text')).toBe(-1);

    await store.set('persistent', '7');
    expect(await store.eval(INCREMENT, ['persistent'], encodeIncrementArgs(1, 4_000))).toEqual({
      count: 8,
      expiresIn: 4_000,
    });
  });
});
