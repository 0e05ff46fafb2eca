import { describe, expect, it } from 'vitest';
import { BlockCache } from '../src/block-cache.js';

describe('BlockCache', () => {
  it('holds at most max entries; the one written longest ago goes first', () => {
    const cache = new BlockCache(3);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    // Writing `a` again makes it the newest: `b` is now the oldest.
    cache.set('a', 4);
    cache.set('d', 5);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([4, 3, 5]);
    // A read does not refresh: `c` is still the oldest.
    cache.get('c');
    cache.set('e', 6);
    expect(cache.get('c')).toBeUndefined();
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(2);
  });
});
