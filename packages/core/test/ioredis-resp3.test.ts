import { describe, expect, it } from 'vitest';
import { formatDouble, normaliseReply } from '../src/adapters/ioredis.js';
import { parseDouble } from '../src/driver/index.js';

describe('ioredis RESP3 → RESP2 reply normalisation', () => {
  it('flattens maps (objects and Maps), sets, booleans and big numbers under replyMapping resp3', () => {
    expect(normaliseReply('HGETALL', { f: 'v', g: 'w' }, 'resp3')).toEqual(['f', 'v', 'g', 'w']);
    expect(normaliseReply('EVAL', new Map<unknown, unknown>([['a', { b: true }]]), 'resp3')).toEqual([
      'a',
      ['b', 1],
    ]);
    expect(normaliseReply('SMEMBERS', new Set(['x']), 'resp3')).toEqual(['x']);
    expect(normaliseReply('EVAL', [true, false, 12n, null, 1.5, 7], 'resp3')).toEqual([
      1,
      0,
      '12',
      null,
      '1.5',
      7,
    ]);
  });

  it('turns every number of a double-bearing reply into a double string, integers included', () => {
    expect(normaliseReply('ZSCORE', 5, 'resp3')).toBe('5');
    expect(normaliseReply('ZSCORE', Number.POSITIVE_INFINITY, 'resp3')).toBe('inf');
    expect(
      normaliseReply(
        'ZRANGEBYSCORE',
        [
          ['a', 1],
          ['b', -Infinity],
        ],
        'resp3',
      ),
    ).toEqual(['a', '1', 'b', '-inf']);
    expect(normaliseReply('ZCARD', 5, 'resp3')).toBe(5);
  });

  it('flattens nested WITHSCORES pairs under the legacy mapping and leaves other replies alone', () => {
    expect(
      normaliseReply(
        'ZPOPMIN',
        [
          ['a', '1'],
          ['b', '2'],
        ],
        'legacy',
      ),
    ).toEqual(['a', '1', 'b', '2']);
    expect(normaliseReply('ZPOPMIN', ['a', '1'], 'legacy')).toEqual(['a', '1']);
    expect(normaliseReply('LRANGE', [['x']] as never, 'legacy')).toEqual([['x']]);
    const reply = ['a'];
    expect(normaliseReply('GET', reply, 'none')).toBe(reply);
  });

  it('formats doubles as Redis 7.0 does (%.17g), parsing back to the same number', () => {
    const cases: Array<[number, string]> = [
      [1.1, '1.1000000000000001'],
      [0.1, '0.10000000000000001'],
      [6, '6'],
      [-2.5, '-2.5'],
      [1.5e20, '1.5e+20'],
      [1e-5, '1.0000000000000001e-05'],
      [Number.NaN, 'nan'],
    ];
    for (const [n, text] of cases) {
      expect(formatDouble(n)).toBe(text);
      if (!Number.isNaN(n)) expect(parseDouble(formatDouble(n))).toBe(n);
    }
  });
});
