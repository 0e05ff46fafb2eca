import type { KvStore } from '@raptorflow/core';
import { randomPrefix, scanAll, storeMatrix } from '@raptorflow/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { type KvRecord, newCounters, parseRecord, readRecords, writeRecords } from '../src/records.js';

const RECORDS: KvRecord[] = [
  { key: 's', type: 'string', value: 'ünï ✓ 🦖 "quoted"\nline', ttl: 600_000 },
  { key: 'empty', type: 'string', value: '', ttl: null },
  { key: 'h', type: 'hash', value: { a: '1', '': 'empty field', ü: '' }, ttl: null },
  { key: 'l', type: 'list', value: ['b', 'a', 'b', ''], ttl: 600_000 },
  { key: 's2', type: 'set', value: ['x', 'y'], ttl: null },
  {
    key: 'z',
    type: 'zset',
    value: [
      ['bottom', '-inf'],
      ['neg', -1.5],
      ['zero', 0],
      ['top', 'inf'],
    ],
    ttl: 600_000,
  },
];

describe.each(storeMatrix())('the JSON Lines records on $name', ({ create }) => {
  let store: KvStore | undefined;
  afterAll(async () => {
    if (store) await store.del(await scanAll(store));
  });

  it('write then read gives the same records, TTLs counted down, in 1 + 2 round trips', async () => {
    store = (await create()).namespace(randomPrefix());
    const written = newCounters();
    const result = await writeRecords(store, RECORDS, written);
    expect(result).toEqual({ written: RECORDS.length, errors: [] });
    expect(written.roundTrips).toBe(1);
    const read = newCounters();
    const { records, skipped } = await readRecords(store, [...RECORDS.map((r) => r.key), 'absent'], read);
    expect(read.roundTrips).toBe(2);
    expect(skipped).toBe(1);
    const norm = (r: KvRecord) => ({
      ...r,
      value: r.type === 'set' ? [...r.value].sort() : r.value,
      ttl: r.ttl === null,
    });
    expect(records.map(norm)).toEqual(RECORDS.map(norm));
    for (const r of records) {
      const original = RECORDS.find((o) => o.key === r.key)?.ttl;
      if (typeof original === 'number') {
        expect(r.ttl).toBeLessThanOrEqual(original);
        expect(r.ttl).toBeGreaterThan(original - 60_000);
      }
    }
    // Writing again replaces (a list is not appended to).
    await writeRecords(store, RECORDS, newCounters());
    expect(await store.lrange('l', 0, -1)).toEqual(['b', 'a', 'b', '']);
  });

  it('a record whose TTL is spent, or an empty container, is not written', async () => {
    const ns = (await create()).namespace(randomPrefix());
    const result = await writeRecords(
      ns,
      [
        { key: 'spent', type: 'string', value: 'x', ttl: 0 },
        { key: 'nothing', type: 'list', value: [], ttl: null },
      ],
      newCounters(),
    );
    expect(result.written).toBe(0);
    expect(await ns.exists(['spent', 'nothing'])).toBe(0);
  });
});

describe('parseRecord', () => {
  it('reads every record it writes', () => {
    for (const r of RECORDS) expect(parseRecord(JSON.stringify(r))).toEqual(r);
  });

  it.each([
    ['not JSON', '{"key":', /JSON/],
    ['an array', '[1,2]', /not a JSON object/],
    ['no key', '{"type":"string","value":"v","ttl":null}', /"key"/],
    ['an unknown type', '{"key":"k","type":"stream","value":"v","ttl":null}', /"type"/],
    [
      'a value of the wrong shape',
      '{"key":"k","type":"hash","value":["a"],"ttl":null}',
      /does not fit type hash/,
    ],
    [
      'a zset score that is not a number',
      '{"key":"k","type":"zset","value":[["m","high"]],"ttl":null}',
      /does not fit/,
    ],
    ['a TTL that is text', '{"key":"k","type":"string","value":"v","ttl":"1s"}', /"ttl"/],
  ])('refuses %s with a message saying what is wrong', (_name, line, message) => {
    expect(() => parseRecord(line)).toThrowError(message);
  });
});
