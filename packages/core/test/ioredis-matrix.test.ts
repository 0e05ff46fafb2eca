import { describe, expect, it } from 'vitest';
import type { KvStore } from '../src/index.js';
import { randomPrefix, storeMatrix } from '../src/testing/index.js';

// Other entries (upstash, layer stacks) are added by their owners; these three must stay first.
const names = ['memory', 'ioredis', 'ioredis cluster'];

describe.each(storeMatrix())('storeMatrix entry $name', (entry) => {
  it('creates a working store whose capabilities match the entry', async () => {
    const store = (await entry.create()).namespace(randomPrefix());
    expect(store.capabilities).toEqual(entry.capabilities);
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    expect(await store.del('k')).toBe(1);
  });
});

const opened: KvStore[] = [];
describe('storeMatrix closes what it created (afterAll of the suite that called it)', () => {
  const matrix = storeMatrix();
  it('lists memory, ioredis and ioredis cluster', async () => {
    expect(matrix.map((e) => e.name).slice(0, 3)).toEqual(names);
    expect(new Set(matrix.map((e) => e.name)).size).toBe(matrix.length);
    expect(matrix.slice(0, 3).map((e) => e.capabilities.cluster)).toEqual([false, false, true]);
    for (const entry of matrix) opened.push(await entry.create());
    for (const store of opened) await store.ping();
  });
});

describe('after the suite that created them', () => {
  it('the stores are closed', async () => {
    expect(opened.length).toBeGreaterThanOrEqual(3);
    for (const store of opened) await expect(store.ping()).rejects.toMatchObject({ code: 'E_CLOSED' });
  });
});

describe('storeMatrix options', () => {
  it('only picks entries; dispose closes without autoClose', async () => {
    const matrix = storeMatrix({ only: ['ioredis'], autoClose: false });
    expect(matrix.map((e) => e.name)).toEqual(['ioredis']);
    const store = await (matrix[0] as (typeof matrix)[number]).create();
    await store.ping();
    await matrix.dispose();
    await expect(store.ping()).rejects.toMatchObject({ code: 'E_CLOSED' });
  });
});
