import { respCommand } from '@raptorflow/testkit';
import { describe, expect, inject, it } from 'vitest';
import { luaNumberToString, twinResultToReply } from '../src/driver/index.js';

// What Lua 5.1 inside Redis does to a number passed to redis.call: the twin must do the same.
const SCRIPT = "redis.call('SET', KEYS[1], tonumber(ARGV[1])) return redis.call('GET', KEYS[1])";

describe('Lua number conversion matches Redis', () => {
  const samples = [
    '0',
    '1',
    '-1',
    '0.1',
    '0.5',
    '1.5',
    '3.0',
    '-0.25',
    '123456789012345',
    '1e14',
    '99999999999999',
    '100000000000000',
    '1700000000000',
    '1.23456789012345678',
    '1e-5',
    '0.0001',
    '1e21',
    '-1e300',
    '2.5e-7',
    '33.333333333333336',
    '12345.678901234567',
    '-0',
    '9.999999999999999e16',
    '1e17',
    '0.00001234',
    '5e-324',
  ];

  it.each(samples)('%s', async (text) => {
    const { redis } = inject('raptorflow');
    const reply = await respCommand(redis.host, redis.port, ['EVAL', SCRIPT, '1', `lua-num:${text}`, text]);
    expect(luaNumberToString(Number(text))).toBe(reply);
  });
});

describe('twin results follow Lua reply rules', () => {
  it('truncates numbers, maps booleans, and ends arrays at nil', () => {
    expect(twinResultToReply(3.9)).toBe(3);
    expect(twinResultToReply(-3.9)).toBe(-3);
    expect(twinResultToReply(true)).toBe(1);
    expect(twinResultToReply(false)).toBe(null);
    expect(twinResultToReply(['a', 1.5, null, 'gone'])).toEqual(['a', 1]);
    expect(twinResultToReply(['a', false, 'b'])).toEqual(['a', null, 'b']);
  });
});

describe('a Lua number returned by a script is the integer reply Redis sends', () => {
  // Found by the full-size differential test: INCRBY to 2^63 - 2, then a script returning the
  // value with tonumber: Redis replied LLONG_MIN, the twin +9.2e18.
  it.each([
    '9223372036854775806',
    '9223372036854775807',
    '-9223372036854775808',
    '1e19',
    '-1e19',
    'inf',
    '-inf',
    'nan',
    '9.2233720368547e18',
    '-3.9',
    '123456789012345',
  ])('return tonumber(%s)', async (text) => {
    const { redis } = inject('raptorflow');
    const reply = await respCommand(redis.host, redis.port, ['EVAL', 'return tonumber(ARGV[1])', '0', text]);
    expect(
      twinResultToReply(
        Number(text === 'nan' ? Number.NaN : text === 'inf' ? Infinity : text === '-inf' ? -Infinity : text),
      ),
    ).toBe(Number(reply));
  });
});
